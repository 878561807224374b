"""The same photo sent twice at once (a cadre taps 上传 twice on a slow network) is filed once.

石桥村's team photographs 王秀英's finished house; the phone sends the upload twice, the two
requests arriving together (the same photo was already filed as the appraisal, so its
file is kept already). One is filed; the other is told 已上传过, as it would be a
minute later. (The race needs PostgreSQL's concurrent writers to show; SQLite queues them.)
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import pytest
from django.db import connection

from fangfan.web.evidence import actions
from fangfan.web.evidence.models import EvidenceItem
from fangfan.web.evidence.testing import camera_photo

from .monitoring.test_report_concurrency import database_for_threads as database_for_threads
from .monitoring.test_report_concurrency import in_a_thread
from .test_evidence import APPRAISAL, _client, _upload
from .test_evidence import cast as cast  # the fixture

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.usefixtures("database_for_threads")  # on SQLite a file copy the threads can share
def test_the_same_photo_sent_twice_at_the_same_moment_is_filed_once(cast, monkeypatch):
    both_checked = threading.Barrier(2, timeout=3)
    keep = actions.keep

    def keep_then_wait(checked: Any) -> Any:
        stored = keep(checked)
        # Both requests have their file before either looks for an earlier upload (or, when the
        # other waits for this household, this one goes on alone after the timeout).
        with contextlib.suppress(threading.BrokenBarrierError):
            both_checked.wait()
        return stored

    photo, codes = camera_photo(), []
    # The photo is already kept (filed as the appraisal too): nothing else makes them wait.
    first = in_a_thread(
        lambda: _upload(_client(cast["village"]), cast["wang"], photo, "鉴定.jpg", need=APPRAISAL)
    )
    assert first.status_code == 302
    monkeypatch.setattr(actions, "keep", keep_then_wait)

    def send() -> None:
        try:
            codes.append(_upload(_client(cast["village"]), cast["wang"], photo, "竣工照片.jpg").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(codes) == [302, 400]
    assert in_a_thread(EvidenceItem.objects.count) == 2  # the appraisal and one completion photo

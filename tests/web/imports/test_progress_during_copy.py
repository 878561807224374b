"""An upload's progress is written to the database while PostgreSQL's COPY loads a publish's rows.

The progress row is written on the connection the COPY uses (the same thread's): psycopg holds
the connection's lock for as long as a COPY is open, so a write from inside it waited for ever
(the worker idle, PostgreSQL `ClientRead` in `COPY "stage_registry_household"`: a city's upload
stopped at 写入农户). The loaders tell the progress once the COPY is over (`loading`). Here the
COPY is cut into several chunks and every advance writes, as at city scale; a hang fails the
test after `HANG_SECONDS` instead of hanging the suite.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import polars as pl
import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client

from fangfan.web.accounts.models import User
from fangfan.web.imports import progress as progress_module
from fangfan.web.imports.models import Upload
from fangfan.web.imports.progress import UploadProgress
from fangfan.web.registry.models import DepartmentRecord, Run
from fangfan.web.shared import loading

from .test_upload_processing import ROWS_DROPPED, _roll, _send

HANG_SECONDS = 60  # far beyond what these loads take (well under a second each)


@contextmanager
def fails_if_it_hangs(seconds: float = HANG_SECONDS) -> Iterator[None]:
    """Raise TimeoutError in the block after `seconds` (SIGALRM interrupts a lock's wait)."""
    assert threading.current_thread() is threading.main_thread(), "SIGALRM reaches the main thread only"

    def stop(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"still waiting after {seconds} s: the load hangs")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _upload(user: User) -> Upload:
    return Upload.objects.create(
        uploaded_by=user,
        region=user.region,
        feed="school_roll",
        stored_file="uploads/x.csv",
        original_name="x.csv",
        size=1,
        as_of="2026-10-31",
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_upload_published_with_its_progress_written_at_every_chunk_does_not_hang(
    client: Client,
    cast: dict[str, User],
    baseline: Any,
    exports: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The city's case at the test city's size: 120 households staged in chunks of 25 rows
    (a city's 600,000 in chunks of 100,000), each advance written, through the database worker."""
    monkeypatch.setattr(progress_module, "WRITE_INTERVAL_SECONDS", 0)
    monkeypatch.setattr(loading, "CSV_ROWS", 25)
    before = Run.objects.current()
    assert before is not None
    records_before = DepartmentRecord.objects.filter(
        feed="school_roll", snapshot_id=before.snapshot_id
    ).count()
    workbook = tmp_path / "学籍信息（10月）.csv"
    _roll(exports).slice(ROWS_DROPPED).write_csv(workbook)
    upload = _send(client, cast["school"], workbook)

    with fails_if_it_hangs():
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    upload.refresh_from_db()
    assert upload.status == Upload.Status.DONE, upload.outcome
    current = Run.objects.current()
    assert current is not None and current.run_id == upload.run_id != before.run_id
    records = DepartmentRecord.objects.filter(feed="school_roll", snapshot_id=current.snapshot_id).count()
    assert records == records_before - ROWS_DROPPED
    assert "写入农户" in {step["name"] for step in upload.timings}


@pytest.mark.django_db(transaction=True)
def test_a_staged_load_tells_every_row_to_an_uploads_progress_without_hanging(
    cast: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`Loader.stage` outside a transaction (as a publish stages its households), several chunks."""
    from fangfan.web.registry.models import Household

    monkeypatch.setattr(progress_module, "WRITE_INTERVAL_SECONDS", 0)
    monkeypatch.setattr(loading, "CSV_ROWS", 7)
    upload = _upload(cast["school"])
    progress = UploadProgress(upload)
    progress.start("写入农户", total=40)
    frame = pl.DataFrame({"household_id": [f"H{number:04d}" for number in range(40)]})

    with fails_if_it_hangs():
        name = loading.loader().stage(Household, frame, lambda rows: progress.advance("写入农户", rows))

    upload.refresh_from_db()
    assert (upload.step, upload.step_done, upload.step_total) == ("写入农户", 40, 40)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), count(DISTINCT household_id) FROM {connection.ops.quote_name(name)}"
        )
        assert cursor.fetchone() == (40, 40)
    loading.drop_stage(Household)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a table loaded beside another is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_a_shadow_tables_parts_loaded_inside_a_transaction_tell_the_progress_without_hanging(
    cast: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`ShadowTable.copy_parts` inside the caller's transaction COPYs on the caller's connection."""
    monkeypatch.setattr(progress_module, "WRITE_INTERVAL_SECONDS", 0)
    monkeypatch.setattr(loading, "CSV_ROWS", 5)
    upload = _upload(cast["school"])
    progress = UploadProgress(upload)
    progress.start("写入部门数据", total=30)
    shadow = loading.ShadowTable(DepartmentRecord)
    text = ["id_as_written", "linked_id_number", "name", "note", "source_file", "source_sheet"]
    parts = [
        pl.DataFrame(
            {
                "snapshot_id": "s-test",
                "feed": "water_supply",
                "village_code": "621226100201",
                "method": "village",
                "source_row": list(range(start, start + 15)),
                **{column: "" for column in text},
            }
        )
        for start in (2, 17)
    ]
    try:
        with fails_if_it_hangs(), transaction.atomic():
            shadow.create()
            count = shadow.copy_parts(parts, lambda rows: progress.advance("写入部门数据", rows))
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(shadow.next)}")
                assert cursor.fetchone() == (30,)
            upload.refresh_from_db()
            assert (upload.step, upload.step_done) == ("写入部门数据", 30)
        assert count == 30
    finally:
        shadow.drop()

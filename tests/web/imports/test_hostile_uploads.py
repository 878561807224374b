"""Every file of the hostile corpus (tests/hostile/corpus.py) through a web upload (issue 20, part 1).

杨礼县学籍, 礼县's school-roll officer, uploads each file as 礼县's school roll and the
worker processes it (`process_upload`). A file the engine cannot use fails with a Chinese
reason and no library text or server path; nothing reaches the office's input set, the
snapshot store or the published run. A file it can use is imported, linked, screened and
published with its three pupils, names exact.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.test import Client

from fangfan.engine.snapshot import SnapshotStore
from fangfan.web.accounts.models import User
from fangfan.web.imports.inputs import InputSet
from fangfan.web.imports.models import Upload
from hostile.corpus import CASES, Case

from .test_upload_safety import _published, _send, assert_plain_chinese

# A file of 0 bytes never becomes an upload: the form refuses it (the last test).
EMPTY = [case for case in CASES if case.name.startswith("empty_")]
REFUSED = [case for case in CASES if (not case.imported or case.web_refusal) and case not in EMPTY]
USED = [case for case in CASES if case.imported and not case.web_refusal]


def _store_files() -> set[str]:
    root = SnapshotStore().root
    return {str(path.relative_to(root)) for path in root.rglob("*")} if root.exists() else set()


@pytest.mark.parametrize("case", REFUSED, ids=[case.name for case in REFUSED])
@pytest.mark.django_db(transaction=True)
def test_a_hostile_upload_is_refused_in_chinese_and_nothing_is_kept(
    case: Case, client: Client, cast: dict[str, User], home: Path, tmp_path: Path
) -> None:
    path = case.build(tmp_path)
    upload = _send(client, cast["county_school"], path)

    assert upload.status == Upload.Status.FAILED, upload.outcome
    # The upload is the file (its page names it): the reason need not repeat its name.
    for words in case.web_refusal or case.refusal:
        assert words == path.name or words in upload.outcome, upload.outcome
    assert "没有使用" in upload.outcome and "当前使用的数据没有改变" in upload.outcome
    assert_plain_chinese(upload.outcome, path.name)
    for problem in upload.problems.all():
        assert_plain_chinese(problem.message, path.name)
    assert not InputSet().files() and not _store_files()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_hostile_uploads_never_change_the_published_data_and_readable_ones_are_published(
    client: Client, cast: dict[str, User], baseline: Any, tmp_path: Path, settings: Any
) -> None:
    # One pupil of three with a bad ID (newlines_and_quotes) would wait for the city office;
    # holding is tested elsewhere, reading here.
    settings.FANGFAN_UPLOAD_HOLD_VALID_ID_DROP = 100
    for case in REFUSED:
        before = _published(baseline)
        (tmp_path / case.name).mkdir()
        upload = _send(client, cast["county_school"], case.build(tmp_path / case.name))
        assert upload.status == Upload.Status.FAILED, (case.name, upload.outcome)
        assert _published(baseline) == before, case.name
    for case in USED:
        (tmp_path / case.name).mkdir()
        path = case.build(tmp_path / case.name)
        upload = _send(client, cast["county_school"], path)
        assert upload.status == Upload.Status.DONE, (case.name, upload.outcome)
        roll = SnapshotStore().get(upload.snapshot_id).read("school_roll")
        sent = roll.filter(pl.col("_file") == f"upload-{upload.pk}/{path.name}")
        assert sent.height == case.rows, case.name
        assert set(case.names) <= set(sent["name"].to_list()), case.name
        assert _published(baseline)[0] == upload.run_id


@pytest.mark.parametrize("case", EMPTY, ids=[case.name for case in EMPTY])
@pytest.mark.django_db(transaction=True)
def test_an_empty_file_is_refused_by_the_upload_form(
    case: Case, client: Client, cast: dict[str, User], home: Path, tmp_path: Path
) -> None:
    path = case.build(tmp_path)
    client.force_login(cast["county_school"])
    with path.open("rb") as stream:
        response = client.post(
            "/imports/new/", {"feed": "school_roll", "file": stream, "as_of": "2026-10-31"}
        )
    assert response.status_code == 200 and "上传的文件是空的" in response.content.decode()
    assert not Upload.objects.exists()

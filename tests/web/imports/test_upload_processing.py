"""An upload's way to a run: checked, imported with the office's other files, screened, published.

The office's set is the generated city (`baseline`), published once per test. Each story:
- 刘学籍 sends this month's school roll as a workbook, a few pupils fewer: a new run;
- 刘学籍 sends a school roll whose ID column came out empty: nothing can be used, so it is
  refused row by row and last month's run stays current;
- 刘学籍 picks the wrong file (户信息) or a workbook that lost a column: refused at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.core.management import call_command
from django.test import Client

from fangfan.engine.snapshot import SnapshotStore
from fangfan.web.accounts.models import User
from fangfan.web.imports import actions
from fangfan.web.imports import progress as progress_module
from fangfan.web.imports.inputs import InputSet
from fangfan.web.imports.models import Upload
from fangfan.web.imports.processing import process_upload
from fangfan.web.imports.progress import UploadProgress
from fangfan.web.registry.models import DepartmentRecord, Run

SCHOOL_ROLL = "学籍信息.csv"
ROWS_DROPPED = 5


def _roll(exports: Path) -> pl.DataFrame:
    return pl.read_csv(exports / SCHOOL_ROLL, infer_schema=False)


def _send(client: Client, user: User, path: Path, feed: str = "school_roll") -> Upload:
    client.force_login(user)
    with path.open("rb") as stream:
        response = client.post("/imports/new/", {"feed": feed, "file": stream, "as_of": "2026-10-31"})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Upload.objects.latest("pk")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_good_school_roll_becomes_the_current_run_through_the_database_worker(
    client: Client, cast: dict[str, User], baseline: Any, exports: Path, tmp_path: Path
) -> None:
    before = Run.objects.current()
    assert before is not None and before.run_id == baseline.run_id
    records_before = DepartmentRecord.objects.filter(
        feed="school_roll", snapshot_id=before.snapshot_id
    ).count()
    workbook = tmp_path / "学籍信息（10月）.xlsx"
    _roll(exports).slice(ROWS_DROPPED).write_excel(workbook, worksheet="学籍")

    upload = _send(client, cast["school"], workbook)
    assert upload.task_id, "the upload was not handed to the worker"
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    upload.refresh_from_db()
    assert upload.status == Upload.Status.DONE, upload.outcome
    current = Run.objects.current()
    assert current is not None and current.run_id == upload.run_id != before.run_id
    assert upload.snapshot_id == current.snapshot_id != before.snapshot_id
    assert upload.findings == current.findings
    records = DepartmentRecord.objects.filter(feed="school_roll", snapshot_id=current.snapshot_id).count()
    assert records == records_before - ROWS_DROPPED
    assert upload.tables == ["school_roll"] and upload.started_at and upload.finished_at
    steps = [step["name"] for step in upload.timings]
    assert steps[0] == "检查上传的文件" and {"读取文件", "执行筛查规则"} <= set(steps)
    roll_files = [item for item in InputSet().files() if "school_roll" in item.tables]
    assert [(item.path, item.upload_id) for item in roll_files] == [
        (f"upload-{upload.pk}/学籍信息（10月）.xlsx", upload.pk)
    ]
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.get(id=upload.task_id).status == "SUCCESSFUL"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_school_roll_without_one_usable_row_is_refused_and_last_months_run_stays(
    client: Client, cast: dict[str, User], baseline: Any, exports: Path, tmp_path: Path
) -> None:
    roll = _roll(exports).with_columns(pl.lit(None, dtype=pl.String).alias("身份证号"))
    broken = tmp_path / "学籍信息.csv"
    roll.write_csv(broken)

    upload = _send(client, cast["school"], broken)
    process_upload(upload.pk)

    upload.refresh_from_db()
    assert upload.status == Upload.Status.FAILED
    assert "没有一行可以导入" in upload.outcome and "当前使用的数据没有改变" in upload.outcome
    assert upload.problem_count == roll.height and upload.excluded_rows == roll.height
    first = upload.problems.order_by("position").first()
    assert first is not None
    assert (first.row, first.column, first.action) == (2, "身份证号", "excluded")
    assert "必填项为空" in first.message
    assert Run.objects.count() == 1 and Run.objects.current().run_id == baseline.run_id  # type: ignore[union-attr]
    assert SnapshotStore().latest().id == baseline.snapshot.id
    assert "demo/学籍信息.csv" in {item.path for item in InputSet().files()}

    client.force_login(cast["school"])
    page = client.get(f"/imports/{upload.pk}/").content.decode()
    assert "失败" in page and "必填项为空" in page and "<td>身份证号</td>" in page
    workbook = client.get(f"/imports/{upload.pk}/problems.xlsx")
    frame = pl.read_excel(workbook.content)
    assert frame.height == roll.height and frame["列"][0] == "身份证号" and frame["行号"][0] == "2"


@pytest.mark.django_db(transaction=True)
def test_the_wrong_table_is_refused_before_anything_is_imported(
    client: Client, cast: dict[str, User], home: Path, exports: Path
) -> None:
    upload = _send(client, cast["school"], exports / "户信息.csv")
    process_upload(upload.pk)
    upload.refresh_from_db()
    assert upload.status == Upload.Status.FAILED and upload.tables == ["households"]
    assert "识别出的是「户信息」" in upload.outcome and "您的账号不能上传这类数据" in upload.outcome
    assert not (home / "snapshots").exists() and not InputSet().files()


@pytest.mark.django_db(transaction=True)
def test_a_workbook_that_lost_a_required_column_is_refused_naming_the_sheet(
    client: Client, cast: dict[str, User], home: Path, exports: Path, tmp_path: Path
) -> None:
    workbook = tmp_path / "学籍.xlsx"
    _roll(exports).drop("学籍状态").write_excel(workbook, worksheet="在校生")
    upload = _send(client, cast["school"], workbook)
    process_upload(upload.pk)
    upload.refresh_from_db()
    assert upload.status == Upload.Status.FAILED
    assert "工作表「在校生」" in upload.outcome and "缺少必需的列：学籍状态" in upload.outcome
    problem = upload.problems.get()
    assert (problem.sheet, problem.code, problem.action) == ("在校生", "COLUMN_MISSING", "file")


@pytest.mark.django_db
def test_progress_records_the_step_its_count_and_each_finished_steps_time(
    cast: dict[str, User], home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress_module, "WRITE_INTERVAL_SECONDS", 0)
    upload = Upload.objects.create(
        uploaded_by=cast["school"],
        region=cast["school"].region,
        feed="school_roll",
        stored_file="uploads/x.csv",
        original_name="x.csv",
        size=1,
        as_of="2026-10-31",
    )
    progress = UploadProgress(upload)
    progress.start("读取文件", total=3)
    progress.advance("读取文件", 2)
    upload.refresh_from_db()
    assert (upload.step, upload.step_done, upload.step_total) == ("读取文件", 2, 3)
    progress.finish("读取文件")
    progress.start("校验数据")
    upload.refresh_from_db()
    assert (upload.step, upload.step_done, upload.step_total) == ("校验数据", 0, None)
    assert [step["name"] for step in upload.timings] == ["读取文件"]
    assert upload.timings[0]["seconds"] >= 0


@pytest.mark.django_db
def test_an_upload_cut_off_by_a_dying_worker_is_marked_failed_when_the_service_restarts(
    cast: dict[str, User], home: Path
) -> None:
    fields = {"uploaded_by": cast["school"], "region": cast["school"].region, "feed": "school_roll"}
    fields.update(stored_file="uploads/x.csv", original_name="x.csv", size=1, as_of="2026-10-31")
    running = Upload.objects.create(status=Upload.Status.RUNNING, **fields)
    queued = Upload.objects.create(**fields)
    assert actions.fail_interrupted() == 1
    running.refresh_from_db()
    queued.refresh_from_db()
    assert running.status == Upload.Status.FAILED and "中断" in running.outcome and running.finished_at
    assert queued.status == Upload.Status.QUEUED

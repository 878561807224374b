"""Writes to uploads, each in one transaction and recorded in the audit trail.

People create uploads; the system (user None) moves them through their states.
"""

from __future__ import annotations

import datetime as dt
from pathlib import PurePath
from typing import Any

import polars as pl
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from fangfan.web import bounds
from fangfan.web.accounts.access import can
from fangfan.web.accounts.audit import field_values, record_change
from fangfan.web.accounts.models import UnmaskEvent, User
from fangfan.web.imports.models import Upload, UploadProblem, storage_name

# What the trail shows of a new upload: what was sent, not the bookkeeping columns.
CREATION_FIELDS = ("original_name", "feed", "size", "as_of", "status")
# How many problems one file keeps in the database; the engine's full report has them all.
MAX_PROBLEMS = 20_000


@transaction.atomic
def create_upload(user: User, file: UploadedFile[bytes], feed: str, as_of: dt.date) -> Upload:
    """Keep the file, record the upload and queue its processing once the transaction commits.

    Raises ValidationError (Chinese) for a data date before 2013 or after today.
    """
    if not can(user, "upload", feed):
        raise PermissionDenied("您的账号不能上传这类数据")
    # The form checks it too; here so that no other caller files data dated 9999.
    bounds.check_date(as_of, bounds.EARLIEST_EVENT, bounds.up_to_today, "数据截止日期")
    name = PurePath(file.name or "未命名文件").name[:255]
    stored = default_storage.save(storage_name(user.pk, name), file)
    upload = Upload(
        uploaded_by=user,
        region=user.region,
        feed=feed,
        original_name=name,
        size=file.size or 0,
        as_of=as_of,
        stored_file=stored,
    )
    upload.save()
    record_change(user, upload, {}, field_values(upload, CREATION_FIELDS), "create")
    transaction.on_commit(lambda: enqueue(upload))
    return upload


def enqueue(upload: Upload) -> None:
    """Hand the upload to the background worker (django-tasks)."""
    from fangfan.web.imports.tasks import process_upload_task

    result = process_upload_task.enqueue(upload.pk)
    Upload.all_objects.filter(pk=upload.pk).update(task_id=str(result.id))


@transaction.atomic
def start_processing(upload_id: int) -> Upload | None:
    """Claim a queued upload for processing; None if it is gone or another worker has it."""
    upload = Upload.objects.select_for_update().filter(pk=upload_id, status=Upload.Status.QUEUED).first()
    if upload is None:
        return None
    upload.update_audited(None, status=Upload.Status.RUNNING, started_at=timezone.now())
    return upload


@transaction.atomic
def fail_interrupted() -> int:
    """Mark uploads left 运行中 by a worker that died as failed; returns how many.

    Call it only when no worker is running (`fangfan demo` does before starting one).
    """
    interrupted = list(Upload.objects.select_for_update().filter(status=Upload.Status.RUNNING))
    for upload in interrupted:
        upload.update_audited(
            None,
            status=Upload.Status.FAILED,
            finished_at=timezone.now(),
            outcome="后台处理被中断（服务曾停止），当前使用的数据没有改变。请重新上传该文件。",
        )
    return len(interrupted)


@transaction.atomic
def fail_running(upload_id: int, outcome: str) -> bool:
    """Fail the upload if it is still 运行中 (its worker is gone: `liveness`); whether it was."""
    upload = Upload.objects.select_for_update().filter(pk=upload_id, status=Upload.Status.RUNNING).first()
    if upload is None:
        return False
    upload.update_audited(None, status=Upload.Status.FAILED, finished_at=timezone.now(), outcome=outcome)
    from django_tasks_db.models import DBTaskResult

    # The queue's own record of the task would say 运行中 for ever.
    if upload.task_id:
        DBTaskResult.objects.filter(id=upload.task_id, status="RUNNING").update(
            status="FAILED", finished_at=timezone.now()
        )
    return True


@transaction.atomic
def finish_processing(
    upload: Upload,
    *,
    problems: pl.DataFrame,
    tables: list[str],
    snapshot_id: str,
    run_id: str,
    findings: int,
    notes: list[str],
) -> None:
    """The upload's data is in: a new snapshot and run, and the problems found in its file."""
    upload.refresh_from_db(fields=["timings"])
    counts = _save_problems(upload, problems)
    upload.update_audited(
        None,
        status=Upload.Status.DONE,
        finished_at=timezone.now(),
        outcome=f"已导入并完成筛查：快照 {snapshot_id}，筛查批次 {run_id}，发现问题 {findings:,} 条。",
        tables=tables,
        snapshot_id=snapshot_id,
        run_id=run_id,
        findings=findings,
        notes=notes,
        **counts,
    )


@transaction.atomic
def fail_processing(
    upload: Upload,
    outcome: str,
    *,
    problems: pl.DataFrame | None = None,
    tables: list[str] | None = None,
    notes: list[str] | None = None,
) -> None:
    """The file was refused or the run broke: say why; the office's current data is unchanged."""
    upload.refresh_from_db(fields=["timings"])
    counts = _save_problems(upload, problems) if problems is not None else {}
    changes: dict[str, Any] = {
        "status": Upload.Status.FAILED,
        "finished_at": timezone.now(),
        "outcome": outcome,
    }
    if tables is not None:
        changes["tables"] = tables
    if notes is not None:
        changes["notes"] = notes
    upload.update_audited(None, **changes, **counts)


@transaction.atomic
def hold_processing(
    upload: Upload,
    *,
    comparison: list[dict[str, Any]],
    problems: pl.DataFrame,
    tables: list[str],
    notes: list[str],
) -> None:
    """The file is much poorer than the one in use: nothing is imported until the city office decides."""
    upload.refresh_from_db(fields=["timings"])
    counts = _save_problems(upload, problems)
    reasons = "；".join(reason for item in comparison for reason in item["reasons"])
    upload.update_audited(
        None,
        status=Upload.Status.HELD,
        finished_at=timezone.now(),
        outcome=f"与在用的文件相比：{reasons}。等待市级办公室确认，确认前不导入、不发布，当前使用的数据没有改变。",
        comparison=comparison,
        tables=tables,
        notes=notes,
        **counts,
    )


@transaction.atomic
def confirm_upload(user: User, upload_id: int) -> Upload:
    """The city office accepts a held file: it is queued again and processed to the end."""
    upload = _held_for(user, upload_id)
    upload.update_audited(
        user,
        status=Upload.Status.QUEUED,
        review=Upload.Review.CONFIRMED,
        reviewed_by=user,
        reviewed_at=timezone.now(),
        started_at=None,
        finished_at=None,
        step="",
        step_done=0,
        step_total=None,
    )
    transaction.on_commit(lambda: enqueue(upload))
    return upload


@transaction.atomic
def reject_upload(user: User, upload_id: int) -> Upload:
    """The city office refuses a held file: it is never used."""
    upload = _held_for(user, upload_id)
    upload.update_audited(
        user,
        status=Upload.Status.FAILED,
        review=Upload.Review.REJECTED,
        reviewed_by=user,
        reviewed_at=timezone.now(),
        finished_at=timezone.now(),
        outcome=f"市级办公室（{user.display_name}）未同意使用该文件，文件没有导入。当前使用的数据没有改变。",
    )
    return upload


def _held_for(user: User, upload_id: int) -> Upload:
    upload = Upload.objects.select_for_update().get(pk=upload_id)
    if not can(user, "confirm_upload", upload):
        raise PermissionDenied("只有市级办公室可以确认或驳回待确认的上传")
    if upload.status != Upload.Status.HELD:
        raise PermissionDenied("该上传不在待市级确认状态")
    return upload


@transaction.atomic
def record_file_download(user: User, upload: Upload, reason: str) -> None:
    """Downloading the original file shows every whole ID number in it: recorded as unmasking."""
    if not can(user, "unmask", upload):
        raise PermissionDenied("原始文件含有完整的个人信息，您没有下载权限")
    UnmaskEvent.objects.create(
        user=user,
        content_type=ContentType.objects.get_for_model(upload),
        object_id=str(upload.pk),
        object_repr=str(upload)[:200],
        field="stored_file",
        reason=reason,
    )


def _save_problems(upload: Upload, problems: pl.DataFrame) -> dict[str, int]:
    """Store the file's problems (replacing any kept when it was held); returns the counts."""
    upload.problems.all().delete()
    rows = [
        UploadProblem(
            upload=upload,
            position=position,
            sheet=str(item.get("sheet") or "")[:100],
            row=item.get("row"),
            table=str(item.get("table") or "")[:32],
            field=str(item.get("field") or "")[:64],
            column=str(item.get("column") or "")[:100],
            value=str(item.get("value") or "")[:200],
            code=str(item.get("code") or "")[:32],
            message=str(item.get("message") or "")[:300],
            action=_action(item),
        )
        for position, item in enumerate(problems.head(MAX_PROBLEMS).iter_rows(named=True), start=1)
    ]
    UploadProblem.objects.bulk_create(rows, batch_size=2_000)
    excluded = problems.filter((pl.col("action") == "excluded") & pl.col("row").is_not_null())
    return {
        "problem_count": problems.height,
        "excluded_rows": excluded.select("sheet", "row").n_unique() if excluded.height else 0,
    }


def _action(item: dict[str, Any]) -> str:
    if item.get("action") == "kept":
        return UploadProblem.Action.KEPT
    return UploadProblem.Action.EXCLUDED if item.get("row") is not None else UploadProblem.Action.FILE

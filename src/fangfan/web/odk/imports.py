"""`import_submissions`: an ODK Central / KoboToolbox export's rows recorded as visits.

**Per row, with a report.** A file that is not an export of the visit form (no instance
id column, no household or visit-date column, not a table at all) is refused whole and
nothing is written. Otherwise each submission is its own visit by its own household,
and one household that moved or one mistyped amount should not hold back a month of
other visits: every row that can be placed is recorded, every row that cannot is listed
in the import's report (row, column, value, problem) and written nowhere. The whole
import still runs in one transaction, so a failure half-way leaves nothing behind, and
each row's writes in a savepoint of their own, so a row the verb refuses leaves no trace.

A row is placed when its cells read (`engine.odk.submissions`), its household is in the
published registry and inside the uploader's region, and `record_visit` — the same verb
as the web form, which opens the monitoring lead — accepts it. A submission whose
instance id was imported before, or that appears twice in the file, is skipped and
counted as a duplicate, never recorded twice.

**Large exports in the background.** Called from the web with `may_defer`, an export of more
than `FANGFAN_ODK_INLINE_ROWS` rows is checked and read as above, then kept under MEDIA_ROOT
and imported by the worker (`tasks.import_waiting_task` → `import_waiting`) in the same one
transaction; its page shows the progress and then the same report. A failure there leaves no
visit, says so in Chinese, and the kept file is removed either way.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path, PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction

from fangfan.engine.odk.form import EXTRA_GUARANTEES, GUARANTEE_FIELDS, FormSpec
from fangfan.engine.odk.submissions import Submission as Row
from fangfan.engine.odk.submissions import SubmissionFile, SubmissionFileError, read_submissions
from fangfan.web.accounts.access import scope
from fangfan.web.accounts.models import User
from fangfan.web.monitoring import awareness
from fangfan.web.monitoring.actions.discovery import record_visit
from fangfan.web.monitoring.forms import VisitForm
from fangfan.web.odk.models import Submission, SubmissionImport
from fangfan.web.odk.schema import visit_form_spec
from fangfan.web.procedures.base import WorkflowError
from fangfan.web.registry.models import Household

logger = logging.getLogger(__name__)
SUFFIXES = (".csv", ".xlsx")
FAILED = "导入时出现系统错误，没有导入任何一行，请重新上传或联系系统管理员"
MAX_BYTES = 20 * 1024 * 1024
# Answers that show a guarantee not met, written into the visit's 走访情况.
FAILING = frozenset({"否", "C", "D"})


@dataclass(frozen=True)
class Unplaced:
    row: int
    column: str
    value: str
    problem: str
    household_id: str = ""


def import_submissions(user: User, upload: File[bytes], *, may_defer: bool = False) -> SubmissionImport:
    """Import one export (an upload, or a file the CLI opened); the returned record holds the
    counts and the unplaced rows. With `may_defer`, a large export is left 排队中 for the worker."""
    if not user.region:
        raise PermissionDenied("您的账号没有所属区划，不能导入")
    name = PurePath(upload.name or "").name or "上传的文件"
    batch = SubmissionImport(uploaded_by=user, region_code=user.region.code, file_name=name[:200])
    refused = _refusal(upload, name)
    if refused:
        batch.refused = refused
        batch.save()
        return batch
    spec = visit_form_spec(user.region.code, user.region.name)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"export{PurePath(name).suffix.lower()}"
        with path.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        try:
            parsed = read_submissions(path, name, spec)
        except SubmissionFileError as error:
            batch.refused = str(error)
            batch.save()
            return batch
        batch.source = parsed.source
        if may_defer and len(parsed.rows) > settings.FANGFAN_ODK_INLINE_ROWS:
            return _defer(batch, path, len(parsed.rows))
    with transaction.atomic():
        batch.save()
        _load(batch, user, parsed, spec)
        batch.save()
    return batch


@transaction.atomic
def _defer(batch: SubmissionImport, path: Path, rows: int) -> SubmissionImport:
    """Keep the export for the worker and queue it (once this transaction commits)."""
    batch.rows, batch.status = rows, SubmissionImport.Status.QUEUED
    batch.save()
    with path.open("rb") as handle:
        batch.waiting_file = default_storage.save(f"odk/waiting/{batch.pk}{path.suffix}", File(handle))
    batch.save(update_fields=["waiting_file"])
    transaction.on_commit(lambda: _enqueue(batch.pk))
    return batch


def _enqueue(batch_id: int) -> None:
    from fangfan.web.odk.tasks import import_waiting_task

    import_waiting_task.enqueue(batch_id)


def import_waiting(batch_id: int) -> None:
    """Import a 排队中 export in the worker (a no-op if it is gone or taken): all its rows in
    one transaction as `import_submissions` does; on a failure nothing of it, and the page says so."""
    taken = SubmissionImport.objects.filter(pk=batch_id, status=SubmissionImport.Status.QUEUED).update(
        status=SubmissionImport.Status.RUNNING
    )
    if not taken:
        return
    batch = SubmissionImport.objects.select_related("uploaded_by").get(pk=batch_id)
    kept = batch.waiting_file
    try:
        _import_kept(batch)
    except Exception:
        logger.exception("importing ODK submissions %s failed", batch_id)
        SubmissionImport.objects.filter(pk=batch_id).update(
            status=SubmissionImport.Status.FAILED, refused=FAILED, waiting_file=""
        )
        raise
    finally:
        if kept:
            default_storage.delete(kept)


def _import_kept(batch: SubmissionImport) -> None:
    user = batch.uploaded_by
    if not user.is_active or user.region is None:
        raise PermissionDenied("导入人账号已停用或没有所属区划")
    spec = visit_form_spec(user.region.code, user.region.name)
    try:
        parsed = read_submissions(Path(default_storage.path(batch.waiting_file)), batch.file_name, spec)
    except SubmissionFileError as error:  # read once in the request already; said as it is
        batch.refused, batch.status, batch.waiting_file = str(error), SubmissionImport.Status.DONE, ""
        batch.save()
        return
    with transaction.atomic():
        _load(batch, user, parsed, spec)
        batch.status, batch.waiting_file = SubmissionImport.Status.DONE, ""
        batch.save()


def _refusal(upload: File[bytes], name: str) -> str:
    if PurePath(name).suffix.lower() not in SUFFIXES:
        return f"《{name}》不是 CSV 或 XLSX 文件：请上传 ODK Central 导出的 CSV 或 KoboToolbox 导出的 XLSX"
    if upload.size and upload.size > MAX_BYTES:
        return f"《{name}》超过 {MAX_BYTES // 1024 // 1024}MB：请按村或按月分开导出"
    return ""


@dataclass
class _Households:
    """The households an export names, looked up once: those inside the uploader's region,
    the ids that exist outside it, and what each inside receives (one batch)."""

    inside: dict[str, Household]
    outside: set[str]
    received: dict[str, list[str]]

    @classmethod
    def named_in(cls, rows: list[Row], user: User) -> _Households:
        ids = {str(row.answers.get("household_id") or "") for row in rows if not row.problems}
        inside = {h.pk: h for h in scope(Household.objects.filter(pk__in=ids), user)}
        outside = set(Household.objects.filter(pk__in=ids - inside.keys()).values_list("pk", flat=True))
        return cls(inside, outside, awareness.received_keys(list(inside.values())))


def _load(batch: SubmissionImport, user: User, parsed: SubmissionFile, spec: FormSpec) -> None:
    rows = parsed.rows
    unplaced: list[Unplaced] = []
    known = set(
        Submission.objects.filter(
            instance_id__in=[row.instance_id for row in rows if row.instance_id]
        ).values_list("instance_id", flat=True)
    )
    fresh = [row for row in rows if row.duplicate_of is None and row.instance_id not in known]
    households = _Households.named_in(fresh, user)
    batch.rows, batch.duplicates = len(rows), len(rows) - len(fresh)
    for row in fresh:
        problems = _place(batch, user, row, spec, households, parsed.header("household_id"))
        if problems:
            unplaced.extend(problems)
            batch.unplaced_count += 1
    batch.unplaced = [asdict(item) for item in unplaced]


def _place(
    batch: SubmissionImport, user: User, row: Row, spec: FormSpec, households: _Households, column: str
) -> list[Unplaced]:
    """Record the row as a visit; the reasons it cannot be placed, when it cannot."""
    household_id = str(row.answers.get("household_id") or "")
    if row.problems:
        return [Unplaced(p.row, p.column, p.value, p.message, household_id) for p in row.problems]
    household = households.inside.get(household_id)
    if household is None:
        problem = (
            "该户不在您的辖区内，不能由您导入"
            if household_id in households.outside
            else "系统中没有该户编号的农户（或该户已不在最新发布的数据中）"
        )
        return [Unplaced(row.row, column, household_id, problem, household_id)]
    answers = row.answers
    try:
        with transaction.atomic():
            result = record_visit(
                user,
                household,
                answers["visited_on"],
                {name: answers.get(name) for name in VisitForm.AMOUNTS},
                _situation(answers, spec),
                answers.get("income_year"),
                answers.get("household_size"),
                answers.get("policies_known") or [],
                policies_received=households.received[household_id],
            )
            Submission.objects.create(
                instance_id=row.instance_id,
                visit=result.visit,
                batch=batch,
                row=row.row,
                submitted_at=row.submitted_at[:40],
                submitter=row.submitter[:80],
                answers=_kept(answers),
            )
    except (WorkflowError, PermissionDenied) as refused:
        return [Unplaced(row.row, "", "", str(refused), household_id)]
    batch.created += 1
    batch.leads += result.intake is not None
    return []


def _situation(answers: dict[str, Any], spec: FormSpec) -> str:
    """What the cadre wrote, then the guarantees found not met at the door."""
    failing = [
        f"{spec.question(name).label}：{_label(spec, name, answers[name])}"
        for name in (*GUARANTEE_FIELDS, *(name for name, _ in EXTRA_GUARANTEES))
        if str(answers.get(name) or "") in FAILING
    ]
    written = str(answers.get("situation") or "").strip()
    found = f"入户核实两不愁三保障及饮水安全未达标：{'；'.join(failing)}" if failing else ""
    return "\n".join(part for part in ("（ODK 离线走访导入）", written, found) if part)


def _label(spec: FormSpec, name: str, value: object) -> str:
    question = spec.question(name)
    list_name = "yes_no" if question.kind == "yes_no" else question.list_name
    labels = {choice.name: choice.label for choice in spec.choices.get(list_name, ())}
    return labels.get(str(value), str(value))


def _kept(answers: dict[str, Any]) -> dict[str, Any]:
    names = (*GUARANTEE_FIELDS, *(name for name, _ in EXTRA_GUARANTEES), "photo")
    return {name: answers.get(name) for name in names if answers.get(name) not in (None, "")}

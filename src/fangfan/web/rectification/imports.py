"""An inspection's feedback list (反馈问题清单) uploaded → a batch of problems, or a report.

    outcome = import_feedback(user, upload, source="cross_province", batch="", category="POLICY",
                              received=dt.date(2021, 1, 5))

The engine reads the list (`fangfan.engine.rectification.feedback`), placing each row in
the regions the web knows (the city's counties and townships, and the villages learned
from imports), with `complete=True`: a ledger problem needs its 整改措施, 责任单位,
责任人 and a dated 整改时限. A place outside the uploader's region is an error too.

**Nothing half-loaded**, as the engine decides for feedback lists: a list with any
error loads nothing. Otherwise every row becomes a problem through `actions.open_problem`
(event 反馈清单导入, audited) inside one transaction; should a verb still refuse a row
(a deadline too far ahead, a field too long), the transaction is rolled back and that
row joins the report. Either way the Excel report (every problem by file, sheet, row and
column) is kept for the uploader under `REPORTS/<user id>/<token>.xlsx`, for
`report_file` to serve to that user alone.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path, PurePath
from typing import Any

import polars as pl
from django.core.exceptions import PermissionDenied
from django.core.files.base import File
from django.db import transaction
from django.db.models import CharField
from django.utils import timezone

from fangfan.engine import regions as engine_regions
from fangfan.engine.masking import mask_text
from fangfan.engine.rectification.feedback import ERROR, PROBLEM_COLUMNS, FeedbackList, read_feedback
from fangfan.engine.rectification.places import Place, Places
from fangfan.engine.rectification.workbooks import write_feedback_report
from fangfan.web.accounts.access import code_in_region, regions_within, scope
from fangfan.web.accounts.models import User
from fangfan.web.procedures.base import WorkflowError
from fangfan.web.rectification import actions
from fangfan.web.rectification.models import CATEGORY_CHOICES, Problem, ProblemEvent
from fangfan.web.regions.models import Region
from fangfan.web.shared.import_reports import keep_report, open_report

REPORTS = "rectification/feedback-reports"
CODE_REFUSED = "ROW_REFUSED"
CODE_TOO_LONG = "TOO_LONG"
CODE_REPEATED = "ALREADY_LOADED"
# The row fields that go into a problem's bounded text fields, and their model field.
BOUNDED = {"lead_unit": "lead_unit", "responsible_person": "responsible_person", "number": "serial"}


@dataclass(frozen=True)
class ImportOutcome:
    """What an upload came to: the problems loaded (none when refused) and the report's token."""

    feedback: FeedbackList
    problems: list[Problem]
    token: str

    @property
    def loaded(self) -> bool:
        return bool(self.problems)

    @property
    def errors(self) -> list[dict[str, Any]]:
        return self.feedback.errors.to_dicts()

    @property
    def warnings(self) -> list[dict[str, Any]]:
        return self.feedback.problems.filter(pl.col("severity") != ERROR).to_dicts()


def categories() -> dict[str, str]:
    """Each category's Chinese name and code, to its code (饮水安全 → WATER, WATER → WATER)."""
    return {
        **{label: code for code, label in CATEGORY_CHOICES},
        **{code: code for code, _ in CATEGORY_CHOICES},
    }


def known_places(user: User) -> Places:
    """The regions a list's rows are placed in: the city's counties and townships, and the
    villages inside the user's region (the only ones the user may load problems into)."""
    assert user.region is not None
    villages = regions_within(user.region).filter(level=Region.Level.VILLAGE)
    rows = Region.objects.exclude(level=Region.Level.VILLAGE).values_list(
        "level", "code", "name", "parent__code"
    )
    village_rows = villages.values_list("level", "code", "name", "parent__code")
    return Places(
        [
            engine_regions.Region(level, code, name, parent or "")
            for level, code, name, parent in [*rows, *village_rows]
        ]
    )


def import_feedback(
    user: User,
    upload: File[bytes],
    *,
    source: str,
    batch: str,
    category: str,
    received: dt.date,
) -> ImportOutcome:
    """Read the uploaded list and load it whole, or nothing (see the module's docstring).

    `upload`: the uploaded file (or any Django `File`, as the CLI passes). `category` is the
    问题类别 of rows that name none; `batch` defaults to the list's title.
    """
    region = user.region
    if region is None:
        raise PermissionDenied("该账号未设置所属区划")
    name = PurePath(upload.name or "反馈问题清单.xlsx").name
    with tempfile.TemporaryDirectory(prefix="fangfan-feedback-") as scratch:
        path = Path(scratch) / f"upload{PurePath(name).suffix.lower()}"
        with path.open("wb") as copy:
            for chunk in upload.chunks():
                copy.write(chunk)
        feedback = read_feedback(
            path,
            name,
            received=received,
            places=known_places(user),
            may_place=lambda place: _inside(place, region),
            complete=True,
            categories=categories(),
        )
    batch = (batch or feedback.title)[:100]
    feedback = _without_repeats(user, _with_length_checks(feedback), batch)
    problems: list[Problem] = []
    if feedback.loadable:
        feedback, problems = _load(user, feedback, source=source, batch=batch, category=category)
    return ImportOutcome(feedback, problems, _keep_report(user, feedback))


def _inside(place: Place, region: Region) -> bool:
    return code_in_region(place.code, region)


def _with_length_checks(feedback: FeedbackList) -> FeedbackList:
    """Rows whose 责任单位, 责任人 or 序号 are longer than the ledger holds are errors."""
    found = []
    for row in feedback.rows.iter_rows(named=True):
        for field_name, model_field in BOUNDED.items():
            field = Problem._meta.get_field(model_field)
            assert isinstance(field, CharField)
            value = row[field_name] or ""
            if field.max_length is not None and len(value) > field.max_length:
                title = str(field.verbose_name)
                message = f"{title}不能超过{field.max_length}个字（现有{len(value)}个）"
                found.append(_problem(feedback, row, title, value, CODE_TOO_LONG, message))
    return _adding(feedback, found)


def _without_repeats(user: User, feedback: FeedbackList, batch: str) -> FeedbackList:
    """Rows already in the ledger (same batch, place and description: the list uploaded twice) are errors."""
    loaded = {
        (region_code, description): pk
        for pk, region_code, description in scope(Problem.objects.filter(batch=batch), user).values_list(
            "pk", "region_code", "description"
        )
    }
    found = []
    for row in feedback.rows.iter_rows(named=True):
        known = loaded.get((row["region_code"], _description(row)))
        if known is not None:
            message = f"该问题已在整改台账中（问题编号{known}，批次“{batch}”），不能重复导入"
            shown = mask_text(row["description"])[:40]  # masked before it is cut
            found.append(_problem(feedback, row, "问题描述", shown, CODE_REPEATED, message))
    return _adding(feedback, found)


def _description(row: dict[str, Any]) -> str:
    """A row's description as a problem keeps it (an unchecked village named after it)."""
    if row["village_name"]:
        return f"{row['description']}（涉及村：{row['village_name']}）"
    return str(row["description"])


def _load(
    user: User, feedback: FeedbackList, *, source: str, batch: str, category: str
) -> tuple[FeedbackList, list[Problem]]:
    regions = {
        region.code: region for region in Region.objects.filter(code__in=set(feedback.rows["region_code"]))
    }
    problems: list[Problem] = []
    refused = []
    with transaction.atomic():
        for row in feedback.rows.iter_rows(named=True):
            try:
                with transaction.atomic():  # a refused row must not spoil the others' checks
                    problems.append(_open(user, row, regions[row["region_code"]], source, batch, category))
            except (WorkflowError, PermissionDenied) as refusal:
                refused.append(_problem(feedback, row, "", "", CODE_REFUSED, str(refusal)))
        if refused:
            transaction.set_rollback(True)
    if refused:
        return _adding(feedback, refused), []
    return feedback, problems


def _open(user: User, row: dict[str, Any], region: Region, source: str, batch: str, category: str) -> Problem:
    description = _description(row)
    where = f"反馈清单《{row['file']}》{row['sheet']}第{row['row']}行"
    written = f"；整改时限原文：{row['deadline_text']}" if row["deadline_text"] else ""
    return actions.open_problem(
        user,
        source=source,
        scope_level=row["level"],
        region=region,
        description=description,
        category=row["category"] or category,
        lead_unit=row["lead_unit"] or "",
        responsible_person=row["responsible_person"] or "",
        measures=row["measures"] or "",
        deadline=row["deadline"],
        batch=batch,
        serial=row["number"] or "",
        source_reference=row["file"][:300],
        action=ProblemEvent.Action.IMPORT,
        note=f"{where}导入{written}",
    )


def _problem(
    feedback: FeedbackList, row: dict[str, Any], column: str, value: str, code: str, message: str
) -> dict[str, Any]:
    return {
        "file": feedback.file,
        "sheet": row["sheet"],
        "row": row["row"],
        "column": column,
        "value": value,
        "code": code,
        "message": message,
        "severity": ERROR,
    }


def _adding(feedback: FeedbackList, problems: list[dict[str, Any]]) -> FeedbackList:
    if not problems:
        return feedback
    added = pl.DataFrame(problems, schema=PROBLEM_COLUMNS)
    combined = pl.concat([feedback.problems, added]).sort("severity", "sheet", "row", nulls_last=True)
    return replace(feedback, problems=combined)


def _keep_report(user: User, feedback: FeedbackList) -> str:
    return keep_report(
        REPORTS, user, lambda handle: write_feedback_report(handle, feedback, today=timezone.localdate())
    )


def report_file(user: User, token: str) -> Any:
    """The report kept for `user` under `token`, opened; 404 for anyone else's or none."""
    return open_report(REPORTS, user, token)

"""An industry income list uploaded (web or CLI) → plantings and livestock, or a report.

    outcome = import_list(user, upload, default_year=2026)

The engine reads the cells (`fangfan.engine.fieldwork.industry_workbook`); here each row
is matched to a household inside the uploader's region, by 户编号 or 户主身份证号, and
its 户主姓名 checked against the registry. **All or nothing**: a list with any problem
loads nothing. The problems (file, sheet, row, column, problem) are kept as an Excel
report for the uploader alone, under `REPORTS/<user id>/<token>.xlsx`.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePath

from django.core.exceptions import PermissionDenied
from django.core.files.base import File

from fangfan.engine.fieldwork.industry_workbook import CellProblem, ListRow, read_workbook
from fangfan.engine.ingest.guard import ReadLimits, check_file
from fangfan.web.accounts.access import scope
from fangfan.web.accounts.models import User
from fangfan.web.industry import actions
from fangfan.web.registry.models import Household
from fangfan.web.shared.excel import import_problem_columns, write_workbook
from fangfan.web.shared.import_reports import keep_report, open_report

REPORTS = "industry/import-reports"
PROBLEM_COLUMNS = import_problem_columns()


@dataclass(frozen=True)
class ImportOutcome:
    file: str
    loaded: int
    problems: list[CellProblem]
    token: str


def _matched(
    user: User, name: str, sheet: str, rows: list[ListRow]
) -> tuple[list[tuple[Household, ListRow]], list[CellProblem]]:
    """Each row's household (inside the user's region), or a problem naming the row."""
    households = scope(Household.objects.all(), user)
    by_id = {
        household.household_id: household
        for household in households.filter(
            household_id__in={row.household_id for row in rows if row.household_id}
        )
    }
    by_id_number: dict[str, list[Household]] = {}
    wanted = {row.id_number.upper() for row in rows if row.id_number and not row.household_id}
    for household in households.filter(head_id_number__in=wanted):
        by_id_number.setdefault(household.head_id_number.upper(), []).append(household)
    matched: list[tuple[Household, ListRow]] = []
    problems: list[CellProblem] = []
    for row in rows:
        if row.household_id:
            found, column = by_id.get(row.household_id), "户编号"
            candidates = [found] if found else []
        else:
            candidates, column = by_id_number.get(row.id_number.upper(), []), "户主身份证号"
        shown = row.household_id or (row.id_number[:6] + "********" + row.id_number[-4:])
        if not candidates:
            message = "在您的辖区内的扶贫信息系统数据中没有找到该户"
            problems.append(CellProblem(name, sheet, row.row, column, shown, message))
        elif len(candidates) > 1:
            message = "该身份证号对应多户，请改填户编号"
            problems.append(CellProblem(name, sheet, row.row, column, shown, message))
        elif candidates[0].head_name.strip() != row.head_name.strip():
            message = f"户主姓名与系统不符（系统中为“{candidates[0].head_name}”）"
            problems.append(CellProblem(name, sheet, row.row, "户主姓名", row.head_name, message))
        else:
            matched.append((candidates[0], row))
    return matched, problems


def _entry(row: ListRow) -> actions.RowInput:
    return actions.RowInput(row.kind, row.year, row.name, row.income, row.mu, row.head, row.note)


def import_list(user: User, upload: File[bytes], *, default_year: int | None) -> ImportOutcome:
    """Read the uploaded list and load it whole, or nothing (see the module's docstring)."""
    if user.region is None:
        raise PermissionDenied("该账号未设置所属区划")
    name = PurePath(upload.name or "产业收入清单.xlsx").name
    with tempfile.TemporaryDirectory(prefix="fangfan-industry-") as scratch:
        path = Path(scratch) / f"upload{PurePath(name).suffix.lower() or '.xlsx'}"
        with path.open("wb") as copy:
            for chunk in upload.chunks():
                copy.write(chunk)
        refusal = check_file(path, name, ReadLimits.from_environment())
        if refusal:
            problem = CellProblem(name, "", 0, "", "", refusal)
            return ImportOutcome(name, 0, [problem], _keep_report(user, [problem]))
        found = read_workbook(path, name, default_year=default_year)
    matched, problems = _matched(user, name, found.sheet, found.rows)
    problems = sorted(
        [*found.problems, *problems], key=lambda problem: problem.row
    )  # stable: columns in order
    loaded = 0
    if not problems:
        try:
            loaded = actions.import_rows(user, [(household, _entry(row)) for household, row in matched], name)
        except (actions.Refused, PermissionDenied) as refused:  # the whole list stays out
            problems = [CellProblem(name, found.sheet, 0, "", "", str(refused))]
    return ImportOutcome(name, loaded, problems, _keep_report(user, problems) if problems else "")


def _keep_report(user: User, problems: list[CellProblem]) -> str:
    return keep_report(
        REPORTS, user, lambda handle: write_workbook(handle, "导入问题", PROBLEM_COLUMNS, problems)
    )


def report_file(user: User, token: str) -> File[bytes]:
    """The uploader's own report (any other token, or another user's, is a 404)."""
    handle: File[bytes] = open_report(REPORTS, user, token)
    return handle

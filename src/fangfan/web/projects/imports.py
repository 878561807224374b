"""A project library from Excel, as offices keep it: all of it, or nothing and the problems.

    outcome = import_projects(user, upload)     # outcome.loaded, outcome.problems, outcome.token

The engine reads the workbook (`engine.fieldwork.project_workbooks`); here each row's place
(县区, 乡镇, 村 by name or code) is found inside the user's region, each beneficiary's
household by 户编号 or 户主身份证号 among the households the user may see, and a 项目编号
already in the library updates that project (one outside the user's region is refused).
Any problem loads nothing. Otherwise every row goes through the verbs (`actions`) in one
transaction; a row a verb refuses joins the problems and the whole import is rolled back.
The problems are kept as an Excel file for the uploader alone (`report_file`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from fangfan.engine.fieldwork.project_workbooks import (
    BeneficiaryRow,
    Problem,
    ProjectRow,
    ProjectWorkbook,
    read_project_workbook,
    write_problems,
)
from fangfan.web.accounts.access import code_in_region, level_prefix, scope
from fangfan.web.accounts.models import User
from fangfan.web.procedures.base import WorkflowError
from fangfan.web.projects import actions
from fangfan.web.projects.models import Project
from fangfan.web.regions.models import Region
from fangfan.web.registry.models import Household
from fangfan.web.shared.import_reports import keep_report, open_report

REPORTS = "projects/import-reports"


@dataclass
class ImportOutcome:
    file: str
    created: int = 0
    updated: int = 0
    beneficiaries: int = 0
    problems: list[Problem] = field(default_factory=list)
    token: str = ""

    @property
    def loaded(self) -> bool:
        return not self.problems


class Places:
    """The regions an import may name, found by name or code under their parent."""

    def __init__(self, user: User):
        assert user.region is not None
        self.user_region = user.region
        regions = list(Region.objects.exclude(level=Region.Level.CITY).select_related("parent"))
        self.by_code = {region.code: region for region in regions}
        self.by_name: dict[tuple[str, str], list[Region]] = {}
        for region in regions:
            parent = region.parent.code if region.parent else ""
            self.by_name.setdefault((region.level, region.name), []).append(region)
            self.by_name.setdefault((region.level + "@" + parent, region.name), []).append(region)

    def find(self, level: str, text: str, parent: Region | None) -> Region | None:
        if not text:
            return None
        found = self.by_code.get(text)
        if found is not None and found.level == level:
            return found
        key = (f"{level}@{parent.code}", text) if parent is not None else (level, text)
        matches = self.by_name.get(key, [])
        inside = [region for region in matches if code_in_region(region.code, self.user_region)] or matches
        return inside[0] if len(inside) == 1 else None

    def locate(self, row: ProjectRow) -> tuple[Region | None, str, str]:
        """The project's region, or (None, column, why)."""
        county = self.find(Region.Level.COUNTY, row.county, None)
        if row.county and county is None:
            return None, "县区", f"找不到县区“{row.county}”"
        if county is None and self.user_region.level != Region.Level.CITY:
            county = self.by_code.get(level_prefix(self.user_region.code, Region.Level.COUNTY))
        township = self.find(Region.Level.TOWNSHIP, row.township, county)
        if row.township and township is None:
            return None, "乡镇", f"在{county.name if county else '您的区划'}找不到乡镇“{row.township}”"
        village = self.find(Region.Level.VILLAGE, row.village, township)
        if row.village and village is None:
            return None, "村", f"在{township.name if township else '所填乡镇'}找不到村“{row.village}”"
        region = village or township or county
        if region is None:
            return None, "县区", "请填写项目所在的县区"
        if not code_in_region(region.code, self.user_region):
            return None, "县区", f"{region.name}不在您的区划（{self.user_region.name}）内"
        return region, "", ""


def import_projects(user: User, upload: Any) -> ImportOutcome:
    """Read, check and load an uploaded library; the problems report is kept when any."""
    name = str(getattr(upload, "name", "") or "项目库.xlsx")
    book = read_project_workbook(upload.read(), name)
    outcome = ImportOutcome(file=name)
    _load(user, book, outcome)
    if outcome.problems:
        outcome.token = _keep_report(user, outcome.problems)
    return outcome


def _load(user: User, book: ProjectWorkbook, outcome: ImportOutcome) -> None:
    """Check the rows the engine read against the database, then write them all, or nothing."""
    places = Places(user)
    located = {}
    for row in book.projects:
        region, column, why = places.locate(row)
        if region is None:
            book.problem(row.sheet, row.row, column, "", why)
        else:
            located[row.row, row.sheet] = region
    _check_numbers(user, book)
    households = _households(user, book)
    if book.problems:  # the file's own and these: every one listed at once, nothing loaded
        outcome.problems = sorted(book.problems, key=lambda problem: (problem.sheet, problem.row or 0))
        return
    with transaction.atomic():
        projects: dict[str, Project] = {}
        for row in book.projects:
            _write_project(user, book, row, located[row.row, row.sheet], projects, outcome)
        for benefit in book.beneficiaries:
            _write_benefit(user, book, benefit, households, projects, outcome)
        if book.problems:
            transaction.set_rollback(True)
            outcome.problems = list(book.problems)
            outcome.created = outcome.updated = outcome.beneficiaries = 0


def _check_numbers(user: User, book: ProjectWorkbook) -> None:
    seen: dict[str, int] = {}
    for row in book.projects:
        if row.number in seen:
            book.problem(
                row.sheet, row.row, "项目编号", row.number, f"与第{seen[row.number]}行的项目编号重复"
            )
        seen[row.number] = row.row
    visible = set(scope(Project.objects.filter(number__in=seen), user).values_list("number", flat=True))
    for row in book.projects:
        if row.number not in visible and Project.objects.filter(number=row.number).exists():
            book.problem(row.sheet, row.row, "项目编号", row.number, "该项目编号已被您区划以外的项目使用")
    listed = set(seen) | set(
        scope(Project.objects.filter(number__in={b.number for b in book.beneficiaries}), user).values_list(
            "number", flat=True
        )
    )
    for benefit in book.beneficiaries:
        if benefit.number not in listed:
            book.problem(
                benefit.sheet, benefit.row, "项目编号", benefit.number, "项目表和项目库中都没有这个项目编号"
            )


def _households(user: User, book: ProjectWorkbook) -> dict[str, Household]:
    ids = {row.household_id for row in book.beneficiaries if row.household_id}
    numbers = {row.id_number for row in book.beneficiaries if not row.household_id}
    visible = scope(Household.objects.all(), user)
    by_id = {household.household_id: household for household in visible.filter(household_id__in=ids)}
    by_number = {
        household.head_id_number: household for household in visible.filter(head_id_number__in=numbers)
    }
    found = {}
    for row in book.beneficiaries:
        household = by_id.get(row.household_id) if row.household_id else by_number.get(row.id_number)
        if household is None:
            column, value = (
                ("户编号", row.household_id) if row.household_id else ("户主身份证号", row.id_number)
            )
            book.problem(row.sheet, row.row, column, value, "在您的区划内找不到该户")
        else:
            found[f"{row.sheet}:{row.row}"] = household
    return found


def _write_project(
    user: User,
    book: ProjectWorkbook,
    row: ProjectRow,
    region: Region,
    projects: dict[str, Project],
    outcome: ImportOutcome,
) -> None:
    plan = actions.Plan(
        name=row.name,
        kind=row.kind,
        content=row.content,
        planned_start=row.planned_start,
        planned_finish=row.planned_finish,
        funds=row.funds,
        budget_yuan=row.budget_yuan,
    )
    existing = scope(Project.objects.filter(number=row.number), user).first()
    try:
        with transaction.atomic():
            if existing is not None:
                projects[row.number] = actions.update_project(user, existing, region, plan)
                outcome.updated += 1
            else:
                projects[row.number] = actions.create_project(user, region, plan, number=row.number)
                outcome.created += 1
    except (WorkflowError, PermissionDenied) as refusal:
        book.problem(row.sheet, row.row, "", "", str(refusal))


def _write_benefit(
    user: User,
    book: ProjectWorkbook,
    row: BeneficiaryRow,
    households: dict[str, Household],
    projects: dict[str, Project],
    outcome: ImportOutcome,
) -> None:
    project = projects.get(row.number) or scope(Project.objects.filter(number=row.number), user).first()
    if project is None:  # its project row was refused (that row's problem is already listed)
        return
    try:
        with transaction.atomic():
            actions.add_beneficiary(
                user,
                project,
                households[f"{row.sheet}:{row.row}"],
                benefit=row.benefit,
                yuan_per_year=row.yuan,
            )
            outcome.beneficiaries += 1
    except (WorkflowError, PermissionDenied) as refusal:
        book.problem(row.sheet, row.row, "", "", str(refusal))


def _keep_report(user: User, problems: list[Problem]) -> str:
    return keep_report(
        REPORTS, user, lambda handle: write_problems(handle, problems, today=timezone.localdate())
    )


def report_file(user: User, token: str) -> Any:
    """The problems report kept for `user` under `token`, opened; 404 for anyone else's or none."""
    return open_report(REPORTS, user, token)

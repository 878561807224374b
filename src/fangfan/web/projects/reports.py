"""What a region's pages read: its projects (scoped), their alerts, and the county report.

Aggregates are computed in SQL over the region's projects (the project rows carry their
latest progress and the sum paid); the alerts are the engine's (`engine.fieldwork.projects`),
run over narrow rows of the projects not yet accepted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from fangfan.engine.fieldwork.project_workbooks import CountyReport
from fangfan.engine.fieldwork.projects import (
    ALERT_TITLES,
    BENEFITS,
    FUND_LEVELS,
    KIND_LABELS,
    KINDS,
    Alert,
    ProjectState,
    project_alerts,
    share_text,
)
from fangfan.engine.fieldwork.rules import field_rules
from fangfan.engine.formatting import money_text
from fangfan.web.accounts.access import scope, within_region
from fangfan.web.accounts.models import User
from fangfan.web.projects.models import Beneficiary, FundSource, Project
from fangfan.web.regions.models import Region

STATE_FIELDS = (
    "pk",
    "planned_start",
    "planned_finish",
    "budget_yuan",
    "paid_yuan",
    "progress_percent",
    "actual_start",
    "actual_finish",
    "accepted_on",
)
OVERDUE_SHOWN = 200


def region_projects(user: User, region: Region) -> QuerySet[Project]:
    """The projects located in `region` that the user may see."""
    return scope(Project.objects.filter(within_region("region_code", region)), user)


def state_of(project: Project) -> ProjectState:
    return ProjectState(
        planned_start=project.planned_start,
        planned_finish=project.planned_finish,
        budget_yuan=project.budget_yuan,
        paid_yuan=project.paid_yuan,
        progress_percent=project.progress_percent,
        actual_start=project.actual_start,
        actual_finish=project.actual_finish,
        accepted_on=project.accepted_on,
    )


def alerts_of(project: Project, today: dt.date) -> list[Alert]:
    return project_alerts(state_of(project), field_rules(today.year), today)


@dataclass(frozen=True)
class AlertRow:
    project_id: int
    alert: Alert


def region_alerts(projects: QuerySet[Project], today: dt.date, kind: str = "") -> list[AlertRow]:
    """Every alert of the projects not yet accepted, in project order (optionally of one kind)."""
    rules = field_rules(today.year)
    rows = []
    open_projects = projects.filter(accepted_on=None).order_by("region_code", "number")
    for pk, *values in open_projects.values_list(*STATE_FIELDS).iterator(chunk_size=2_000):
        state = ProjectState(*values)
        for alert in project_alerts(state, rules, today):
            if not kind or alert.kind == kind:
                rows.append(AlertRow(pk, alert))
    return rows


def alert_counts(rows: list[AlertRow]) -> list[tuple[str, str, int]]:
    """(kind, title, how many) for each kind of alert, in the engine's order."""
    counts = {kind: 0 for kind in ALERT_TITLES}
    for row in rows:
        counts[row.alert.kind] += 1
    return [(kind, ALERT_TITLES[kind], counts[kind]) for kind in ALERT_TITLES]


def place_names(codes: set[str]) -> dict[str, str]:
    """A region code's name with its parents below the county ("城关镇石桥村")."""
    wanted = {code[:length] for code in codes for length in (6, 9, 12) if len(code) >= length}
    names = dict(Region.objects.filter(code__in=wanted).values_list("code", "name"))
    return {
        code: "".join(names.get(code[:length], "") for length in (6, 9, 12) if len(code) >= length) or code
        for code in codes
    }


@dataclass(frozen=True)
class Figures:
    projects: int
    budget: Decimal
    paid: Decimal
    started: int
    finished: int
    accepted: int
    overdue: int
    households: int
    benefit_yuan: Decimal

    @property
    def started_share(self) -> str:
        return share_text(self.started, self.projects)

    @property
    def paid_share(self) -> str:
        return share_text(self.paid, self.budget)


def _overdue_filter(today: dt.date) -> Q:
    return Q(actual_start=None, planned_start__lt=today) | Q(actual_finish=None, planned_finish__lt=today)


def figures(projects: QuerySet[Project], region: Region, user: User, today: dt.date) -> Figures:
    """The region's key figures, in two queries."""
    totals = projects.aggregate(
        projects=Count("pk"),
        budget=Sum("budget_yuan"),
        paid=Sum("paid_yuan"),
        started=Count("pk", filter=~Q(actual_start=None)),
        finished=Count("pk", filter=~Q(actual_finish=None)),
        accepted=Count("pk", filter=~Q(accepted_on=None)),
        overdue=Count("pk", filter=_overdue_filter(today)),
    )
    benefits = _beneficiaries(user, region).aggregate(
        households=Count("household", distinct=True), yuan=Sum("yuan_per_year")
    )
    return Figures(
        projects=totals["projects"],
        budget=totals["budget"] or Decimal(0),
        paid=totals["paid"] or Decimal(0),
        started=totals["started"],
        finished=totals["finished"],
        accepted=totals["accepted"],
        overdue=totals["overdue"],
        households=benefits["households"],
        benefit_yuan=benefits["yuan"] or Decimal(0),
    )


def _beneficiaries(user: User, region: Region) -> QuerySet[Beneficiary]:
    return scope(Beneficiary.objects.filter(within_region("region_code", region)), user)


def by_source(projects: QuerySet[Project]) -> list[dict[str, Any]]:
    amounts = dict(
        FundSource.objects.filter(project__in=projects.values("pk"))
        .values_list("level")
        .annotate(total=Sum("amount_yuan"))
        .values_list("level", "total")
    )
    total = sum(amounts.values(), Decimal(0))
    return [
        {
            "label": label,
            "amount": float(amounts.get(level) or 0),
            "amount_text": money_text(amounts.get(level) or 0),
            "share": share_text(amounts.get(level) or 0, total),
        }
        for level, label in FUND_LEVELS
    ] + [
        {"label": "合计", "amount": float(total), "amount_text": money_text(total), "share": share_text(1, 1)}
    ]


def by_kind(projects: QuerySet[Project]) -> list[dict[str, Any]]:
    grouped = {
        row["kind"]: row
        for row in projects.order_by()
        .values("kind")
        .annotate(
            projects=Count("pk"),
            budget=Sum("budget_yuan"),
            paid=Sum("paid_yuan"),
            started_count=Count("pk", filter=~Q(actual_start=None)),
        )
    }
    rows = []
    for kind, label in KINDS:
        row: dict[str, Any] = dict(
            grouped.get(kind, {"projects": 0, "budget": 0, "paid": 0, "started_count": 0})
        )
        budget, paid = row["budget"] or Decimal(0), row["paid"] or Decimal(0)
        rows.append(
            {
                "label": label,
                "projects": row["projects"],
                "budget": float(budget),
                "paid": float(paid),
                "budget_text": money_text(budget),
                "paid_text": money_text(paid),
                "started": row["started_count"],
                "started_share": share_text(row["started_count"], row["projects"]),
                "paid_share": share_text(paid, budget),
            }
        )
    return rows


def overdue(projects: QuerySet[Project], today: dt.date) -> list[dict[str, Any]]:
    """The overdue projects (not started by the planned start, not finished by the planned
    finish), the longest overdue first, at most OVERDUE_SHOWN."""
    values = (
        projects.filter(_overdue_filter(today))
        .order_by("planned_start", "number")[:OVERDUE_SHOWN]
        .values(
            "pk",
            "number",
            "name",
            "region_code",
            "planned_start",
            "planned_finish",
            "progress_percent",
            "actual_start",
        )
    )
    rows: list[dict[str, Any]] = [dict(row) for row in values]
    places = place_names({row["region_code"] for row in rows})
    for row in rows:
        row["place"] = places[row["region_code"]]
        row["progress"] = f"{row['progress_percent']}%"
        row["overdue"] = "逾期未开工" if row["actual_start"] is None else "逾期未完工"
    return rows


def benefits(user: User, region: Region) -> list[dict[str, Any]]:
    grouped = {
        row["benefit"]: row
        for row in _beneficiaries(user, region)
        .order_by()
        .values("benefit")
        .annotate(households=Count("household", distinct=True), yuan=Sum("yuan_per_year"))
    }
    rows = []
    for benefit, label in BENEFITS:
        row = grouped.get(benefit, {"households": 0, "yuan": 0})
        yuan = row["yuan"] or Decimal(0)
        rows.append(
            {
                "label": label,
                "households": row["households"],
                "yuan": float(yuan),
                "yuan_text": money_text(yuan),
            }
        )
    return rows


def county_report(user: User, region: Region, today: dt.date) -> tuple[Figures, CountyReport]:
    """The report of a county (or any region): key figures and the engine's plain rows."""
    projects = region_projects(user, region)
    key = figures(projects, region, user, today)
    summary = [
        {"label": "项目数（个）", "value": str(key.projects)},
        {"label": "项目预算", "value": money_text(key.budget)},
        {"label": "已支付", "value": money_text(key.paid)},
        {"label": "支付率", "value": key.paid_share},
        {"label": "已开工（个）", "value": str(key.started)},
        {"label": "开工率", "value": key.started_share},
        {"label": "已完工（个）", "value": str(key.finished)},
        {"label": "已验收（个）", "value": str(key.accepted)},
        {"label": "逾期项目（个）", "value": str(key.overdue)},
        {"label": "联农带农受益户（户）", "value": str(key.households)},
        {"label": "受益户年受益合计", "value": money_text(key.benefit_yuan)},
    ]
    report = CountyReport(
        title=region.name,
        summary=summary,
        by_source=by_source(projects),
        by_kind=by_kind(projects),
        overdue=overdue(projects, today),
        benefits=benefits(user, region),
    )
    return key, report


def list_rows(projects: QuerySet[Project]) -> list[dict[str, Any]]:
    """The projects as the list workbook's rows (places by name, yuan as numbers)."""
    values = projects.values(
        "number",
        "name",
        "kind",
        "region_code",
        "budget_yuan",
        "paid_yuan",
        "progress_percent",
        "planned_start",
        "planned_finish",
        "actual_start",
        "actual_finish",
        "accepted_on",
    )
    rows: list[dict[str, Any]] = [dict(row) for row in values]
    places = place_names({row["region_code"] for row in rows})
    for row in rows:
        row["kind"] = KIND_LABELS.get(row["kind"], row["kind"])
        row["place"] = places[row["region_code"]]
        row["budget"], row["paid"] = float(row["budget_yuan"]), float(row["paid_yuan"])
        row["progress"] = row["progress_percent"]
    return rows


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)

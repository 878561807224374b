"""The monitoring dashboard of a region (监测总览): what the office's own records say.

Every number is counted from the web application's records, through the access gate
and then the region asked for (`code_within`, the region's code prefix):

- monitored households (`MonitoredHousehold`) by category, split into 监测中, 已提出风险
  消除 (an open `Elimination`) and 风险已消除; the households under monitoring by risk
  type (a household with two risk types counts under each);
- the stage: 识别中 (open identification cases), 监测中, 已提出风险消除, 风险已消除;
- overdue: identification cases past their 15 days, households whose re-assessment is
  overdue (`lists.reassessment_overdue`), households under monitoring without a
  current measure, people of those households without a safeguard;
- 应纳未纳: households the engine's current run flags as candidates that nobody has
  taken up within `FANGFAN_UNCLAIMED_CANDIDATE_DAYS` (`lists.unclaimed_candidates`);
- 减存量、控增量: per month of the last twelve, households identified (by 识别监测时间)
  against households whose risk was eliminated (by 风险消除时间);
- the same counts per child region (counties of the city, townships of a county,
  villages of a township), one GROUP BY on the code prefix each.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Substr, TruncMonth
from django.utils import timezone

from fangfan.web.accounts.access import code_prefix, code_within, prefix_length, regions_within, scope
from fangfan.web.accounts.models import User
from fangfan.web.monitoring import lists
from fangfan.web.monitoring.models import Case, Category, MonitoredHousehold, RiskType
from fangfan.web.monitoring.workflow import OPEN_STAGES
from fangfan.web.regions.models import Region
from fangfan.web.registry.dashboard import CHILDREN

Level = Region.Level
MONTHS = 12
MONITORED, ELIMINATED = MonitoredHousehold.Status.MONITORED, MonitoredHousehold.Status.ELIMINATED


@dataclass(frozen=True)
class CategoryRow:
    category: str
    monitoring: int = 0  # under monitoring, no elimination proposed
    proposed: int = 0
    eliminated: int = 0

    @property
    def under_monitoring(self) -> int:
        return self.monitoring + self.proposed

    @property
    def total(self) -> int:
        return self.monitoring + self.proposed + self.eliminated


@dataclass(frozen=True)
class CountRow:
    label: str
    households: int


@dataclass(frozen=True)
class MonthRow:
    month: dt.date
    identified: int
    eliminated: int

    @property
    def label(self) -> str:
        return f"{self.month.year}年{self.month.month}月"

    @property
    def net(self) -> int:
        return self.identified - self.eliminated


@dataclass(frozen=True)
class Figures:
    """The counts of one region (or child region)."""

    identifying: int = 0
    monitoring: int = 0
    proposed: int = 0
    eliminated: int = 0
    overdue_cases: int = 0
    overdue_reassessments: int = 0
    without_measures: int = 0
    without_safeguards: int = 0
    unclaimed_candidates: int = 0  # 应纳未纳
    clock_from_import: int = 0  # imported, no assessment since: the clock runs from the import

    @property
    def under_monitoring(self) -> int:
        return self.monitoring + self.proposed


@dataclass(frozen=True)
class ChildRow:
    code: str
    name: str
    figures: Figures


@dataclass(frozen=True)
class MonitoringDashboard:
    region: Region
    figures: Figures
    categories: list[CategoryRow] = field(default_factory=list)
    risks: list[CountRow] = field(default_factory=list)
    months: list[MonthRow] = field(default_factory=list)
    children: list[ChildRow] = field(default_factory=list)

    @property
    def child_level(self) -> str:
        child = CHILDREN.get(self.region.level)
        return Level(child[0]).label if child else ""

    @property
    def stages(self) -> list[CountRow]:
        figures = self.figures
        return [
            CountRow("识别中", figures.identifying),
            CountRow("监测中", figures.monitoring),
            CountRow("已提出风险消除", figures.proposed),
            CountRow("风险已消除", figures.eliminated),
        ]

    def chart_data(self) -> dict[str, Any]:
        """The numbers the charts draw (passed to the page with json_script)."""
        return {
            "categories": {
                "labels": [row.category for row in self.categories],
                "monitoring": [row.monitoring for row in self.categories],
                "proposed": [row.proposed for row in self.categories],
                "eliminated": [row.eliminated for row in self.categories],
            },
            "risks": {"labels": [r.label for r in self.risks], "values": [r.households for r in self.risks]},
            "stages": {
                "labels": [r.label for r in self.stages],
                "values": [r.households for r in self.stages],
            },
            "months": {
                "labels": [row.label for row in self.months],
                "identified": [row.identified for row in self.months],
                "eliminated": [row.eliminated for row in self.months],
            },
            "children": {
                "level": self.child_level,
                "labels": [row.name for row in self.children],
                "monitored": [row.figures.under_monitoring for row in self.children],
                "eliminated": [row.figures.eliminated for row in self.children],
                "withoutMeasures": [row.figures.without_measures for row in self.children],
                "overdue": [row.figures.overdue_reassessments for row in self.children],
            },
        }


def month_starts(today: dt.date, count: int = MONTHS) -> list[dt.date]:
    """The first days of the last `count` months, oldest first, this month last."""
    firsts = []
    year, month = today.year, today.month
    for _ in range(count):
        firsts.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return firsts[::-1]


class _Counts:
    """The region's querysets, each through the gate, and their counts grouped by a code prefix."""

    def __init__(self, user: User, prefix: str) -> None:
        inside = code_within("village_code", prefix)
        self.cases = scope(Case.objects.filter(inside, stage__in=OPEN_STAGES), user)
        # Not "proposed": an aggregate of that name below would replace the annotation.
        self.monitored = scope(MonitoredHousehold.objects.filter(inside), user).annotate(
            elimination_open=lists.open_elimination()
        )
        self.unclaimed = lists.unclaimed_households(user).filter(inside)
        self.user = user
        self.prefix = prefix

    def grouped(self, rows: QuerySet[Any], length: int | None, **counts: Any) -> dict[str, dict[str, int]]:
        """{code prefix: {name: count}}; one group "" when `length` is None."""
        if length is None:
            return {"": {name: int(value or 0) for name, value in rows.aggregate(**counts).items()}}
        grouped = rows.annotate(code=Substr("village_code", 1, length)).values("code").annotate(**counts)
        return {row["code"]: {name: int(row[name] or 0) for name in counts} for row in grouped.order_by()}

    def figures(self, length: int | None) -> dict[str, Figures]:
        today = timezone.localdate()
        parts = [
            self.grouped(
                self.cases,
                length,
                identifying=Count("pk"),
                overdue_cases=Count("pk", filter=Q(deadline__lt=today)),
            ),
            self.grouped(
                self.monitored,
                length,
                monitoring=Count("pk", filter=Q(status=MONITORED, elimination_open=False)),
                proposed=Count("pk", filter=Q(status=MONITORED, elimination_open=True)),
                eliminated=Count("pk", filter=Q(status=ELIMINATED)),
            ),
            self.grouped(
                self.monitored.filter(status=MONITORED)
                .annotate(last_assessed=lists.last_assessed())
                .filter(lists.reassessment_overdue()),
                length,
                overdue_reassessments=Count("pk"),
            ),
            self.grouped(
                self.monitored.filter(status=MONITORED, reassessment_clock_start__isnull=False)
                .annotate(last_assessed=lists.last_assessed())
                .filter(last_assessed=F("reassessment_clock_start")),
                length,
                clock_from_import=Count("pk"),
            ),
            self.grouped(
                self.monitored.filter(status=MONITORED).exclude(lists.has_current_measure()),
                length,
                without_measures=Count("pk"),
            ),
            self.grouped(self.people_without_safeguards(), length, without_safeguards=Count("pk")),
            self.grouped(self.unclaimed, length, unclaimed_candidates=Count("pk")),
        ]
        codes = {code for part in parts for code in part}
        return {
            code: Figures(**{k: v for part in parts for k, v in part.get(code, {}).items()}) for code in codes
        }

    def people_without_safeguards(self) -> QuerySet[Any]:
        region_filter = lists.RegionFilter(self.user, {})
        return lists.without_safeguards(self.user, region_filter).filter(
            code_within("village_code", self.prefix)
        )

    def categories(self) -> list[CategoryRow]:
        grouped = (
            self.monitored.values("category", "status", "elimination_open").annotate(n=Count("pk")).order_by()
        )
        counts: Counter[tuple[str, str]] = Counter()
        for row in grouped:
            if row["status"] == ELIMINATED:
                state = "eliminated"
            else:
                state = "proposed" if row["elimination_open"] else "monitoring"
            counts[(row["category"], state)] += row["n"]
        return [
            CategoryRow(
                category,
                counts[(category, "monitoring")],
                counts[(category, "proposed")],
                counts[(category, "eliminated")],
            )
            for category in Category.values
        ]

    def risks(self) -> list[CountRow]:
        counts: Counter[str] = Counter()
        for risk_types in self.monitored.filter(status=MONITORED).values_list("risk_types", flat=True):
            counts.update(set(risk_types or ()))
        return [CountRow(risk, counts[risk]) for risk in RiskType.values]

    def months(self, today: dt.date) -> list[MonthRow]:
        firsts = month_starts(today)
        identified = self._per_month(
            self.monitored.filter(monitoring_start__gte=firsts[0]), "monitoring_start"
        )
        eliminated = self._per_month(
            self.monitored.filter(status=ELIMINATED, eliminated_on__gte=firsts[0]), "eliminated_on"
        )
        return [MonthRow(first, identified.get(first, 0), eliminated.get(first, 0)) for first in firsts]

    @staticmethod
    def _per_month(rows: QuerySet[Any], date_field: str) -> dict[dt.date, int]:
        grouped = (
            rows.annotate(month=TruncMonth(date_field)).values("month").annotate(n=Count("pk")).order_by()
        )
        return {_as_date(row["month"]): row["n"] for row in grouped}


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def build_dashboard(user: User, region: Region) -> MonitoringDashboard:
    """The dashboard of `region` (already checked with `region_for_user`)."""
    counts = _Counts(user, code_prefix(region))
    figures = counts.figures(None).get("", Figures())
    return MonitoringDashboard(
        region=region,
        figures=figures,
        categories=counts.categories(),
        risks=counts.risks(),
        months=counts.months(timezone.localdate()),
        children=_children(region, counts),
    )


def _children(region: Region, counts: _Counts) -> list[ChildRow]:
    child = CHILDREN.get(region.level)
    if child is None:
        return []
    level = child[0]
    per_child = counts.figures(prefix_length(level))
    names = dict(regions_within(region).filter(level=level).values_list("code", "name"))
    return [
        ChildRow(code, names.get(code, code), per_child.get(code, Figures()))
        for code in sorted(set(names) | set(per_child))
    ]

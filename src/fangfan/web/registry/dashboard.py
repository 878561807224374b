"""What a region's dashboard shows, from the per-village counts of the current run.

Each panel is one GROUP BY over `VillageHouseholdCount` or `VillageFindingCount`
(a few thousand rows per run for the whole city), scoped through the access gate and
then to the region asked for. The numbers are the engine's: households and people by
type, findings by category and veto, the change since the previously published run,
and the same per child region (counties of the city, townships of a county, villages
of a township).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet, Sum

from fangfan.engine.ledger import CATEGORY_NAMES
from fangfan.engine.rules.model import CATEGORIES
from fangfan.engine.schema import HOUSEHOLD_TYPES
from fangfan.web.accounts.access import regions_within, scope, within_region
from fangfan.web.accounts.models import User
from fangfan.web.regions.models import Region
from fangfan.web.registry.models import (
    CLOSED_STILL_FLAGGED,
    Finding,
    Run,
    VillageFindingCount,
    VillageHouseholdCount,
)

Level = Region.Level

# A region's children in the drill-down, and the count column that groups them.
CHILDREN: dict[str, tuple[str, str]] = {
    Level.CITY: (Level.COUNTY, "county_code"),
    Level.COUNTY: (Level.TOWNSHIP, "township_code"),
    Level.TOWNSHIP: (Level.VILLAGE, "village_code"),
}
# Sums per group; an annotation may not share a field's name, hence the "total_" prefix.
HOUSEHOLD_FIELDS = ("households", "people", "households_with_findings", "households_with_veto")
FINDING_FIELDS = ("findings", "new", "persisting", "resolved")
HOUSEHOLD_SUMS = {f"total_{name}": Sum(name) for name in HOUSEHOLD_FIELDS}
FINDING_SUMS = {f"total_{name}": Sum(name) for name in FINDING_FIELDS} | {
    "total_veto_findings": Sum("findings", filter=Q(veto=True))
}


# The order of the 2020 census (收入和“两不愁三保障”及饮水安全) first, then the rest as the
# catalogue lists them: pages, filters and Excel show categories in this order.
CENSUS_FIRST = ("INCOME", "FOOD_CLOTHING", "EDUCATION", "MEDICAL", "HOUSING", "WATER")
CATEGORY_ORDER = CENSUS_FIRST + tuple(code for code in CATEGORIES if code not in CENSUS_FIRST)


def _totals(row: Mapping[str, Any]) -> dict[str, int]:
    """A grouped row's sums by field name (no rows: 0)."""
    return {
        key.removeprefix("total_"): int(value or 0) for key, value in row.items() if key.startswith("total_")
    }


@dataclass(frozen=True)
class Totals:
    households: int = 0
    people: int = 0
    households_with_findings: int = 0
    households_with_veto: int = 0
    findings: int = 0
    veto_findings: int = 0
    new: int = 0
    persisting: int = 0
    resolved: int = 0

    @property
    def other_findings(self) -> int:
        return self.findings - self.veto_findings


@dataclass(frozen=True)
class TypeRow:
    household_type: str
    households: int
    people: int


@dataclass(frozen=True)
class CategoryRow:
    category: str
    label: str
    veto: int
    other: int

    @property
    def total(self) -> int:
        return self.veto + self.other


@dataclass(frozen=True)
class ChildRow:
    code: str
    name: str
    totals: Totals


@dataclass(frozen=True)
class CloseoutCounts:
    """Close-outs the screening does not confirm: 已核销 yet still flagged, and 复发."""

    closed_still_flagged: int = 0
    recurring: int = 0


def closeout_counts(user: User | AnonymousUser, region: Region) -> CloseoutCounts:
    """In `region` (checked with `region_for_user`): findings closed while the newest run still
    flags them, and findings that recurred (closed, then flagged again by a later run)."""
    findings = scope(Finding.objects.filter(within_region("village_code", region)), user)
    counts = findings.aggregate(
        closed_still_flagged=Count("pk", filter=CLOSED_STILL_FLAGGED),
        recurring=Count("pk", filter=Q(recurrences__gt=0)),
    )
    return CloseoutCounts(**{key: int(value or 0) for key, value in counts.items()})


@dataclass(frozen=True)
class Dashboard:
    region: Region
    run: Run | None
    totals: Totals = field(default_factory=Totals)
    closeouts: CloseoutCounts = field(default_factory=CloseoutCounts)
    types: list[TypeRow] = field(default_factory=list)
    categories: list[CategoryRow] = field(default_factory=list)
    children: list[ChildRow] = field(default_factory=list)

    @property
    def child_level(self) -> str:
        """The children's level in Chinese (县(区), 乡(镇), 行政村), or '' for a village."""
        child = CHILDREN.get(self.region.level)
        return Level(child[0]).label if child else ""

    def chart_data(self) -> dict[str, Any]:
        """The numbers the charts draw (passed to the page with json_script)."""
        return {
            "types": {
                "labels": [row.household_type for row in self.types],
                "households": [row.households for row in self.types],
                "people": [row.people for row in self.types],
            },
            "categories": {
                "labels": [row.label for row in self.categories],
                "veto": [row.veto for row in self.categories],
                "other": [row.other for row in self.categories],
            },
            "change": {
                "labels": ["新发现", "持续存在", "已消除"],
                "values": [self.totals.new, self.totals.persisting, self.totals.resolved],
            },
            "children": {
                "level": self.child_level,
                "labels": [row.name for row in self.children],
                "households": [row.totals.households for row in self.children],
                "withFindings": [row.totals.households_with_findings for row in self.children],
                "withVeto": [row.totals.households_with_veto for row in self.children],
            },
        }


def build_dashboard(user: User | AnonymousUser, region: Region, run: Run | None) -> Dashboard:
    """The dashboard of `region` (already checked with `region_for_user`) for `run`."""
    if run is None:
        return Dashboard(region=region, run=None)
    households = scope(
        VillageHouseholdCount.objects.filter(within_region("village_code", region), run=run), user
    )
    findings = scope(VillageFindingCount.objects.filter(within_region("village_code", region), run=run), user)
    types = _types(households)
    categories, finding_totals = _categories(findings)
    household_totals = _totals(households.aggregate(**HOUSEHOLD_SUMS))
    totals = Totals(**household_totals, **finding_totals)
    return Dashboard(
        region=region,
        run=run,
        totals=totals,
        types=types,
        categories=categories,
        children=_children(region, households, findings),
        closeouts=closeout_counts(user, region),
    )


def _types(households: QuerySet[VillageHouseholdCount]) -> list[TypeRow]:
    rows = {
        row["household_type"]: _totals(row)
        for row in households.values("household_type").annotate(**HOUSEHOLD_SUMS).order_by()
    }
    known = [kind for kind in HOUSEHOLD_TYPES if kind in rows]
    other = sorted(set(rows) - set(HOUSEHOLD_TYPES))
    return [
        TypeRow(kind or "未填写", rows[kind]["households"], rows[kind]["people"]) for kind in known + other
    ]


def _categories(findings: QuerySet[VillageFindingCount]) -> tuple[list[CategoryRow], dict[str, int]]:
    """Findings by category and veto flag, and the totals (findings, veto, new, persisting, resolved)."""
    grouped = [
        (row["category"], row["veto"], _totals(row))
        for row in findings.values("category", "veto").annotate(**FINDING_SUMS).order_by()
    ]
    counts = {(category, veto): sums["findings"] for category, veto, sums in grouped}
    totals = {key: sum(sums[key] for _, _, sums in grouped) for key in (*FINDING_FIELDS, "veto_findings")}
    categories = [
        CategoryRow(
            code, CATEGORY_NAMES.get(code, code), counts.get((code, True), 0), counts.get((code, False), 0)
        )
        for code in CATEGORY_ORDER
        if counts.get((code, True)) or counts.get((code, False))
    ]
    return categories, totals


def _children(
    region: Region, households: QuerySet[VillageHouseholdCount], findings: QuerySet[VillageFindingCount]
) -> list[ChildRow]:
    """One row per child region: its households (one GROUP BY) and findings (another)."""
    child = CHILDREN.get(region.level)
    if child is None:
        return []
    level, column = child
    by_household = {
        row[column]: _totals(row) for row in households.values(column).annotate(**HOUSEHOLD_SUMS).order_by()
    }
    by_finding = {
        row[column]: _totals(row) for row in findings.values(column).annotate(**FINDING_SUMS).order_by()
    }
    names = dict(regions_within(region).filter(level=level).values_list("code", "name"))
    codes = sorted(set(names) | set(by_household) | set(by_finding))
    return [
        ChildRow(
            code, names.get(code, code), Totals(**by_household.get(code, {}), **by_finding.get(code, {}))
        )
        for code in codes
    ]

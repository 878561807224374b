"""A campaign's progress over a region, one row per region a level below (a county's
townships, a township's villages): targets, visited, overdue, problems found."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from fangfan.web.accounts.access import scope, within_region
from fangfan.web.accounts.models import User
from fangfan.web.campaigns.models import Target, Visit
from fangfan.web.regions.models import Region

# Which code of a target names the region a level below each level (a village: itself).
CHILD_FIELD = {
    Region.Level.CITY: "county_code",
    Region.Level.COUNTY: "township_code",
    Region.Level.TOWNSHIP: "village_code",
    Region.Level.VILLAGE: "village_code",
}


@dataclass(frozen=True)
class ProgressRow:
    code: str
    name: str
    targets: int
    visited: int
    overdue: int
    problems: int

    @property
    def pending(self) -> int:
        return self.targets - self.visited

    @property
    def visited_share(self) -> str:
        """走访率, as “85.0%” (“—” with no targets)."""
        return f"{self.visited / self.targets:.1%}" if self.targets else "—"


def campaign_targets(user: User, campaign: str, region: Region) -> QuerySet[Target]:
    """The campaign's targets inside `region`, through the gate."""
    return scope(Target.objects.filter(campaign=campaign), user).filter(within_region("village_code", region))


def overdue_filter() -> Q:
    """Still to visit after the visit-by date."""
    return Q(status=Target.Status.PENDING, visit_by__lt=timezone.localdate())


def _counts() -> dict[str, Count]:
    return {
        "targets": Count("id"),
        "visited": Count("id", filter=Q(status=Target.Status.VISITED)),
        "overdue": Count("id", filter=overdue_filter()),
        "problems": Count("id", filter=Q(visit__result__in=[Visit.Result.SOLVED, Visit.Result.PROBLEM])),
    }


def progress(user: User, campaign: str, region: Region) -> tuple[list[ProgressRow], ProgressRow]:
    """One row per region a level below `region` that has targets, and the region's total."""
    field = CHILD_FIELD[Region.Level(region.level)]
    targets = campaign_targets(user, campaign, region)
    grouped = targets.values(field).annotate(**_counts()).order_by(field)
    names = dict(Region.objects.filter(code__in=[row[field] for row in grouped]).values_list("code", "name"))
    rows = [
        ProgressRow(
            row[field],
            names.get(row[field], row[field]),
            row["targets"],
            row["visited"],
            row["overdue"],
            row["problems"],
        )
        for row in grouped
    ]
    total = targets.aggregate(**_counts())
    return rows, ProgressRow(
        region.code, region.name, total["targets"], total["visited"], total["overdue"], total["problems"]
    )

"""政策知晓: which of the policies a household receives it knows it receives, and the rate.

A visit (web form or ODK) records the keys of the policies the household received when
it was visited (`received_keys`: the policy cards' own `policies_for_households`, keys
from the year's catalogue) and those the household could name (`Visit.policies_known`).

The awareness rate of a region (知晓率) is known ÷ received, summed over the visited
households of the region, each household counted once by its latest visit that asked
(a visit before awareness was asked, `policies_received` None, is not counted; a
household receiving nothing adds nothing to either side). One household that names
3 of its 4 policies and another that names 1 of 2 make 4 ÷ 6 = 66.7%.

>>> Awareness(households=2, received=6, known=4).rate_text
'66.7%'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Func, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Substr

from fangfan.web.accounts.access import prefix_length, regions_within, scope, within_region
from fangfan.web.accounts.models import User
from fangfan.web.cards.policies import catalogue_for, policies_for_households
from fangfan.web.monitoring.models import Visit
from fangfan.web.regions.models import Region
from fangfan.web.registry.dashboard import CHILDREN
from fangfan.web.registry.models import Household

PERCENT = Decimal("0.1")


def received_keys(households: Iterable[Household | str]) -> dict[str, list[str]]:
    """household_id → the keys of the policies it receives this policy year, catalogue order."""
    found = policies_for_households(households)
    return {household: list(dict.fromkeys(p.key for p in policies)) for household, policies in found.items()}


def policy_names() -> dict[str, str]:
    """key → name of every policy in the current policy year's catalogue, in its order."""
    return {policy.key: policy.name for policy in catalogue_for().policies}


def unknown_to_household(known: Iterable[str], received: Iterable[str]) -> list[str]:
    """The keys named as known that the household does not receive (a visit refuses them)."""
    receiving = set(received)
    return [key for key in known if key not in receiving]


@dataclass(frozen=True)
class Awareness:
    households: int = 0  # visited households whose latest visit asked
    received: int = 0  # policies they receive, summed
    known: int = 0  # of those, policies they knew they receive

    @property
    def rate(self) -> Decimal | None:
        if not self.received:
            return None
        return (Decimal(100 * self.known) / self.received).quantize(PERCENT, rounding=ROUND_HALF_UP)

    @property
    def rate_text(self) -> str:
        return "—" if self.rate is None else f"{self.rate}%"

    def __add__(self, other: Awareness) -> Awareness:
        return Awareness(
            self.households + other.households, self.received + other.received, self.known + other.known
        )


class JsonArrayLength(Func):
    """The number of items of a JSON array column (SQLite's json_array_length, PostgreSQL's jsonb)."""

    function = "json_array_length"
    output_field = IntegerField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="jsonb_array_length", **extra)


def awareness_by_code(visits: QuerySet[Any], length: int | None) -> dict[str, Awareness]:
    """{code prefix of `length` digits (None: ""): Awareness} over `visits` (already scoped).

    Each household counts once, by its latest visit with awareness recorded; one query
    (the latest visit found by a correlated subquery on the household's visits, the arrays'
    lengths summed per group). `policies_known` is a subset of `policies_received`, as
    `record_visit` stores it, so its length is the number known.
    """
    asked = Visit.objects.filter(policies_received__isnull=False)
    latest = (
        asked.filter(household_id=OuterRef("household_id")).order_by("-visited_on", "-pk").values("pk")[:1]
    )
    rows = visits.filter(policies_received__isnull=False, pk=Subquery(latest))
    code = Substr("village_code", 1, length) if length is not None else Value("")
    grouped = (
        rows.annotate(code=code)
        .values("code")
        .annotate(
            households=Count("pk"),
            received=Sum(JsonArrayLength("policies_received")),
            known=Sum(JsonArrayLength("policies_known")),
        )
        .order_by()
    )
    return {
        row["code"]: Awareness(row["households"], int(row["received"] or 0), int(row["known"] or 0))
        for row in grouped
    }


@dataclass(frozen=True)
class ChildAwareness:
    code: str
    name: str
    awareness: Awareness


@dataclass(frozen=True)
class AwarenessPanel:
    """The awareness of a region and of each child region (counties, townships or villages)."""

    region: Region
    total: Awareness
    children: list[ChildAwareness]
    child_level: str

    @property
    def rows(self) -> list[ChildAwareness]:
        """The region itself first, then its children: what the table and the Excel list."""
        return [ChildAwareness(self.region.code, self.region.name, self.total), *self.children]


def awareness_panel(user: User, region: Region) -> AwarenessPanel:
    """知晓率 of `region` (already checked with `region_for_user`) and its children, from the visits."""
    visits = scope(Visit.objects.filter(within_region("village_code", region)), user)
    child = CHILDREN.get(region.level)
    total = awareness_by_code(visits, None).get("", Awareness())
    if child is None:
        return AwarenessPanel(region, total, [], "")
    level = child[0]
    per_child = awareness_by_code(visits, prefix_length(level))
    names = dict(regions_within(region).filter(level=level).values_list("code", "name"))
    children = [
        ChildAwareness(code, names.get(code, code), per_child.get(code, Awareness()))
        for code in sorted(set(names) | set(per_child))
    ]
    return AwarenessPanel(region, total, children, Region.Level(level).label)

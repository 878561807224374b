"""The household totals the verbs keep, and the region figures the pages read from them.

`refresh_household` rewrites one household's `HouseholdIndustry` row from its live rows
(the engine judges it). The region pages group those rows in SQL: one row per household,
filtered on the (year, village_code) index, never read into Python whole.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone

from fangfan.engine.fieldwork import industry as engine
from fangfan.engine.fieldwork.rules import FieldRules, field_rules
from fangfan.web.accounts.access import prefix_length, within_region
from fangfan.web.industry.models import HouseholdIndustry, Livestock, Planting, VillageIndustry
from fangfan.web.regions.models import Region
from fangfan.web.registry.models import Household

MONEY = DecimalField(max_digits=16, decimal_places=2)
ZERO = Value(Decimal(0), output_field=MONEY)
CHILD_LEVEL = {
    Region.Level.CITY: Region.Level.COUNTY,
    Region.Level.COUNTY: Region.Level.TOWNSHIP,
    Region.Level.TOWNSHIP: Region.Level.VILLAGE,
}


def this_year() -> int:
    return timezone.localdate().year


def year_from(value: Any) -> int:
    """The year a page was asked for (`?year=`), else this year."""
    try:
        year = int(value)
    except (TypeError, ValueError):
        return this_year()
    return year if 2000 <= year <= 2100 else this_year()


def refresh_household(household: Household, year: int) -> HouseholdIndustry | None:
    """Rewrite the household's totals and verdicts for `year` from its live rows (none: removed)."""
    plantings = list(Planting.objects.filter(household=household, year=year).values_list("mu", "income"))
    livestock = list(Livestock.objects.filter(household=household, year=year).values_list("head", "income"))
    if not plantings and not livestock:
        HouseholdIndustry.objects.filter(household=household, year=year).delete()
        refresh_village(household.village_code, year)
        return None
    found = engine.figures(plantings, livestock)
    planting, animals = engine.judge(found, field_rules(year))
    tally, _ = HouseholdIndustry.objects.update_or_create(
        household=household,
        year=year,
        defaults={
            "village_code": household.village_code,
            "planting_rows": found.planting_rows,
            "mu": found.mu,
            "planting_income": found.planting_income,
            "planting_status": planting.status,
            "livestock_rows": found.livestock_rows,
            "head": found.head,
            "livestock_income": found.livestock_income,
            "livestock_status": animals.status,
        },
    )
    refresh_village(household.village_code, year)
    return tally


def refresh_village(village_code: str, year: int) -> None:
    """Rewrite the village's totals for `year` from its households' rows (none: removed)."""
    found = (
        HouseholdIndustry.objects.filter(village_code=village_code, year=year)
        .values("village_code")
        .order_by("village_code")
        .annotate(**SUMMARY, households=Count("pk"))
        .first()
    )
    if found is None:
        VillageIndustry.objects.filter(village_code=village_code, year=year).delete()
        return
    values = {name: dict(found)[name] for name in VILLAGE_FIELDS}
    VillageIndustry.objects.update_or_create(village_code=village_code, year=year, defaults=values)


def rebuild_villages(year: int) -> int:
    """Every village's totals for `year` again, from the household rows (after a bulk load)."""
    VillageIndustry.objects.filter(year=year).delete()
    grouped = (
        HouseholdIndustry.objects.filter(year=year)
        .values("village_code")
        .order_by("village_code")
        .annotate(**SUMMARY, households=Count("pk"))
    )
    rows = [
        VillageIndustry(year=year, **{name: found[name] for name in ("village_code", *VILLAGE_FIELDS)})
        for found in map(dict, grouped)
    ]
    VillageIndustry.objects.bulk_create(rows, batch_size=2_000)
    return len(rows)


def tallies(region: Region, year: int) -> QuerySet[HouseholdIndustry]:
    return HouseholdIndustry.objects.filter(within_region("village_code", region), year=year)


def villages_of(region: Region, year: int) -> QuerySet[VillageIndustry]:
    return VillageIndustry.objects.filter(within_region("village_code", region), year=year)


BELOW_EITHER = Q(planting_status=engine.BELOW) | Q(livestock_status=engine.BELOW)
# Per household row (HouseholdIndustry) → a summary; per village row (VillageIndustry) → its sums.
SUMMARY = {
    "planting_households": Count("pk", filter=Q(planting_rows__gt=0)),
    "mu": Coalesce(Sum("mu"), ZERO),
    "planting_income": Coalesce(Sum("planting_income"), ZERO),
    "planting_below": Count("pk", filter=Q(planting_status=engine.BELOW)),
    "planting_not_judged": Count("pk", filter=Q(planting_status=engine.NOT_JUDGED)),
    "livestock_households": Count("pk", filter=Q(livestock_rows__gt=0)),
    "head": Coalesce(Sum("head"), 0),
    "livestock_income": Coalesce(Sum("livestock_income"), ZERO),
    "livestock_below": Count("pk", filter=Q(livestock_status=engine.BELOW)),
    "below_households": Count(
        "pk", filter=Q(planting_status=engine.BELOW) | Q(livestock_status=engine.BELOW)
    ),
}
VILLAGE_FIELDS = (*SUMMARY, "households")
SUMMED = {
    name: Coalesce(Sum(name), ZERO if name in ("mu", "planting_income", "livestock_income") else 0)
    for name in SUMMARY
}


def _summary(values: dict[str, Any]) -> engine.AreaSummary:
    return engine.AreaSummary(**{name: values[name] for name in SUMMARY})


def region_summary(region: Region, year: int) -> engine.AreaSummary:
    """The region's totals (one aggregate over its villages' rows)."""
    return _summary(villages_of(region, year).aggregate(**SUMMED))


def child_summaries(region: Region, year: int) -> list[tuple[Region, engine.AreaSummary]]:
    """Each region one level below `region` (a county's townships), with its totals; a
    region without records shows zeros. A village has none."""
    level = CHILD_LEVEL.get(Region.Level(region.level))
    if level is None:
        return []
    length = prefix_length(level)
    grouped = {
        values["prefix"]: _summary(dict(values))
        for values in villages_of(region, year)
        .annotate(prefix=Substr("village_code", 1, length))
        .values("prefix")
        .order_by()
        .annotate(**SUMMED)
    }
    children = Region.objects.filter(parent=region, level=level).order_by("code")
    return [(child, grouped.get(child.code[:length], engine.AreaSummary())) for child in children]


def village_summaries(region: Region, year: int, rules: FieldRules, *, below_only: bool) -> QuerySet[Any]:
    """Each village of the region with records, sorted by code; `below_only`: the villages
    whose planting income per mu (their households together) is below the target, or whose
    livestock households earn less than the target on average."""
    rows = villages_of(region, year).order_by("village_code")
    if below_only:
        per_mu = rules.industry_planting_yuan_per_mu
        per_household = rules.industry_livestock_yuan_per_household
        rows = rows.filter(
            Q(mu__gt=0, planting_income__lt=F("mu") * per_mu)
            | Q(livestock_households__gt=0, livestock_income__lt=F("livestock_households") * per_household)
        )
    values: QuerySet[Any] = rows.values("village_code", *VILLAGE_FIELDS)
    return values


def village_rows(values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Village values with their name and summary, for a page or a sheet."""
    names = dict(
        Region.objects.filter(code__in=[row["village_code"] for row in values]).values_list("code", "name")
    )
    return [
        {
            "code": row["village_code"],
            "name": names.get(row["village_code"], row["village_code"]),
            "households": row["households"],
            "summary": _summary(row),
        }
        for row in values
    ]


def below_count(region: Region, year: int, *, kind: str = "", village: str = "") -> int:
    """How many households `below_households` lists, from the village rows (no count of households)."""
    rows = villages_of(region, year)
    if village:
        rows = rows.filter(village_code=village)
    field = {"planting": "planting_below", "livestock": "livestock_below"}.get(kind, "below_households")
    return int(rows.aggregate(total=Coalesce(Sum(field), 0))["total"])


def below_households(
    region: Region, year: int, *, kind: str = "", village: str = ""
) -> QuerySet[HouseholdIndustry]:
    """The households below a target in the region (`kind` planting or livestock: that one),
    sorted by village and household."""
    rows = tallies(region, year)
    if kind == "planting":
        rows = rows.filter(planting_status=engine.BELOW)
    elif kind == "livestock":
        rows = rows.filter(livestock_status=engine.BELOW)
    else:
        rows = rows.filter(BELOW_EITHER)
    if village:
        rows = rows.filter(village_code=village)
    return rows.select_related("household").order_by("village_code", "household_id")

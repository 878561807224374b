"""The gate for rounds and their units, and the frames the engine reads (no writes here).

A round is drawn over a region (the city's, a county's): a user sees the rounds of their
region or one above it (their own households are in it) and of regions inside theirs,
and of any round only the units inside their region (`access.scope`).
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl
from django.db.models import Q, QuerySet
from django.http import Http404

from fangfan.engine.assessment.estimate import RESULT_COLUMNS
from fangfan.engine.assessment.population import COLUMNS as POPULATION_COLUMNS
from fangfan.engine.assessment.population import REGISTERED_TYPES, mark_poor_villages
from fangfan.web.accounts.access import get_scoped_or_404, region_for_user, regions_within, scope
from fangfan.web.accounts.models import User
from fangfan.web.assessment.models import Round, Unit
from fangfan.web.regions.models import Region
from fangfan.web.registry.models import Household

UNIT_COLUMNS = (
    "county_code",
    "village_code",
    "household_id",
    "stratum",
    "registered",
    "exited",
    "members",
    "targeted",
    "village_prob",
    "household_prob",
    "inclusion_prob",
    "weight",
)


def rounds_for_user(user: User) -> QuerySet[Round]:
    """The rounds over the user's region, a region above it, or one inside it."""
    above: list[str] = []
    region: Region | None = region_for_user(user)
    while region is not None:
        above.append(region.code)
        region = region.parent
    return (scope(Round.objects.all(), user) | Round.objects.filter(region_code__in=above)).select_related(
        "drawn_by", "run"
    )


def round_for_user(user: User, round_id: int) -> Round:
    """One round the user may open, else 404."""
    try:
        return rounds_for_user(user).get(pk=round_id)
    except Round.DoesNotExist:
        raise Http404("没有找到该评估轮次") from None


def units_for_user(user: User, round: Round) -> QuerySet[Unit]:
    """The round's units inside the user's region."""
    return scope(Unit.objects.filter(round=round), user)


def unit_for_user(user: User, unit_id: int) -> Unit:
    return get_scoped_or_404(Unit.objects.select_related("round", "household"), user, pk=unit_id)


def counties_for_user(user: User) -> QuerySet[Region]:
    """The counties a round the user draws may cover: those in (or being) their region."""
    assert user.region is not None
    return regions_within(user.region).filter(level=Region.Level.COUNTY).order_by("code")


def population_frame(counties: Iterable[str]) -> pl.DataFrame:
    """The published households of the counties as the engine's population
    (`fangfan.engine.assessment.population` columns), read from the registry the pages show."""
    rows = Household.objects.filter(county_code__in=list(counties)).values_list(
        "household_id",
        "county_code",
        "township_code",
        "village_code",
        "village_name",
        "household_type",
        "exit_year",
        "people",
    )
    frame = pl.DataFrame(
        list(rows),
        schema={
            "household_id": pl.String,
            "county_code": pl.String,
            "township_code": pl.String,
            "village_code": pl.String,
            "village_name": pl.String,
            "household_type": pl.String,
            "exit_year": pl.Int64,
            "members": pl.Int64,
        },
        orient="row",
    )
    frame = frame.with_columns(
        registered=pl.col("household_type").is_in(REGISTERED_TYPES),
        exited=pl.col("exit_year").is_not_null(),
        members=pl.col("members").clip(lower_bound=1),
    )
    # The registry keeps no 贫困村 flag: the engine's rule marks the former poor villages.
    poor = mark_poor_villages(frame)
    frame = frame.join(poor, on="village_code", how="left").with_columns(
        pl.col("poor_village").fill_null(False)
    )
    return frame.select(POPULATION_COLUMNS).sort("household_id")


def flagged_households(counties: Iterable[str]) -> set[str]:
    """A self-check's targets: households the sieve flags (open findings) and monitored
    households whose risk is not yet eliminated."""
    flagged = Q(open_findings__gt=0) | Q(risk_eliminated=False)
    households = Household.objects.filter(flagged, county_code__in=list(counties))
    return set(households.values_list("household_id", flat=True))


def units_frame(units: QuerySet[Unit]) -> pl.DataFrame:
    """The visited units with their results, as the engine's estimation input (a unit not
    visited yet is left out: the estimate is of the households visited)."""
    rows = units.filter(result__isnull=False).values_list(
        *UNIT_COLUMNS,
        *(f"result__{name}" for name in RESULT_COLUMNS),
    )
    schema = {
        **dict.fromkeys(("county_code", "village_code", "household_id", "stratum"), pl.String),
        **dict.fromkeys(("registered", "exited"), pl.Boolean),
        "members": pl.Int64,
        "targeted": pl.Boolean,
        **dict.fromkeys(("village_prob", "household_prob", "inclusion_prob", "weight"), pl.Float64),
        **dict.fromkeys(("wrongly_exited", "should_register", "approves"), pl.Boolean),
        **dict.fromkeys(("aware_count", "policy_count"), pl.Int64),
    }
    return pl.DataFrame(list(rows), schema=schema, orient="row")

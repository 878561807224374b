"""The assessment verbs, each in a transaction:

draw_round      the city or a county draws a round: a plan's sample over counties of its region
record_result   a visit's result kept (or corrected) on a unit, audited
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from fangfan.engine.assessment.plan import load_plan
from fangfan.engine.assessment.sample import draw_sample
from fangfan.engine.formatting import date_text
from fangfan.web.accounts.access import ASSESSMENT_RECORDERS, code_in_region
from fangfan.web.accounts.audit import record_creation, track_changes
from fangfan.web.accounts.models import User
from fangfan.web.assessment.models import Result, Round, Unit
from fangfan.web.assessment.results import ResultInput, result_problems
from fangfan.web.assessment.rounds import flagged_households, population_frame
from fangfan.web.procedures.base import WorkflowError
from fangfan.web.regions.models import Region
from fangfan.web.registry.models import Run

# Units are written in batches of this many rows.
BATCH = 2_000


@transaction.atomic
def draw_round(user: User, plan_name: str, seed: int, counties: Sequence[str], title: str = "") -> Round:
    """抽取评估样本: the plan's sample from the current run's households of `counties`.

    Each drawn household becomes a unit with its inclusion probability and weight; the same
    plan, seed and run draw the same units (the engine's draw is reproducible).
    """
    region = user.region
    if region is None or not counties:
        raise WorkflowError("请选择要模拟评估的县区")
    if not all(code_in_region(code, region) for code in counties):
        raise PermissionDenied("只能抽取本辖区县区的样本")
    run = Run.objects.current()
    if run is None:
        raise WorkflowError("还没有发布任何筛查批次，不能抽样")
    plan = load_plan(plan_name)
    population = population_frame(counties)
    if population.is_empty():
        raise WorkflowError("所选县区没有已发布的农户，不能抽样")
    flagged = flagged_households(counties) if plan.targeted_share > 0 else None
    sample = draw_sample(population, plan, seed, flagged=flagged, counties=counties)
    made = Round.objects.create(
        title=(title.strip() or _title(region, plan.label))[:100],
        plan=plan.name,
        plan_label=plan.label,
        seed=seed,
        region_code=region.code,
        counties=sorted(counties),
        run=run,
        snapshot_id=run.snapshot_id,
        drawn_by=user,
        unit_count=sample.height,
    )
    _add_units(made, sample)
    record_creation(user, made)
    return made


def _title(region: Region, label: str) -> str:
    return f"{region.name}{label}模拟（{date_text(timezone.localdate())}）"


def _add_units(round: Round, sample: pl.DataFrame) -> None:
    units = [
        Unit(
            round=round,
            household_id=row["household_id"],
            village_code=row["village_code"],
            county_code=row["county_code"],
            stratum=str(row["stratum"]),
            registered=bool(row["registered"]),
            exited=bool(row["exited"]),
            members=int(row["members"]),
            targeted=bool(row["targeted"]),
            village_prob=float(row["village_prob"]),
            household_prob=float(row["household_prob"]),
            inclusion_prob=float(row["inclusion_prob"]),
            weight=float(row["weight"]),
        )
        for row in sample.iter_rows(named=True)
    ]
    Unit.objects.bulk_create(units, batch_size=BATCH)


@transaction.atomic
def record_result(user: User, unit: Unit, data: ResultInput) -> Result:
    """登记走访结果 on a unit of the user's region; again: the correction is audited."""
    if user.role not in ASSESSMENT_RECORDERS or user.region is None:
        raise PermissionDenied("您的角色不能登记评估走访结果")
    if not code_in_region(unit.village_code, user.region):
        raise PermissionDenied("只能登记本辖区样本户的走访结果")
    problems = result_problems(unit, data, drawn_on(unit.round))
    if problems:
        raise WorkflowError("；".join(message for _, message in problems))
    values = {**data.values(), "visitor": data.visitor.strip()}
    existing = Result.objects.select_for_update().filter(unit=unit).first()
    if existing is None:
        result = Result.objects.create(unit=unit, village_code=unit.village_code, recorded_by=user, **values)
        record_creation(user, result)
        return result
    with track_changes(user, existing):
        for name, value in {**values, "recorded_by": user}.items():
            setattr(existing, name, value)
        existing.save()
    return existing


def drawn_on(round: Round) -> dt.date:
    """The round's drawing day (local): no visit of it happened before."""
    return timezone.localdate(round.drawn_at)

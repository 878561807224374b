"""The assessment verbs, each in a transaction:

draw_round      the city or a county draws a round: a plan's sample over counties of its region
                (in the request when small, else 抽样中 until the worker's `fill_round`)
fill_round      a round's sample drawn and its units written
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
from fangfan.web.registry.models import Household, Run

# Units are written in batches of this many rows.
BATCH = 2_000
# Above this many households a draw is the background worker's: a city's (600,000 households,
# 9 counties, 9,135 units) took 4.4 s with SQLite on a loaded 2-core machine, 3.9 s of it
# reading the households; 60,000 in 2 counties 0.5 s.
INLINE_HOUSEHOLDS = 100_000


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
    households = Household.objects.filter(county_code__in=list(counties)).count()
    if not households:
        raise WorkflowError("所选县区没有已发布的农户，不能抽样")
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
        status=Round.Status.DRAWING,
        progress=f"等待后台抽样（{households:,} 户）",
    )
    record_creation(user, made)
    if households > INLINE_HOUSEHOLDS:
        transaction.on_commit(lambda: _enqueue(made))
    else:
        fill_round(made)
    return made


def _enqueue(made: Round) -> None:
    from fangfan.web.assessment.tasks import draw_round_task

    draw_round_task.enqueue(made.pk)


def fill_round(made: Round) -> None:
    """Draw a 抽样中 round's sample (its plan, seed and counties) and write its units.

    In the worker each step commits on its own, so the page can show the progress; a failure
    is undone by `fail_round`."""
    plan = load_plan(made.plan)
    _progress(made, "正在读取农户")
    population = population_frame(made.counties)
    flagged = flagged_households(made.counties) if plan.targeted_share > 0 else None
    _progress(made, "正在抽样")
    sample = draw_sample(population, plan, made.seed, flagged=flagged, counties=made.counties)
    _add_units(made, sample)
    made.unit_count, made.status, made.progress = sample.height, Round.Status.READY, ""
    made.save(update_fields=["unit_count", "status", "progress"])


def fail_round(made: Round) -> None:
    """A draw that broke off: its units removed, the round 抽样失败 (draw it again)."""
    with transaction.atomic():
        Unit.objects.filter(round=made).delete()
        made.unit_count, made.status = 0, Round.Status.FAILED
        made.progress = "抽样时出现系统错误，没有留下样本户，请重新抽样或联系系统管理员"
        made.save(update_fields=["unit_count", "status", "progress"])


def _progress(made: Round, text: str) -> None:
    made.progress = text
    made.save(update_fields=["progress"])


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
    for start in range(0, len(units), BATCH):
        _progress(round, f"正在写入样本户（{start:,} / {len(units):,}）")
        Unit.objects.bulk_create(units[start : start + BATCH])


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

"""The campaign verbs, each in a transaction:

draw_targets   the city or a county draws (or draws again) a campaign's target list
record_visit   a team on the ground records the visit: checklist, result, follow-up
               (a monitoring lead, or a rectification problem)
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import polars as pl
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from fangfan.engine.campaigns import Campaign, ChecklistItem
from fangfan.engine.formatting import date_text
from fangfan.web.accounts.access import can, code_in_region
from fangfan.web.accounts.audit import record_creation
from fangfan.web.accounts.models import User
from fangfan.web.bounds import today
from fangfan.web.campaigns.drawing import Hit, find_targets
from fangfan.web.campaigns.models import Draw, Target, TargetEvent, Visit
from fangfan.web.campaigns.procedure import CAMPAIGN_TARGET
from fangfan.web.monitoring.actions.common import household_in_hand
from fangfan.web.monitoring.actions.reports import create_intake
from fangfan.web.monitoring.models import Intake, Source
from fangfan.web.procedures.base import WorkflowError, advance, begin, require, require_date
from fangfan.web.regions.models import Region
from fangfan.web.registry.models import Run
from fangfan.web.shared.loading import loader

T = TypeVar("T")
Status = Target.Status
Result = Visit.Result
FollowUp = Visit.FollowUp


# Drawing reads and writes a city's targets in slices of this many (an IN list, an UPDATE).
SLICE = 5_000


@transaction.atomic
def draw_targets(user: User | None, campaign: Campaign, region: Region) -> Draw:
    """列入对象名单: the region's households the campaign's rules draw from the current run.

    Drawing again adds the households newly drawn and keeps every target already listed:
    a visited one as it was visited, a pending one with the reasons found now and the file's
    visit-by date (or, when no rule draws it any more, as it was listed). Draws run one at
    a time (the region tree's root is locked), so two never list the same household twice.
    """
    if user is not None and (user.region is None or not code_in_region(region.code, user.region)):
        raise PermissionDenied("只能为本辖区生成对象名单")
    run = Run.objects.current()
    if run is None:
        raise WorkflowError("还没有发布任何筛查批次，不能生成对象名单")
    _lock_draws(region)
    found = find_targets(campaign, region)
    draw = Draw.objects.create(campaign=campaign.code, region_code=region.code, run=run, drawn_by=user)
    kept = _keep_listed(campaign, draw, found)
    draw.added = _add_new(campaign, draw, user, {key: hits for key, hits in found.items() if key not in kept})
    draw.kept = len(kept)
    draw.save(update_fields=["added", "kept"])
    record_creation(user, draw)
    return draw


def _lock_draws(region: Region) -> None:
    root = region
    while root.parent_id is not None:
        root = Region.objects.get(pk=root.parent_id)
    Region.objects.select_for_update().filter(pk=root.pk).first()


def _slices(values: list[T]) -> list[list[T]]:
    return [values[offset : offset + SLICE] for offset in range(0, len(values), SLICE)]


def _keep_listed(campaign: Campaign, draw: Draw, found: dict[str, list[Hit]]) -> set[str]:
    """The households drawn that are already listed: each target now last drawn by `draw`,
    a pending one with today's reasons and the file's date. Returns their IDs."""
    listed: dict[str, tuple[int, str, Any, dt.date]] = {}
    for ids in _slices(sorted(found)):
        rows = Target.all_objects.filter(campaign=campaign.code, household_id__in=ids)
        for pk, household_id, status, reasons, visit_by in rows.values_list(
            "pk", "household_id", "status", "reasons", "visit_by"
        ):
            listed[household_id] = (pk, status, reasons, visit_by)
    for pks in _slices(sorted(pk for pk, *_ in listed.values())):
        Target.all_objects.filter(pk__in=pks).update(last_draw=draw)
    changed = [
        Target(pk=pk, reasons=[hit.as_json() for hit in found[household_id]], visit_by=campaign.visit_by)
        for household_id, (pk, status, reasons, visit_by) in listed.items()
        if status == Status.PENDING
        and (reasons != [hit.as_json() for hit in found[household_id]] or visit_by != campaign.visit_by)
    ]
    Target.all_objects.bulk_update(changed, ["reasons", "visit_by"], batch_size=1_000)
    return set(listed)


def _add_new(campaign: Campaign, draw: Draw, user: User | None, found: dict[str, list[Hit]]) -> int:
    """The newly drawn households as targets, with a 列入对象名单 event each (bulk loaded)."""
    if not found:
        return 0
    load = loader()
    targets = pl.DataFrame(
        {
            "campaign": campaign.code,
            "household_id": list(found),
            "village_code": [hits[0].village_code for hits in found.values()],
            "reasons": [
                json.dumps([hit.as_json() for hit in hits], ensure_ascii=False) for hits in found.values()
            ],
            "visit_by": campaign.visit_by,
            "status": Status.PENDING.value,
            "first_draw_id": draw.pk,
            "last_draw_id": draw.pk,
        }
    ).with_columns(
        pl.col("village_code").str.slice(0, 9).alias("township_code"),
        pl.col("village_code").str.slice(0, 6).alias("county_code"),
    )
    load.insert(Target, targets)
    created = list(Target.all_objects.filter(first_draw=draw).values_list("pk", "reasons"))
    events = pl.DataFrame(
        {
            "target_id": [pk for pk, _ in created],
            "note": ["；".join(str(reason["reason"]) for reason in reasons) for _, reasons in created],
        },
        schema={"target_id": pl.Int64, "note": pl.String},
    ).with_columns(
        pl.lit(user.pk if user else None, dtype=pl.Int64).alias("user_id"),
        pl.lit(timezone.now()).alias("at"),
        pl.lit(TargetEvent.Action.DRAW.value).alias("action"),
        pl.lit("").alias("from_status"),
        pl.lit(Status.PENDING.value).alias("to_status"),
    )
    load.insert(TargetEvent, events)
    return targets.height


@dataclass(frozen=True)
class RectificationInput:
    """What a rectification problem opened from a visit needs beyond the visit itself."""

    lead_unit: str
    responsible_person: str
    measures: str
    deadline: dt.date | None


@dataclass(frozen=True)
class VisitInput:
    visited_on: dt.date | None
    answers: dict[str, Any]
    result: str
    note: str = ""
    follow_up: str = ""
    rectification: RectificationInput | None = None


@transaction.atomic
def record_visit(user: User, target: Target, campaign: Campaign, data: VisitInput) -> Visit:
    """登记走访: the checklist answered, the result, and a follow-up for a problem found."""
    target = begin(CAMPAIGN_TARGET, user, "record_visit", target)
    require_date(data.visited_on, campaign.start, today(), "走访日期")
    assert data.visited_on is not None
    answers = checked_answers(campaign, data.answers)
    problems = [item.name for item in campaign.items if answers.get(item.code) in item.problem_when]
    _check_result(data, problems)
    visit = Visit.objects.create(
        target=target,
        village_code=target.village_code,
        visitor=user,
        visited_on=data.visited_on,
        answers=answers,
        problems=problems,
        result=data.result,
        note=data.note.strip(),
        follow_up=data.follow_up,
    )
    record_creation(user, visit)
    if data.follow_up == FollowUp.INTAKE:
        visit.intake = open_intake(user, visit, campaign)
        visit.save(update_fields=["intake"])
    elif data.follow_up == FollowUp.RECTIFICATION:
        assert data.rectification is not None
        visit.rectification = open_rectification_problem(user, visit, campaign, data.rectification)
        visit.save(update_fields=["rectification"])
    advance(CAMPAIGN_TARGET, user, target, "record_visit", _summary(visit))
    return visit


def checked_answers(campaign: Campaign, answers: dict[str, Any]) -> dict[str, Any]:
    """The checklist's answers, each of its kind; a required one missing is refused."""
    checked: dict[str, Any] = {}
    for item in campaign.items:
        value = answers.get(item.code)
        if value is None or (isinstance(value, str) and not value.strip()):
            if item.required:
                raise WorkflowError(f"请填写核查项“{item.name}”")
            continue
        checked[item.code] = _answer(item, value)
    return checked


def _answer(item: ChecklistItem, value: Any) -> Any:
    if item.choices:
        if value not in item.choices:
            raise WorkflowError(f"核查项“{item.name}”只能选：{'、'.join(item.choices)}")
        return value
    if item.kind == "number":
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise WorkflowError(f"核查项“{item.name}”应填数字") from None
        if not number.is_finite() or number < 0 or number > 10**9:
            raise WorkflowError(f"核查项“{item.name}”应填0到10亿之间的数字")
        return int(number) if number == number.to_integral_value() else float(number)
    return str(value).strip()


def _check_result(data: VisitInput, problems: list[str]) -> None:
    if data.result not in Result.values:
        raise WorkflowError("请选择走访结果")
    if problems and data.result == Result.NO_PROBLEM:
        raise WorkflowError(f"核查发现问题（{'、'.join(problems)}），走访结果不能为“未发现问题”")
    if data.result == Result.PROBLEM and data.follow_up not in (FollowUp.INTAKE, FollowUp.RECTIFICATION):
        raise WorkflowError("发现问题需跟进的，请选择转监测帮扶线索或转整改问题")
    if data.result != Result.PROBLEM and data.follow_up:
        raise WorkflowError("只有“发现问题需跟进”的走访才转线索或整改问题")
    if data.result != Result.NO_PROBLEM:
        require(data.note, "发现问题的，请填写情况说明")
    if data.follow_up == FollowUp.RECTIFICATION and data.rectification is None:
        raise WorkflowError("转整改问题的，请填写责任单位、责任人、整改措施和整改时限")


def _summary(visit: Visit) -> str:
    text = f"{date_text(visit.visited_on)}走访，{visit.get_result_display()}"
    if visit.problems:
        text += f"：{'、'.join(visit.problems)}"
    if visit.follow_up:
        text += f"；{visit.get_follow_up_display()}"
    return text


def open_intake(user: User, visit: Visit, campaign: Campaign) -> Intake:
    """A monitoring lead (监测帮扶线索, source 干部走访) for the household the visit found in need."""
    household = visit.target.household
    busy = household_in_hand(household)
    if busy:
        raise WorkflowError(f"{busy}，不再转监测帮扶线索")
    found = "、".join(visit.problems) or "见情况说明"
    intake = Intake(
        source=Source.VISIT,
        village_code=household.village_code,
        name=household.head_name,
        household=household,
        match=Intake.Match.REGISTRY,
        description=f"{campaign.title}专项行动走访发现：{found}。{visit.note}",
        discovered_on=visit.visited_on,
        recorded_by=user,
    )
    if not can(user, "monitoring_report", intake):
        raise PermissionDenied("您无权登记该行政村的线索")
    return create_intake(user, intake)


def open_rectification_problem(user: User, visit: Visit, campaign: Campaign, data: RectificationInput) -> Any:
    """A rectification problem (整改问题, source 自查) about the visited household, in its village."""
    from fangfan.web.rectification.actions import open_problem
    from fangfan.web.rectification.models import ScopeLevel
    from fangfan.web.rectification.models import Source as ProblemSource

    household = visit.target.household
    village = Region.objects.filter(code=household.village_code).first()
    if village is None:
        raise WorkflowError(f"区划代码 {household.village_code} 不在区划表中，不能立项")
    if data.deadline is None:
        raise WorkflowError("请填写整改时限")
    return open_problem(
        user,
        source=ProblemSource.SELF_CHECK,
        scope_level=ScopeLevel.HOUSEHOLD,
        region=village,
        description=f"{household.head_name}户：{'、'.join(visit.problems) or visit.note}。{visit.note}",
        category=_category(campaign, visit),
        lead_unit=data.lead_unit,
        responsible_person=data.responsible_person,
        measures=data.measures,
        deadline=data.deadline,
        batch=f"{campaign.title}专项行动",
        source_reference=f"{campaign.title}走访 {visit.pk}",
        households=[household],
    )


def _category(campaign: Campaign, visit: Visit) -> str:
    """The category of the first problem item that names one; else 政策落实."""
    for item in campaign.items:
        if item.name in visit.problems and item.category:
            return item.category
    return "POLICY"

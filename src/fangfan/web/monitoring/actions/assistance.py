"""Assistance measures and re-assessments of a monitored household.

add_measure            a measure for the household or one of its people (village team, township)
end_measure            the measure ends on a day, with the reason
record_reassessment    回访/动态评估: the income worked out again against the year's threshold
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from fangfan.web.accounts.access import RESPONSIBLE_CADRES, can, code_in_region
from fangfan.web.accounts.audit import record_change, record_creation
from fangfan.web.accounts.models import AuditEvent, User
from fangfan.web.monitoring.actions.common import (
    MEASURE_AHEAD_DAYS,
    require_amounts,
    require_money,
    threshold_on,
)
from fangfan.web.monitoring.actions.income import assessment_account
from fangfan.web.monitoring.income import assessment_values
from fangfan.web.monitoring.models import (
    MEASURE_ITEMS,
    AmountPeriod,
    Measure,
    MeasureKind,
    MonitoredHousehold,
    Reassessment,
)
from fangfan.web.procedures.base import WorkflowError, require, require_date
from fangfan.web.regions.models import Region
from fangfan.web.registry.models import Member


@dataclass(frozen=True)
class MeasureInput:
    """What the form says about a new measure."""

    kind: str
    content: str
    start_date: dt.date
    item: str = ""
    end_date: dt.date | None = None
    member: Member | None = None
    covers_everyone: bool = False
    amount: Decimal | None = None
    amount_period: str = ""  # AmountPeriod: 每月, 每年, 一次性
    cadre: User | None = None
    cadre_name: str = ""
    cadre_phone: str = ""


def _require_monitored(monitored: MonitoredHousehold, what: str) -> None:
    if monitored.status != MonitoredHousehold.Status.MONITORED:
        raise WorkflowError(f"该户{monitored.get_status_display()}，不能再{what}")


def _check_kind(data: MeasureInput) -> str:
    if data.kind not in MeasureKind.values:
        raise WorkflowError("请选择措施类别")
    items = MEASURE_ITEMS.get(data.kind, ())
    if items and data.item not in items:
        raise WorkflowError(f"{data.kind}须选择具体项目：{'、'.join(items)}")
    if not items and data.item:
        raise WorkflowError(f"{data.kind}没有具体项目可选")
    return data.item


def cadre_covers(cadre: User, village_code: str) -> bool:
    """Whether an account may answer for a household of the village: an active cadre over it."""
    region: Region | None = cadre.region
    if not cadre.is_active or cadre.role not in RESPONSIBLE_CADRES or region is None:
        return False
    return code_in_region(village_code, region)


def _cadre(data: MeasureInput, village_code: str) -> tuple[User | None, str, str]:
    if data.cadre is not None:
        if not cadre_covers(data.cadre, village_code):
            raise WorkflowError("帮扶责任人账号须是本村所在县、乡、村的干部账号")
        return data.cadre, data.cadre.display_name[:32], data.cadre_phone or data.cadre.phone
    return None, require(data.cadre_name, "请选择帮扶责任人账号或填写帮扶责任人姓名"), data.cadre_phone


@transaction.atomic
def add_measure(user: User, monitored: MonitoredHousehold, data: MeasureInput) -> Measure:
    """A measure for the household (or, with `member`, that person's safeguard)."""
    if not can(user, "monitoring_measure", monitored):
        raise PermissionDenied("您的角色无权添加帮扶措施")
    _require_monitored(monitored, "添加帮扶措施")
    item = _check_kind(data)
    today = timezone.localdate()
    require_date(data.start_date, None, today, "开始日期")
    if data.end_date is not None:
        latest_end = today + dt.timedelta(days=MEASURE_AHEAD_DAYS)
        require_date(data.end_date, data.start_date, latest_end, "结束日期")
    require_money(data.amount, "金额")
    if data.amount is not None and data.amount_period not in AmountPeriod.values:
        raise WorkflowError("请选择金额的周期：每月、每年或一次性")
    if data.member is not None and (
        monitored.household_id is None or data.member.household_id != monitored.household_id
    ):
        raise WorkflowError("所选成员不是该户的家庭成员")
    cadre, cadre_name, cadre_phone = _cadre(data, monitored.village_code)
    measure = Measure.objects.create(
        monitored=monitored,
        household_id=monitored.household_id,
        member=data.member,
        person_name=data.member.name if data.member else "",
        village_code=monitored.village_code,
        kind=data.kind,
        item=item,
        covers_everyone=data.covers_everyone and data.member is None,
        content=require(data.content, "请填写帮扶内容"),
        amount=data.amount,
        amount_period=data.amount_period if data.amount is not None else "",
        start_date=data.start_date,
        end_date=data.end_date,
        cadre=cadre,
        cadre_name=cadre_name,
        cadre_phone=cadre_phone,
        created_by=user,
    )
    record_creation(user, measure)
    _note_on_household(user, monitored, "添加", measure)
    return measure


def _note_on_household(user: User, monitored: MonitoredHousehold, verb: str, measure: Measure) -> None:
    """The measure in the monitored household's own change log (修改记录): who, when, what."""
    whom = measure.person_name or ("全户（惠及全体成员）" if measure.covers_everyone else "全户")
    parts = [whom, measure.kind_text, measure.content]
    if measure.amount_text:
        parts.append(measure.amount_text)
    if verb == "添加":
        parts.append(f"{measure.start_date:%Y-%m-%d}起")
    else:
        parts.append(f"{measure.end_date:%Y-%m-%d}结束：{measure.end_note}")
    record_change(user, monitored, {}, {"帮扶措施": f"{verb}：{'，'.join(parts)}"}, AuditEvent.Action.UPDATE)


@transaction.atomic
def end_measure(user: User, measure: Measure, end_date: dt.date, note: str) -> Measure:
    """结束措施: the measure stops on `end_date` (not before it began, not after today)."""
    measure = Measure.objects.select_for_update().get(pk=measure.pk)
    if not can(user, "monitoring_measure", measure):
        raise PermissionDenied("您的角色无权结束帮扶措施")
    today = timezone.localdate()
    if measure.end_date is not None and measure.end_date < today:
        raise WorkflowError(f"该措施已于{measure.end_date:%Y-%m-%d}结束")
    require_date(end_date, measure.start_date, today, "结束日期")
    measure.update_audited(user, end_date=end_date, ended_by=user, end_note=require(note, "请填写结束原因"))
    _note_on_household(user, measure.monitored, "结束", measure)
    return measure


@transaction.atomic
def record_reassessment(
    user: User,
    monitored: MonitoredHousehold,
    assessed_on: dt.date,
    amounts: dict[str, Decimal | None],
    notes: str = "",
    household_size: int | None = None,
    income_year: int | None = None,
) -> Reassessment:
    """回访/动态评估 with 算细账; the household size is the registry's, or `household_size`
    typed in when the registry holds none (`income.household_size_for`), as for a visit."""
    if not can(user, "monitoring_reassess", monitored):
        raise PermissionDenied("您的角色无权记录回访")
    _require_monitored(monitored, "记录回访")
    require_date(assessed_on, monitored.monitoring_start, timezone.localdate(), "回访日期")
    household = monitored.household
    threshold = threshold_on(assessed_on, "回访日期", income_year)
    require_amounts(amounts)
    account = assessment_account(household, household_size, amounts, threshold.yuan)
    reassessment = Reassessment.objects.create(
        monitored=monitored,
        household=household,
        village_code=monitored.village_code,
        assessor=user,
        assessed_on=assessed_on,
        notes=notes.strip(),
        **assessment_values(account, threshold.year, threshold.note),
    )
    record_creation(user, reassessment)
    return reassessment

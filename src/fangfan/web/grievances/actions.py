"""The verbs of grievances and public-opinion items: every write goes through one of these.

register         a cadre records a grievance: limits from the time-limit file, the
                 same person's grievances of the last 90 days linked and counted
accept / reply   受理, 答复 (with the outcome)
callback/reopen  回访: 满意 or 基本满意 closes it; 不满意 sends it back to 办理中, counted
open_intake      the grievance becomes (or joins) a monitoring lead in its village
register_opinion / verify / answer   舆情: registered, verified on site, answered

Each checks the gate and the stage (`procedure`), then in one transaction changes the
record (an AuditEvent) and writes its event row.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from fangfan.web.accounts.access import can
from fangfan.web.accounts.audit import record_creation
from fangfan.web.accounts.models import User
from fangfan.web.grievances import deadlines
from fangfan.web.grievances.models import (
    Grievance,
    GrievanceEvent,
    OpinionEvent,
    OpinionItem,
    Satisfaction,
)
from fangfan.web.grievances.procedure import GRIEVANCE, OPINION
from fangfan.web.monitoring.actions.reports import Report, create_intake, from_report, open_lead_of
from fangfan.web.monitoring.matching import match_household
from fangfan.web.monitoring.models import Intake, Source
from fangfan.web.procedures.base import WorkflowError, advance, begin, require, require_date
from fangfan.web.rectification import actions as rectification
from fangfan.web.rectification.models import Problem, ScopeLevel
from fangfan.web.rectification.models import Source as ProblemSource
from fangfan.web.regions.models import Region
from fangfan.web.registry.models import Household

Stage = Grievance.Stage
# The same person contacting again within this many days is a repeat contact.
REPEAT_DAYS = 90
REFERENCE_LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read out on the phone
# Grievances by phone become 12317-line leads; a letter, a visit or a post is the household's own report.
PHONE_CHANNELS = ("12317", "12345")


@dataclass(frozen=True)
class Complaint:
    """What a cadre records: the channel, who complains, where, what, and when it came."""

    channel: str
    category: str
    name: str
    region_code: str
    first_level: str
    content: str
    received_at: dt.datetime
    id_number: str = ""
    phone: str = ""
    household: Household | None = None


def _reference(prefix: str, day: dt.date) -> str:
    return f"{prefix}{day:%Y%m%d}-" + "".join(secrets.choice(REFERENCE_LETTERS) for _ in range(4))


def _save_with_reference(record: Grievance | OpinionItem, prefix: str, day: dt.date) -> None:
    """Save a new record with a fresh reference number (drawn again on a clash)."""
    for _ in range(10):
        record.reference = _reference(prefix, day)
        try:
            with transaction.atomic():
                record.save()
            return
        except IntegrityError:
            record.pk = None
    raise WorkflowError("编号生成失败，请重试")


def same_person(grievance: Grievance) -> Q:
    """Grievances of the same person: the same ID number, phone or registry household."""
    condition = Q(pk__in=[])
    if grievance.id_number:
        condition |= Q(id_number=grievance.id_number)
    if grievance.phone:
        condition |= Q(phone=grievance.phone)
    if grievance.household_id is not None:
        condition |= Q(household_id=grievance.household_id)
    return condition


def earlier_contacts(grievance: Grievance) -> list[Grievance]:
    """The same person's grievances received in the 90 days before this one."""
    since = grievance.received_at - dt.timedelta(days=REPEAT_DAYS)
    earlier = Grievance.objects.filter(same_person(grievance), received_at__gte=since)
    earlier = earlier.filter(received_at__lte=grievance.received_at).exclude(pk=grievance.pk)
    return list(earlier.order_by("received_at", "pk"))


@transaction.atomic
def register(user: User, complaint: Complaint) -> Grievance:
    """登记: a new grievance in its region, timed by the first matching rule, linked to the
    same person's grievances of the last 90 days."""
    require_date(complaint.received_at.date(), None, timezone.localdate(), "登记时间")
    if complaint.received_at > timezone.now():
        raise WorkflowError("登记时间不能晚于现在")
    household = complaint.household
    if household is None and len(complaint.region_code) == 12 and (complaint.id_number or complaint.phone):
        found, _ = match_household(complaint.region_code, complaint.id_number, complaint.phone, "")
        household = found
    grievance = Grievance(
        channel=complaint.channel,
        category=complaint.category,
        name=require(complaint.name, "请填写信访人姓名"),
        id_number=complaint.id_number,
        phone=complaint.phone,
        household=household,
        region_code=complaint.region_code,
        county_code=complaint.region_code[:6],
        first_level=complaint.first_level,
        content=require(complaint.content, "请填写反映内容"),
        received_at=complaint.received_at,
        recorded_by=user,
    )
    if not can(user, "grievance_record", grievance):
        raise PermissionDenied("您无权登记该区域的信访事项")
    if household is not None and not can(user, "view", household):
        raise PermissionDenied("您无权关联该农户")
    deadlines.set_limits(grievance)
    earlier = earlier_contacts(grievance)
    grievance.repeat_count = len(earlier)
    _save_with_reference(grievance, "XF", timezone.localdate(grievance.received_at))
    grievance.earlier.set(earlier)
    record_creation(user, grievance)
    return grievance


@transaction.atomic
def accept(user: User, grievance: Grievance, note: str = "") -> GrievanceEvent:
    """受理: the office takes it up; it now runs against its answer deadline."""
    grievance = begin(GRIEVANCE, user, "accept", grievance)
    limits = deadlines.running_deadline(grievance.resolution_due, grievance.at_risk_hours)
    return advance(GRIEVANCE, user, grievance, "accept", note.strip() or "已受理", **limits)


@transaction.atomic
def reply(user: User, grievance: Grievance, outcome: str, reply_text: str) -> GrievanceEvent:
    """答复: what was done (办理结果) and what the complainant was told (答复意见)."""
    grievance = begin(GRIEVANCE, user, "reply", grievance)
    outcome = require(outcome, "请填写办理结果")
    reply_text = require(reply_text, "请填写答复意见")
    return advance(
        GRIEVANCE,
        user,
        grievance,
        "reply",
        f"办理结果：{outcome}；答复意见：{reply_text}",
        outcome=outcome,
        reply=reply_text,
        replied_at=timezone.now(),
        **deadlines.running_deadline(None, grievance.at_risk_hours),
    )


@transaction.atomic
def callback(user: User, grievance: Grievance, satisfaction: str, note: str = "") -> GrievanceEvent:
    """回访, 满意 or 基本满意: the grievance is closed."""
    grievance = begin(GRIEVANCE, user, "callback", grievance)
    if satisfaction not in (Satisfaction.SATISFIED, Satisfaction.FAIRLY):
        raise WorkflowError("不满意的回访请选“回访不满意，重新办理”")
    label = Satisfaction(satisfaction).label
    text = f"回访：{label}" + (f"。{note.strip()}" if note.strip() else "")
    return advance(GRIEVANCE, user, grievance, "callback", text, satisfaction=satisfaction)


@transaction.atomic
def reopen(user: User, grievance: Grievance, reason: str) -> GrievanceEvent:
    """回访不满意: back to 办理中 with what the complainant is unhappy about, counted; it runs
    against a fresh answer deadline as long as the rule's first one."""
    grievance = begin(GRIEVANCE, user, "reopen", grievance)
    reason = require(reason, "请填写信访人不满意的原因")
    span = grievance.resolution_due - grievance.received_at
    limits = deadlines.running_deadline(timezone.now() + span, grievance.at_risk_hours)
    return advance(
        GRIEVANCE,
        user,
        grievance,
        "reopen",
        f"回访：不满意。{reason}",
        satisfaction=Satisfaction.UNSATISFIED,
        reopened=grievance.reopened + 1,
        **limits,
    )


def _intake_source(grievance: Grievance) -> str:
    return Source.HOTLINE if grievance.channel in PHONE_CHANNELS else Source.SELF_REPORT


@transaction.atomic
def open_intake(user: User, grievance: Grievance) -> Intake:
    """转监测线索: the grievance's person becomes a lead in the village's intake list (or joins
    the open lead of the same person there); linked both ways."""
    grievance = Grievance.objects.select_for_update().get(pk=grievance.pk)
    if not can(user, "grievance_handle", grievance):
        raise PermissionDenied("您的角色无权转监测线索")
    if grievance.intake_id is not None:
        raise WorkflowError("该信访事项已转为监测线索")
    if len(grievance.region_code) != 12:
        raise WorkflowError("转监测线索须确定所在行政村：该信访事项只登记到乡镇或县区")
    report = Report(
        village_code=grievance.region_code,
        name=grievance.name,
        description=f"（信访 {grievance.reference}）{grievance.content}",
        id_number=grievance.id_number,
        phone=grievance.phone,
    )
    intake = open_lead_of(report, grievance.household)
    if intake is None:
        intake = from_report(
            report, _intake_source(grievance), timezone.localdate(grievance.received_at), recorded_by=user
        )
        if grievance.household is not None:
            intake.household, intake.match = grievance.household, Intake.Match.MANUAL
        intake = create_intake(user, intake)
        note = f"转为监测线索，受理编号 {intake.reference}"
    else:
        note = f"该人已有未办结的监测线索（受理编号 {intake.reference}），已关联"
    grievance.update_audited(user, intake=intake)
    GrievanceEvent.objects.create(
        grievance=grievance,
        user=user,
        action=GrievanceEvent.Action.OPEN_INTAKE,
        note=note,
        from_stage=grievance.stage,
        to_stage=grievance.stage,
    )
    return intake


@dataclass(frozen=True)
class Sighting:
    """舆情 as found: where, when, what it claims."""

    platform: str
    found_at: dt.datetime
    region_code: str
    claim: str
    link: str = ""
    place: str = ""


@transaction.atomic
def register_opinion(
    user: User, sighting: Sighting, screenshot: UploadedFile[bytes] | None = None
) -> OpinionItem:
    """登记舆情: with its verification and answer deadlines from the time-limit file."""
    require_date(sighting.found_at.date(), None, timezone.localdate(), "发现时间")
    if sighting.found_at > timezone.now():
        raise WorkflowError("发现时间不能晚于现在")
    item = OpinionItem(
        platform=sighting.platform,
        link=sighting.link.strip(),
        found_at=sighting.found_at,
        region_code=sighting.region_code,
        county_code=sighting.region_code[:6],
        place=sighting.place.strip(),
        claim=require(sighting.claim, "请填写反映内容"),
        recorded_by=user,
    )
    if not can(user, "opinion_handle", item):
        raise PermissionDenied("您无权登记该区域的舆情")
    deadlines.opinion_limits(item)
    if screenshot is not None:
        suffix = PurePath(screenshot.name or "").suffix.lower()
        item.screenshot = default_storage.save(
            f"opinions/{timezone.localdate():%Y/%m}/screenshot{suffix}", screenshot
        )
    _save_with_reference(item, "YQ", timezone.localdate(sighting.found_at))
    record_creation(user, item)
    return item


@transaction.atomic
def verify(
    user: User, item: OpinionItem, verified_on: dt.date, verified_by: str, is_true: bool, finding: str
) -> OpinionEvent:
    """现场核实: the date, who went, whether it is true, what they found."""
    item = begin(OPINION, user, "verify", item)
    require_date(verified_on, timezone.localdate(item.found_at), timezone.localdate(), "现场核实日期")
    verified_by = require(verified_by, "请填写核实人员")
    finding = require(finding, "请填写核实情况")
    verdict = "属实" if is_true else "不属实"
    return advance(
        OPINION,
        user,
        item,
        "verify",
        f"{verified_by}于现场核实：{verdict}。{finding}",
        verified_on=verified_on,
        verified_by=verified_by,
        verified_at=timezone.now(),
        is_true=is_true,
        finding=finding,
        **deadlines.running_deadline(item.answer_due, item.at_risk_hours),
    )


@transaction.atomic
def answer(user: User, item: OpinionItem, text: str) -> OpinionEvent:
    """回应: what was said in public (or to the poster)."""
    item = begin(OPINION, user, "answer", item)
    text = require(text, "请填写回应内容")
    return advance(
        OPINION,
        user,
        item,
        "answer",
        text,
        answer=text,
        answered_at=timezone.now(),
        **deadlines.running_deadline(None, item.at_risk_hours),
    )


@dataclass(frozen=True)
class ProblemPlan:
    """What a rectification problem needs beyond what the grievance or item says."""

    category: str
    lead_unit: str
    responsible_person: str
    measures: str
    deadline: dt.date


def _problem_scope(region_code: str, household: Household | None) -> str:
    if household is not None:
        return ScopeLevel.HOUSEHOLD
    return {12: ScopeLevel.VILLAGE, 9: ScopeLevel.TOWNSHIP}.get(len(region_code), ScopeLevel.COUNTY)


def _open_problem(
    user: User,
    source: str,
    reference: str,
    region_code: str,
    description: str,
    plan: ProblemPlan,
    household: Household | None = None,
) -> Problem:
    return rectification.open_problem(
        user,
        source=source,
        scope_level=_problem_scope(region_code, household),
        region=Region.objects.get(code=region_code),
        description=description,
        category=plan.category,
        lead_unit=plan.lead_unit,
        responsible_person=plan.responsible_person,
        measures=plan.measures,
        deadline=plan.deadline,
        source_reference=reference,
        households=[household] if household is not None else [],
        note=f"由{reference}转入",
    )


@transaction.atomic
def open_grievance_problem(user: User, grievance: Grievance, plan: ProblemPlan) -> Problem:
    """转整改问题: the grievance becomes a problem in the rectification ledger; linked both ways."""
    grievance = Grievance.objects.select_for_update().get(pk=grievance.pk)
    if not can(user, "grievance_handle", grievance):
        raise PermissionDenied("您的角色无权转整改问题")
    if grievance.problem_id is not None:
        raise WorkflowError("该信访事项已转为整改问题")
    problem = _open_problem(
        user,
        ProblemSource.GRIEVANCE,
        grievance.reference,
        grievance.region_code,
        f"（信访 {grievance.reference}）{grievance.content}",
        plan,
        grievance.household,
    )
    grievance.update_audited(user, problem=problem)
    GrievanceEvent.objects.create(
        grievance=grievance,
        user=user,
        action=GrievanceEvent.Action.OPEN_PROBLEM,
        note=f"转为整改问题（{problem.get_category_display()}，{plan.lead_unit}负责）",
        from_stage=grievance.stage,
        to_stage=grievance.stage,
    )
    return problem


@transaction.atomic
def open_opinion_problem(user: User, item: OpinionItem, plan: ProblemPlan) -> Problem:
    """转整改问题: an item verified true becomes a problem in the rectification ledger."""
    item = OpinionItem.objects.select_for_update().get(pk=item.pk)
    if not can(user, "opinion_handle", item):
        raise PermissionDenied("您的角色无权转整改问题")
    if item.is_true is not True:
        raise WorkflowError("只有现场核实属实的舆情才能转为整改问题")
    if item.problem_id is not None:
        raise WorkflowError("该舆情已转为整改问题")
    problem = _open_problem(
        user,
        ProblemSource.PUBLIC_OPINION,
        item.reference,
        item.region_code,
        f"（舆情 {item.reference}，{item.get_platform_display()}）{item.claim}。核实情况：{item.finding}",
        plan,
    )
    item.update_audited(user, problem=problem)
    OpinionEvent.objects.create(
        item=item,
        user=user,
        action=OpinionEvent.Action.OPEN_PROBLEM,
        note=f"转为整改问题（{problem.get_category_display()}，{plan.lead_unit}负责）",
        from_stage=item.stage,
        to_stage=item.stage,
    )
    return problem

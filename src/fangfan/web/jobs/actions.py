"""Every write of public-welfare jobs: one verb each, in one transaction, audited.

Posts (`create_post`), the selection's steps (`apply` then the procedure's verbs), the monthly
appraisal with its pay (`appraise`) and the monthly check queued for the worker
(`request_check`). Refusals are `WorkflowError`s in Chinese (a page answers them with 409).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from fangfan.engine.fieldwork.jobs import eligibility, month_label, pay_for_month
from fangfan.engine.fieldwork.rules import field_rules
from fangfan.engine.formatting import money_text
from fangfan.web.accounts.access import can
from fangfan.web.accounts.audit import field_values, record_change, record_creation
from fangfan.web.accounts.models import User
from fangfan.web.jobs.facts import facts_for
from fangfan.web.jobs.models import JobCheck, Payment, Post, Selection, SelectionEvent, Stage
from fangfan.web.jobs.procedure import SELECTION
from fangfan.web.procedures import base, notice
from fangfan.web.procedures.base import WorkflowError, advance, begin, require, require_date
from fangfan.web.regions.models import Region
from fangfan.web.registry.models import Household, Member

PAST_REVIEW = (Stage.REVIEWED, Stage.CHECKED, Stage.NOTICE, Stage.NOTICED, Stage.IN_POST)


@dataclass(frozen=True)
class PostInput:
    kind: str
    title: str
    monthly_pay: int
    announced_on: dt.date
    duties: str = ""


def require_pay(monthly_pay: int, year: int) -> None:
    """The month's pay inside the year's range (policy file [field]), saying the range when not."""
    rules = field_rules(year)
    if not rules.pay_in_range(monthly_pay):
        raise WorkflowError(
            f"月工资{money_text(monthly_pay)}超出范围：须在{money_text(rules.public_welfare_pay_min)}"
            f"至{money_text(rules.public_welfare_pay_max)}之间（{rules.policy_year}年政策）"
        )


@transaction.atomic
def create_post(user: User, village: Region, data: PostInput) -> Post:
    """设岗并发布岗位公告 in a village of the user's region."""
    if village.level != Region.Level.VILLAGE:
        raise WorkflowError("公益性岗位设在行政村，请选择一个村")
    post = Post(
        village_code=village.code,
        township_code=village.code[:9],
        county_code=village.code[:6],
        kind=data.kind,
        title=require(data.title, "请填写岗位名称"),
        monthly_pay=data.monthly_pay,
        duties=data.duties.strip(),
        announced_on=data.announced_on,
        created_by=user,
    )
    if not can(user, "jobs_post", post):
        raise PermissionDenied("您的角色无权设立公益性岗位")
    require_date(data.announced_on, None, timezone.localdate(), "岗位公告日期")
    require_pay(data.monthly_pay, data.announced_on.year)
    post.save()
    record_creation(user, post)
    return post


def may_apply(user: User, post: Post) -> bool:
    return can(user, "jobs_village_review", post) or can(user, "jobs_township_check", post)


@transaction.atomic
def apply(user: User, post: Post, household: Household, id_number: str, applied_on: dt.date) -> Selection:
    """申请: the person proposed for the post, refused with every reason when not eligible."""
    if not may_apply(user, post):
        raise PermissionDenied("您的角色无权登记岗位申请")
    if household.village_code != post.village_code:
        raise WorkflowError("申请人须为本村农户成员")
    member = Member.objects.filter(household=household, id_number=id_number.strip().upper()).first()
    if member is None:
        raise WorkflowError(f"{household.head_name}户的成员中没有这个身份证号")
    if post.selections.filter(stage=Stage.IN_POST).exists():
        raise WorkflowError("该岗位已有在岗人员，不再接受申请")
    require_date(applied_on, post.announced_on, timezone.localdate(), "申请日期")
    person = (household.household_id, member.id_number)
    verdict = eligibility(facts_for([person])[person], field_rules(applied_on.year), applied_on)
    if not verdict.eligible:
        raise WorkflowError(f"{member.name}不符合公益性岗位条件：{verdict.reason_text}")
    selection = Selection.objects.create(
        post=post,
        village_code=post.village_code,
        township_code=post.township_code,
        household=household,
        name=member.name,
        id_number=member.id_number,
        applied_on=applied_on,
        priority=verdict.priority,
        priority_reason=verdict.priority_reason,
        eligibility_note="符合条件" + (f"；{verdict.priority_reason}" if verdict.priority else ""),
    )
    record_creation(user, selection)
    SelectionEvent.objects.create(
        selection=selection,
        user=user,
        action="apply",
        note=selection.eligibility_note,
        to_stage=Stage.APPLIED,
    )
    return selection


@transaction.atomic
def village_review(user: User, selection: Selection, reviewed_on: dt.date, note: str) -> SelectionEvent:
    """村评议: the village's chosen person for the post (one per post goes on)."""
    selection = begin(SELECTION, user, "village_review", selection)
    require_date(reviewed_on, selection.applied_on, timezone.localdate(), "村评议日期")
    note = require(note, "请填写村评议意见")
    chosen = selection.post.selections.filter(stage__in=PAST_REVIEW).exclude(pk=selection.pk).first()
    if chosen is not None:
        raise WorkflowError(
            f"本岗位已有人选{chosen.name}（{chosen.get_stage_display()}），一个岗位只评议一人"
        )
    return advance(
        SELECTION, user, selection, "village_review", note, reviewed_on=reviewed_on, review_note=note
    )


@transaction.atomic
def township_check(user: User, selection: Selection, checked_on: dt.date, note: str) -> SelectionEvent:
    """乡镇审核: the eligibility checked again against today's registry and feeds."""
    selection = begin(SELECTION, user, "township_check", selection)
    require_date(checked_on, selection.reviewed_on, timezone.localdate(), "乡镇审核日期")
    note = require(note, "请填写乡镇审核意见")
    person = (selection.household_id, selection.id_number)
    facts = facts_for([person], exclude=[selection.pk])[person]
    verdict = eligibility(facts, field_rules(checked_on.year), checked_on)
    if not verdict.eligible:
        raise WorkflowError(f"{selection.name}不符合公益性岗位条件：{verdict.reason_text}")
    return advance(SELECTION, user, selection, "township_check", note, checked_on=checked_on, check_note=note)


@transaction.atomic
def post_notice(
    user: User, selection: Selection, notice_start: dt.date, notice_end: dt.date, note: str = ""
) -> SelectionEvent:
    """公示: the chosen person posted in the village, at least the national notice days."""
    selection = begin(SELECTION, user, "post_notice", selection)
    assert selection.checked_on is not None
    notice.require_notice(selection.checked_on, notice_start, notice_end)
    text = note.strip() or "拟聘用人选公示"
    return advance(
        SELECTION,
        user,
        selection,
        "post_notice",
        f"{text}（公示 {notice_start:%Y-%m-%d} 至 {notice_end:%Y-%m-%d}）",
        notice_start=notice_start,
        notice_end=notice_end,
        notice_result="",
    )


def close_notice(user: User, selection: Selection, note: str = "") -> SelectionEvent:
    """公示期满 (refused before the notice's end)."""
    return notice.close_notice(SELECTION, user, selection, note)


@transaction.atomic
def county_record(
    user: User, selection: Selection, recorded_on: dt.date, started_on: dt.date, note: str = ""
) -> SelectionEvent:
    """县备案: the county records the holder, who is in post from `started_on`."""
    selection = begin(SELECTION, user, "county_record", selection)
    require_date(recorded_on, selection.notice_end, timezone.localdate(), "县备案日期")
    require_date(started_on, selection.notice_end, None, "上岗日期")
    return advance(
        SELECTION,
        user,
        selection,
        "county_record",
        note.strip() or "已备案",
        recorded_on=recorded_on,
        started_on=started_on,
    )


@transaction.atomic
def end_post(user: User, selection: Selection, ended_on: dt.date, reason: str) -> SelectionEvent:
    """离岗: the holder leaves the post (dismissed after the monthly check, or resigns)."""
    selection = begin(SELECTION, user, "end_post", selection)
    require_date(ended_on, selection.started_on, timezone.localdate(), "离岗日期")
    reason = require(reason, "请填写离岗原因")
    return advance(SELECTION, user, selection, "end_post", reason, ended_on=ended_on, end_reason=reason)


def send_back(user: User, selection: Selection, reason: str) -> SelectionEvent:
    return base.send_back(SELECTION, user, selection, reason)


def reject(user: User, selection: Selection, reason: str) -> SelectionEvent:
    return base.reject(SELECTION, user, selection, reason)


@dataclass(frozen=True)
class AppraisalInput:
    month: dt.date
    absent_days: int
    grade: str
    note: str = ""


@transaction.atomic
def appraise(user: User, selection: Selection, data: AppraisalInput) -> Payment:
    """月度考核: days absent and grade; the month's pay computed by the engine (again if corrected)."""
    selection = Selection.objects.select_for_update().select_related("post").get(pk=selection.pk)
    if not can(user, "jobs_appraise", selection):
        raise PermissionDenied("您的角色无权进行月度考核")
    _require_month_held(selection, data.month)
    rules = field_rules(data.month.year)
    try:
        line = pay_for_month(
            selection.post.monthly_pay,
            absent_days=data.absent_days,
            grade=data.grade,
            work_days=rules.public_welfare_work_days_per_month,
        )
    except ValueError as refused:
        raise WorkflowError(str(refused)) from None
    values = {
        "absent_days": data.absent_days,
        "grade": data.grade,
        "note": data.note.strip(),
        "gross": line.gross,
        "deduction": line.deduction,
        "net": line.net,
        "appraised_by": user,
        "appraised_at": timezone.now(),
    }
    payment = Payment.objects.filter(selection=selection, month=data.month).first()
    if payment is None:
        payment = Payment.objects.create(
            selection=selection,
            village_code=selection.village_code,
            township_code=selection.township_code,
            id_number=selection.id_number,
            month=data.month,
            **values,
        )
        record_creation(user, payment)
        return payment
    old = field_values(payment)
    for name, value in values.items():
        setattr(payment, name, value)
    payment.save()
    record_change(user, payment, old, field_values(payment), "update")
    return payment


def _require_month_held(selection: Selection, month: dt.date) -> None:
    if selection.started_on is None or selection.stage not in (Stage.IN_POST, Stage.ENDED):
        raise WorkflowError(f"{selection.name}尚未上岗，不能考核")
    first = selection.started_on.replace(day=1)
    if month < first:
        raise WorkflowError(f"{selection.name}于{month_label(first)}上岗，不能考核{month_label(month)}")
    if selection.ended_on is not None and month > selection.ended_on.replace(day=1):
        raise WorkflowError(f"{selection.name}已离岗，不能考核{month_label(month)}")
    if month > timezone.localdate().replace(day=1):
        raise WorkflowError(f"{month_label(month)}尚未到来，不能考核")


@transaction.atomic
def request_check(user: User, region: Region, month: dt.date) -> JobCheck:
    """月度资格检查, queued for the background worker (the user's own queued check is returned)."""
    probe = JobCheck(region_code=region.code, month=month)
    if not can(user, "jobs_check", probe):
        raise PermissionDenied("您的角色无权发起月度检查")
    waiting = JobCheck.objects.filter(
        region_code=region.code, month=month, status__in=(JobCheck.Status.QUEUED, JobCheck.Status.RUNNING)
    ).first()
    if waiting is not None:
        return waiting
    check = JobCheck.objects.create(region_code=region.code, month=month, requested_by=user)
    record_creation(user, check)
    transaction.on_commit(lambda: _enqueue(check))
    return check


def _enqueue(check: JobCheck) -> None:
    from fangfan.web.jobs.tasks import run_check_task

    run_check_task.enqueue(check.pk)

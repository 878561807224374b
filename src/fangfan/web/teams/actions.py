"""The village work teams' verbs: every write to a roster, a check-in or a leave goes here.

Each checks the gate (`can(user, "team_…", record)`), writes in one transaction and
records its AuditEvent. A refusal is `Refused` with a Chinese sentence the page shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from fangfan.engine.fieldwork.attendance import leave_approver, leave_days
from fangfan.engine.fieldwork.rules import field_rules
from fangfan.web.accounts.access import can
from fangfan.web.accounts.audit import record_creation, track_changes
from fangfan.web.accounts.models import User
from fangfan.web.teams.models import CheckIn, Leave, Team, TeamMember


class Refused(Exception):
    """A write the rules do not allow, said in Chinese."""


def _require(user: User, action: str, record: object, message: str) -> None:
    if not can(user, action, record):
        raise PermissionDenied(message)


@dataclass(frozen=True)
class NewMember:
    name: str
    id_number: str
    duty: str
    joined: dt.date
    phone: str = ""
    unit: str = ""


@transaction.atomic
def create_team(
    user: User, village_code: str, unit: str, unit_level: str, term_start: dt.date, term_end: dt.date | None
) -> Team:
    """A new team for the village (the gate checks the village is the user's)."""
    team = Team(
        village_code=village_code,
        unit=unit.strip()[:100],
        unit_level=unit_level,
        term_start=term_start,
        term_end=term_end,
        created_by=user,
    )
    _require(user, "team_roster", team, "您无权登记该村的驻村工作队")
    if term_end is not None and term_end < term_start:
        raise Refused("任期结束早于任期开始")
    team.save()
    record_creation(user, team)
    return team


@transaction.atomic
def add_member(user: User, team: Team, new: NewMember, account: User | None = None) -> TeamMember:
    """A member joins the team; the same person twice in post in one team is refused."""
    _require(user, "team_roster", team, "您无权修改该工作队的队员")
    in_post = team.members.filter(id_number=new.id_number, left__isnull=True)
    if in_post.exists():
        raise Refused(f"{new.name}已是该工作队的在岗队员")
    if account is not None and (account.role != User.Role.VILLAGE or account.region_id is None):
        raise Refused("只能关联该村的村级账号")
    if account is not None and account.region is not None and account.region.code != team.village_code:
        raise Refused("只能关联该村的村级账号")
    member = TeamMember.objects.create(
        team=team,
        village_code=team.village_code,
        name=new.name.strip()[:32],
        id_number=new.id_number,
        phone=new.phone,
        duty=new.duty,
        unit=(new.unit or team.unit)[:100],
        joined=new.joined,
        user=account,
    )
    record_creation(user, member)
    return member


@transaction.atomic
def end_membership(user: User, member: TeamMember, left: dt.date) -> TeamMember:
    """离队: the member leaves the team on `left` (kept on record, no longer counted)."""
    _require(user, "team_roster", member, "您无权修改该工作队的队员")
    if member.left is not None:
        raise Refused(f"{member.name}已于{member.left:%Y年%m月%d日}离队")
    if left < member.joined:
        raise Refused("离队日期早于驻村开始日期")
    with track_changes(user, member, ["left"]):
        member.left = left
        member.save(update_fields=["left"])
    return member


def member_of(user: User, today: dt.date | None = None) -> TeamMember | None:
    """The team member the signed-in village account is, in post today (None: not a member)."""
    today = today or timezone.localdate()
    return (
        TeamMember.objects.filter(user=user, joined__lte=today)
        .exclude(left__lt=today)
        .select_related("team")
        .order_by("-joined", "-pk")
        .first()
    )


@dataclass(frozen=True)
class Position:
    latitude: float
    longitude: float
    accuracy: float | None


def check_in(user: User, member: TeamMember, position: Position | None = None) -> CheckIn:
    """签到 now (the server's time). A second one on the same day is kept as a repeat."""
    if member.user_id != user.pk:
        raise PermissionDenied("只能为自己签到")
    _require(user, "team_checkin", member, "只有本村工作队队员能在本村签到")
    now = timezone.now()
    day = timezone.localdate(now)
    values = {
        "member": member,
        "village_code": member.village_code,
        "day": day,
        "at": now,
        "latitude": position.latitude if position else None,
        "longitude": position.longitude if position else None,
        "accuracy": position.accuracy if position else None,
    }
    first = not CheckIn.objects.filter(member=member, day=day, first_of_day=True).exists()
    try:
        with transaction.atomic():
            made = CheckIn.objects.create(first_of_day=first, **values)
            record_creation(user, made)
    except IntegrityError:  # two taps at once: the other one was first
        with transaction.atomic():
            made = CheckIn.objects.create(first_of_day=False, **values)
            record_creation(user, made)
    return made


@transaction.atomic
def request_leave(user: User, member: TeamMember, start: dt.date, end: dt.date, reason: str) -> Leave:
    """请假: the township or the county will decide, by the rule for its length."""
    if member.user_id != user.pk:
        raise PermissionDenied("只能为自己请假")
    _require(user, "team_checkin", member, "只有本村工作队队员能请假")
    if end < start:
        raise Refused("结束日期早于开始日期")
    days = leave_days(start, end)
    longest = field_rules(start.year).team_leave_max_days
    if days > longest:
        raise Refused(f"一次请假不能超过{longest}天")
    if not reason.strip():
        raise Refused("请填写请假事由")
    overlapping = member.leaves.exclude(status__in=(Leave.Status.REJECTED, Leave.Status.CANCELLED)).filter(
        start__lte=end, end__gte=start
    )
    if overlapping.exists():
        raise Refused("这段时间已有请假申请")
    leave = Leave.objects.create(
        member=member,
        village_code=member.village_code,
        start=start,
        end=end,
        days=days,
        reason=reason.strip()[:200],
        approver=leave_approver(days, field_rules(start.year)),
        requested_by=user,
    )
    record_creation(user, leave)
    return leave


def _decide(user: User, leave: Leave, status: str, note: str) -> Leave:
    rules = field_rules(leave.start.year)
    action = f"team_leave_{leave.approver}"
    if not can(user, action, leave):
        if user.role in (User.Role.TOWNSHIP, User.Role.COUNTY):
            limit = rules.team_leave_township_max_days
            raise Refused(
                f"请假{leave.days}天，应由{leave.get_approver_display()}审批"
                f"（{limit}天以内由乡镇审批，超过{limit}天由县区审批）"
            )
        raise PermissionDenied("您无权审批该请假")
    if leave.status != Leave.Status.PENDING:
        raise Refused(f"该请假{leave.get_status_display()}，不能再审批")
    with track_changes(user, leave, ["status", "decided_by", "decided_at", "decision_note"]):
        leave.status = status
        leave.decided_by = user
        leave.decided_at = timezone.now()
        leave.decision_note = note.strip()[:200]
        leave.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return leave


@transaction.atomic
def approve_leave(user: User, leave: Leave, note: str = "") -> Leave:
    """批准 (by the level the rule names)."""
    return _decide(user, leave, Leave.Status.APPROVED, note)


@transaction.atomic
def cancel_leave(user: User, leave: Leave) -> Leave:
    """撤销: the member takes back their own leave while nobody has decided it."""
    if leave.member.user_id != user.pk:
        raise PermissionDenied("只能撤销自己的请假")
    if leave.status != Leave.Status.PENDING:
        raise Refused(f"该请假{leave.get_status_display()}，不能再撤销")
    with track_changes(user, leave, ["status"]):
        leave.status = Leave.Status.CANCELLED
        leave.save(update_fields=["status"])
    return leave


@transaction.atomic
def reject_leave(user: User, leave: Leave, note: str) -> Leave:
    """不批准, with the reason."""
    if not note.strip():
        raise Refused("请填写不批准的理由")
    return _decide(user, leave, Leave.Status.REJECTED, note)

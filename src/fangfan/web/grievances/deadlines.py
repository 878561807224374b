"""Time limits: which deadline a grievance or an item runs against, its state, its escalation.

A grievance runs against its acceptance deadline while 登记, its answer deadline while
办理中, and none once answered. Within `at_risk_hours` of the deadline it is 临期; past
it, 超时. A breach escalates it one level at once, and one more for every
`escalation_hours` it stays breached, up to the city::

    received 09:00, respond within 24 h, escalate every 48 h
    next day 10:00  超时 → 1 level up (村 → 乡镇)
    two days later 10:00 still not accepted → 2 levels up (→ 县区)

Pages compute this on reading (`sla_state`, `escalations_due`); `escalate_overdue` (the
`escalate_grievances` command, run hourly) writes each new level as an event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone

from fangfan.engine.grievances.sla import load_sla
from fangfan.web.grievances.models import HANDLING_LEVELS, Grievance, GrievanceEvent, Level, OpinionItem

ON_TRACK, AT_RISK, BREACHED, NO_LIMIT = "on_track", "at_risk", "breached", ""
SLA_LABELS = {ON_TRACK: "正常", AT_RISK: "临期", BREACHED: "超时", NO_LIMIT: "—"}
SLA_CHOICES = [(BREACHED, "超时"), (AT_RISK, "临期"), (ON_TRACK, "正常")]
# The level of a region code by its length: a village's 12 digits, a township's 9, a county's 6.
LEVEL_OF_CODE = {12: Level.VILLAGE, 9: Level.TOWNSHIP, 6: Level.COUNTY}


def hours(count: int) -> dt.timedelta:
    return dt.timedelta(hours=count)


def set_limits(grievance: Grievance) -> None:
    """Fill a new grievance's limits from the first matching rule (not saved)."""
    rule = load_sla().rule_for(grievance.channel, grievance.category)
    grievance.sla_rule = rule.name
    grievance.response_due = grievance.received_at + hours(rule.response_hours)
    grievance.resolution_due = grievance.received_at + hours(rule.resolution_hours)
    grievance.escalation_hours = rule.escalation_hours
    grievance.at_risk_hours = rule.at_risk_hours
    grievance.due_at = grievance.response_due
    grievance.warn_at = grievance.due_at - hours(rule.at_risk_hours)


def running_deadline(due: dt.datetime | None, at_risk_hours: int) -> dict[str, dt.datetime | None]:
    """`due_at` and `warn_at` for a deadline (none: both cleared), as `update_audited` takes them."""
    return {"due_at": due, "warn_at": None if due is None else due - hours(at_risk_hours)}


def sla_state(due_at: dt.datetime | None, warn_at: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """超时 past the deadline, 临期 from `warn_at`, else 正常; no deadline, none."""
    if due_at is None:
        return NO_LIMIT
    now = now or timezone.now()
    if now > due_at:
        return BREACHED
    return AT_RISK if warn_at is not None and now >= warn_at else ON_TRACK


def sla_rank(now: dt.datetime) -> Case:
    """0 超时, 1 临期, 2 正常, 3 no limit: what lists sort by first."""
    return Case(
        When(due_at__lt=now, then=Value(0)),
        When(warn_at__lte=now, then=Value(1)),
        When(due_at__isnull=False, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )


def sla_condition(state: str, now: dt.datetime) -> Q:
    """The records in `state` (超时, 临期, 正常) at `now`, as a filter."""
    if state == BREACHED:
        return Q(due_at__lt=now)
    if state == AT_RISK:
        return Q(due_at__gte=now, warn_at__lte=now)
    return Q(due_at__gte=now, warn_at__gt=now)


def escalations_due(grievance: Grievance, now: dt.datetime | None = None) -> int:
    """How many levels the grievance should have gone up by `now` (never fewer than it has)."""
    now = now or timezone.now()
    due = grievance.due_at
    if due is None or now <= due:
        return grievance.escalations
    steps = 1 + int((now - due) / hours(grievance.escalation_hours))
    return max(grievance.escalations, steps)


def base_level(region_code: str) -> str:
    return LEVEL_OF_CODE.get(len(region_code), Level.COUNTY)


def handling_level(grievance: Grievance, escalations: int | None = None) -> str:
    """The level that handles it now: its region's, plus one per escalation, at most the city."""
    start = HANDLING_LEVELS.index(Level(base_level(grievance.region_code)))
    steps = grievance.escalations if escalations is None else escalations
    return HANDLING_LEVELS[min(start + steps, len(HANDLING_LEVELS) - 1)]


@dataclass(frozen=True)
class Escalated:
    grievance: Grievance
    level: str


def escalate_overdue(now: dt.datetime | None = None) -> list[Escalated]:
    """Write each breached grievance's new level (an audited change and an event); the escalated."""
    now = now or timezone.now()
    breached = Grievance.objects.filter(due_at__lt=now).order_by("due_at", "pk")
    done = []
    for grievance in breached.iterator(chunk_size=500):
        if escalations_due(grievance, now) <= grievance.escalations:
            continue  # already at its level: no lock, no transaction
        escalated = _escalate(grievance, now)
        if escalated is not None:
            done.append(escalated)
    return done


@transaction.atomic
def _escalate(grievance: Grievance, now: dt.datetime) -> Escalated | None:
    grievance = Grievance.objects.select_for_update().get(pk=grievance.pk)
    due = escalations_due(grievance, now)
    if due <= grievance.escalations:
        return None
    before = Level(handling_level(grievance)).label
    grievance.update_audited(None, escalations=due)
    level = handling_level(grievance)
    deadline = "受理" if grievance.stage == Grievance.Stage.REGISTERED else "答复"
    GrievanceEvent.objects.create(
        grievance=grievance,
        action=GrievanceEvent.Action.ESCALATE,
        at=now,
        note=f"超过{deadline}时限未办，由{before}升级至{Level(level).label}督办",
        from_stage=grievance.stage,
        to_stage=grievance.stage,
    )
    return Escalated(grievance, level)


def opinion_limits(item: OpinionItem) -> None:
    """Fill a new item's verification and answer deadlines from the time-limit file (not saved)."""
    limits = load_sla().opinion
    item.verify_due = item.found_at + hours(limits.verify_hours)
    item.answer_due = item.found_at + hours(limits.answer_hours)
    item.at_risk_hours = limits.at_risk_hours
    item.due_at = item.verify_due
    item.warn_at = item.due_at - hours(limits.at_risk_hours)

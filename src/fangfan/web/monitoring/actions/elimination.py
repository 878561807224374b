"""Risk elimination: the proposal, then its steps (`workflow.ELIMINATION_STEPS`), each by the
role that owns its stage.

propose        village team or township, only when `readiness` says the household is ready
check          入户核实 (village team)
post_notice    村级评议并公示, at least 5 days (village team)
close_notice   公示期满 (village team)
approve        县级审批 (county): the conditions are checked again, then the monitored
               household is marked eliminated with the date
send_back / reject   the current stage's owner, with the reason

Every verb re-reads the record under a row lock, checks the gate (403) and the stage
(`WorkflowError`, 409), then in one transaction changes it (AuditEvent) and writes an
`EliminationEvent`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from fangfan.web.accounts.access import can
from fangfan.web.accounts.audit import record_creation
from fangfan.web.accounts.models import User
from fangfan.web.monitoring.actions.common import WorkflowError, require, require_date, require_notice
from fangfan.web.monitoring.models import Elimination, EliminationEvent, MonitoredHousehold
from fangfan.web.monitoring.places import place_name
from fangfan.web.monitoring.readiness import day_text, readiness
from fangfan.web.monitoring.workflow import (
    ELIMINATION_SEND_BACK_TO,
    ELIMINATION_STEPS,
    ELIMINATION_VERB_NAMES,
    NOTICE_MIN_DAYS,
    REJECT,
    SEND_BACK,
    EliminationStage,
    elimination_gate,
    elimination_natural_gate,
)

Stage = EliminationStage


def may(user: User, verb: str, elimination: Elimination) -> bool:
    """Whether the user may do `verb` to the elimination now."""
    gate = elimination_gate(verb, elimination.stage)
    return gate is not None and can(user, gate, elimination)


def check(user: User, verb: str, elimination: Elimination) -> None:
    """403 for a role that never does this verb here; WorkflowError when the stage is wrong."""
    natural = elimination_natural_gate(verb, elimination.stage)
    name = ELIMINATION_VERB_NAMES[verb]
    if natural is None or not can(user, natural, elimination):
        if natural is None and can(user, "view", elimination):
            raise WorkflowError(f"该风险消除已{elimination.get_stage_display()}，不能再{name}")
        raise PermissionDenied(f"您的角色无权{name}")
    if elimination_gate(verb, elimination.stage) is None:
        raise WorkflowError(f"该风险消除当前为“{elimination.get_stage_display()}”，不能{name}")


def _locked(elimination: Elimination) -> Elimination:
    return Elimination.objects.select_for_update().get(pk=elimination.pk)


def _advance(
    user: User, elimination: Elimination, action: str, to_stage: str, note: str, **changes: Any
) -> EliminationEvent:
    from_stage = elimination.stage
    elimination.update_audited(user, stage=to_stage, **changes)
    return EliminationEvent.objects.create(
        elimination=elimination, user=user, action=action, note=note, from_stage=from_stage, to_stage=to_stage
    )


@transaction.atomic
def propose(user: User, monitored: MonitoredHousehold, note: str = "") -> Elimination:
    """提出风险消除: refused, with the reason, unless every condition is met."""
    monitored = MonitoredHousehold.objects.select_for_update().get(pk=monitored.pk)
    if not can(user, "monitoring_propose_elimination", monitored):
        raise PermissionDenied("您的角色无权提出风险消除")
    ready = readiness(monitored)
    if not ready.ready:
        raise WorkflowError(f"暂不能提出风险消除。{ready.refusal()}")
    basis = "\n".join(f"{condition.name}：{condition.detail}" for condition in ready.conditions)
    elimination = Elimination.objects.create(
        monitored=monitored,
        household=monitored.household,
        village_code=monitored.village_code,
        place_name=place_name(monitored.village_code),
        name=monitored.name,
        proposed_on=timezone.localdate(),
        proposed_by=user,
        proposal_note=note.strip(),
        basis=basis,
        village_group=monitored.case.village_group if monitored.case else "",
    )
    record_creation(user, elimination)
    EliminationEvent.objects.create(
        elimination=elimination,
        user=user,
        action=EliminationEvent.Action.PROPOSE,
        note=note.strip() or "符合风险消除条件",
        to_stage=Stage.HOME_CHECK,
    )
    return elimination


@transaction.atomic
def home_check(
    user: User, elimination: Elimination, *, checked_on: dt.date, note: str, village_group: str = ""
) -> EliminationEvent:
    """入户核实: the team confirms at home that the risk is gone."""
    elimination = _locked(elimination)
    check(user, "check", elimination)
    require_date(checked_on, elimination.proposed_on, timezone.localdate(), "入户核实日期")
    note = require(note, "请填写入户核实情况")
    return _advance(
        user,
        elimination,
        EliminationEvent.Action.CHECK,
        ELIMINATION_STEPS["check"].end,
        note,
        checked_on=checked_on,
        check_note=note,
        village_group=village_group.strip() or elimination.village_group,
    )


@transaction.atomic
def post_notice(
    user: User,
    elimination: Elimination,
    *,
    reviewed_on: dt.date,
    note: str,
    notice_start: dt.date,
    notice_end: dt.date,
) -> EliminationEvent:
    """村级评议并公示: the village review agrees; the notice runs at least 5 days."""
    elimination = _locked(elimination)
    check(user, "post_notice", elimination)
    require_date(reviewed_on, elimination.checked_on, timezone.localdate(), "村级评议日期")
    require_notice(reviewed_on, notice_start, notice_end)
    note = require(note, "请填写村级评议意见")
    return _advance(
        user,
        elimination,
        EliminationEvent.Action.POST_NOTICE,
        ELIMINATION_STEPS["post_notice"].end,
        f"{note}（公示 {day_text(notice_start)} 至 {day_text(notice_end)}）",
        reviewed_on=reviewed_on,
        review_note=note,
        notice_start=notice_start,
        notice_end=notice_end,
        notice_result="",
    )


@transaction.atomic
def close_notice(user: User, elimination: Elimination, note: str = "") -> EliminationEvent:
    """公示期满: the notice has run its days; what came of it (无异议 unless said)."""
    elimination = _locked(elimination)
    check(user, "close_notice", elimination)
    assert elimination.notice_start is not None and elimination.notice_end is not None
    if timezone.localdate() < elimination.notice_end:
        raise WorkflowError(
            f"公示期未满：{day_text(elimination.notice_start)}至{day_text(elimination.notice_end)}，"
            f"不少于{NOTICE_MIN_DAYS}天，期满后才能报县级审批"
        )
    result = note.strip() or "公示期满无异议"
    return _advance(
        user,
        elimination,
        EliminationEvent.Action.CLOSE_NOTICE,
        ELIMINATION_STEPS["close_notice"].end,
        result,
        notice_result=result,
    )


@transaction.atomic
def approve(
    user: User, elimination: Elimination, *, eliminated_on: dt.date, note: str = ""
) -> EliminationEvent:
    """县级审批: the conditions hold still; the household's risk is eliminated from `eliminated_on`."""
    elimination = _locked(elimination)
    check(user, "approve", elimination)
    assert elimination.notice_end is not None
    require_date(eliminated_on, elimination.notice_end, timezone.localdate(), "风险消除时间")
    monitored = MonitoredHousehold.objects.select_for_update().get(pk=elimination.monitored_id)
    ready = readiness(monitored, under_way=elimination)
    if not ready.ready:
        raise WorkflowError(f"提出后情况有变化，暂不能审批。{ready.refusal()}")
    note = note.strip() or "同意风险消除"
    event = _advance(
        user,
        elimination,
        EliminationEvent.Action.APPROVE,
        ELIMINATION_STEPS["approve"].end,
        f"{note}（{day_text(eliminated_on)}起风险消除）",
        approved_on=timezone.localdate(),
        eliminated_on=eliminated_on,
        approval_note=note,
    )
    monitored.update_audited(user, status=MonitoredHousehold.Status.ELIMINATED, eliminated_on=eliminated_on)
    return event


@transaction.atomic
def send_back(user: User, elimination: Elimination, reason: str) -> EliminationEvent:
    """退回: the step before is to be done again, with the reason."""
    elimination = _locked(elimination)
    check(user, SEND_BACK, elimination)
    reason = require(reason, "请填写退回的原因")
    return _advance(
        user,
        elimination,
        EliminationEvent.Action.SEND_BACK,
        ELIMINATION_SEND_BACK_TO[elimination.stage],
        reason,
    )


@transaction.atomic
def reject(user: User, elimination: Elimination, reason: str) -> EliminationEvent:
    """不予消除: the household stays monitored; a later proposal makes a new record."""
    elimination = _locked(elimination)
    check(user, REJECT, elimination)
    reason = require(reason, "请填写不予消除的理由")
    return _advance(
        user, elimination, EliminationEvent.Action.REJECT, Stage.REJECTED, reason, rejected_reason=reason
    )

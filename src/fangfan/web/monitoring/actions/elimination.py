"""Risk elimination: the proposal, then its steps (`procedures.ELIMINATION`), each by the
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
`EliminationEvent`: the shared verbs of `fangfan.web.procedures`, with approval's own
check of the conditions.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from fangfan.engine.formatting import date_text as day_text
from fangfan.web.accounts.access import can
from fangfan.web.accounts.audit import record_creation
from fangfan.web.accounts.models import User
from fangfan.web.monitoring.models import Elimination, EliminationEvent, MonitoredHousehold
from fangfan.web.monitoring.places import place_name
from fangfan.web.monitoring.procedures import ELIMINATION
from fangfan.web.monitoring.readiness import readiness
from fangfan.web.monitoring.workflow import EliminationStage
from fangfan.web.procedures import base, notice
from fangfan.web.procedures.base import WorkflowError, advance, begin, require, require_date


def may(user: User, verb: str, elimination: Elimination) -> bool:
    """Whether the user may do `verb` to the elimination now."""
    return base.may(ELIMINATION, user, verb, elimination)


def check(user: User, verb: str, elimination: Elimination) -> None:
    """403 for a role that never does this verb here; WorkflowError when the stage is wrong."""
    base.check(ELIMINATION, user, verb, elimination)


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
        to_stage=EliminationStage.HOME_CHECK,
    )
    return elimination


@transaction.atomic
def home_check(
    user: User, elimination: Elimination, *, checked_on: dt.date, note: str, village_group: str = ""
) -> EliminationEvent:
    """入户核实: the team confirms at home that the risk is gone."""
    elimination = begin(ELIMINATION, user, "check", elimination)
    require_date(checked_on, elimination.proposed_on, timezone.localdate(), "入户核实日期")
    note = require(note, "请填写入户核实情况")
    return advance(
        ELIMINATION,
        user,
        elimination,
        "check",
        note,
        checked_on=checked_on,
        check_note=note,
        village_group=village_group.strip() or elimination.village_group,
    )


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
    return notice.post_notice(
        ELIMINATION,
        user,
        elimination,
        reviewed_on=reviewed_on,
        note=note,
        notice_start=notice_start,
        notice_end=notice_end,
    )


def close_notice(user: User, elimination: Elimination, note: str = "") -> EliminationEvent:
    """公示期满: the notice has run its days; what came of it (无异议 unless said)."""
    return notice.close_notice(ELIMINATION, user, elimination, note)


@transaction.atomic
def approve(
    user: User, elimination: Elimination, *, eliminated_on: dt.date, note: str = ""
) -> EliminationEvent:
    """县级审批: the conditions hold still; the household's risk is eliminated from `eliminated_on`."""
    elimination = begin(ELIMINATION, user, "approve", elimination)
    assert elimination.notice_end is not None
    require_date(eliminated_on, elimination.notice_end, timezone.localdate(), "风险消除时间")
    monitored = MonitoredHousehold.objects.select_for_update().get(pk=elimination.monitored_id)
    ready = readiness(monitored, under_way=elimination)
    if not ready.ready:
        raise WorkflowError(f"提出后情况有变化，暂不能审批。{ready.refusal()}")
    note = note.strip() or "同意风险消除"
    event = advance(
        ELIMINATION,
        user,
        elimination,
        "approve",
        f"{note}（{day_text(eliminated_on)}起风险消除）",
        approved_on=timezone.localdate(),
        eliminated_on=eliminated_on,
        approval_note=note,
    )
    monitored.update_audited(user, status=MonitoredHousehold.Status.ELIMINATED, eliminated_on=eliminated_on)
    return event


def send_back(user: User, elimination: Elimination, reason: str) -> EliminationEvent:
    """退回: the step before is to be done again, with the reason."""
    return base.send_back(ELIMINATION, user, elimination, reason)


def reject(user: User, elimination: Elimination, reason: str) -> EliminationEvent:
    """不予消除: the household stays monitored; a later proposal makes a new record."""
    return base.reject(ELIMINATION, user, elimination, reason)

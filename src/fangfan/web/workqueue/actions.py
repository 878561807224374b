"""The work queue's verbs: every change to a finding's workflow goes through one of these.

Each checks the gate (`can`) and the state machine (`procedure.FINDING_QUEUE`), then, in
one transaction, changes the finding (an AuditEvent through `update_audited`) and writes
a `FindingEvent`: the shared verbs of `fangfan.web.procedures` with the queue's own rules
(whom a finding may be assigned to, and when, closing a finding still flagged)::

    待处理 ─assign→ 已分派 ─mark_fixed→ 已整改 ─verify_close→ 已核销
       └──────────┴─mark_explained→ 已说明 ─┘
    已整改 / 已说明 ─reject→ 已分派 (退回)

Closing a finding the newest run still flags (仍被筛出) needs a reason and a proof file,
and the event says so; if the next run flags it again, publishing reopens it as 复发.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from fangfan.engine.formatting import date_text
from fangfan.web import bounds
from fangfan.web.accounts.access import WORKFLOW_ROLES
from fangfan.web.accounts.models import User
from fangfan.web.procedures import base
from fangfan.web.procedures.base import WorkflowError, advance, begin, require
from fangfan.web.registry.models import Finding, FindingEvent
from fangfan.web.workqueue.procedure import FINDING_QUEUE, OPEN_STATUSES

__all__ = ["OPEN_STATUSES", "WorkflowError"]

# Who can be given a finding to fix: those who may mark it fixed.
ASSIGNEE_ROLES = WORKFLOW_ROLES["mark_fixed"]
# A deadline from today to a year ahead: one years off would park the problem for good.
DEADLINE_AHEAD_DAYS = 366


def may(user: User, verb: str, finding: Finding) -> bool:
    """Whether the user may do `verb` to the finding now: the gate and the state machine."""
    return base.may(FINDING_QUEUE, user, verb, finding)


def is_overdue(finding: Finding, today: dt.date | None = None) -> bool:
    """Past its deadline and not yet fixed, explained or closed."""
    today = today or timezone.localdate()
    return bool(finding.deadline and finding.deadline < today and finding.status in OPEN_STATUSES)


def assignee_choices(finding: Finding) -> list[User]:
    """Active accounts that can fix the finding: its village's team and its township's officers."""
    village = finding.village_code
    candidates = User.objects.filter(
        is_active=True, role__in=ASSIGNEE_ROLES, region__code__in=[village, village[:9]]
    )
    return list(candidates.select_related("region").order_by("-role", "username"))


def _check_deadline(deadline: dt.date) -> None:
    bounds.check_date(deadline, bounds.up_to_today, bounds.days_from_today(DEADLINE_AHEAD_DAYS), "整改时限")


def deadline_allowed(deadline: dt.date) -> bool:
    """Whether `deadline` lies within today to a year ahead (what `assign` accepts)."""
    try:
        _check_deadline(deadline)
    except ValidationError:
        return False
    return True


@transaction.atomic
def assign(user: User, finding: Finding, assignee: User, deadline: dt.date, note: str = "") -> FindingEvent:
    """分派: give the finding to someone who can fix it, with a deadline."""
    finding = begin(FINDING_QUEUE, user, "assign", finding)
    if assignee not in assignee_choices(finding):
        raise WorkflowError("责任人须是在职的乡镇或驻村工作队账号，且所辖区域包含该问题所在的行政村")
    try:
        _check_deadline(deadline)
    except ValidationError as error:
        raise WorkflowError(error.messages[0]) from error
    note = note or f"分派给 {assignee.display_name}，{date_text(deadline)}前整改"
    return advance(FINDING_QUEUE, user, finding, "assign", note, assignee=assignee, deadline=deadline)


@transaction.atomic
def mark_fixed(
    user: User, finding: Finding, note: str, attachment: UploadedFile[bytes] | None = None
) -> FindingEvent:
    """标记已整改: what was done (required), with an optional proof file."""
    finding = begin(FINDING_QUEUE, user, "mark_fixed", finding)
    event = advance(FINDING_QUEUE, user, finding, "mark_fixed", require(note, "请填写整改情况"))
    if attachment is not None:
        event.attachment.save(attachment.name or "attachment", attachment, save=True)
    return event


@transaction.atomic
def mark_explained(user: User, finding: Finding, reason: str) -> FindingEvent:
    """说明为误报: why the finding is not a real problem (required)."""
    finding = begin(FINDING_QUEUE, user, "mark_explained", finding)
    return advance(FINDING_QUEUE, user, finding, "mark_explained", require(reason, "请填写误报的原因"))


STILL_FLAGGED_MESSAGE = "最新一次筛查仍筛出该问题"


def still_flagged(finding: Finding) -> bool:
    """Whether the newest published run still flags the finding (核销 then needs reason and proof)."""
    return finding.engine_status == Finding.EngineStatus.OPEN


@transaction.atomic
def verify_close(
    user: User, finding: Finding, note: str = "", attachment: UploadedFile[bytes] | None = None
) -> FindingEvent:
    """核销: a county or city office accepts the fix or the explanation.

    While the newest run still flags the finding, closing it needs a reason and a proof
    file (no close-out on paper, 假销号); the event records that it was still flagged.
    """
    finding = begin(FINDING_QUEUE, user, "verify_close", finding)
    flagged = still_flagged(finding)
    if flagged and (not note.strip() or attachment is None):
        raise WorkflowError(f"{STILL_FLAGGED_MESSAGE}：核销须填写核销理由并上传佐证材料")
    if flagged:
        note = f"{STILL_FLAGGED_MESSAGE}，仍予核销。理由：{note.strip()}"
    event = advance(FINDING_QUEUE, user, finding, "verify_close", note.strip() or "核实无误，予以核销")
    if flagged:
        event.still_flagged = True
        assert attachment is not None
        event.attachment.save(attachment.name or "attachment", attachment, save=False)
        event.save()
    return event


def reject(user: User, finding: Finding, reason: str) -> FindingEvent:
    """退回: the fix or explanation is not accepted; back to the assignee, with the reason."""
    return base.send_back(FINDING_QUEUE, user, finding, reason, verb="reject")

"""The findings work queue as a procedure (`fangfan.web.procedures`) on a `Finding`::

    待处理 ─assign→ 已分派 ─mark_fixed→ 已整改 ─verify_close→ 已核销
       └──────────┴─mark_explained→ 已说明 ─┘
    已整改 / 已说明 ─reject→ 已分派 (退回重新整改, a send-back)

Unlike a monitoring procedure each step names its own gate action (whoever may assign
may do so from 待处理 or 已分派, whoever fixes may also explain), and a refusal for the
wrong status names the statuses the step starts from. Publishing a run moves findings
too (复发, a finding reopened), outside these steps.
"""

from __future__ import annotations

from fangfan.web.procedures.base import BACK, Procedure, Step
from fangfan.web.registry.models import Finding, FindingEvent

Status = Finding.Status
Action = FindingEvent.Action

OPEN_STATUSES = (Status.OPEN, Status.ASSIGNED)
DONE_STATUSES = (Status.FIXED, Status.EXPLAINED)

FINDING_QUEUE: Procedure[Finding, FindingEvent] = Procedure(
    model=Finding,
    state_field="status",
    stages=Status,
    open_stages=(*OPEN_STATUSES, *DONE_STATUSES),
    closed_stages=(Status.CLOSED,),
    # Who holds a finding in each status: those who fix it, then those who close it.
    owner={
        Status.OPEN: "mark_fixed",
        Status.ASSIGNED: "mark_fixed",
        Status.FIXED: "verify_close",
        Status.EXPLAINED: "verify_close",
    },
    send_back_to={Status.FIXED: Status.ASSIGNED, Status.EXPLAINED: Status.ASSIGNED},
    steps=(
        Step("assign", "分派", OPEN_STATUSES, Status.ASSIGNED, gate="assign", action=Action.ASSIGN),
        Step("mark_fixed", "标记已整改", OPEN_STATUSES, Status.FIXED, gate="mark_fixed", action=Action.FIX),
        Step(
            "mark_explained",
            "说明为误报",
            OPEN_STATUSES,
            Status.EXPLAINED,
            gate="mark_explained",
            action=Action.EXPLAIN,
        ),
        Step("verify_close", "核销", DONE_STATUSES, Status.CLOSED, gate="verify_close", action=Action.CLOSE),
        # Sending a finding back is the closer's decision.
        Step("reject", "退回重新整改", DONE_STATUSES, BACK, gate="verify_close", action=Action.REOPEN),
    ),
    event_model=FindingEvent,
    event_record_field="finding",
    noun="该问题",
    wrong_stage="{noun}当前为“{stage}”，不能{name}（只有{allowed}的问题可以）",
)

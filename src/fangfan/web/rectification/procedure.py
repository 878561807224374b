"""Rectification (整改销号) as a procedure (`fangfan.web.procedures`) on a `Problem`::

    整改中 ─submit_fix→ 已整改待验收 ─accept→ 已验收待销号 ─close→ 已销号
    已整改待验收 / 已验收待销号 ─send_back→ 整改中 (退回, with the reason)

Reporting a fix needs a note and a proof file; acceptance records the on-site re-check
and is refused to the unit and role that reported the fix (`actions.accept`). A 回头看
that finds the problem back reopens it (复发), outside these steps.
"""

from __future__ import annotations

from fangfan.web.procedures.base import BACK, Procedure, Step
from fangfan.web.rectification.models import OPEN_STATUSES, Problem, ProblemEvent, Status

Action = ProblemEvent.Action

RECTIFICATION: Procedure[Problem, ProblemEvent] = Procedure(
    model=Problem,
    state_field="status",
    stages=Status,
    open_stages=OPEN_STATUSES,
    closed_stages=(Status.CLOSED,),
    owner={
        Status.IN_PROGRESS: "rectification_fix",
        Status.FIXED: "rectification_accept",
        Status.ACCEPTED: "rectification_close",
    },
    send_back_to={Status.FIXED: Status.IN_PROGRESS, Status.ACCEPTED: Status.IN_PROGRESS},
    steps=(
        Step("submit_fix", "提交整改", (Status.IN_PROGRESS,), Status.FIXED),
        Step("accept", "验收", (Status.FIXED,), Status.ACCEPTED),
        Step("close", "销号", (Status.ACCEPTED,), Status.CLOSED),
        # Sent back by whoever holds it now: the acceptor, or the office that closes it out.
        Step("send_back", "退回", (Status.FIXED, Status.ACCEPTED), BACK),
    ),
    event_model=ProblemEvent,
    event_record_field="problem",
    noun="该整改问题",
    wrong_stage="{noun}当前为“{stage}”，不能{name}（只有{allowed}的问题可以）",
)

"""The identification procedure as data: its stages, who owns each, where each step leads.

    待入户核实 ─home_check→ 待村级评议 ─post_notice→ 公示中 ─close_notice→ 待乡镇审核
        ─township_review→ 待县级审定 ─decide→ 已认定（纳入监测）
    any open stage ─reject→ 不予认定;  ─send_back→ the stage before (see SEND_BACK_TO)

Each stage is owned by one gate action (`fangfan.web.accounts.access.WORKFLOW_ROLES`):
the village team checks at home and holds the village review and notice, the township
reviews, the county decides. Sending back or rejecting is the current owner's call.

Risk elimination is a procedure of the same shape on a `MonitoredHousehold`, in the
tables `ELIMINATION_*` below:

    待入户核实 ─check→ 待村级评议公示 ─post_notice→ 公示中 ─close_notice→ 待县级审批
        ─approve→ 风险已消除
    any open stage ─reject→ 不予消除;  ─send_back→ the stage before (ELIMINATION_SEND_BACK_TO)

The village team checks at home and holds the review and notice (the same gate
actions as in identification), the county approves. The proposal itself (which opens
the procedure) is `monitoring_propose_elimination`'s, and only when the household
meets the conditions of `readiness`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils import timezone

from fangfan.engine.config import ConfigError, env_int

# From discovery to the county's decision (DOMAIN.md, Relapse monitoring). National
# procedure rules, not in the yearly policy files (which this app only reads).
DECISION_DAYS = 15
# The village notice stays up at least this many days.
NOTICE_MIN_DAYS = 5
# A notice is posted within a week of being recorded (recorded late, at most that far
# back) and at most a month ahead; it runs no longer than a month. A notice years ahead
# would hold its case or elimination in 公示中 for good.
NOTICE_LATE_DAYS = 7
NOTICE_AHEAD_DAYS = 30
NOTICE_MAX_DAYS = 30


class Stage(models.TextChoices):
    HOME_CHECK = "home_check", "待入户核实"
    VILLAGE_REVIEW = "village_review", "待村级评议公示"
    NOTICE = "notice", "公示中"
    TOWNSHIP_REVIEW = "township_review", "待乡镇审核"
    COUNTY_DECISION = "county_decision", "待县级审定"
    DECIDED = "decided", "已认定纳入监测"
    REJECTED = "rejected", "不予认定"


OPEN_STAGES = (
    Stage.HOME_CHECK,
    Stage.VILLAGE_REVIEW,
    Stage.NOTICE,
    Stage.TOWNSHIP_REVIEW,
    Stage.COUNTY_DECISION,
)
CLOSED_STAGES = (Stage.DECIDED, Stage.REJECTED)

# The gate action that owns each open stage.
OWNER: dict[str, str] = {
    Stage.HOME_CHECK: "monitoring_home_check",
    Stage.VILLAGE_REVIEW: "monitoring_village_review",
    Stage.NOTICE: "monitoring_village_review",
    Stage.TOWNSHIP_REVIEW: "monitoring_township_review",
    Stage.COUNTY_DECISION: "monitoring_county_decision",
}
# Where a case sent back from a stage goes: the step before, for it to be done again.
SEND_BACK_TO: dict[str, str] = {
    Stage.VILLAGE_REVIEW: Stage.HOME_CHECK,
    Stage.NOTICE: Stage.VILLAGE_REVIEW,
    Stage.TOWNSHIP_REVIEW: Stage.VILLAGE_REVIEW,
    Stage.COUNTY_DECISION: Stage.TOWNSHIP_REVIEW,
}


@dataclass(frozen=True)
class Step:
    """One forward step: the verb, its name, the stage it starts from and the one it leads to."""

    verb: str
    name: str
    start: str
    end: str

    @property
    def gate(self) -> str:
        return OWNER[self.start]


STEPS: dict[str, Step] = {
    step.verb: step
    for step in (
        Step("home_check", "入户核实", Stage.HOME_CHECK, Stage.VILLAGE_REVIEW),
        Step("post_notice", "村级评议并公示", Stage.VILLAGE_REVIEW, Stage.NOTICE),
        Step("close_notice", "公示期满", Stage.NOTICE, Stage.TOWNSHIP_REVIEW),
        Step("township_review", "乡镇审核", Stage.TOWNSHIP_REVIEW, Stage.COUNTY_DECISION),
        Step("decide", "县级审定", Stage.COUNTY_DECISION, Stage.DECIDED),
    )
}
# Verbs that end or rewind a case from whatever open stage it is in.
SEND_BACK, REJECT = "send_back", "reject"
VERB_NAMES = {**{verb: step.name for verb, step in STEPS.items()}, SEND_BACK: "退回", REJECT: "不予认定"}


def gate_for(verb: str, stage: str) -> str | None:
    """The gate action a verb needs on a case in `stage`; None when the verb cannot start there."""
    if verb in STEPS:
        return STEPS[verb].gate if STEPS[verb].start == stage else None
    if verb == SEND_BACK:
        return OWNER[stage] if stage in SEND_BACK_TO else None
    if verb == REJECT:
        return OWNER.get(stage)
    raise ValueError(f"unknown verb {verb!r}")


# Re-assessments (回访/动态评估) are due this many days after the last one (or after the
# monitoring start): quarterly by default, `FANGFAN_REASSESSMENT_DAYS` to change it.
REASSESSMENT_DAYS_DEFAULT = 90
# Income must have stayed at or above the threshold over at least this many months
# before risk elimination may be proposed (DOMAIN.md, Relapse monitoring).
STABLE_INCOME_MONTHS = 6


# 应纳未纳: a candidate the engine flagged (a high or medium monitoring signal) that no
# identification has been started for this many days after the signal was first
# published; `FANGFAN_UNCLAIMED_CANDIDATE_DAYS` to change it. Fifteen, like the days a
# lead has from discovery to the county's decision.
UNCLAIMED_CANDIDATE_DAYS_DEFAULT = 15


def unclaimed_candidate_days() -> int:
    """The days a flagged candidate may wait for an identification, from the environment."""
    days = env_int("FANGFAN_UNCLAIMED_CANDIDATE_DAYS", UNCLAIMED_CANDIDATE_DAYS_DEFAULT)
    if days < 1:
        raise ConfigError(f"环境变量 FANGFAN_UNCLAIMED_CANDIDATE_DAYS 应为正整数，实际为 {days}")
    return days


def reassessment_days() -> int:
    """The re-assessment interval in days, from the environment (read on each call)."""
    days = env_int("FANGFAN_REASSESSMENT_DAYS", REASSESSMENT_DAYS_DEFAULT)
    if days < 1:
        raise ConfigError(f"环境变量 FANGFAN_REASSESSMENT_DAYS 应为正整数，实际为 {days}")
    return days


class EliminationStage(models.TextChoices):
    HOME_CHECK = "home_check", "待入户核实"
    VILLAGE_REVIEW = "village_review", "待村级评议公示"
    NOTICE = "notice", "公示中"
    COUNTY_APPROVAL = "county_approval", "待县级审批"
    APPROVED = "approved", "风险已消除"
    REJECTED = "rejected", "不予消除"


ELIMINATION_OPEN_STAGES = (
    EliminationStage.HOME_CHECK,
    EliminationStage.VILLAGE_REVIEW,
    EliminationStage.NOTICE,
    EliminationStage.COUNTY_APPROVAL,
)
ELIMINATION_OWNER: dict[str, str] = {
    EliminationStage.HOME_CHECK: "monitoring_home_check",
    EliminationStage.VILLAGE_REVIEW: "monitoring_village_review",
    EliminationStage.NOTICE: "monitoring_village_review",
    EliminationStage.COUNTY_APPROVAL: "monitoring_county_decision",
}
ELIMINATION_SEND_BACK_TO: dict[str, str] = {
    EliminationStage.VILLAGE_REVIEW: EliminationStage.HOME_CHECK,
    EliminationStage.NOTICE: EliminationStage.VILLAGE_REVIEW,
    EliminationStage.COUNTY_APPROVAL: EliminationStage.VILLAGE_REVIEW,
}
ELIMINATION_STEPS: dict[str, Step] = {
    step.verb: step
    for step in (
        Step("check", "入户核实", EliminationStage.HOME_CHECK, EliminationStage.VILLAGE_REVIEW),
        Step("post_notice", "村级评议并公示", EliminationStage.VILLAGE_REVIEW, EliminationStage.NOTICE),
        Step("close_notice", "公示期满", EliminationStage.NOTICE, EliminationStage.COUNTY_APPROVAL),
        Step("approve", "县级审批", EliminationStage.COUNTY_APPROVAL, EliminationStage.APPROVED),
    )
}
ELIMINATION_VERB_NAMES = {
    **{verb: step.name for verb, step in ELIMINATION_STEPS.items()},
    SEND_BACK: "退回",
    REJECT: "不予消除",
}


def elimination_gate(verb: str, stage: str) -> str | None:
    """The gate action a verb needs on an elimination in `stage`; None when it cannot start there."""
    if verb in ELIMINATION_STEPS:
        step = ELIMINATION_STEPS[verb]
        return ELIMINATION_OWNER[step.start] if step.start == stage else None
    if verb == SEND_BACK:
        return ELIMINATION_OWNER[stage] if stage in ELIMINATION_SEND_BACK_TO else None
    if verb == REJECT:
        return ELIMINATION_OWNER.get(stage)
    raise ValueError(f"unknown verb {verb!r}")


def elimination_natural_gate(verb: str, stage: str) -> str | None:
    """The gate action that owns `verb` wherever it is done (for telling 403 from 409)."""
    if verb in ELIMINATION_STEPS:
        return ELIMINATION_OWNER[ELIMINATION_STEPS[verb].start]
    return ELIMINATION_OWNER.get(stage)


def step_opens_on(verb: str, record: Any, today: dt.date | None = None) -> dt.date | None:
    """The day a step the user may take becomes possible, when that is still ahead: 公示期满
    (of a case or an elimination) from the notice's end date. None: it may be taken now.
    The page shows such a step disabled with its date; the verb refuses it all the same."""
    today = today or timezone.localdate()
    if verb == "close_notice":
        end = getattr(record, "notice_end", None)
        if end is not None and today < end:
            return end
    return None

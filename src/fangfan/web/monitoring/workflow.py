"""The identification procedure as data: its stages, who owns each, where each step leads.

    待入户核实 ─home_check→ 待村级评议 ─post_notice→ 公示中 ─close_notice→ 待乡镇审核
        ─township_review→ 待县级审定 ─decide→ 已认定（纳入监测）
    any open stage ─reject→ 不予认定;  ─send_back→ the stage before (see SEND_BACK_TO)

Each stage is owned by one gate action (`fangfan.web.accounts.access.WORKFLOW_ROLES`):
the village team checks at home and holds the village review and notice, the township
reviews, the county decides. Sending back or rejecting is the current owner's call.

Risk elimination (proposal → check → village review and notice → approval) will be a
procedure of the same shape on a `MonitoredHousehold`; its stages and steps belong in
a table like `STEPS` beside this one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

# From discovery to the county's decision (DOMAIN.md, Relapse monitoring). National
# procedure rules, not in the yearly policy files (which this app only reads).
DECISION_DAYS = 15
# The village notice stays up at least this many days.
NOTICE_MIN_DAYS = 5


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

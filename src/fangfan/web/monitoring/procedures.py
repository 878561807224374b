"""Relapse monitoring's two procedures, declared (`fangfan.web.procedures`).

Identification (识别认定) on a `Case`::

    待入户核实 ─home_check→ 待村级评议公示 ─post_notice→ 公示中 ─close_notice→ 待乡镇审核
        ─township_review→ 待县级审定 ─decide→ 已认定纳入监测
    any open stage ─reject→ 不予认定;  ─send_back→ the stage before (send_back_to)

Risk elimination (风险消除) on an `Elimination`, opened by a proposal
(`monitoring_propose_elimination`, only when `readiness` says the household is ready)::

    待入户核实 ─check→ 待村级评议公示 ─post_notice→ 公示中 ─close_notice→ 待县级审批
        ─approve→ 风险已消除
    any open stage ─reject→ 不予消除;  ─send_back→ the stage before (send_back_to)

The village team checks at home and holds the village review and notice, the township
reviews, the county decides or approves; sending back or rejecting is the current
owner's call. The verbs are in `actions.identification` and `actions.elimination`.
"""

from __future__ import annotations

from fangfan.web.monitoring.models import Case, CaseEvent, Elimination, EliminationEvent
from fangfan.web.monitoring.workflow import (
    CLOSED_STAGES,
    ELIMINATION_CLOSED_STAGES,
    ELIMINATION_OPEN_STAGES,
    OPEN_STAGES,
    EliminationStage,
    Stage,
)
from fangfan.web.procedures.base import BACK, Notice, Procedure, Step

HOME_CHECK = "monitoring_home_check"
VILLAGE_REVIEW = "monitoring_village_review"
TOWNSHIP_REVIEW = "monitoring_township_review"
COUNTY_DECISION = "monitoring_county_decision"

IDENTIFICATION_SEND_BACK_TO: dict[str, str] = {
    Stage.VILLAGE_REVIEW: Stage.HOME_CHECK,
    Stage.NOTICE: Stage.VILLAGE_REVIEW,
    Stage.TOWNSHIP_REVIEW: Stage.VILLAGE_REVIEW,
    Stage.COUNTY_DECISION: Stage.TOWNSHIP_REVIEW,
}

IDENTIFICATION: Procedure[Case, CaseEvent] = Procedure(
    model=Case,
    state_field="stage",
    stages=Stage,
    open_stages=OPEN_STAGES,
    closed_stages=CLOSED_STAGES,
    owner={
        Stage.HOME_CHECK: HOME_CHECK,
        Stage.VILLAGE_REVIEW: VILLAGE_REVIEW,
        Stage.NOTICE: VILLAGE_REVIEW,
        Stage.TOWNSHIP_REVIEW: TOWNSHIP_REVIEW,
        Stage.COUNTY_DECISION: COUNTY_DECISION,
    },
    send_back_to=IDENTIFICATION_SEND_BACK_TO,
    steps=(
        Step("home_check", "入户核实", (Stage.HOME_CHECK,), Stage.VILLAGE_REVIEW),
        Step("post_notice", "村级评议并公示", (Stage.VILLAGE_REVIEW,), Stage.NOTICE),
        Step("close_notice", "公示期满", (Stage.NOTICE,), Stage.TOWNSHIP_REVIEW),
        Step("township_review", "乡镇审核", (Stage.TOWNSHIP_REVIEW,), Stage.COUNTY_DECISION),
        Step("decide", "县级审定", (Stage.COUNTY_DECISION,), Stage.DECIDED),
        Step("send_back", "退回", tuple(IDENTIFICATION_SEND_BACK_TO), BACK),
        Step("reject", "不予认定", OPEN_STAGES, Stage.REJECTED),
    ),
    event_model=CaseEvent,
    event_record_field="case",
    noun="该案件",
    notice=Notice(),
)

ELIMINATION_SEND_BACK_TO: dict[str, str] = {
    EliminationStage.VILLAGE_REVIEW: EliminationStage.HOME_CHECK,
    EliminationStage.NOTICE: EliminationStage.VILLAGE_REVIEW,
    EliminationStage.COUNTY_APPROVAL: EliminationStage.VILLAGE_REVIEW,
}

ELIMINATION: Procedure[Elimination, EliminationEvent] = Procedure(
    model=Elimination,
    state_field="stage",
    stages=EliminationStage,
    open_stages=ELIMINATION_OPEN_STAGES,
    closed_stages=ELIMINATION_CLOSED_STAGES,
    owner={
        EliminationStage.HOME_CHECK: HOME_CHECK,
        EliminationStage.VILLAGE_REVIEW: VILLAGE_REVIEW,
        EliminationStage.NOTICE: VILLAGE_REVIEW,
        EliminationStage.COUNTY_APPROVAL: COUNTY_DECISION,
    },
    send_back_to=ELIMINATION_SEND_BACK_TO,
    steps=(
        Step("check", "入户核实", (EliminationStage.HOME_CHECK,), EliminationStage.VILLAGE_REVIEW),
        Step("post_notice", "村级评议并公示", (EliminationStage.VILLAGE_REVIEW,), EliminationStage.NOTICE),
        Step("close_notice", "公示期满", (EliminationStage.NOTICE,), EliminationStage.COUNTY_APPROVAL),
        Step("approve", "县级审批", (EliminationStage.COUNTY_APPROVAL,), EliminationStage.APPROVED),
        Step("send_back", "退回", tuple(ELIMINATION_SEND_BACK_TO), BACK),
        Step("reject", "不予消除", ELIMINATION_OPEN_STAGES, EliminationStage.REJECTED),
    ),
    event_model=EliminationEvent,
    event_record_field="elimination",
    noun="该风险消除",
    notice=Notice(),
)

"""Grievances and public-opinion items as procedures (`fangfan.web.procedures`)::

    登记 ─accept→ 办理中 ─reply→ 已答复 ─callback (满意/基本满意)→ 已回访办结
                    ↑                 │
                    └──── reopen ─────┘  (回访不满意: back to 办理中, counted)

    待核实 ─verify→ 已核实待回应 ─answer→ 已回应                      (舆情)

The offices from the township up (`grievance_handle`, `opinion_handle`) own every open
stage; village teams record grievances and read them. Escalation on a breach, opening a
monitoring lead or a rectification problem are events without a change of stage
(`actions`).
"""

from __future__ import annotations

from fangfan.web.grievances.models import Grievance, GrievanceEvent, OpinionEvent, OpinionItem
from fangfan.web.procedures.base import BACK, Procedure, Step

Stage = Grievance.Stage
OPEN_STAGES = (Stage.REGISTERED, Stage.HANDLING, Stage.REPLIED)

GRIEVANCE: Procedure[Grievance, GrievanceEvent] = Procedure(
    model=Grievance,
    state_field="stage",
    stages=Stage,
    open_stages=OPEN_STAGES,
    closed_stages=(Stage.CLOSED,),
    owner=dict.fromkeys(OPEN_STAGES, "grievance_handle"),
    send_back_to={Stage.REPLIED: Stage.HANDLING},
    steps=(
        Step("accept", "受理", (Stage.REGISTERED,), Stage.HANDLING),
        Step("reply", "答复", (Stage.HANDLING,), Stage.REPLIED),
        Step("callback", "回访（满意、基本满意）", (Stage.REPLIED,), Stage.CLOSED),
        Step("reopen", "回访不满意，重新办理", (Stage.REPLIED,), BACK),
    ),
    event_model=GrievanceEvent,
    event_record_field="grievance",
    noun="该信访事项",
)

OpinionStage = OpinionItem.Stage

OPINION: Procedure[OpinionItem, OpinionEvent] = Procedure(
    model=OpinionItem,
    state_field="stage",
    stages=OpinionStage,
    open_stages=(OpinionStage.REGISTERED, OpinionStage.VERIFIED),
    closed_stages=(OpinionStage.ANSWERED,),
    owner=dict.fromkeys((OpinionStage.REGISTERED, OpinionStage.VERIFIED), "opinion_handle"),
    steps=(
        Step("verify", "现场核实", (OpinionStage.REGISTERED,), OpinionStage.VERIFIED),
        Step("answer", "回应", (OpinionStage.VERIFIED,), OpinionStage.ANSWERED),
    ),
    event_model=OpinionEvent,
    event_record_field="item",
    noun="该舆情",
)

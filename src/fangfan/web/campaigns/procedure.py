"""A campaign's target as a procedure (`fangfan.web.procedures`) on a `Target`::

    待走访 ─record_visit→ 已走访

One step, owned by the teams on the ground (`campaign_visit`); the visit's checklist, its
result and the follow-up it opens are the verb's own rules (`actions.record_visit`).
Drawing the list is not a step: it creates targets (with a 列入对象名单 event each).
"""

from __future__ import annotations

from fangfan.web.campaigns.models import Target, TargetEvent
from fangfan.web.procedures.base import Procedure, Step

Status = Target.Status

CAMPAIGN_TARGET: Procedure[Target, TargetEvent] = Procedure(
    model=Target,
    state_field="status",
    stages=Status,
    open_stages=(Status.PENDING,),
    closed_stages=(Status.VISITED,),
    owner={Status.PENDING: "campaign_visit"},
    steps=(Step("record_visit", "登记走访", (Status.PENDING,), Status.VISITED),),
    event_model=TargetEvent,
    event_record_field="target",
    noun="该户",
)

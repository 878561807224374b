"""Campaign targets for tests without drawing: a draw of the current run and a target on it.

from fangfan.web.campaigns.testing import make_target
target = make_target(household)                  # 温暖越冬, 待走访, 没有御寒被褥
"""

from __future__ import annotations

from typing import Any

from fangfan.engine.campaigns import campaign
from fangfan.web.campaigns.models import Draw, Target, TargetEvent
from fangfan.web.registry.models import Household
from fangfan.web.workqueue.testing import current_run


def make_target(household: Household, code: str = "warm_winter", **fields: Any) -> Target:
    draw = Draw.objects.create(campaign=code, region_code=household.village_code[:6], run=current_run())
    values: dict[str, Any] = {
        "village_code": household.village_code,
        "township_code": household.village_code[:9],
        "county_code": household.village_code[:6],
        "reasons": [{"code": "no_bedding", "reason": "没有御寒被褥", "evidence": [["有御寒被褥", "否"]]}],
        "visit_by": campaign(code).visit_by,
        "first_draw": draw,
        "last_draw": draw,
        **fields,
    }
    target = Target.objects.create(campaign=code, household=household, **values)
    TargetEvent.objects.create(target=target, action=TargetEvent.Action.DRAW, to_status=target.status)
    return target

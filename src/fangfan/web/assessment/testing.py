"""Assessment rounds for tests without drawing: a round of the current run over a county,
each given household a unit drawn with certainty (probability 1, weight 1).

from fangfan.web.assessment.testing import make_round
round = make_round("621226", [household])
"""

from __future__ import annotations

from collections.abc import Iterable

from fangfan.engine.assessment.population import REGISTERED_TYPES
from fangfan.web.assessment.models import Round, Unit
from fangfan.web.registry.models import Household
from fangfan.web.workqueue.testing import current_run


def make_round(county_code: str, households: Iterable[Household], plan: str = "national") -> Round:
    run = current_run()
    made = Round.objects.create(
        title=f"{county_code} 测试轮次",
        plan=plan,
        plan_label="国家第三方评估抽样",
        seed=1,
        region_code=county_code,
        counties=[county_code],
        run=run,
        snapshot_id=run.snapshot_id,
    )
    units = [
        Unit(
            round=made,
            household=household,
            village_code=household.village_code,
            county_code=household.county_code,
            stratum="原贫困村",
            registered=household.household_type in REGISTERED_TYPES,
            exited=household.exit_year is not None,
            members=max(household.people, 1),
            village_prob=1.0,
            household_prob=1.0,
            inclusion_prob=1.0,
            weight=1.0,
        )
        for household in households
    ]
    Unit.objects.bulk_create(units)
    made.unit_count = len(units)
    made.save(update_fields=["unit_count"])
    return made

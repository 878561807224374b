"""Findings for tests without running the engine: a run, a household per village, a finding each.

from fangfan.web.workqueue.testing import make_finding
finding = make_finding("621226100201")            # 石桥村, 礼县
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fangfan.web.registry.models import Finding, Household, Run

AS_OF = dt.date(2026, 10, 31)


def current_run() -> Run:
    run = Run.objects.filter(is_current=True).first()
    if run is None:
        run = Run.objects.create(
            run_id="run-test", snapshot_id="snap-test", as_of=AS_OF, policy_year=2026, is_current=True
        )
    return run


def make_household(village_code: str, number: int = 1, **fields: Any) -> Household:
    run = current_run()
    household_id = f"{village_code}{number:04d}"
    defaults = {
        "village_code": village_code,
        "township_code": village_code[:9],
        "county_code": village_code[:6],
        "head_name": f"户主{number}",
        "head_id_number": f"{village_code[:6]}19600101{number:03d}X",
        "first_run": run,
        "last_run": run,
        **fields,
    }
    household, _ = Household.objects.get_or_create(household_id=household_id, defaults=defaults)
    return household


def make_finding(village_code: str, rule_code: str = "FC-002", number: int = 1, **fields: Any) -> Finding:
    """A household-level finding on a new or existing household of the village."""
    run = current_run()
    household = make_household(village_code, number)
    values: dict[str, Any] = {
        "village_code": village_code,
        "township_code": village_code[:9],
        "county_code": village_code[:6],
        "rule_name": "不能随时吃肉蛋奶或豆制品",
        "category": "FOOD_CLOTHING",
        "level": "household",
        "veto": False,
        "severity": Finding.Severity.MEDIUM,
        "message": "该户不能随时吃肉蛋奶或豆制品",
        "evidence": [{"label": "随时能吃肉蛋奶或豆制品", "value": "否", "source": "户信息"}],
        "first_seen_run": run,
        "last_seen_run": run,
        "open_since_run": run,
        **fields,
    }
    return Finding.objects.create(rule_code=rule_code, household=household, id_number="", **values)

"""产业收入 on a village cadre's phone, in a real browser.

石桥村's team visits 杜春林 (1 mu of 核桃 last recorded at ¥2,999, below ¥3,000 a mu). On the
phone (390×844) the cadre opens his household's industry page, sees the verdict with its
figures, and records 1 mu of 花椒 that brought ¥4,001 and 3 head of cattle for ¥6,000. The page
comes back with both rows and his planting now meeting the target. Nothing is wider than the
screen, the inputs bring up a number keypad, and no content-security rule is broken.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fangfan.web.accounts.models import User
from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.industry.models import HouseholdIndustry, Livestock, Planting
from fangfan.web.industry.testing import make_row
from fangfan.web.registry.models import Household
from fangfan.web.workqueue.testing import make_household

SHIQIAO = "621226100201"


@pytest.fixture
def visit(transactional_db: None) -> tuple[User, Household]:
    make_regions()
    team = make_user("village", SHIQIAO, username="shiqiao-team", last_name="王", first_name="村干")
    household = make_household(SHIQIAO, 2, head_name="杜春林", village_name="石桥村")
    make_row(team, household, "planting", "核桃", income="2999", mu="1")
    return team, household


def _width(phone: Any) -> tuple[int, int]:
    scroll, screen = phone.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    return int(scroll), int(screen)


def test_a_village_cadre_records_a_households_industry_on_the_phone(
    phone: Any, signed_in: Callable[..., Any], visit: tuple[User, Household], shoot: Any, watch_csp: Any
) -> None:
    team, household = visit
    watched = watch_csp(phone)
    signed_in(phone, team)
    phone.goto(f"/industry/households/{household.household_id}/")
    phone.locator(".in-verdict.below").filter(has_text="低于每亩3,000元").wait_for()
    assert _width(phone)[0] <= _width(phone)[1]
    shoot(phone, "industry-visit-phone")
    form = phone.locator("#industry-planting-form")
    assert form.locator("input[name=mu]").get_attribute("inputmode") == "decimal"
    form.locator("input[name=name]").fill("花椒")
    form.locator("input[name=mu]").fill("1")
    form.locator("input[name=income]").fill("4001")
    box = form.locator("button[type=submit]").bounding_box()
    assert box is not None and box["width"] >= 60 and box["height"] >= 36  # a thumb finds it
    form.locator("button[type=submit]").click()
    phone.locator(".in-verdict.meets").filter(has_text="达到每亩3,000元").wait_for()
    livestock = phone.locator("#industry-livestock-form")
    livestock.locator("input[name=name]").fill("牛")
    livestock.locator("input[name=head]").fill("3")
    livestock.locator("input[name=income]").fill("6000")
    livestock.locator("button[type=submit]").click()
    phone.locator("#industry-rows").filter(has_text="牛").wait_for()
    assert _width(phone)[0] <= _width(phone)[1]
    shoot(phone, "industry-recorded-phone")
    assert Planting.objects.filter(household=household).count() == 2
    assert Livestock.objects.get(household=household).head == 3
    tally = HouseholdIndustry.objects.get(household=household)
    assert (tally.planting_status, tally.livestock_status) == ("meets", "below")
    assert watched.violations() == [] and watched.missing == []

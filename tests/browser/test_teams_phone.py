"""驻村签到 and 请假 on a village cadre's phone, in a real browser.

赵建国, 石桥村's first secretary, signs in on his phone (390×844), taps the big 签到 button
(allowing the browser his position), taps it again (kept as a repeat, not another day),
then asks for five days' leave and is told the county decides. Nothing is wider than the
screen and no content-security rule is broken (the position script is served locally).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from fangfan.web.accounts.models import User
from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.teams.models import CheckIn, Leave, TeamMember
from fangfan.web.teams.testing import make_team


@pytest.fixture
def first_secretary(transactional_db: None) -> User:
    make_regions()
    team = make_team("621226100201")
    account = make_user("village", "621226100201", username="zhaojianguo", last_name="赵", first_name="建国")
    TeamMember.objects.filter(team=team, name="赵建国").update(user=account)
    return account


def _width(phone: Any) -> tuple[int, int]:
    scroll, screen = phone.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    return int(scroll), int(screen)


def test_a_first_secretary_checks_in_and_asks_for_leave_on_his_phone(
    phone: Any, signed_in: Callable[..., Any], first_secretary: User, shoot: Any, watch_csp: Any
) -> None:
    watched = watch_csp(phone)
    phone.context.grant_permissions(["geolocation"])
    phone.context.set_geolocation({"latitude": 34.19, "longitude": 105.17, "accuracy": 30})
    signed_in(phone, first_secretary)
    phone.goto("/teams/checkin/")
    button = phone.locator("#checkin-button")
    box = button.bounding_box()
    assert box is not None and box["height"] >= 60 and box["width"] >= 300  # a thumb finds it
    phone.check("#checkin-locate")
    phone.locator("#checkin-position").filter(has_text="已定位").wait_for()
    shoot(phone, "teams-checkin-phone")
    button.click()
    phone.locator(".message").filter(has_text="签到成功").wait_for()
    assert _width(phone)[0] <= _width(phone)[1]
    phone.locator("#checkin-button").click()
    phone.locator(".message").filter(has_text="重复签到").wait_for()
    shoot(phone, "teams-checkin-repeat-phone")
    today = CheckIn.objects.filter(day=timezone.localdate()).order_by("at")
    assert [row.first_of_day for row in today] == [True, False]
    assert round(today[0].latitude or 0, 2) == 34.19 and today[0].accuracy == 30

    phone.goto("/teams/leave/new/")
    start = timezone.localdate() + dt.timedelta(days=3)
    phone.fill("#id_start", start.isoformat())
    phone.fill("#id_end", (start + dt.timedelta(days=4)).isoformat())
    phone.fill("#id_reason", "家中老人住院")
    assert _width(phone)[0] <= _width(phone)[1]
    shoot(phone, "teams-leave-phone")
    phone.locator("#leave-form button[type=submit]").click()
    phone.locator(".message").filter(has_text="由县区审批").wait_for()
    assert Leave.objects.get().approver == "county"
    assert watched.violations() == [] and watched.missing == []

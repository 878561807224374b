"""The 一个不剩 board in a real browser.

礼县's office has two open problems in 石桥村 (one a month overdue), one closed out in
上坪村, and a 12317 call from 石桥村 never taken up (超时). It opens 一个不剩 from the menu:
城关镇 shows two open, the overdue problem leads its list; it drills down to 城关镇, where
上坪村 shows 清零, and downloads the overdue list. 城关镇's office reads its own board on a
phone. Each page is photographed; no page may break the Content Security Policy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from python_calamine import CalamineWorkbook

from fangfan.web.accounts.models import User
from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.grievances import actions as grievance_actions
from fangfan.web.rectification.models import Problem
from fangfan.web.rectification.testing import make_problem

Shoot = Callable[[Any, str], Path]


@pytest.fixture
def offices(transactional_db: None) -> dict[str, User]:
    make_regions()
    county = make_user("county", "621226", username="lixian-office", last_name="王", first_name="建国")
    today = timezone.localdate()
    cistern = make_problem(county, "621226100201", description="石桥村仍有农户饮用露天水窖水")
    Problem.objects.filter(pk=cistern.pk).update(deadline=today - dt.timedelta(days=30))
    make_problem(county, "621226100201", description="石桥村御寒被褥发放台账不全")
    road = make_problem(county, "621226100202", source="audit", description="上坪村道路项目资金拨付滞后")
    Problem.objects.filter(pk=road.pk).update(status="closed", closed_on=today)
    complaint = grievance_actions.Complaint(
        channel="12317",
        category="monitoring",
        name="王秀英",
        region_code="621226100201",
        first_level="village",
        content="反映低保未按时发放",
        received_at=timezone.now() - dt.timedelta(hours=48),
        phone="13912345678",
    )
    grievance_actions.register(county, complaint)
    return {
        "county": county,
        "township": make_user("township", "621226100", username="chengguan-office", first_name="强"),
    }


def test_the_county_finds_what_is_left_and_drills_down_to_a_cleared_village(
    page: Any,
    phone: Any,
    signed_in: Callable[..., Any],
    offices: dict[str, User],
    shoot: Shoot,
    watch_csp: Any,
) -> None:
    watched = watch_csp(page, phone)
    signed_in(page, offices["county"])
    page.get_by_role("link", name="一个不剩").click()
    page.wait_for_selector("#oversight-figures")
    assert page.locator("#figure-open").inner_text() == "2"
    assert page.locator("#figure-overdue").inner_text() == "1"
    assert page.locator("#figure-breached").inner_text() == "1"
    assert "石桥村仍有农户饮用露天水窖水" in page.locator("#table-overdue").inner_text()
    shoot(page, "oversight-county")

    page.locator("#place-621226100 a").click()
    page.wait_for_selector("#place-621226100202")
    assert "清零" in page.locator("#place-621226100202").inner_text()
    assert "2" in page.locator("#place-621226100201").inner_text()
    shoot(page, "oversight-township-from-county")
    with page.expect_download() as download:
        page.locator("a[href*='overdue.xlsx']").click()
    book = CalamineWorkbook.from_path(download.value.path())
    rows = book.get_sheet_by_index(0).to_python()
    assert [row[rows[0].index("问题描述")] for row in rows[1:]] == ["石桥村仍有农户饮用露天水窖水"]

    signed_in(phone, offices["township"])
    phone.goto("/oversight/")
    phone.wait_for_selector("#oversight-figures")
    assert phone.locator("#figure-open").inner_text() == "2"
    shoot(phone, "oversight-township-phone")
    assert watched.violations() == []

"""The monitoring dashboard and a monitored household's page in a real browser.

In the published city (`published`), three households of the demo county have been
under monitoring — one eliminated this month, one with a measure and a recent
re-assessment, one in the demo village with nothing yet — and a report waits for its
home check. The
county office opens 监测总览: Chart.js (served from the site) draws every chart from
the page's own numbers, each beside its table, and the Content Security Policy reports
nothing. On a phone the village team adds a measure for a household member and sees
the household leave the list of households without one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from fangfan.web.monitoring.models import Measure, MonitoredHousehold
from fangfan.web.monitoring.testing import make_case, make_measure, make_monitored, make_reassessment
from fangfan.web.registry.models import Household, Member

Shoot = Callable[[Any, str], Path]


@pytest.fixture
def console_errors(page: Any, phone: Any) -> Iterator[list[str]]:
    """Failed scripts and Content Security Policy violations on either page (not the favicon)."""
    errors: list[str] = []

    def console(message: Any) -> None:
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            errors.append(f"{message.text} ({message.location.get('url', '')})")

    for each in (page, phone):
        each.on("console", console)
        each.on("pageerror", lambda error: errors.append(str(error)))
    yield errors


def _monitored_households(published: Any) -> list[MonitoredHousehold]:
    """Three monitored households of the county, the last (with nothing yet) in the demo village."""
    users = published.users
    village = users["village"].region.code
    mine = Household.objects.filter(village_code=village).order_by("household_id").first()
    others = list(
        Household.objects.filter(village_code__startswith=village[:6])
        .exclude(village_code=village)
        .order_by("household_id")[:3]
    )
    assert mine is not None and len(others) == 3
    township = users["township"]

    def monitored(household: Household, **fields: Any) -> MonitoredHousehold:
        return make_monitored(household.village_code, opened_by=township, household=household, **fields)

    eliminated = monitored(others[0], days_ago=200, risk_types=["因病", "缺劳力"])
    eliminated.update_audited(None, status="eliminated", eliminated_on=timezone.localdate())
    helped = monitored(others[1], days_ago=120, category="脱贫不稳定户")
    make_measure(helped, users["village"], kind="兜底保障", item="低保", covers_everyone=True)
    make_reassessment(helped, users["village"], days_ago=20)
    waiting = monitored(mine, days_ago=40, category="突发严重困难户", risk_types=["因灾"])
    make_case(others[2].village_code, opened_by=township, household=others[2], days_ago=3)
    return [eliminated, helped, waiting]


def test_the_county_reads_its_monitoring_dashboard_with_charts(
    page: Any,
    phone: Any,
    signed_in: Callable[..., Any],
    published: Any,
    shoot: Shoot,
    console_errors: list[str],
) -> None:
    _, _, waiting = _monitored_households(published)
    users = published.users

    signed_in(page, users["county"])
    page.goto("/monitoring/dashboard/")
    page.wait_for_selector("body.charts-drawn")
    assert page.locator("#figure-monitored").inner_text() == "2"
    assert page.locator("#figure-eliminated").inner_text() == "1"
    assert page.locator("#figure-without-measures").inner_text() == "1"
    for chart in ("categories", "risks", "stages", "months", "children"):
        box = page.locator(f"canvas[data-chart='{chart}']").bounding_box()
        assert box is not None and box["height"] > 50, chart
    assert "突发严重困难户" in page.locator("#table-categories").inner_text()
    shoot(page, "monitoring-dashboard-county")

    signed_in(phone, users["village"])
    phone.goto("/monitoring/without-measures/")
    assert waiting.name in phone.locator("main").inner_text()
    phone.goto(f"/monitoring/monitored/{waiting.pk}/")
    phone.locator("details.mon-add > summary").click()
    form = phone.locator("form.mon-action-add_measure")
    member = Member.objects.filter(household_id=waiting.household_id).order_by("position").first()
    assert member is not None
    form.locator("select[name=member]").select_option(str(member.pk))
    form.locator("select[name=kind]").select_option("产业帮扶")
    form.locator("textarea[name=content]").fill("灾后补种中药材，发放种苗和化肥")
    form.locator("input[name=amount]").fill("2500")
    form.locator("select[name=amount_period]").select_option("once")
    form.locator("select[name=cadre]").select_option(str(users["village"].pk))
    shoot(phone, "monitoring-measure-form-phone")
    form.locator("button[type=submit]").click()
    phone.wait_for_selector("#current-measures")
    assert "灾后补种中药材" in phone.locator("#current-measures").inner_text()
    assert "一次性 2,500 元" in phone.locator("#current-measures").inner_text()
    shoot(phone, "monitoring-monitored-phone")
    assert Measure.objects.filter(monitored=waiting, member=member).exists()
    phone.goto("/monitoring/without-measures/")
    assert waiting.name not in phone.locator("table").inner_text()
    assert console_errors == []

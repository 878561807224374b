"""The registry's pages in a real browser: the dashboard, the drill-down, the household page.

The published city (`published`, 120 households) is read by its demo accounts:
- the city office opens the dashboard: the numbers match the database, the charts draw,
  and the Content Security Policy reports nothing;
- it drills down county → township → village → household, each page naming where it is;
- 礼县's county office opens one of its households with a finding: members with masked
  ID numbers, the finding's message, and one ID revealed on record after giving a reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fangfan.engine.masking import mask_text
from fangfan.web.accounts.models import UnmaskEvent
from fangfan.web.registry.models import Finding, Household

Shoot = Callable[[Any, str], Path]


@pytest.fixture
def console_errors(page: Any) -> Iterator[list[str]]:
    """Errors the page reports: failed scripts, and every Content Security Policy violation.

    The browser's own request for /favicon.ico (the site has none yet) is not the page's.
    """
    errors: list[str] = []

    def console(message: Any) -> None:
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            errors.append(f"{message.text} ({message.location.get('url', '')})")

    page.on("console", console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield errors


def test_the_city_dashboard_counts_the_city_and_draws_its_charts(
    page: Any, signed_in: Callable[..., Any], published: Any, shoot: Shoot, console_errors: list[str]
) -> None:
    signed_in(page, published.users["city"])
    page.goto("/")
    assert "陇南市" in page.locator("h1").inner_text()
    households = page.locator(".stat", has_text="户数").locator(".stat-value").first.inner_text()
    assert int(households.replace(",", "")) == Household.objects.count() == 120
    page.wait_for_function("() => document.querySelectorAll('canvas[data-chart]').length > 0")
    assert page.evaluate("() => typeof window.Chart") == "function"
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('canvas[data-chart]')].every(c => window.Chart.getChart(c))"
    )
    assert drawn, "a chart was not drawn"
    assert page.locator("#table-children tbody tr").count() == 9  # the nine counties
    shoot(page, "dashboard-city")
    assert console_errors == []


def test_the_city_drills_down_from_a_county_to_a_household(
    page: Any, signed_in: Callable[..., Any], published: Any, shoot: Shoot, console_errors: list[str]
) -> None:
    household = Household.objects.filter(village_code__startswith="621226").order_by("household_id").first()
    assert household is not None
    signed_in(page, published.users["city"])
    page.goto("/")
    for level, name in (
        ("county", household.county_name),
        ("township", household.township_name),
        ("village", household.village_name),
    ):
        page.locator("#table-children a", has_text=name).first.click()
        page.wait_for_load_state()
        assert name in page.locator("h1").inner_text()
        assert name in page.locator(".breadcrumbs").inner_text()
        shoot(page, f"drill-down-{level}")
    page.locator(".household-table a", has_text=household.head_name).first.click()
    page.wait_for_url(f"**/households/{household.household_id}/")
    crumbs = page.locator(".breadcrumbs").inner_text()
    for name in ("陇南市", household.county_name, household.township_name, household.village_name):
        assert name in crumbs
    shoot(page, "drill-down-household")
    assert console_errors == []


def test_the_household_page_shows_members_masked_its_findings_and_unmasks_on_record(
    page: Any, signed_in: Callable[..., Any], published: Any, shoot: Shoot, console_errors: list[str]
) -> None:
    finding = (
        Finding.objects.filter(household__village_code__startswith="621226", engine_status="open")
        .select_related("household")
        .order_by("household_id", "rule_code")
        .first()
    )
    assert finding is not None, "the generated 礼县 has no open finding"
    household = finding.household
    county_office = published.users["county"]
    signed_in(page, county_office)
    page.goto(f"/households/{household.household_id}/")
    assert household.head_name in page.locator("h1").inner_text()
    members = page.locator("#members-title + .table-scroll tbody tr")
    assert members.count() == household.members.count()
    first_id = members.first.locator(".personal-value .masked").inner_text()
    assert "********" in first_id
    # Shown as every role reads it: numbers and birth dates in the message masked.
    assert mask_text(finding.message) in page.locator("section[aria-labelledby=findings-title]").inner_text()
    shoot(page, "household-page")

    form = members.first.locator(".unmask-form")
    form.locator("input[name=reason]").fill("核实学籍信息")
    form.locator("button").click()
    revealed = members.first.locator(".personal-value.unmasked")
    revealed.wait_for()
    full = revealed.locator(".masked").inner_text()
    assert "*" not in full and full[:6] == first_id[:6] and full[-4:] == first_id[-4:]
    assert UnmaskEvent.objects.filter(user=county_office, reason="核实学籍信息").count() == 1
    shoot(page, "household-unmasked")
    assert console_errors == []

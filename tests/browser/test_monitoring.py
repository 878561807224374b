"""One relapse-monitoring case in a real browser, from the household's own report to the decision.

In the published city (`published`), a household head of the demo village reports on a
phone through the public form (county → township → village loaded as they are chosen),
with no account. The report is then dated nine days back — time moves by setting dates,
never by waiting — and each step is taken by its own demo account: the township takes
the lead up, the village team records the home check with the signed consent's scan
and puts up the notice (five days, already run), prints it and closes it, the township
reviews, the county decides. Every page is photographed, and the Content Security
Policy must report nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from fangfan.engine import idnumber
from fangfan.web.monitoring import spam
from fangfan.web.monitoring.models import Case, Intake, MonitoredHousehold
from fangfan.web.monitoring.testing import PNG
from fangfan.web.registry.models import Household

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


def _reporter(village_code: str) -> Household:
    """A household of the village whose head has a well-formed 18-digit ID number."""
    for household in Household.objects.filter(village_code=village_code).order_by("household_id"):
        number = idnumber.normalise(household.head_id_number)
        if len(number) == 18 and idnumber.validate(number) == idnumber.IdProblem.OK:
            return household
    raise AssertionError(f"{village_code} has no household with a valid head ID number")


def _ago(days: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=days)).isoformat()


def _sign_in_again(page: Any, signed_in: Callable[..., Any], user: Any) -> Any:
    page.context.clear_cookies()
    return signed_in(page, user)


def _shoot_form(shoot: Shoot, page: Any, name: str) -> None:
    """Photograph a filled form that htmx will then send.

    Playwright's full-page screenshot leaves `style=""` on the form's inputs, which htmx's
    settling would copy onto the new page, against the Content Security Policy: take
    away what the screenshot left (no person's browser has it).
    """
    shoot(page, name)
    page.evaluate("() => document.querySelectorAll('[style]').forEach(e => e.removeAttribute('style'))")


def _step(page: Any, verb: str, stage_after: str) -> None:
    page.locator(f"form.mon-action-{verb} button[type=submit]").click()
    page.wait_for_selector(f"#case-stage:has-text('{stage_after}')")


def test_a_household_reports_itself_and_the_county_decides_within_15_days(
    page: Any,
    phone: Any,
    signed_in: Callable[..., Any],
    published: Any,
    shoot: Shoot,
    console_errors: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache.clear()
    # The live server runs in this process: a person is faster than five seconds only here.
    monkeypatch.setattr(spam, "MIN_FILL_SECONDS", 0)
    users = published.users
    village = users["village"].region
    household = _reporter(village.code)

    phone.goto("/report/")
    phone.fill("#id_name", household.head_name)
    phone.fill("#id_id_number", household.head_id_number)
    phone.select_option("#id_county", village.code[:6])
    phone.wait_for_selector(f"#id_township option[value='{village.code[:9]}']", state="attached")
    phone.select_option("#id_township", village.code[:9])
    phone.wait_for_selector(f"#id_village option[value='{village.code}']", state="attached")
    phone.select_option("#id_village", village.code)
    phone.fill("#id_description", "丈夫务工时受伤，半年不能干活，孩子上学和看病的钱都拿不出来了。")
    shoot(phone, "monitoring-report-phone")
    phone.locator("button[type=submit]").click()
    reference = phone.locator("#reference").inner_text().strip()
    shoot(phone, "monitoring-report-received")
    intake = Intake.objects.get(reference=reference)
    assert intake.household == household and intake.match == "id_number"
    Intake.objects.filter(pk=intake.pk).update(discovered_on=timezone.localdate() - dt.timedelta(days=9))

    signed_in(page, users["township"])
    page.goto("/monitoring/")
    assert reference in page.locator("main").inner_text()
    shoot(page, "monitoring-intakes-township")
    page.locator(f"a:has-text('{reference}')").click()
    assert household.head_id_number not in page.locator("main").inner_text()
    shoot(page, "monitoring-intake")
    page.locator("form.mon-action-take_up button[type=submit]").click()
    page.wait_for_selector("#case-stage:has-text('待入户核实')")
    case = Case.objects.get(intake=intake)
    assert "剩余6天" in page.locator(".page-head").inner_text()

    signed_in(phone, users["village"])
    phone.goto(f"/monitoring/cases/{case.pk}/")
    form = phone.locator("form.mon-action-home_check")
    form.locator("input[name=checked_on]").fill(_ago(8))
    form.locator("input[name=village_group]").fill("二组")
    form.locator("textarea[name=note]").fill("入户核实：户主丈夫务工受伤，家庭收入锐减，情况属实。")
    form.locator("input[name=consent_signed_on]").fill(_ago(8))
    form.locator("input[name=consent_scan]").set_input_files(
        {"name": "承诺授权书.png", "mimeType": "image/png", "buffer": PNG}
    )
    _shoot_form(shoot, phone, "monitoring-home-check-form")
    _step(phone, "home_check", "待村级评议公示")

    form = phone.locator("form.mon-action-post_notice")
    form.locator("input[name=reviewed_on]").fill(_ago(7))
    form.locator("textarea[name=note]").fill("村民代表会议评议，同意纳入监测")
    form.locator("select[name=proposed_category]").select_option("边缘易致贫户")
    form.locator("input[name=proposed_risk_types][value='因意外事故']").check()
    form.locator("input[name=proposed_risk_types][value='缺劳力']").check()
    form.locator("input[name=notice_start]").fill(_ago(7))
    form.locator("input[name=notice_end]").fill(_ago(2))
    _step(phone, "post_notice", "公示中")
    shoot(phone, "monitoring-case-on-notice")

    phone.goto(f"/monitoring/notices/{village.code}/")
    notice = phone.locator(".notice-sheet").inner_text()
    assert household.head_name in notice and "二组" in notice and "因意外事故、缺劳力" in notice
    assert household.head_id_number not in notice and household.head_id_number[:6] + "****" not in notice
    if household.phone:
        assert household.phone not in notice
    shoot(phone, "monitoring-notice")
    phone.goto(f"/monitoring/cases/{case.pk}/")
    _step(phone, "close_notice", "待乡镇审核")

    page.goto(f"/monitoring/cases/{case.pk}/")
    page.locator("form.mon-action-township_review textarea[name=note]").fill(
        "经乡镇审核，符合边缘易致贫户认定条件"
    )
    _step(page, "township_review", "待县级审定")

    _sign_in_again(page, signed_in, users["county"])
    page.goto("/monitoring/cases/")
    shoot(page, "monitoring-cases-county")
    page.goto(f"/monitoring/cases/{case.pk}/")
    form = page.locator("form.mon-action-decide")
    assert form.locator("select[name=category]").input_value() == "边缘易致贫户"
    form.locator("input[name=monitoring_start]").fill(timezone.localdate().isoformat())
    _step(page, "decide", "已认定纳入监测")
    assert "按时审定" in page.locator(".page-head").inner_text()
    shoot(page, "monitoring-decided")

    case.refresh_from_db()
    assert (case.category, case.risk_types, case.decided_in_time) == (
        "边缘易致贫户",
        ["因意外事故", "缺劳力"],
        True,
    )
    assert MonitoredHousehold.objects.get(case=case).status == "monitored"
    assert [event.action for event in case.events.order_by("at", "id")] == [
        "open",
        "home_check",
        "post_notice",
        "close_notice",
        "township_review",
        "decide",
    ]
    page.goto(f"/households/{household.household_id}/")
    assert "监测中" in page.locator("#monitoring").inner_text()
    whole = shoot(page, "monitoring-household-page")
    page.locator("#monitoring").screenshot(path=str(whole.with_name("monitoring-household-panel.png")))
    assert console_errors == []


def test_a_village_team_works_a_households_income_out_on_a_phone(
    phone: Any, signed_in: Callable[..., Any], published: Any, shoot: Shoot, console_errors: list[str]
) -> None:
    users = published.users
    household = Household.objects.filter(village_code=users["village"].region.code).order_by("-household_id")[
        0
    ]
    size = household.people or household.household_size or 1
    signed_in(phone, users["village"])
    phone.goto(f"/households/{household.household_id}/")
    phone.locator("#monitoring a:has-text('记录走访')").click()
    phone.fill("#id_wage_income", str(1000 * size))
    phone.fill("#id_business_income", str(500 * size))
    phone.fill("#id_business_cost", "0")
    phone.fill("#id_situation", "务工返乡，今年只干了两个月")
    estimate = phone.locator("#visit-estimate")
    assert "人均 1,500 元" in estimate.inner_text() and "低于监测标准" in estimate.inner_text()
    shoot(phone, "monitoring-visit-form")
    phone.locator("form.mon-money button[type=submit]").click()
    phone.wait_for_selector("#visit-result:has-text('在监测范围内')")
    assert "1,500.00" in phone.locator("#per-capita").inner_text()
    shoot(phone, "monitoring-visit")
    lead = Intake.objects.get(household=household, source="visit")
    assert lead.visit is not None and lead.visit.visitor == users["village"]
    assert console_errors == []

"""考核评估模拟 in a real browser: the county office draws a round from the published city
with the page's button, opens a village's visit list, records one household's result on a
phone, and reads the estimate. Each page is photographed; no page may break the Content
Security Policy or ask for a missing file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.utils import timezone

from fangfan.web.assessment.models import Result, Round, Unit

Shoot = Callable[[Any, str], Path]
GUARANTEES = ("food", "clothing", "housing", "medical", "education", "water")


def test_a_round_is_drawn_a_result_recorded_on_a_phone_and_the_estimate_read(
    page: Any, phone: Any, signed_in: Callable[..., Any], published: Any, shoot: Shoot, watch_csp: Any
) -> None:
    county = published.users["county"]
    watched = watch_csp(page, phone)

    signed_in(page, county)
    page.goto("/assessment/")
    page.locator("select[name=plan]").select_option("national")
    page.locator("input[name=seed]").fill("7")
    page.locator("#draw-button").click()
    page.wait_for_selector(".message.success")
    assert "已抽取样本" in page.locator(".messages").inner_text()
    made = Round.objects.get()
    shoot(page, "assessment-round-county")

    page.locator("#villages-title ~ .table-scroll a").first.click()
    page.wait_for_selector("#visit-list-excel")
    assert "入户调查名单" in page.locator("h1").inner_text()
    shoot(page, "assessment-visit-list")

    unit = Unit.objects.filter(round=made, exited=True).order_by("pk").first()
    assert unit is not None
    signed_in(phone, county)
    phone.goto(f"/assessment/units/{unit.pk}/")
    shoot(phone, "assessment-result-phone")
    form = phone.locator("#result-form")
    assert form.locator("input[name=visited_on]").input_value() == timezone.localdate().isoformat()
    for name in GUARANTEES:
        form.locator(f"input[name={name}][value=有保障]").check()
    form.locator("input[name=income_per_person]").fill("9800")
    form.locator("select[name=wrongly_exited]").select_option("no")
    form.locator("select[name=approves]").select_option("yes")
    form.locator("input[name=policy_count]").fill("3")
    form.locator("input[name=aware_count]").fill("3")
    form.locator("#save-result").click()
    phone.wait_for_selector(".message.success")
    assert Result.objects.filter(unit=unit, wrongly_exited=False).exists()

    # One account, one session: the phone signed in last, so it reads the estimate.
    phone.goto(f"/assessment/{made.pk}/estimates/")
    row = phone.locator("tr.measure-row[data-measure='错退率']").first
    assert "0.00%" in row.inner_text()
    shoot(phone, "assessment-estimates")
    assert watched.violations() == []
    assert watched.missing == []

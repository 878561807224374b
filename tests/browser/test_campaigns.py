"""温暖越冬 in a real browser: the county office draws the target list from the published
city with the page's button, the demo village team records a visit on a phone (the
checklist from the campaign's file), and the county reads the progress. Each page is
photographed; no page may break the Content Security Policy or ask for a missing file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fangfan.web.campaigns.models import Target
from fangfan.web.campaigns.testing import make_target
from fangfan.web.registry.models import Household

Shoot = Callable[[Any, str], Path]


def _target_in(village_code: str) -> Target:
    """A drawn target of the village; the first household of the village made one if none was drawn."""
    target = Target.objects.filter(village_code=village_code, status="pending").order_by("pk").first()
    if target is None:
        household = Household.objects.filter(village_code=village_code).order_by("pk").first()
        assert household is not None
        target = make_target(household)
    return target


def test_a_campaign_is_drawn_visited_on_a_phone_and_its_progress_read(
    page: Any, phone: Any, signed_in: Callable[..., Any], published: Any, shoot: Shoot, watch_csp: Any
) -> None:
    users = published.users
    watched = watch_csp(page, phone)

    signed_in(page, users["county"])
    page.goto("/campaigns/warm_winter/")
    page.locator("#draw-button").click()
    page.wait_for_selector(".message.success")
    assert "已生成对象名单" in page.locator(".messages").inner_text()
    assert Target.objects.filter(campaign="warm_winter").exists()
    shoot(page, "campaign-targets-county")

    target = _target_in(users["village"].region.code)
    signed_in(phone, users["village"])
    phone.goto(f"/campaign-targets/{target.pk}/")
    form = phone.locator("form.camp-action-record_visit")
    form.locator("select[name=answer_bedding]").select_option("否")
    form.locator("select[name=answer_heating]").select_option("燃煤炉")
    form.locator("select[name=answer_heating_fuel]").select_option("是")
    form.locator("select[name=answer_house_safe]").select_option("是")
    form.locator("select[name=answer_food_stock]").select_option("是")
    assert form.locator(".camp-rectification").is_hidden()  # until 转整改问题 is chosen
    form.locator("select[name=follow_up]").select_option("rectification")
    assert form.locator(".camp-rectification").is_visible()
    form.locator("select[name=follow_up]").select_option("")
    form.locator("select[name=result]").select_option("solved")
    form.locator("textarea[name=note]").fill("当场送去棉被两床")
    shoot(phone, "campaign-visit-form-phone")
    form.locator("button[type=submit]").click()
    phone.wait_for_selector("#target-status:has-text('已走访')")
    assert "御寒被褥是否够用" in phone.locator("#visit-facts").inner_text()
    shoot(phone, "campaign-visited-phone")

    page.goto("/campaigns/warm_winter/progress/")
    total = page.locator("#progress-total").inner_text()
    assert "合计" in total
    shoot(page, "campaign-progress-county")
    page.goto("/campaigns/")
    shoot(page, "campaign-list-county")
    assert watched.violations() == []
    assert watched.missing == []

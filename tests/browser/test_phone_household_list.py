"""The village household list on a village cadre's phone (360×740): cards, not a wide table.

The published city's village account opens its own village's page: every household is
a card with the head's name on top and labelled lines below, and nothing on the page is
wider than the screen (no sideways scrolling).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fangfan.web.registry.models import Household

from .conftest import TIMEOUT_MS

Shoot = Callable[[Any, str], Path]


@pytest.fixture
def small_phone(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 360, "height": 740},
        base_url=live_server.url,
    )
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def test_a_village_cadre_reads_the_household_list_as_cards_without_scrolling_sideways(
    small_phone: Any, signed_in: Callable[..., Any], published: Any, shoot: Shoot
) -> None:
    village_team = published.users["village"]
    village = village_team.region.code
    signed_in(small_phone, village_team)
    small_phone.goto(f"/region/{village}/")

    rows = small_phone.locator(".household-table tbody tr")
    assert rows.count() == min(Household.objects.filter(village_code=village).count(), 50) > 0
    first = rows.first
    assert first.evaluate("row => getComputedStyle(row).display") == "block"  # a card, not a table row
    labels = first.evaluate("row => [...row.cells].map(cell => getComputedStyle(cell, '::before').content)")
    assert '"户编号"' in labels and '"人均纯收入"' in labels  # each line says what it is
    overflow = small_phone.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    shoot(small_phone, "household-list-phone")
    assert overflow[0] <= overflow[1], f"页面宽 {overflow[0]}px，屏幕宽 {overflow[1]}px"

"""The findings work queue in a real browser, from assignment to closing.

In the published city (`published`): 礼县's first township assigns a finding of the demo
village team's village to that team with a deadline; the team marks it fixed with a note;
礼县's county office closes it. Each step goes through the page's forms (htmx-boosted),
and each page is photographed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fangfan.web.registry.models import Finding
from fangfan.web.workqueue.testing import make_finding

Shoot = Callable[[Any, str], Path]


def _finding_in(village_code: str) -> Finding:
    finding = Finding.objects.filter(village_code=village_code, status="open").order_by("pk").first()
    return finding or make_finding(village_code, number=9999)


def test_a_finding_is_assigned_fixed_and_closed(
    page: Any, signed_in: Callable[..., Any], published: Any, shoot: Shoot
) -> None:
    users = published.users
    finding = _finding_in(users["village"].region.code)
    deadline = dt.date.today() + dt.timedelta(days=14)

    signed_in(page, users["township"])
    page.goto("/findings/")
    assert "问题清单" in page.locator("h1").inner_text()
    shoot(page, "workqueue-list-township")
    page.goto(f"/findings/{finding.pk}/")
    form = page.locator("form.queue-action-assign")
    form.locator("select[name=assignee]").select_option(str(users["village"].pk))
    form.locator("input[name=deadline]").fill(deadline.isoformat())
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#finding-status:has-text('已分派')")
    shoot(page, "workqueue-assigned")

    page.context.clear_cookies()
    signed_in(page, users["village"])
    page.goto(f"/findings/{finding.pk}/")
    form = page.locator("form.queue-action-mark_fixed")
    form.locator("textarea[name=note]").fill("已为该户送去鸡蛋和牛奶，并落实产业帮扶")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#finding-status:has-text('已整改')")
    assert "已为该户送去鸡蛋和牛奶" in page.locator("main").inner_text()
    shoot(page, "workqueue-fixed")

    page.context.clear_cookies()
    signed_in(page, users["county"])
    page.goto(f"/findings/{finding.pk}/")
    page.locator("form.queue-action-verify_close button[type=submit]").click()
    page.wait_for_selector("#finding-status:has-text('已核销')")
    shoot(page, "workqueue-closed")

    finding.refresh_from_db()
    assert finding.status == Finding.Status.CLOSED
    assert [event.action for event in finding.events.order_by("at", "id")] == ["assign", "fix", "close"]

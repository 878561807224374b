"""The findings work queue in a real browser, from assignment to closing.

In the published city (`published`): 礼县's first township assigns a finding of the demo
village team's village to that team with a deadline; the team marks it fixed with a note;
礼县's county office closes it. Each step goes through the page's forms (htmx-boosted),
and each page is photographed. The newest run still flags the finding, so the county's
first close, without reason or proof, is refused with the reason on the detail page's own
URL (a refresh shows the page again); with them it is accepted. No htmx swap may break
the Content Security Policy, and no request (the favicon either) may end in a 404.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fangfan.web.registry.models import Finding
from fangfan.web.workqueue.actions import STILL_FLAGGED_MESSAGE
from fangfan.web.workqueue.testing import make_finding

Shoot = Callable[[Any, str], Path]


def _finding_in(village_code: str) -> Finding:
    finding = Finding.objects.filter(village_code=village_code, status="open").order_by("pk").first()
    return finding or make_finding(village_code, number=9999)


def test_a_finding_is_assigned_fixed_and_closed(
    page: Any, signed_in: Callable[..., Any], published: Any, shoot: Shoot, watch_csp: Any
) -> None:
    users = published.users
    finding = _finding_in(users["village"].region.code)
    deadline = dt.date.today() + dt.timedelta(days=14)
    watched = watch_csp(page)

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
    assert watched.violations() == []  # the boosted form's swap injected no style

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
    close = page.locator("form.queue-action-verify_close")
    assert STILL_FLAGGED_MESSAGE in close.inner_text()
    close.locator("button[type=submit]").click()
    page.wait_for_selector(f".messages :text('{STILL_FLAGGED_MESSAGE}')")
    assert page.url.endswith(f"/findings/{finding.pk}/")  # not the action's URL
    assert "已整改" in page.locator("#finding-status").inner_text()
    shoot(page, "workqueue-close-refused-still-flagged")
    page.reload()
    assert "已整改" in page.locator("#finding-status").inner_text()  # a refresh shows the page, no 405

    close = page.locator("form.queue-action-verify_close")
    close.locator("textarea[name=note]").fill("已入户核实：该户已有稳定肉蛋奶来源，系统数据待下月更新")
    close.locator("input[name=attachment]").set_input_files(
        files=[{"name": "入户核查表.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 visit"}]
    )
    close.locator("button[type=submit]").click()
    page.wait_for_selector("#finding-status:has-text('已核销')")
    assert "核销时仍被筛出" in page.locator("main").inner_text()
    shoot(page, "workqueue-closed")
    assert watched.violations() == []
    assert watched.missing == []

    finding.refresh_from_db()
    assert finding.status == Finding.Status.CLOSED
    assert [event.action for event in finding.events.order_by("at", "id")] == ["assign", "fix", "close"]
    assert finding.events.get(action="close").still_flagged

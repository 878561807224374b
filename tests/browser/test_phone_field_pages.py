"""Issue 17's pages on a village cadre's phone: nothing wider than the screen.

The published city's village team, on its phone, opens what it uses in the field: the
offline-visit page (its villages' forms and recent imports) and an import's rows that could
not be placed, the village's evidence
completeness and a household's evidence; a villager scans a card's QR code and opens the
public verification page. Each fits the screen (wide tables scroll in their own box) and
breaks no content-security rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import reverse

from fangfan.web.cards.batch import cards_for
from fangfan.web.odk.models import SubmissionImport
from fangfan.web.registry.models import Household


def _width(phone: Any) -> tuple[int, int]:
    scroll, screen = phone.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    return int(scroll), int(screen)


def test_the_field_pages_fit_a_phone_screen(
    phone: Any, signed_in: Callable[..., Any], published: Any, shoot: Any, watch_csp: Any
) -> None:
    village_team = published.users["village"]
    household = Household.objects.filter(village_code=village_team.region.code).order_by("pk").first()
    assert household is not None
    [card], _ = cards_for([household])
    problem = "系统中没有该户编号的农户（或该户已不在最新发布的数据中）"
    unplaced = [
        {"row": 2, "column": "household-household_id", "value": "62122610120099999", "problem": problem}
    ]
    batch = SubmissionImport.objects.create(
        uploaded_by=village_team, region_code=village_team.region.code, file_name="submissions.csv",
        source="ODK Central", rows=1, unplaced_count=1, unplaced=unplaced,
    )  # fmt: skip
    watched = watch_csp(phone)

    phone.goto("/cards/verify/?t=" + card.verify_url.split("?t=", 1)[1])
    assert phone.locator("h1").inner_text() == "核验帮扶政策明白卡"
    widths = {"verify": _width(phone)}
    signed_in(phone, village_team)
    for name, address in (
        ("odk", "/odk/"),
        ("evidence-region", f"/evidence/region/{village_team.region.code}/"),
        ("evidence-household", f"/evidence/households/{household.household_id}/"),
        ("odk-import", reverse("odk:import_detail", args=[batch.pk])),
    ):
        phone.goto(address)
        if name == "odk":
            assert phone.locator("#odk-villages").count() == 1  # the page with its villages' table
        widths[name] = _width(phone)
        shoot(phone, f"field-{name}-phone")

    wider = {name: width for name, width in widths.items() if width[0] > width[1]}
    assert wider == {}, f"比屏幕宽的页面（页面宽，屏幕宽）：{wider}"
    assert watched.violations() == []

"""佐证资料 on a village cadre's phone (390×844): the team photographs a renovated house on the
household page and sees the household's count go up, with nothing wider than the screen.

The published city's village team takes the first household of its village (its house
marked renovated: 农村危房改造 needs a 鉴定报告 and 竣工照片), chooses 竣工照片, takes the
photo (a JPEG with the camera's GPS position in it) and uploads it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fangfan.web.evidence.models import EvidenceItem
from fangfan.web.evidence.testing import camera_photo
from fangfan.web.registry.models import Household

Shoot = Callable[[Any, str], Path]
COUNT = re.compile(r"已有 (\d+)/(\d+) 项")


def _count(page: Any) -> tuple[int, int]:
    found = COUNT.search(page.locator("#evidence-count").inner_text())
    assert found, page.locator("#evidence").inner_text()
    return int(found.group(1)), int(found.group(2))


def test_a_village_cadre_uploads_a_photo_on_the_phone_and_the_households_count_goes_up(
    phone: Any, signed_in: Callable[..., Any], published: Any, shoot: Shoot, watch_csp: Callable[..., Any]
) -> None:
    team = published.users["village"]
    household = Household.objects.filter(village_code=team.region.code).order_by("household_id").first()
    assert household is not None
    Household.objects.filter(pk=household.pk).update(house_renovated=True)
    watched = watch_csp(phone)
    signed_in(phone, team)
    phone.goto(f"/households/{household.household_id}/")
    done, total = _count(phone)
    assert total >= 2 and "农村危房改造·竣工照片" in phone.locator("#evidence").inner_text()

    phone.select_option("#evidence select[name=need]", label="农村危房改造·竣工照片")
    camera = phone.locator("#evidence input[name=photo]")
    assert camera.get_attribute("capture") == "environment" and camera.get_attribute("accept") == "image/*"
    camera.set_input_files({"name": "IMG_20261030.jpg", "mimeType": "image/jpeg", "buffer": camera_photo()})
    phone.locator("#evidence button[type=submit]", has_text="上传").click()
    phone.wait_for_url(f"**/households/{household.household_id}/#evidence")

    assert _count(phone) == (done + 1, total)
    assert phone.get_by_text("已上传：农村危房改造·竣工照片").is_visible()
    item = EvidenceItem.objects.get(household=household)
    assert item.uploaded_by == team and item.taken_at is not None
    overflow = phone.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    shoot(phone, "evidence-phone")
    panel = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "evidence-phone-panel.png"
    phone.locator("#evidence").screenshot(path=str(panel))
    assert overflow[0] <= overflow[1], f"页面宽 {overflow[0]}px，屏幕宽 {overflow[1]}px"
    assert watched.violations() == [] and watched.missing == []

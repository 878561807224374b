"""衔接资金项目 progress from a village team's phone, in a real browser.

The 石桥村 team opens the village's 产业路 project on a phone (390×844), taps 报进度、传照片,
enters 35% with a note, picks a photo taken by the phone's camera (with its GPS position)
and sends it. The project page then shows the report and the photo (served through the
gate); nothing is wider than the screen and no content-security rule is broken.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fangfan.web.accounts.models import User
from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.evidence.testing import camera_photo
from fangfan.web.projects.models import ProgressPhoto, Project
from fangfan.web.projects.testing import make_project

SHIQIAO = "621226100201"


@pytest.fixture
def village_team(transactional_db: None, settings: Any, tmp_path: Path) -> tuple[User, Project]:
    settings.MEDIA_ROOT = tmp_path / "media"
    make_regions()
    county = make_user("county", "621226")
    project = make_project(county, SHIQIAO, name="石桥村产业路")
    return make_user("village", SHIQIAO, username="shiqiao-team"), project


def _width(phone: Any) -> tuple[int, int]:
    scroll, screen = phone.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    return int(scroll), int(screen)


def test_a_village_team_reports_progress_with_a_photo_from_its_phone(
    phone: Any,
    signed_in: Callable[..., Any],
    village_team: tuple[User, Project],
    shoot: Any,
    watch_csp: Any,
    tmp_path: Path,
) -> None:
    team, project = village_team
    watched = watch_csp(phone)
    signed_in(phone, team)
    phone.goto(f"/projects/{project.pk}/")
    assert _width(phone)[0] <= _width(phone)[1]
    phone.get_by_text("报进度、传照片").click()
    phone.fill("#id_percent", "35")
    phone.fill("#id_note", "路基完成，开始铺设")
    picture = tmp_path / "IMG_0001.jpg"
    picture.write_bytes(camera_photo())
    phone.set_input_files("#id_photos", str(picture))
    assert _width(phone)[0] <= _width(phone)[1]
    shoot(phone, "projects-progress-phone")
    phone.locator("#progress-form button[type=submit]").click()
    phone.locator(".message").filter(has_text="已报告进度35%").wait_for()
    phone.locator(".xm-photos img").first.wait_for()
    # The element is there before its picture: wait until the browser has fetched it (or
    # given up on it), then look; a late fetch met the test's torn-down settings in CI.
    phone.wait_for_function("() => document.querySelector('.xm-photos img').complete")
    loaded = phone.evaluate("() => document.querySelector('.xm-photos img').naturalWidth")
    assert loaded > 0, "the photo is served to the team through the gate"
    assert _width(phone)[0] <= _width(phone)[1]
    shoot(phone, "projects-detail-phone")
    project.refresh_from_db()
    assert project.progress_percent == 35
    assert ProgressPhoto.objects.filter(report__project=project).count() == 1
    assert watched.violations() == [] and watched.missing == []

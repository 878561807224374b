"""公益性岗位 月度考核 on a village cadre's phone, in a real browser.

石桥村's cadre opens 马大军's appraisal on a phone (390×844): the month, the days absent and
the grade (big buttons a thumb finds), saves two days absent and sees the pay less the
deduction; nothing is wider than the screen and no content-security rule is broken.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from fangfan.engine.idnumber import make
from fangfan.web.accounts.models import User
from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.jobs.models import Payment, Selection
from fangfan.web.jobs.testing import make_holder, make_post
from fangfan.web.workqueue.testing import make_household

SHIQIAO = "621226100201"


@pytest.fixture
def ranger(transactional_db: None) -> tuple[User, Selection]:
    make_regions()
    household = make_household(SHIQIAO, 2, household_type="监测户", head_name="马大军")
    holder = make_holder(
        make_post(SHIQIAO, title="石桥村护林员"), household, "马大军", make("621226", dt.date(1975, 3, 2), 13)
    )
    return make_user("village", SHIQIAO, username="shiqiao-cadre"), holder


def _width(phone: Any) -> tuple[int, int]:
    scroll, screen = phone.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    return int(scroll), int(screen)


def test_a_village_cadre_appraises_a_ranger_on_her_phone(
    phone: Any, signed_in: Callable[..., Any], ranger: tuple[User, Selection], shoot: Any, watch_csp: Any
) -> None:
    cadre, holder = ranger
    watched = watch_csp(phone)
    signed_in(phone, cadre)
    phone.goto(f"/job-selections/{holder.pk}/appraise/")
    phone.fill("#id_absent_days", "2")
    grade = phone.locator("label[for='id_grade_1']")
    box = grade.bounding_box()
    assert box is not None and box["height"] >= 40
    grade.click()
    assert _width(phone)[0] <= _width(phone)[1]
    shoot(phone, "jobs-appraisal-phone")
    phone.locator("#appraisal-form button[type=submit]").click()
    phone.locator(".message").filter(has_text="已保存考核").wait_for()
    payment = Payment.objects.get()
    assert (payment.absent_days, payment.grade, payment.net) == (2, "合格", Decimal("727.27"))
    assert phone.locator("#appraisal-payments").filter(has_text="727.27 元").count() == 1
    assert _width(phone)[0] <= _width(phone)[1]
    assert watched.violations() == [] and watched.missing == []

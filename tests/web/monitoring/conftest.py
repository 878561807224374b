"""The cast of the relapse-monitoring tests, in the small 陇南市 of `make_regions`.

Households (a published run of their own, `workqueue.testing`; the people are tests/cast.py's):
- 王秀英's household in 石桥村 (礼县城关镇), exited in 2019: her son 李明 has a serious
  illness and the bills are eating the family's income. She reports it herself on her
  phone, with her ID number, and the report finds her household.
- 张德顺's household in 上坪村 (same township), three people: the village team visits
  and works the income out item by item — ¥8,400 for the year, well under the line.
- 赵永福's household in 石桥村: the flood brought his house down; the current run has a
  department warning (MON-001) and an income finding (INC-001) on it, and a food
  finding (FC-002) that is no lead at all.
- 马占山's household in 北关村 (武都区): outside every 礼县 account's region.
- 孙桂兰 in 上坪村, 76 and living alone, cannot work any more; the village's 低保
  keeps her: however her income stands, she stays monitored.

Accounts: the city office, 礼县's county office, 城关镇's township officer, 石桥村's
village team, 上坪村's team, a 礼县 inspector, a school-roll officer; 武都区's county
office, 钟楼街道's township officer and 北关村's team.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from cast import BEIGUAN, LI_MING, SHANGPING, SHIQIAO, SUN_GUILAN, WANG_XIUYING
from fangfan.web.accounts.models import User
from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.registry.models import Household, Member
from fangfan.web.workqueue.testing import current_run, make_finding, make_household

Role = User.Role
TOWNSHIP, COUNTY = "621226100", "621226"
WANG_ID = WANG_XIUYING.id_number
LI_MING_ID = LI_MING.id_number  # her son
WANG_PHONE = WANG_XIUYING.phone
SUN_ID = SUN_GUILAN.id_number


@pytest.fixture(autouse=True)
def fresh_cache_and_media(settings: Any, tmp_path: Any) -> None:
    """Every test starts with an empty cache and a media folder of its own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()


def _member(household: Household, position: int, name: str, id_number: str, **fields: Any) -> Member:
    return Member.objects.create(
        household=household,
        village_code=household.village_code,
        position=position,
        name=name,
        id_number=id_number,
        member_status="正常",
        last_run=current_run(),
        **fields,
    )


@pytest.fixture
def cast(db: Any) -> dict[str, Any]:
    make_regions()
    wang = make_household(
        SHIQIAO,
        1,
        head_name=WANG_XIUYING.name,
        head_id_number=WANG_ID,
        phone=WANG_PHONE,
        household_type="脱贫户",
        exit_year=2019,
        people=3,
        village_name="石桥村",
        township_name="城关镇",
        county_name="礼县",
    )
    _member(
        wang,
        0,
        WANG_XIUYING.name,
        WANG_ID,
        relation="户主",
        birth_date=WANG_XIUYING.born,
        labour="普通劳动力",
    )
    _member(
        wang,
        1,
        LI_MING.name,
        LI_MING_ID,
        relation="之子",
        health="患有大病",
        birth_date=LI_MING.born,
        labour="普通劳动力",
    )
    zhang = make_household(SHANGPING, 2, head_name="张德顺", people=3, household_type="一般农户")
    zhao = make_household(SHIQIAO, 3, head_name="赵永福", people=4, household_type="脱贫户")
    ma = make_household(BEIGUAN, 4, head_name="马占山", people=5)
    sun = make_household(SHANGPING, 5, head_name=SUN_GUILAN.name, head_id_number=SUN_ID, people=1)
    _member(sun, 0, SUN_GUILAN.name, SUN_ID, relation="户主", birth_date=SUN_GUILAN.born, labour="丧失劳动力")
    return {
        "wang": wang,
        "zhang": zhang,
        "zhao": zhao,
        "ma": ma,
        "sun": sun,
        "city": make_user(Role.CITY, "621200"),
        "county": make_user(Role.COUNTY, COUNTY),
        "township": make_user(Role.TOWNSHIP, TOWNSHIP),
        "village": make_user(Role.VILLAGE, SHIQIAO),
        "shangping": make_user(Role.VILLAGE, SHANGPING, username="上坪村工作队"),
        "inspector": make_user(Role.INSPECTOR, COUNTY),
        "department": make_user(Role.DEPARTMENT, COUNTY),
        "wudu_county": make_user(Role.COUNTY, "621202"),
        "wudu_township": make_user(Role.TOWNSHIP, "621202001"),
        "wudu_village": make_user(Role.VILLAGE, BEIGUAN),
    }


@pytest.fixture
def zhao_findings(cast: dict[str, Any]) -> dict[str, Any]:
    """The current run's findings on 赵永福's household (and one on 马占山's, outside 礼县)."""
    return {
        "flood": make_finding(
            SHIQIAO, "MON-001", 3, rule_name="房屋因灾严重损坏或倒塌", category="MONITORING"
        ),
        "income": make_finding(
            SHIQIAO, "INC-001", 3, rule_name="人均纯收入低于当年监测标准", category="INCOME"
        ),
        "food": make_finding(SHIQIAO, "FC-002", 3),
        "outside": make_finding(
            BEIGUAN, "MON-001", 4, rule_name="房屋因灾严重损坏或倒塌", category="MONITORING"
        ),
    }


@pytest.fixture
def client_for() -> Callable[[User | None], Client]:
    def signed_in(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return signed_in

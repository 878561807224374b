"""考核评估模拟 through the Django client: drawing a round, the region gate, masked visit
lists, a result form filled and estimated, the county's readiness report.

The cast, in the small 陇南市 of `make_regions` (tests/cast.py's people where they appear):

- 石桥村 (礼县): 王秀英 heads an exited household (脱贫户, 2019, three people) — the
  visit finds her son's medical bills have pushed them back under the line: wrongly
  exited. 赵永福 (脱贫户, 2020, four people) is fine. 刘大山 and 陈小梅 are 一般农户.
- 上坪村 (礼县): 张德顺 (一般农户, three people) whose income the team works out at
  ¥2,800 a head: he should have been registered. 孙桂兰 (监测户, one person).
- 北关村 (武都区): 马占山 (脱贫户): outside every 礼县 account's region.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from cast import BEIGUAN, SHANGPING, SHIQIAO, WANG_XIUYING
from fangfan.web.accounts.models import AuditEvent, User
from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.assessment.models import Result, Round, Unit
from fangfan.web.registry.models import Household
from fangfan.web.workqueue.testing import make_household

pytestmark = pytest.mark.django_db

Role = User.Role
TODAY = timezone.localdate()
WANG_ID, WANG_PHONE = WANG_XIUYING.id_number, WANG_XIUYING.phone


@pytest.fixture
def cast() -> dict[str, Any]:
    make_regions()
    shiqiao = {"village_name": "石桥村", "township_name": "城关镇", "county_name": "礼县"}
    shangping = {"village_name": "上坪村", "township_name": "城关镇", "county_name": "礼县"}
    wang = make_household(
        SHIQIAO,
        1,
        head_name=WANG_XIUYING.name,
        head_id_number=WANG_ID,
        phone=WANG_PHONE,
        household_type="脱贫户",
        exit_year=2019,
        people=3,
        measures="产业帮扶；健康帮扶；教育帮扶",
        **shiqiao,
    )
    zhao = make_household(
        SHIQIAO, 2, head_name="赵永福", household_type="脱贫户", exit_year=2020, people=4, **shiqiao
    )
    liu = make_household(SHIQIAO, 3, head_name="刘大山", household_type="一般农户", people=2, **shiqiao)
    chen = make_household(SHIQIAO, 4, head_name="陈小梅", household_type="一般农户", people=5, **shiqiao)
    zhang = make_household(SHANGPING, 2, head_name="张德顺", household_type="一般农户", people=3, **shangping)
    sun = make_household(SHANGPING, 5, head_name="孙桂兰", household_type="监测户", people=1, **shangping)
    ma = make_household(BEIGUAN, 4, head_name="马占山", household_type="脱贫户", exit_year=2019, people=5)
    return {
        "wang": wang,
        "zhao": zhao,
        "liu": liu,
        "chen": chen,
        "zhang": zhang,
        "sun": sun,
        "ma": ma,
        "city": make_user(Role.CITY, "621200"),
        "county": make_user(Role.COUNTY, "621226"),
        "township": make_user(Role.TOWNSHIP, "621226100"),
        "village": make_user(Role.VILLAGE, SHIQIAO),
        "shangping": make_user(Role.VILLAGE, SHANGPING, username="上坪村工作队"),
        "inspector": make_user(Role.INSPECTOR, "621226"),
        "wudu": make_user(Role.COUNTY, "621202"),
    }


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def draw(user: User, plan: str = "national", seed: int = 7, counties: tuple[str, ...] = ("621226",)) -> Any:
    data = {"plan": plan, "seed": seed, "counties": list(counties), "title": ""}
    return client_for(user).post(reverse("assessment:draw"), data, follow=True)


def unit_of(household: Household) -> Unit:
    return Unit.objects.get(household=household)


def good_result(**changes: Any) -> dict[str, Any]:
    data = {
        "visited_on": TODAY.isoformat(),
        "visitor": "李干部",
        **dict.fromkeys(("food", "clothing", "housing", "medical", "education", "water"), "有保障"),
        "income_per_person": "9800",
        "approves": "yes",
        "policy_count": "3",
        "aware_count": "3",
    }
    return {**data, **changes}


def record(user: User, household: Household, **changes: Any) -> Any:
    return client_for(user).post(
        reverse("assessment:record_result", args=[unit_of(household).pk]), good_result(**changes)
    )


def sheet_rows(response: Any, name: str | None = None) -> list[list[Any]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    return book.get_sheet_by_name(name or book.sheet_names[0]).to_python()


def test_the_county_draws_a_round_whose_units_keep_their_inclusion_probabilities(cast):
    response = draw(cast["county"])
    assert response.status_code == 200
    made = Round.objects.get()
    assert (made.plan, made.seed, made.counties, made.drawn_by, made.region_code) == (
        "national",
        7,
        ["621226"],
        cast["county"],
        "621226",
    )
    drawn = set(Unit.objects.values_list("household__head_name", flat=True))
    assert "马占山" not in drawn and {"王秀英", "张德顺"} <= drawn
    assert f"已抽取样本：{made.unit_count} 户" in response.content.decode()
    for unit in Unit.objects.all():
        assert unit.inclusion_prob == pytest.approx(unit.village_prob * unit.household_prob)
        assert unit.weight == pytest.approx(1 / unit.inclusion_prob)
    wang = unit_of(cast["wang"])
    assert (wang.registered, wang.exited, wang.members) == (True, True, 3)
    assert AuditEvent.objects.filter(object_id=str(made.pk), action="create").exists()


def test_the_same_plan_and_seed_draw_the_same_households_again(cast):
    draw(cast["county"], seed=11)
    draw(cast["county"], seed=11)
    first, second = Round.objects.order_by("pk")
    keys = ("household_id", "stratum", "inclusion_prob", "weight")
    assert list(first.units.order_by("household_id").values_list(*keys)) == list(
        second.units.order_by("household_id").values_list(*keys)
    )


def test_a_village_team_cannot_draw_and_no_one_draws_outside_their_region(cast):
    assert draw(cast["village"]).status_code == 403
    response = draw(cast["county"], counties=("621202",))
    assert response.status_code == 400 and not Round.objects.exists()


def test_each_user_sees_only_the_units_of_their_region(cast):
    draw(cast["city"], counties=("621226", "621202"))
    made = Round.objects.get()
    page = client_for(cast["village"]).get(reverse("assessment:round", args=[made.pk])).content.decode()
    assert "石桥村" in page and "上坪村" not in page and "北关村" not in page
    assert (
        client_for(cast["village"]).get(reverse("assessment:village", args=[made.pk, SHANGPING])).status_code
        == 404
    )
    ma = unit_of(cast["ma"])
    assert client_for(cast["county"]).get(reverse("assessment:unit", args=[ma.pk])).status_code == 404
    assert client_for(cast["wudu"]).get(reverse("assessment:unit", args=[ma.pk])).status_code == 200
    county_round = draw(cast["county"]) and Round.objects.get(region_code="621226")
    assert (
        client_for(cast["wudu"]).get(reverse("assessment:round", args=[county_round.pk])).status_code == 404
    )


def test_the_visit_list_masks_id_numbers_and_phones_on_the_page_and_in_excel(cast):
    draw(cast["county"])
    made = Round.objects.get()
    page = (
        client_for(cast["village"])
        .get(reverse("assessment:village", args=[made.pk, SHIQIAO]))
        .content.decode()
    )
    assert WANG_ID not in page and WANG_ID[:6] in page
    workbook = client_for(cast["village"]).get(
        reverse("assessment:visit_list_excel", args=[made.pk, SHIQIAO])
    )
    rows = sheet_rows(workbook)
    text = " ".join(str(cell) for row in rows for cell in row)
    assert WANG_ID not in text and WANG_PHONE not in text
    header = rows[2]
    assert header[:5] == ["序号", "行政村", "户编号", "户主姓名", "户主身份证号"]
    assert {"走访日期", "是否错退", "是否应纳未纳", "知晓的政策数"} <= set(header)
    wang_row = next(row for row in rows if row[3] == WANG_XIUYING.name)
    assert wang_row[4].startswith(WANG_ID[:6]) and "*" in wang_row[4]
    assert "产业帮扶；健康帮扶；教育帮扶" in wang_row


def test_a_result_form_filled_is_kept_audited_and_estimated(cast):
    draw(cast["county"])
    made = Round.objects.get()
    form = (
        client_for(cast["village"])
        .get(reverse("assessment:unit", args=[unit_of(cast["wang"]).pk]))
        .content.decode()
    )
    assert "是否错退" in form and "是否应纳未纳" not in form  # she exited; she is registered
    response = record(
        cast["village"],
        cast["wang"],
        wrongly_exited="yes",
        wrongly_exited_reason="医疗支出大，人均纯收入低于标准",
    )
    assert response.status_code == 302
    result = Result.objects.get()
    assert (result.wrongly_exited, result.recorded_by, result.income_per_person) == (
        True,
        cast["village"],
        9800,
    )
    assert AuditEvent.objects.filter(object_id=str(result.pk), action="create").exists()
    assert record(cast["village"], cast["zhao"], wrongly_exited="no").status_code == 302

    page = client_for(cast["county"]).get(reverse("assessment:estimates", args=[made.pk])).content.decode()
    assert "错退率" in page and "礼县" in page
    # Two exited households visited, 3 of their 7 people wrongly exited: 42.86 %, far over 2 %.
    assert "42.86%" in page and "不达标" in page


def test_a_result_missing_what_the_household_is_asked_is_refused_with_the_reason(cast):
    draw(cast["county"])
    response = record(cast["village"], cast["wang"])  # exited, but 是否错退 left blank
    assert response.status_code == 400
    assert "已脱贫户须填写“是否错退”" in response.content.decode()
    response = record(cast["village"], cast["wang"], wrongly_exited="yes")
    assert "请写明错退原因" in response.content.decode()
    assert record(cast["village"], cast["wang"], wrongly_exited="no", aware_count="5").status_code == 400
    assert not Result.objects.exists()


def test_an_inspector_reads_but_records_nothing(cast):
    draw(cast["county"])
    unit = unit_of(cast["wang"])
    assert client_for(cast["inspector"]).get(reverse("assessment:unit", args=[unit.pk])).status_code == 200
    assert record(cast["inspector"], cast["wang"], wrongly_exited="no").status_code == 403
    assert not Result.objects.exists()


def test_correcting_a_result_is_audited_as_an_update(cast):
    draw(cast["county"])
    record(cast["village"], cast["wang"], wrongly_exited="no")
    record(cast["village"], cast["wang"], wrongly_exited="no", approves="no")
    result = Result.objects.get()
    assert result.approves is False
    update = AuditEvent.objects.get(object_id=str(result.pk), action="update")
    assert (update.old["approves"], update.new["approves"]) == (True, False)
    assert "visitor" not in update.new  # only what changed (and when)


def test_the_size_calculator_gives_the_size_and_the_margin_it_buys(cast):
    response = client_for(cast["county"]).get(
        reverse("assessment:size"), {"p": "0.02", "margin": "0.01", "design_effect": "1.5", "n": "1000"}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "需要样本量" in page and "误差约为" in page

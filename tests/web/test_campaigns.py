"""Campaigns (专项行动) through the Django client: drawing 温暖越冬's target list from the
published run, visiting with the checklist, progress, Excel, and the gate.

The cast, in the small 陇南市 of `make_regions` (a published test run of their own,
`workqueue.testing`; the people are tests/cast.py's where they appear elsewhere):

- 赵永福 (石桥村, 礼县城关镇): the July flood brought his house down — the 应急管理 record
  linked to his household says 倒塌 on 2026-07-12. Drawn: 今年受灾.
- 王秀英 (石桥村): the registry says the household has no winter bedding. Drawn.
- 孙桂兰 (上坪村), 76, lives alone. Drawn: 60岁以上老人独居.
- 张德顺 (上坪村), the near miss: bedding, a B-grade house, and a flood that only cracked
  his wall — in 2025, not this year. Not drawn (until his bedding is found wanting).
- 周建军 (上坪村), 58 and living alone: two years short of the rule. Not drawn.
- 马占山 (北关村, 武都区): a D-grade house. Drawn by the city, never by 礼县; outside
  every 礼县 account's region.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from cast import BEIGUAN, SHANGPING, SHIQIAO, SUN_GUILAN, WANG_XIUYING
from fangfan.engine.campaigns import campaign
from fangfan.web.accounts.models import AuditEvent, User
from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.campaigns.models import Draw, Target, TargetEvent, Visit
from fangfan.web.monitoring.models import Intake
from fangfan.web.registry.models import DepartmentRecord, Household, Member
from fangfan.web.workqueue.testing import current_run, make_household

pytestmark = pytest.mark.django_db

Role = User.Role
WARM = "warm_winter"
WANG_ID = WANG_XIUYING.id_number
TODAY = timezone.localdate()


def _member(household: Household, name: str, born: dt.date, number: int) -> Member:
    return Member.objects.create(
        household=household,
        village_code=household.village_code,
        name=name,
        id_number=f"62122619{number:010d}",
        relation="户主",
        birth_date=born,
        member_status="正常",
        last_run=current_run(),
    )


def _disaster(household: Household, occurred_on: str, damage: str) -> DepartmentRecord:
    return DepartmentRecord.objects.create(
        snapshot_id=current_run().snapshot_id,
        feed="disasters",
        household=household,
        village_code=household.village_code,
        name=household.head_name,
        data={"disaster_type": "洪涝", "occurred_on": occurred_on, "house_damage": damage},
        method="exact",
    )


@pytest.fixture
def cast() -> dict[str, Any]:
    make_regions()
    place = {"village_name": "石桥村", "township_name": "城关镇", "county_name": "礼县"}
    zhao = make_household(SHIQIAO, 3, head_name="赵永福", people=4, winter_bedding=True, **place)
    _disaster(zhao, "2026-07-12", "倒塌")
    wang = make_household(
        SHIQIAO,
        1,
        head_name=WANG_XIUYING.name,
        head_id_number=WANG_ID,
        people=3,
        winter_bedding=False,
        **place,
    )
    sun = make_household(SHANGPING, 5, head_name=SUN_GUILAN.name, people=1, village_name="上坪村")
    _member(sun, SUN_GUILAN.name, dt.date(1950, 2, 1), 5)
    zhang = make_household(SHANGPING, 2, head_name="张德顺", people=3, winter_bedding=True, house_grade="B")
    _disaster(zhang, "2025-08-01", "一般损坏")
    zhou = make_household(SHANGPING, 6, head_name="周建军", people=1)
    _member(zhou, "周建军", dt.date(1968, 6, 1), 6)
    ma = make_household(BEIGUAN, 4, head_name="马占山", people=5, house_grade="D")
    return {
        "zhao": zhao,
        "wang": wang,
        "sun": sun,
        "zhang": zhang,
        "zhou": zhou,
        "ma": ma,
        "city": make_user(Role.CITY, "621200"),
        "county": make_user(Role.COUNTY, "621226"),
        "township": make_user(Role.TOWNSHIP, "621226100"),
        "village": make_user(Role.VILLAGE, SHIQIAO),
        "inspector": make_user(Role.INSPECTOR, "621226"),
        "wudu_village": make_user(Role.VILLAGE, BEIGUAN),
    }


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _draw(user: User) -> Any:
    return _client(user).post(reverse("campaigns:draw", args=[WARM]), follow=True)


def _target(household: Household) -> Target:
    return Target.objects.get(campaign=WARM, household=household)


def _reasons(household: Household) -> list[str]:
    return [reason["reason"] for reason in _target(household).reasons]


GOOD_ANSWERS = {
    "answer_bedding": "是",
    "answer_heating": "燃煤炉",
    "answer_heating_fuel": "是",
    "answer_house_safe": "是",
    "answer_food_stock": "是",
}


def _visit(user: User, target: Target, **fields: str) -> Any:
    data = {**GOOD_ANSWERS, "visited_on": TODAY.isoformat(), "result": "no_problem", **fields}
    return _client(user).post(reverse("campaigns:record_visit", args=[target.pk]), data)


def test_the_county_draws_its_households_each_with_the_reasons_it_was_drawn(cast):
    response = _draw(cast["county"])
    assert response.status_code == 200
    assert "新增 3 户，保留 0 户" in response.content.decode()
    drawn = set(Target.objects.filter(campaign=WARM).values_list("household__head_name", flat=True))
    assert drawn == {"赵永福", "王秀英", "孙桂兰"}  # not 张德顺, 周建军, nor 武都区's 马占山
    assert _reasons(cast["zhao"]) == ["今年受灾，房屋受损"]
    assert ["发生日期", "2026年7月12日"] in _target(cast["zhao"]).reasons[0]["evidence"]
    assert ["房屋受损", "倒塌"] in _target(cast["zhao"]).reasons[0]["evidence"]
    assert _reasons(cast["wang"]) == ["没有御寒被褥"]
    assert _reasons(cast["sun"]) == ["60岁以上老人独居"]
    assert _target(cast["sun"]).reasons[0]["evidence"] == [
        ["姓名", SUN_GUILAN.name],
        ["年龄", "76"],
    ]
    draw = Draw.objects.get()
    assert (draw.drawn_by, draw.region_code, draw.run, draw.added) == (
        cast["county"],
        "621226",
        current_run(),
        3,
    )
    assert TargetEvent.objects.filter(action="draw", to_status="pending").count() == 3
    assert AuditEvent.objects.filter(object_id=str(draw.pk)).exists()


def test_the_target_list_shows_the_reasons_and_masks_the_id_numbers(cast):
    _draw(cast["county"])
    page = _client(cast["township"]).get(reverse("campaigns:targets", args=[WARM])).content.decode()
    assert "新增 3 户、保留 0 户" in page  # the county's draw, shown to its township
    assert "今年受灾，房屋受损" in page and "房屋受损：倒塌" in page and "没有御寒被褥" in page
    assert WANG_ID not in page and WANG_ID[:6] in page
    workbook = _client(cast["township"]).get(reverse("campaigns:targets_excel", args=[WARM]))
    rows = _sheet(workbook)
    assert rows[0][:3] == ["户编号", "户主姓名", "户主身份证号"]
    wang_row = next(row for row in rows if row[1] == WANG_XIUYING.name)
    assert wang_row[2] != WANG_ID and wang_row[2].startswith(WANG_ID[:6]) and "*" in wang_row[2]
    assert "没有御寒被褥（有御寒被褥：否）" in wang_row[7]


def _sheet(response: Any) -> list[list[Any]]:
    content = b"".join(response.streaming_content)
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return book.get_sheet_by_name(book.sheet_names[0]).to_python()


def test_drawing_again_adds_the_new_households_and_keeps_the_visited_ones(cast):
    _draw(cast["county"])
    sun = _target(cast["sun"])
    assert _visit(make_user(Role.VILLAGE, SHANGPING, username="上坪村工作队"), sun).status_code == 302
    Household.objects.filter(pk=cast["zhang"].pk).update(winter_bedding=False)
    Household.objects.filter(pk=cast["wang"].pk).update(winter_bedding=True)  # bought bedding since
    Target.objects.update(visit_by=dt.date(2026, 11, 20))  # as an earlier version of the file said

    response = _draw(cast["county"])

    assert "新增 1 户，保留 2 户" in response.content.decode()
    assert _reasons(cast["zhang"]) == ["没有御寒被褥"]
    assert Target.objects.filter(campaign=WARM).count() == 4  # 王秀英 stays listed until visited
    sun.refresh_from_db()
    assert sun.status == "visited" and sun.visit.result == "no_problem"
    assert sun.first_draw_id != sun.last_draw_id
    assert sun.visit_by == dt.date(2026, 11, 20)  # visited: left as it was
    assert _target(cast["zhao"]).visit_by == campaign(WARM).visit_by  # pending: the file's date now


def test_a_village_team_visits_with_the_checklist_and_a_problem_opens_a_monitoring_lead(cast):
    _draw(cast["county"])
    wang = _target(cast["wang"])
    village = cast["village"]

    refused = _visit(village, wang, answer_bedding="否")
    assert refused.status_code == 409
    assert "核查发现问题（御寒被褥是否够用），走访结果不能为“未发现问题”" in refused.content.decode()
    refused = _visit(village, wang, answer_bedding="否", result="problem", note="被褥单薄")
    assert refused.status_code == 409 and "请选择转监测帮扶线索或转整改问题" in refused.content.decode()
    missing = {key: value for key, value in GOOD_ANSWERS.items() if key != "answer_food_stock"}
    refused = _client(village).post(
        reverse("campaigns:record_visit", args=[wang.pk]),
        {**missing, "visited_on": TODAY.isoformat(), "result": "no_problem"},
    )
    assert refused.status_code == 400
    assert Visit.objects.count() == 0

    response = _visit(
        village, wang, answer_bedding="否", result="problem", note="被褥单薄", follow_up="intake"
    )
    assert response.status_code == 302
    visit = Visit.objects.get(target=wang)
    assert visit.answers["bedding"] == "否" and visit.problems == ["御寒被褥是否够用"]
    assert (visit.visitor, visit.visited_on) == (village, TODAY)
    intake = Intake.objects.get(household=cast["wang"])
    assert visit.intake == intake and intake.source == "visit" and "温暖越冬" in intake.description
    wang.refresh_from_db()
    assert wang.status == "visited"
    event = wang.events.get(action="record_visit")
    assert (event.user, event.from_status, event.to_status) == (village, "pending", "visited")
    page = _client(cast["county"]).get(reverse("campaigns:target", args=[wang.pk])).content.decode()
    assert "发现问题需跟进" in page and intake.reference in page
    again = _visit(village, wang)
    assert again.status_code == 409 and Visit.objects.count() == 1


def test_a_problem_found_can_open_a_rectification_problem(cast):
    from fangfan.web.rectification.models import Problem

    _draw(cast["county"])
    zhao = _target(cast["zhao"])
    response = _visit(
        cast["village"],
        zhao,
        answer_house_safe="否",
        result="problem",
        note="房屋倒塌后借住亲戚家",
        follow_up="rectification",
        lead_unit="城关镇人民政府",
        responsible_person="镇长",
        measures="纳入危房改造",
        deadline=(TODAY + dt.timedelta(days=30)).isoformat(),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    problem = Problem.objects.get()
    assert Visit.objects.get(target=zhao).rectification == problem
    assert problem.category == "HOUSING" and problem.batch == "温暖越冬专项行动"
    assert list(problem.households.all()) == [cast["zhao"]]
    page = _client(cast["township"]).get(reverse("campaigns:target", args=[zhao.pk])).content.decode()
    assert reverse("rectification:problem_detail", args=[problem.pk]) in page


def test_progress_counts_targets_visited_overdue_and_problems_per_township_and_village(cast):
    _draw(cast["county"])
    Target.objects.update(visit_by=TODAY + dt.timedelta(days=10))
    Target.objects.filter(household=cast["sun"]).update(visit_by=TODAY - dt.timedelta(days=1))
    _visit(
        cast["village"], _target(cast["zhao"]), answer_house_safe="否", result="solved", note="已协调临时住所"
    )
    _visit(cast["village"], _target(cast["wang"]))

    county = _client(cast["county"]).get(reverse("campaigns:progress", args=[WARM]))
    [township] = county.context["rows"]
    assert (township.name, township.targets, township.visited, township.overdue, township.problems) == (
        "城关镇",
        3,
        2,
        1,
        1,
    )
    villages = _client(cast["county"]).get(
        reverse("campaigns:progress", args=[WARM]), {"region": "621226100"}
    )
    counts = {
        row.name: (row.targets, row.visited, row.overdue, row.problems) for row in villages.context["rows"]
    }
    assert counts == {"石桥村": (2, 2, 0, 1), "上坪村": (1, 0, 1, 0)}
    rows = _sheet(_client(cast["county"]).get(reverse("campaigns:progress_excel", args=[WARM])))
    assert rows[0] == ["区划代码", "区划", "对象户数", "已走访", "待走访", "走访率", "逾期未走访", "发现问题"]
    assert rows[-1][1:5] == ["礼县", 3, 2, 1]
    overdue = _client(cast["county"]).get(reverse("campaigns:targets", args=[WARM]), {"status": "overdue"})
    assert [target.household.head_name for target in overdue.context["targets"]] == [SUN_GUILAN.name]
    listing = _client(cast["city"]).get(reverse("campaigns:list")).content.decode()
    assert "温暖越冬" in listing and "百日行动·查漏补缺" in listing


def test_the_management_command_draws_the_whole_city_from_the_latest_run(cast):
    out = io.StringIO()
    call_command("draw_campaign_targets", WARM, stdout=out)
    assert "陇南市新增对象 4 户" in out.getvalue()
    assert _reasons(cast["ma"]) == ["住房鉴定为C级或D级危房"]
    call_command("draw_campaign_targets", "check_gaps", "--region", "621202", stdout=out)
    assert set(
        Target.objects.filter(campaign="check_gaps").values_list("household__head_name", flat=True)
    ) == {"马占山"}


def test_without_a_published_run_nothing_is_drawn_and_the_office_is_told(cast):
    current_run().__class__.objects.update(is_current=False)
    response = _draw(cast["county"])
    assert "还没有发布任何筛查批次" in response.content.decode()
    assert Target.objects.count() == 0


def test_wrong_roles_are_refused(cast):
    _draw(cast["county"])
    wang = _target(cast["wang"])
    assert _draw(cast["village"]).status_code == 403
    assert _draw(cast["inspector"]).status_code == 403
    assert _visit(cast["county"], wang).status_code == 403
    assert _visit(cast["inspector"], wang).status_code == 403
    assert Visit.objects.count() == 0 and Target.objects.count() == 3


def test_outside_the_region_is_not_found(cast):
    call_command("draw_campaign_targets", WARM, stdout=io.StringIO())
    ma, wang = _target(cast["ma"]), _target(cast["wang"])
    assert _client(cast["county"]).get(reverse("campaigns:target", args=[ma.pk])).status_code == 404
    assert _client(cast["wudu_village"]).get(reverse("campaigns:target", args=[wang.pk])).status_code == 404
    assert _visit(cast["wudu_village"], wang).status_code == 404
    assert _client(cast["county"]).get(reverse("campaigns:targets", args=["no_such"])).status_code == 404
    outside = _client(cast["county"]).get(reverse("campaigns:progress", args=[WARM]), {"region": "621202"})
    assert outside.status_code == 404
    page = _client(cast["county"]).get(reverse("campaigns:targets", args=[WARM])).content.decode()
    assert "马占山" not in page
    assert _client(cast["city"]).get(reverse("campaigns:target", args=[ma.pk])).status_code == 200

"""一个不剩总览 (the oversight board) through the Django client.

The cast, in the small 陇南市 of `make_regions`. 礼县's office entered four problems:
石桥村's open cistern (省际交叉考核), a month past its deadline and still being fixed;
石桥村's bedding list (省际交叉考核), closed out once and found again at 回头看 (复发);
上坪村's audit finding on a road project, closed out on time (so 上坪村 is 清零);
and 礼县's own self-check on its cadres' files, due in ten days. 武都区's office closed
out 北关村's patrol finding (so 武都区 is 清零 on the city's board).

On the 12317 line, 石桥村's 王秀英 called two days ago (never taken up: 超时) and again
20 hours ago (临期, and a repeat caller: the same phone within 90 days); 上坪村's 李四
called an hour ago (正常). 北关村's 武都来访人 called too — no 礼县 account may see him.
温暖越冬 drew one 石桥村 household (visited) and one 北关村 household (pending).
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from fangfan.web.accounts.models import User
from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.campaigns.testing import make_target
from fangfan.web.grievances import actions as grievance_actions
from fangfan.web.oversight.board import build_board
from fangfan.web.rectification.models import Problem
from fangfan.web.rectification.testing import make_problem
from fangfan.web.regions.models import Region
from fangfan.web.workqueue.testing import make_household

pytestmark = pytest.mark.django_db

Role = User.Role
CITY, LIXIAN, CHENGGUAN = "621200", "621226", "621226100"
SHIQIAO, SHANGPING, WUDU, BEIGUAN = "621226100201", "621226100202", "621202", "621202001201"
PHONE = "13912345678"
PAGES = ("board", "board_excel", "overdue_excel", "recurring_excel", "breached_excel", "repeats_excel")
SHEETS = ["各地整改清零情况", "整改问题按来源", "各地信访办理时限", "信访办理时限按渠道", "专项行动进度"]


def _call(office: User, village: str, name: str, hours_ago: float, phone: str) -> None:
    grievance_actions.register(
        office,
        grievance_actions.Complaint(
            channel="12317",
            category="monitoring",
            name=name,
            region_code=village,
            first_level="village",
            content=f"{name}反映防返贫监测问题",
            received_at=timezone.now() - dt.timedelta(hours=hours_ago),
            phone=phone,
        ),
    )


@pytest.fixture
def cast(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    make_regions()
    today = timezone.localdate()
    lixian = make_user(Role.COUNTY, LIXIAN, username="lixian-office")
    wudu = make_user(Role.COUNTY, WUDU, username="wudu-office")
    cistern = make_problem(lixian, SHIQIAO, description="石桥村仍有农户饮用露天水窖水", category="WATER")
    Problem.objects.filter(pk=cistern.pk).update(deadline=today - dt.timedelta(days=30))
    bedding = make_problem(lixian, SHIQIAO, description="石桥村御寒被褥发放台账不全")
    Problem.objects.filter(pk=bedding.pk).update(recurring=True, recurrences=1)
    road = make_problem(lixian, SHANGPING, source="audit", description="上坪村道路项目资金拨付滞后")
    Problem.objects.filter(pk=road.pk).update(status="closed", closed_on=today)
    make_problem(
        lixian,
        LIXIAN,
        source="self_check",
        description="礼县干部帮扶手册填写不规范",
        deadline=today + dt.timedelta(days=10),
    )
    patrol = make_problem(wudu, BEIGUAN, source="patrol", description="北关村的外部问题")
    Problem.objects.filter(pk=patrol.pk).update(status="closed", closed_on=today)
    _call(lixian, SHIQIAO, "王秀英", 48, PHONE)
    _call(lixian, SHIQIAO, "王秀英", 20, PHONE)
    _call(lixian, SHANGPING, "李四", 1, "13800000001")
    _call(wudu, BEIGUAN, "武都来访人", 1, "13800000002")
    visited = make_target(make_household(SHIQIAO, 1))
    visited.status = "visited"
    visited.save()
    make_target(make_household(BEIGUAN, 2))
    return {
        "city": make_user(Role.CITY, CITY),
        "county": lixian,
        "township": make_user(Role.TOWNSHIP, CHENGGUAN),
        "village": make_user(Role.VILLAGE, SHIQIAO),
        "inspector": make_user(Role.INSPECTOR, LIXIAN),
        "department": make_user(Role.DEPARTMENT, LIXIAN),
    }


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _places(user: User, code: str) -> dict[str, object]:
    board = build_board(user, Region.objects.get(code=code))
    return {row.name: row for row in board.places}


def _first_sheet(user: User, name: str) -> list[list[object]]:
    return next(iter(_sheets(_client(user).get(reverse(f"oversight:{name}"))).values()))


def _sheets(response) -> dict[str, list[list[object]]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def test_the_city_sees_each_county_open_and_wudu_cleared(cast):
    places = _places(cast["city"], CITY)
    assert set(places) == {"礼县", "武都区"}
    lixian, wudu = places["礼县"].problems, places["武都区"].problems
    assert (lixian.received, lixian.open, lixian.overdue, lixian.recurring, lixian.closed) == (4, 3, 1, 1, 1)
    assert not lixian.cleared
    assert (wudu.received, wudu.open, wudu.closed, wudu.cleared) == (1, 0, 1, True)
    page = _client(cast["city"]).get(reverse("oversight:board")).content.decode()
    assert 'id="place-621202"' in page and "清零" in page
    assert "一个不剩" in page  # the menu links here


def test_a_county_sees_its_townships_and_its_own_level_and_nothing_of_another_county(cast):
    places = _places(cast["county"], LIXIAN)
    assert set(places) == {"城关镇", "礼县本级"}
    assert (places["城关镇"].problems.open, places["礼县本级"].problems.open) == (2, 1)
    # The open ones per source: 城关镇 has two 省际交叉考核 open and its audit problem 清零.
    board = build_board(cast["county"], Region.objects.get(code=LIXIAN))
    assert board.source_codes == ["cross_province", "audit", "self_check"]
    assert places["城关镇"].cells == [(2, 2), (0, 1), (0, 0)]
    page = _client(cast["county"]).get(reverse("oversight:board")).content.decode()
    assert "北关村的外部问题" not in page and "武都来访人" not in page
    assert "石桥村仍有农户饮用露天水窖水" in page  # the overdue list
    assert "石桥村御寒被褥发放台账不全" in page  # the recurring list


def test_a_township_sees_its_villages_and_the_cleared_one(cast):
    places = _places(cast["township"], CHENGGUAN)
    assert set(places) == {"石桥村", "上坪村"}
    assert places["石桥村"].problems.open == 2
    assert places["上坪村"].problems.cleared


def test_grievance_time_limits_per_place_and_channel_and_repeat_callers(cast):
    board = build_board(cast["county"], Region.objects.get(code=LIXIAN))
    chengguan = {row.name: row for row in board.places}["城关镇"].grievances
    assert (chengguan.received, chengguan.open) == (3, 3)
    assert (chengguan.breached, chengguan.at_risk, chengguan.on_track) == (1, 1, 1)
    assert chengguan.repeat == 1
    assert [(row.name, row.grievances.received) for row in board.channels] == [("12317热线", 3)]
    city = build_board(cast["city"], Region.objects.get(code=CITY))
    assert {row.name: row.grievances.received for row in city.places} == {"礼县": 3, "武都区": 1}


def test_campaign_progress_per_place(cast):
    board = build_board(cast["city"], Region.objects.get(code=CITY))
    rows = [(row.place_name, row.counts.targets, row.counts.visited) for row in board.campaigns]
    assert rows == [("武都区", 1, 0), ("礼县", 1, 1), ("合计", 2, 1)]  # by code
    county = build_board(cast["county"], Region.objects.get(code=LIXIAN))
    assert [(row.place_name, row.counts.targets) for row in county.campaigns] == [("城关镇", 1), ("合计", 1)]


def test_the_board_counts_in_a_fixed_number_of_queries_however_many_records(cast):
    region = Region.objects.get(code=CITY)
    with CaptureQueriesContext(connection) as few:
        build_board(cast["city"], region)
    for number in range(5):
        make_problem(cast["county"], SHANGPING, description=f"上坪村第{number}个问题")
        _call(cast["county"], SHANGPING, f"来访人{number}", 2, f"1370000000{number}")
    with CaptureQueriesContext(connection) as many:
        build_board(cast["city"], region)
    assert len(many) == len(few) <= 6


@pytest.mark.parametrize("role", ["city", "county", "township", "village", "inspector"])
def test_every_office_opens_its_board(cast, role):
    assert _client(cast[role]).get(reverse("oversight:board")).status_code == 200


def test_a_department_may_not_open_the_board(cast):
    for name in ("board", "board_excel", "overdue_excel", "repeats_excel"):
        assert _client(cast["department"]).get(reverse(f"oversight:{name}")).status_code == 403


def test_a_region_outside_the_user_s_is_not_found(cast):
    for name in (
        "board",
        "board_excel",
        "overdue_excel",
        "recurring_excel",
        "breached_excel",
        "repeats_excel",
    ):
        url = reverse(f"oversight:{name}") + f"?region={BEIGUAN}"
        assert _client(cast["county"]).get(url).status_code == 404, name
    inside = reverse("oversight:board") + f"?region={CHENGGUAN}"
    assert _client(cast["county"]).get(inside).status_code == 200


def test_the_anonymous_are_sent_to_sign_in(cast):
    response = Client().get(reverse("oversight:board"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_board_workbook_holds_its_tables(cast):
    response = _client(cast["city"]).get(reverse("oversight:board_excel"))
    sheets = _sheets(response)
    assert list(sheets) == [
        "各地整改清零情况",
        "整改问题按来源",
        "各地信访办理时限",
        "信访办理时限按渠道",
        "专项行动进度",
    ]
    header, *rows = sheets["各地整改清零情况"]
    assert header[:3] == ["县(区)", "收到问题", "未销号"]
    by_place = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert by_place["礼县"]["未销号"] == 3 and by_place["礼县"]["清零"] == "否"
    assert by_place["武都区"]["清零"] == "是"
    assert by_place["武都区"]["未销号·巡视巡察"] == 0
    assert by_place["礼县"]["未销号·巡视巡察"] in ("", None)  # none received: blank, not 0


def test_the_lists_download_inside_the_region_only(cast):
    header, *rows = _first_sheet(cast["county"], "overdue_excel")
    assert [row[header.index("问题描述")] for row in rows] == ["石桥村仍有农户饮用露天水窖水"]
    assert rows[0][header.index("逾期天数")] == 30
    recurring = next(
        iter(_sheets(_client(cast["county"]).get(reverse("oversight:recurring_excel"))).values())
    )
    assert [row[recurring[0].index("问题描述")] for row in recurring[1:]] == ["石桥村御寒被褥发放台账不全"]
    for name in ("breached_excel", "repeats_excel"):
        (header, *rows) = next(
            iter(_sheets(_client(cast["city"]).get(reverse(f"oversight:{name}"))).values())
        )
        assert [row[header.index("信访人")] for row in rows] == ["王秀英"], name
        phone = rows[0][header.index("联系电话")]
        assert phone != PHONE and phone.startswith("139") and phone.endswith("5678"), phone


def test_numbers_written_into_a_problem_are_masked_on_the_board(cast):
    make_problem(
        cast["county"],
        SHIQIAO,
        description="王秀英（身份证号621226198003151234，电话13912345678）住房未鉴定",
        lead_unit="城关镇13912345678",
        deadline=timezone.localdate() - dt.timedelta(days=1),
    )
    page = _client(cast["county"]).get(reverse("oversight:board")).content.decode()
    assert "王秀英（身份证号" in page
    assert "621226198003151234" not in page and "13912345678" not in page
    _header, *rows = _first_sheet(cast["county"], "overdue_excel")
    cells = " ".join(str(cell) for row in rows for cell in row)
    assert "王秀英（身份证号" in cells
    assert "621226198003151234" not in cells and "13912345678" not in cells

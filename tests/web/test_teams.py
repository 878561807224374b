"""驻村工作队 through the Django client and the CLI: the roster and its warnings, check-ins and
leave from a phone, leave decisions by the right level, the monthly report (page and Excel),
the roster import, the dashboard panel and the household page.

The cast, in 礼县 城关镇 (last month; 20 days a month in the village, leave of up to 3 days
the township's):
- 石桥村's team from 省财政厅: 赵建国, 第一书记, signed in as the village account, checked in
  on days 1–15 and was on approved leave days 16–20: not absent. Next to him 钱小军, a
  member who checked in the same 15 days and asked for no leave: 5 days absent without
  leave (the near miss). 孙丽 completes the three.
- 上坪村 has a team of two (周明 and 吴芳), with no first secretary: warned twice.
- 北关村 (武都区) has a team of its own the 礼县 offices never see.
- 赵建国 asks for 5 days' leave: 城关镇 may not approve it (the county's), 礼县 does.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from click.testing import CliRunner
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from fangfan.cli import main
from fangfan.engine import idnumber
from fangfan.engine.fieldwork.attendance import previous_month
from fangfan.engine.fieldwork.rules import field_rules
from fangfan.web.accounts.models import AuditEvent, User
from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.teams import reports, synthetic
from fangfan.web.teams.models import CheckIn, Leave, Team, TeamMember
from fangfan.web.teams.testing import make_team
from fangfan.web.workqueue.testing import make_household

pytestmark = pytest.mark.django_db
Role = User.Role
SHIQIAO, SHANGPING, BEIGUAN = "621226100201", "621226100202", "621202001201"


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def sheets(response: Any) -> dict[str, list[list[Any]]]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


@pytest.fixture
def cast() -> dict[str, Any]:
    cache.clear()  # a county's month is kept a few minutes (reports.village_months)
    make_regions()
    today = timezone.localdate()
    month = previous_month(today)
    team_user = make_user(Role.VILLAGE, SHIQIAO, username="zhao")
    shiqiao = make_team(
        SHIQIAO,
        [("赵建国", "first_secretary"), ("钱小军", "member"), ("孙丽", "member")],
        term_start=month - dt.timedelta(days=400),
        term_end=month + dt.timedelta(days=400),
    )
    zhao = shiqiao.members.get(name="赵建国")
    qian = shiqiao.members.get(name="钱小军")
    TeamMember.objects.filter(pk=zhao.pk).update(user=team_user)
    for member in (zhao, qian):
        for day in range(1, 16):
            moment = timezone.make_aware(dt.datetime.combine(month.replace(day=day), dt.time(8, 30)))
            CheckIn.objects.create(member=member, village_code=SHIQIAO, day=moment.date(), at=moment)
    Leave.objects.create(
        member=zhao,
        village_code=SHIQIAO,
        start=month.replace(day=16),
        end=month.replace(day=20),
        days=5,
        reason="家中老人住院",
        approver="county",
        status="approved",
        requested_by=team_user,
    )
    make_team(
        SHANGPING,
        [("周明", "member"), ("吴芳", "member")],
        term_start=month - dt.timedelta(days=10),
        term_end=None,
    )
    make_team(BEIGUAN, [("武都队员", "first_secretary")], unit="武都区外部单位")
    return {
        "month": month,
        "today": today,
        "zhao": zhao,
        "qian": qian,
        "team_user": team_user,
        "shiqiao": shiqiao,
        "county": make_user(Role.COUNTY, "621226"),
        "township": make_user(Role.TOWNSHIP, "621226100"),
        "city": make_user(Role.CITY, "621200"),
        "inspector": make_user(Role.INSPECTOR, "621226"),
        "wudu": make_user(Role.COUNTY, "621202", username="wudu"),
    }


def test_first_secretary_on_approved_leave_is_not_absent_next_to_a_member_who_is(cast):
    url = reverse("teams:report", args=["621226100", f"{cast['month']:%Y-%m}"])
    page = text(signed_in(cast["county"]).get(url))
    assert "城关镇驻村考勤月报" in page
    rows = {row.member.name: row.attendance for row in signed_in(cast["county"]).get(url).context["people"]}
    assert (rows["赵建国"].leave_days, rows["赵建国"].absent_without_leave, rows["赵建国"].met) == (
        5,
        0,
        True,
    )
    assert (rows["钱小军"].leave_days, rows["钱小军"].absent_without_leave, rows["钱小军"].met) == (
        0,
        5,
        False,
    )
    workbook = sheets(
        signed_in(cast["county"]).get(
            reverse("teams:report_excel", args=["621226", f"{cast['month']:%Y-%m}"])
        )
    )
    people = {row[2]: row for row in workbook["各人"][1:]}
    assert people["钱小军"][9] == 5 and people["钱小军"][10] == "未达标"
    assert people["赵建国"][8] == 5 and people["赵建国"][10] == "达标"
    assert "*" in people["赵建国"][3] and cast["zhao"].id_number not in str(workbook)
    assert "武都队员" not in str(workbook)
    villages = {row[1]: row for row in workbook["各村"][1:]}
    assert villages["石桥村"][2:5] == [3, 1, 2]  # 赵建国 met; 钱小军 and 孙丽 (no check-ins) did not


def test_a_village_with_two_members_and_no_first_secretary_is_warned(cast):
    page = text(signed_in(cast["township"]).get(reverse("teams:warnings", args=["621226100"])))
    assert "城关镇驻村工作队预警" in page
    assert "在岗队员2人，少于3人" in page and "没有第一书记" in page
    assert "石桥村" not in page.split("teams-warnings")[1]  # its team is whole
    workbook = sheets(signed_in(cast["township"]).get(reverse("teams:warnings_excel", args=["621226100"])))
    assert {row[3] for row in workbook["预警"][1:]} == {"在岗队员2人，少于3人", "没有第一书记"}


def test_a_village_without_a_team_is_warned(cast):
    Team.objects.filter(village_code=SHANGPING).update(term_end=cast["today"] - dt.timedelta(days=1))
    page = text(signed_in(cast["county"]).get(reverse("teams:warnings", args=["621226"])))
    assert "没有在任的驻村工作队" in page and "上坪村" in page


def test_the_township_may_not_approve_a_five_day_leave_the_county_does(cast):
    start = cast["today"] + dt.timedelta(days=2)
    phone = signed_in(cast["team_user"])
    response = phone.post(
        reverse("teams:leave_new"),
        {"start": start.isoformat(), "end": (start + dt.timedelta(days=4)).isoformat(), "reason": "子女升学"},
        follow=True,
    )
    assert "已提交请假5天，由县区审批" in text(response)
    leave = Leave.objects.get(reason="子女升学")
    assert leave.approver == "county" and leave.requested_by == cast["team_user"]
    refused = signed_in(cast["township"]).post(reverse("teams:leave_approve", args=[leave.pk]), follow=True)
    assert "请假5天，应由县区审批（3天以内由乡镇审批，超过3天由县区审批）" in text(refused)
    leave.refresh_from_db()
    assert leave.status == "pending"
    signed_in(cast["county"]).post(reverse("teams:leave_approve", args=[leave.pk]), {"note": "同意"})
    leave.refresh_from_db()
    assert (leave.status, leave.decided_by, leave.decision_note) == ("approved", cast["county"], "同意")
    assert AuditEvent.objects.filter(object_id=str(leave.pk), action="update").exists()
    again = signed_in(cast["county"]).post(
        reverse("teams:leave_reject", args=[leave.pk]), {"note": "撤回"}, follow=True
    )
    assert "该请假已批准，不能再审批" in text(again)


def test_a_leave_longer_than_the_policy_files_limit_is_refused_and_the_limit_itself_is_not(cast):
    start = cast["today"] + dt.timedelta(days=1)
    longest = field_rules(start.year).team_leave_max_days
    phone = signed_in(cast["team_user"])
    too_long = {"start": start.isoformat(), "end": (start + dt.timedelta(days=longest)).isoformat()}
    refused = phone.post(reverse("teams:leave_new"), {**too_long, "reason": "长期病休"})
    assert refused.status_code == 400 and f"一次请假不能超过{longest}天" in refused.content.decode()
    assert not Leave.objects.filter(reason="长期病休").exists()
    at_limit = {"start": start.isoformat(), "end": (start + dt.timedelta(days=longest - 1)).isoformat()}
    phone.post(reverse("teams:leave_new"), {**at_limit, "reason": "住院治疗"})
    assert Leave.objects.get(reason="住院治疗").days == longest


def test_a_countys_month_is_counted_once_and_a_new_check_in_counts_at_once(cast, monkeypatch):
    counted = []
    original = reports.attendance

    def counting(*arguments: Any) -> Any:
        counted.append(arguments[1].code)
        return original(*arguments)

    monkeypatch.setattr(reports, "attendance", counting)
    county = signed_in(cast["county"])
    url = reverse("teams:report", args=["621226", f"{cast['month']:%Y-%m}"])
    first = county.get(url)
    again = county.get(url)
    assert counted == ["621226"]
    assert first.context["total"].checked_in == again.context["total"].checked_in == 30
    moment = timezone.make_aware(dt.datetime.combine(cast["month"].replace(day=3), dt.time(9, 0)))
    sun = cast["shiqiao"].members.get(name="孙丽")
    CheckIn.objects.create(member=sun, village_code=SHIQIAO, day=moment.date(), at=moment)
    assert county.get(url).context["total"].checked_in == 31
    assert counted == ["621226", "621226"]
    rows = county.get(url).content.decode().split('id="teams-villages"', 1)[1].split("</table>", 1)[0]
    assert "<h2>各乡镇</h2>" in county.get(url).content.decode() and "城关镇" in rows and "石桥村" not in rows
    township = signed_in(cast["township"])  # a township's, with every person, is counted each time
    township.get(reverse("teams:report", args=["621226100", f"{cast['month']:%Y-%m}"]))
    township.get(reverse("teams:report", args=["621226100", f"{cast['month']:%Y-%m}"]))
    assert counted[2:] == ["621226100", "621226100"]


def test_a_short_leave_is_the_townships_and_a_refusal_needs_a_reason(cast):
    start = cast["today"] + dt.timedelta(days=1)
    signed_in(cast["team_user"]).post(
        reverse("teams:leave_new"), {"start": start.isoformat(), "end": start.isoformat(), "reason": "培训"}
    )
    leave = Leave.objects.get(reason="培训")
    assert leave.approver == "township"
    township = signed_in(cast["township"])
    assert "请填写不批准的理由" in text(
        township.post(reverse("teams:leave_reject", args=[leave.pk]), follow=True)
    )
    township.post(reverse("teams:leave_reject", args=[leave.pk]), {"note": "防汛期间"})
    leave.refresh_from_db()
    assert (leave.status, leave.decision_note) == ("rejected", "防汛期间")
    assert signed_in(cast["county"]).post(reverse("teams:leave_approve", args=[leave.pk])).status_code == 302
    leave.refresh_from_db()
    assert leave.status == "rejected"


def test_a_member_checks_in_once_a_day_and_a_second_tap_is_a_repeat(cast):
    phone = signed_in(cast["team_user"])
    page = text(phone.get(reverse("teams:checkin")))
    assert "赵建国" in page and "checkin.js" in page
    first = phone.post(
        reverse("teams:checkin"), {"latitude": "34.19", "longitude": "105.17", "accuracy": "25"}, follow=True
    )
    assert "签到成功" in text(first)
    second = phone.post(reverse("teams:checkin"), {}, follow=True)
    assert "记为重复签到" in text(second)
    today = CheckIn.objects.filter(member=cast["zhao"], day=timezone.localdate()).order_by("at")
    assert [row.first_of_day for row in today] == [True, False]
    assert (today[0].latitude, today[0].accuracy, today[1].latitude) == (34.19, 25.0, None)
    assert AuditEvent.objects.filter(object_id=str(today[0].pk), action="create").exists()


def test_a_village_account_not_on_a_team_cannot_check_in(cast):
    stranger = make_user(Role.VILLAGE, SHANGPING, username="shangping")
    phone = signed_in(stranger)
    assert "没有登记为在岗的驻村工作队队员" in text(phone.get(reverse("teams:checkin")))
    assert phone.post(reverse("teams:checkin")).status_code == 403
    assert signed_in(cast["township"]).get(reverse("teams:checkin")).status_code == 403
    assert not CheckIn.objects.filter(day=timezone.localdate()).exists()


def test_another_county_sees_none_of_the_teams(cast):
    wudu = signed_in(cast["wudu"])
    assert wudu.get(reverse("teams:team", args=[cast["shiqiao"].pk])).status_code == 404
    assert wudu.get(reverse("teams:warnings", args=["621226"])).status_code == 404
    own = text(wudu.get(reverse("teams:region", args=["621202"])))
    assert "武都区外部单位" in own and "省财政厅" not in own
    county = text(signed_in(cast["county"]).get(reverse("teams:region", args=["621226"])))
    assert "武都区外部单位" not in county


def test_the_team_page_masks_numbers_and_the_office_adds_and_ends_members(cast):
    county = signed_in(cast["county"])
    page = text(county.get(reverse("teams:team", args=[cast["shiqiao"].pk])))
    assert "赵建国" in page and cast["zhao"].id_number not in page and cast["zhao"].phone not in page
    new_id = idnumber.make("621226", dt.date(1991, 4, 5), 21)
    added = county.post(
        reverse("teams:member_add", args=[cast["shiqiao"].pk]),
        {
            "name": "李明",
            "id_number": new_id,
            "duty": "member",
            "phone": "",
            "joined": cast["today"].isoformat(),
        },
    )
    assert added.status_code == 302
    li = TeamMember.objects.get(name="李明")
    bad = county.post(
        reverse("teams:member_add", args=[cast["shiqiao"].pk]),
        {"name": "李明", "id_number": new_id, "duty": "member", "joined": cast["today"].isoformat()},
    )
    assert bad.status_code == 400 and "李明已是该工作队的在岗队员" in bad.content.decode()
    county.post(reverse("teams:member_end", args=[li.pk]), {"left": cast["today"].isoformat()})
    li.refresh_from_db()
    assert li.left == cast["today"]
    assert (
        signed_in(cast["inspector"])
        .post(reverse("teams:member_end", args=[cast["qian"].pk]), {"left": "2026-01-01"})
        .status_code
        == 403
    )


def test_linking_an_account_tells_nothing_of_accounts_outside_the_village(cast):
    # The 礼县 office types the name of 武都区's office account, then a name nobody has: the same
    # answer both times (before, the first said 只能关联该村的村级账号, the second 没有账号).
    make_user(Role.COUNTY, "621202", username="wudu-office")
    county = signed_in(cast["county"])
    answers = []
    for name in ("wudu-office", "nobody-at-all"):
        new_id = idnumber.make("621226", dt.date(1991, 4, 5), 21)
        response = county.post(
            reverse("teams:member_add", args=[cast["shiqiao"].pk]),
            {
                "name": "李明",
                "id_number": new_id,
                "duty": "member",
                "account": name,
                "joined": cast["today"].isoformat(),
            },
        )
        assert response.status_code == 400
        page = response.content.decode()
        answers.append(set(re.findall(r"[^>]*没有[^<]*", page)))
    assert answers == [{"该村没有村级账号“wudu-office”"}, {"该村没有村级账号“nobody-at-all”"}]
    assert not TeamMember.objects.filter(name="李明").exists()


def _roster(rows: list[list[Any]]) -> bytes:
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output)
    sheet = book.add_worksheet("花名册")
    header = [
        "县区",
        "乡镇",
        "行政村",
        "派出单位",
        "层级",
        "姓名",
        "身份证号",
        "职务",
        "联系电话",
        "任期开始",
        "任期结束",
    ]
    sheet.write_row(0, 0, header)
    for index, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if isinstance(value, float):
                sheet.write_number(index, column, value)
            else:
                sheet.write_string(index, column, str(value))
    book.close()
    return output.getvalue()


GOOD_ID = idnumber.make("621226", dt.date(1985, 6, 1), 31)
OTHER_ID = idnumber.make("621226", dt.date(1988, 9, 9), 42)


def test_a_roster_with_one_mangled_id_number_loads_nothing_and_says_where(cast):
    rows = [
        [
            "礼县",
            "城关镇",
            "上坪村",
            "县农业农村局",
            "县",
            "冯涛",
            GOOD_ID,
            "第一书记",
            "13800001111",
            "2025-01-01",
            "2026-12-31",
        ],
        [
            "礼县",
            "城关镇",
            "上坪村",
            "县农业农村局",
            "县",
            "陈静",
            float(OTHER_ID[:15] + "000"),
            "队员",
            "",
            "2025-01-01",
            "",
        ],
    ]
    upload = SimpleUploadedFile("上坪村花名册.xlsx", _roster(rows))
    response = signed_in(cast["county"]).post(reverse("teams:import"), {"file": upload})
    assert response.status_code == 400
    page = response.content.decode()
    assert "身份证号被Excel存成了数字" in page and "上坪村花名册.xlsx" in page
    assert not TeamMember.objects.filter(name__in=["冯涛", "陈静"]).exists()
    token = response.context["outcome"].token
    report = sheets(signed_in(cast["county"]).get(reverse("teams:import_report", args=[token])))
    (problem,) = report["导入问题"][1:]
    assert problem[:4] == ["上坪村花名册.xlsx", "花名册", 3.0, "身份证号"]
    assert signed_in(cast["township"]).get(reverse("teams:import_report", args=[token])).status_code == 404


def test_a_clean_roster_joins_the_villages_team_or_makes_one(cast):
    rows = [
        [
            "礼县",
            "城关镇",
            "上坪村",
            "县农业农村局",
            "县",
            "冯涛",
            GOOD_ID,
            "第一书记",
            "13800001111",
            "2025-01-01",
            "2026-12-31",
        ],
        ["礼县", "城关镇", "北关村", "县农业农村局", "县", "陈静", OTHER_ID, "队员", "", "2025-01-01", ""],
    ]
    outside = signed_in(cast["county"]).post(
        reverse("teams:import"), {"file": SimpleUploadedFile("a.xlsx", _roster(rows))}
    )
    assert "不是您所辖区域内的行政村" in outside.content.decode()
    response = signed_in(cast["county"]).post(
        reverse("teams:import"), {"file": SimpleUploadedFile("b.xlsx", _roster(rows[:1]))}, follow=True
    )
    assert "已导入《b.xlsx》：新建工作队0个，队员1人" in text(response)
    feng = TeamMember.objects.get(name="冯涛")
    assert feng.team.village_code == SHANGPING and feng.duty == "first_secretary"
    assert AuditEvent.objects.filter(object_id=str(feng.pk), action="create").exists()


def test_the_cli_imports_as_a_named_account_and_writes_the_county_report(cast, tmp_path: Path):
    runner = CliRunner()
    good = tmp_path / "名册.xlsx"
    good.write_bytes(
        _roster(
            [
                [
                    "",
                    "",
                    "",
                    "市水务局",
                    "市",
                    "冯涛",
                    GOOD_ID,
                    "第一书记兼队长",
                    "",
                    "2025-01-01",
                    "2027-01-01",
                ]
            ]
        )
    )
    result = runner.invoke(main, ["teams", "import", str(good), "--user", cast["county"].username])
    assert result.exit_code == 1 and "请填写县区、乡镇、行政村" in result.output
    assert (tmp_path / "名册-导入问题.xlsx").exists()
    out = tmp_path / "考勤.xlsx"
    result = runner.invoke(
        main,
        ["teams", "report", "--county", "621226", "--month", f"{cast['month']:%Y-%m}", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    people = {
        row[2]: row for row in CalamineWorkbook.from_path(str(out)).get_sheet_by_name("各人").to_python()[1:]
    }
    assert people["钱小军"][9] == 5 and "武都队员" not in people
    bad = runner.invoke(main, ["teams", "report", "--county", "621226", "--month", "11月", "--out", str(out)])
    assert bad.exit_code != 0 and "年-月" in bad.output


def test_the_household_page_shows_the_villages_team_and_the_dashboard_counts_it(cast):
    household = make_household(SHIQIAO, 1, head_name="王秀英")
    page = text(signed_in(cast["township"]).get(reverse("registry:household", args=[household.pk])))
    section = page.split('id="teams-household"')[1]
    assert "赵建国 · 第一书记" in section and cast["zhao"].phone not in section
    panel = signed_in(cast["county"]).get(reverse("teams:panel") + "?region=621226")
    found = panel.context["panel"]
    assert (found.villages, found.with_team, found.members) == (2, 2, 5)
    assert (found.last_month.met, found.last_month.not_met) == (1, 4)  # only 赵建国 had his days
    region = text(signed_in(cast["county"]).get(reverse("registry:region", args=["621226"])))
    assert reverse("teams:panel") in region
    assert "驻村签到" in text(signed_in(cast["team_user"]).get(reverse("teams:panel")))


def test_synthetic_teams_fill_every_village_and_the_report_pages_answer(cast):
    first = synthetic.populate(seed=7)
    assert first["驻村工作队"] >= 2 and first["队员"] >= 6 and first["签到"] > 0
    assert synthetic.populate(seed=7) == first  # replaced, not added to
    assert Team.objects.filter(synthetic=False).count() == 3  # the cast's own teams stay
    for user, code in ((cast["county"], "621226"), (cast["township"], "621226100"), (cast["city"], "621226")):
        for path in synthetic.report_paths(code, cast["today"]):
            assert synthetic.REPORT_MARKER in text(signed_in(user).get(path)), path


def test_the_roster_excel_is_masked_and_the_county_may_unmask_a_member_on_record(cast):
    workbook = sheets(signed_in(cast["county"]).get(reverse("teams:roster_excel", args=["621226"])))
    rows = {row[4]: row for row in workbook["花名册"][1:]}
    assert set(rows) == {"赵建国", "钱小军", "孙丽", "周明", "吴芳"}
    assert rows["赵建国"][5] != cast["zhao"].id_number and "*" in rows["赵建国"][5]
    url = reverse("unmask", args=["teams.teammember", cast["zhao"].pk, "id_number"])
    shown = signed_in(cast["county"]).post(url, {"reason": "核对派出单位报送的名单"})
    assert cast["zhao"].id_number in text(shown)
    assert signed_in(cast["township"]).post(url, {"reason": "看看"}).status_code == 403
    assert signed_in(cast["wudu"]).post(url, {"reason": "看看"}).status_code == 404


def test_zhao_takes_back_his_pending_leave_but_not_one_the_county_has_decided(cast):
    start = cast["today"] + dt.timedelta(days=2)
    phone = signed_in(cast["team_user"])
    form = {
        "start": start.isoformat(),
        "end": (start + dt.timedelta(days=4)).isoformat(),
        "reason": "子女升学",
    }
    phone.post(reverse("teams:leave_new"), form)
    leave = Leave.objects.get(reason="子女升学")
    cancel = reverse("teams:leave_cancel", args=[leave.pk])
    assert phone.get(cancel).status_code == 405
    assert signed_in(cast["township"]).post(cancel).status_code == 403
    leave.refresh_from_db()
    assert leave.status == "pending"
    assert "撤销请假" in text(phone.get(reverse("teams:leave", args=[leave.pk])))
    done = phone.post(cancel, follow=True)
    assert "已撤销请假" in text(done) and "已撤销" in text(done)
    leave.refresh_from_db()
    assert leave.status == "cancelled"
    assert AuditEvent.objects.filter(object_id=str(leave.pk), action="update").exists()
    # The same days may be asked for again, and that one, once approved, stays.
    phone.post(reverse("teams:leave_new"), form)
    again = Leave.objects.get(reason="子女升学", status="pending")
    signed_in(cast["county"]).post(reverse("teams:leave_approve", args=[again.pk]), {"note": "同意"})
    refused = phone.post(reverse("teams:leave_cancel", args=[again.pk]), follow=True)
    assert "该请假已批准，不能再撤销" in text(refused)
    again.refresh_from_db()
    assert again.status == "approved"

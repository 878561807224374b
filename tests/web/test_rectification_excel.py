"""Feedback lists in, the ledger's workbooks out, through the Django test client.

The cast, in the small 陇南市 of `make_regions`: 礼县's office receives the 2020 省际交叉考核
feedback list for its county. The first copy it uploads has four rows nobody can load as
they stand (a row without 责任人, one in 武都区 — not 礼县's —, one in 北京, one due
"尽快"); nothing of it is loaded and the report names each row. The office fixes the
list and uploads it again: all five problems load as one batch, at the level each names
(the county, 城关镇, 石桥村, 城关镇上坪村, and 立行立改 due on the day it came). 城关镇's
office may not load a county-level row; inspectors and department officers may not
import at all. 武都区's office has its own problem at 北关村, which no 礼县 download shows.
"""

from __future__ import annotations

import datetime as dt
import io

import fastexcel
import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from fangfan.web.accounts.models import User
from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.rectification.models import Problem, ProblemEvent
from fangfan.web.rectification.testing import make_problem
from fangfan.web.workqueue.testing import make_household

pytestmark = pytest.mark.django_db

Role = User.Role
LIXIAN, CHENGGUAN, SHIQIAO, SHANGPING = "621226", "621226100", "621226100201", "621226100202"
WUDU, BEIGUAN = "621202", "621202001201"
HEADER = ["序号", "问题描述", "涉及县区", "涉及乡镇", "涉及村", "整改措施", "责任单位", "责任人", "整改时限"]


@pytest.fixture
def cast(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    make_regions()
    wudu = make_user(Role.COUNTY, WUDU, username="wudu-office")
    return {
        "county": make_user(Role.COUNTY, LIXIAN, username="lixian-office"),
        "township": make_user(Role.TOWNSHIP, CHENGGUAN, username="chengguan-office"),
        "village": make_user(Role.VILLAGE, SHIQIAO, username="shiqiao-team"),
        "inspector": make_user(Role.INSPECTOR, LIXIAN),
        "department": make_user(Role.DEPARTMENT, LIXIAN),
        "wudu": wudu,
        "beiguan": make_problem(wudu, BEIGUAN, description="北关村危房改造资料不全"),
    }


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def due(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def workbook(rows: list[list[str]], title: str = "2020年省际交叉考核反馈问题整改清单") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("反馈问题")
    sheet.merge_range(0, 0, 0, len(HEADER) - 1, title)
    sheet.write_row(1, 0, HEADER)
    for index, row in enumerate(rows, start=2):
        sheet.write_row(index, 0, row)
    book.close()
    return SimpleUploadedFile("省际考核反馈问题.xlsx", buffer.getvalue())


GOOD_ROWS = [
    ["1", "部分脱贫户收入核算不准", "礼县", "", "", "逐户核算", "礼县乡村振兴局", "张明", due(30)],
    ["2", "危房改造验收资料不全", "礼县", "城关", "", "补齐资料", "城关镇人民政府", "李强", due(20)],
    ["3", "饮水安全抽检不达标", "", "城关镇", "石桥村", "更换管网", "礼县水务局", "王刚", due(10)],
    ["4", "帮扶记录雷同", "礼县", "城关镇", "上坪", "重新走访", "城关镇人民政府", "赵六", "立行立改"],
    ["5", "产业项目带贫机制不健全", "礼县", "", "", "完善利益联结", "礼县农业农村局", "孙七", due(60)],
]


def broken_rows() -> list[list[str]]:
    rows = [list(row) for row in GOOD_ROWS]
    rows[1][7] = ""  # row 4: no 责任人
    rows[2][2:5] = ["武都区", "", ""]  # row 5: not 礼县's
    rows[3][2:5] = ["北京市", "", ""]  # row 6: not in the city
    rows[4][8] = "尽快"  # row 7: no date
    return rows


def upload(user: User, rows: list[list[str]], **fields: str):
    data = {
        "file": workbook(rows),
        "source": "cross_province",
        "batch": "",
        "category": "POLICY",
        "received": timezone.localdate().isoformat(),
        **fields,
    }
    return client_for(user).post(reverse("rectification:import_feedback"), data)


def sheet(content: bytes, name: str) -> list[list[str]]:
    loaded = fastexcel.read_excel(content).load_sheet(name, header_row=None, dtypes="string").to_polars()
    return [["" if value is None else value for value in row] for row in loaded.rows()]


def download(response) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def test_a_list_with_bad_rows_loads_nothing_and_reports_each_row(cast):
    before = Problem.objects.count()

    response = upload(cast["county"], broken_rows())

    assert response.status_code == 400
    assert Problem.objects.count() == before
    page = response.content.decode()
    assert "未导入：有 4 处错误" in page
    for text in (
        "责任人未填写",
        "武都区不在您的管辖区域内",
        "“北京市”不是陇南市已知的县区或乡镇名称",
        "“尽快”无法识别",
    ):
        assert text in page
    token = response.context["outcome"].token
    report = download(client_for(cast["county"]).get(reverse("rectification:import_report", args=[token])))
    rows = sheet(report, "导入问题")
    assert [(row[2], row[3]) for row in rows[3:]] == [
        ("4", "责任人"),
        ("5", "涉及县区"),
        ("6", "涉及县区"),
        ("7", "整改时限"),
    ]
    assert {row[0] for row in rows[3:]} == {"省际考核反馈问题.xlsx"}


def test_the_report_is_the_uploaders_alone(cast):
    token = upload(cast["county"], broken_rows()).context["outcome"].token
    url = reverse("rectification:import_report", args=[token])

    assert client_for(cast["township"]).get(url).status_code == 404
    assert (
        client_for(cast["county"]).get(reverse("rectification:import_report", args=["0" * 32])).status_code
        == 404
    )


def test_the_fixed_list_loads_whole_as_one_batch_at_the_level_each_row_names(cast):
    response = upload(cast["county"], GOOD_ROWS)

    assert response.status_code == 302
    title = "2020年省际交叉考核反馈问题整改清单"
    assert response.url == f"{reverse('rectification:problem_list')}?{urlencode({'batch': title})}"
    loaded = Problem.objects.filter(source="cross_province", county_code=LIXIAN).order_by("serial")
    assert [(p.serial, p.scope_level, p.region_code) for p in loaded] == [
        ("1", "county", LIXIAN),
        ("2", "township", CHENGGUAN),
        ("3", "village", SHIQIAO),
        ("4", "village", SHANGPING),
        ("5", "county", LIXIAN),
    ]
    assert {p.batch for p in loaded} == {title}  # the list's title row
    assert loaded.get(serial="4").deadline == timezone.localdate()  # 立行立改
    assert loaded.get(serial="3").responsible_person == "王刚"
    event = ProblemEvent.objects.get(problem=loaded.get(serial="2"))
    assert (event.action, event.user, event.to_status) == ("import", cast["county"], "in_progress")
    assert "省际考核反馈问题.xlsx" in event.note and "第4行" in event.note


def test_a_row_a_verb_refuses_rolls_the_whole_batch_back(cast):
    rows = [list(row) for row in GOOD_ROWS]
    rows[4][8] = due(5 * 366)  # beyond the two years a deadline may run

    response = upload(cast["county"], rows)

    assert response.status_code == 400
    assert not Problem.objects.filter(county_code=LIXIAN).exists()
    errors = response.context["outcome"].errors
    assert [(error["row"], error["code"]) for error in errors] == [(7, "ROW_REFUSED")]
    assert "整改时限" in errors[0]["message"]


def test_a_township_may_not_load_a_county_level_row(cast):
    response = upload(cast["township"], GOOD_ROWS[1:3])
    assert response.status_code == 302

    response = upload(cast["township"], GOOD_ROWS[:1])
    assert response.status_code == 400
    assert "礼县不在您的管辖区域内" in response.content.decode()


@pytest.mark.parametrize("who", ["inspector", "department"])
def test_inspectors_and_departments_may_not_import(cast, who):
    assert upload(cast[who], GOOD_ROWS).status_code == 403
    assert not Problem.objects.filter(county_code=LIXIAN).exists()


def test_the_import_page_and_the_ledger_links(cast):
    client = client_for(cast["county"])
    assert client.get(reverse("rectification:import_feedback")).status_code == 200
    ledger = client.get(reverse("rectification:problem_list")).content.decode()
    assert reverse("rectification:import_feedback") in ledger
    assert reverse("rectification:export_ledger", args=[LIXIAN]) in ledger
    assert client_for(cast["department"]).get(reverse("rectification:import_feedback")).status_code == 403


def test_downloads_hold_only_the_users_region(cast):
    upload(cast["county"], GOOD_ROWS)
    county, wudu = client_for(cast["county"]), client_for(cast["wudu"])

    lists = download(county.get(reverse("rectification:export_three_lists")))
    assert fastexcel.read_excel(lists).sheet_names == ["问题清单", "任务清单", "责任清单"]
    described = [row[5] for row in sheet(lists, "问题清单")[3:]]
    assert len(described) == 5 and "北关村危房改造资料不全" not in described
    wudu_lists = download(wudu.get(reverse("rectification:export_three_lists")))
    assert [row[5] for row in sheet(wudu_lists, "问题清单")[3:]] == ["北关村危房改造资料不全"]

    village = download(client_for(cast["village"]).get(reverse("rectification:export_three_lists")))
    assert [row[5] for row in sheet(village, "问题清单")[3:]] == ["饮水安全抽检不达标"]

    progress = download(county.get(reverse("rectification:export_progress")))
    # A county's report goes by its townships (its own county-level problems as 县级).
    by_township = sheet(progress, "按乡镇")
    assert [row[:2] for row in by_township[3:]] == [["城关镇", "3"], ["县级", "2"], ["合计", "5"]]


def test_a_county_ledger_by_source_or_township_and_404_outside(cast):
    upload(cast["county"], GOOD_ROWS)
    county = client_for(cast["county"])

    by_source = download(county.get(reverse("rectification:export_ledger", args=[LIXIAN])))
    assert fastexcel.read_excel(by_source).sheet_names == ["汇总", "省际交叉考核"]
    assert sheet(by_source, "汇总")[3][:2] == ["省际交叉考核", "5"]
    by_township = download(county.get(reverse("rectification:export_ledger", args=[LIXIAN]) + "?by=township"))
    assert fastexcel.read_excel(by_township).sheet_names == ["汇总", "县级", "城关镇"]

    assert county.get(reverse("rectification:export_ledger", args=[WUDU])).status_code == 404
    assert county.get(reverse("rectification:export_ledger", args=[LIXIAN]) + "?by=x").status_code == 404
    township = client_for(cast["township"])
    assert township.get(reverse("rectification:export_ledger", args=[LIXIAN])).status_code == 404
    assert township.get(reverse("rectification:export_ledger", args=[CHENGGUAN])).status_code == 200
    assert client_for(cast["department"]).get(reverse("rectification:export_progress")).status_code == 403


def test_household_ids_in_a_download_are_masked(cast):
    household = make_household(SHIQIAO, 1)
    household.head_id_number = "621226196803050423"
    household.save()
    make_problem(cast["county"], SHIQIAO, scope_level="household", households=[household])

    lists = download(client_for(cast["county"]).get(reverse("rectification:export_three_lists")))

    households = [row[7] for row in sheet(lists, "问题清单")[3:] if row[7]]
    assert households == [f"{household.head_name}（621226********0423）"]
    assert b"621226196803050423" not in lists


def test_the_cli_imports_as_the_named_account_and_exports_its_region(cast, tmp_path):
    from click.testing import CliRunner

    from fangfan.cli import main

    path = tmp_path / "反馈.xlsx"
    path.write_bytes(workbook(GOOD_ROWS).read())
    runner = CliRunner()
    common = ["--source", "cross_province", "--category", "POLICY"]

    refused = runner.invoke(main, ["rectification", "import", str(path), "--user", "wudu-office", *common])
    assert refused.exit_code == 1 and "礼县不在您的管辖区域内" in refused.output
    assert not Problem.objects.filter(county_code=LIXIAN).exists()

    loaded = runner.invoke(main, ["rectification", "import", str(path), "--user", "lixian-office", *common])
    assert loaded.exit_code == 0, loaded.output
    assert Problem.objects.filter(county_code=LIXIAN).count() == 5

    out = tmp_path / "台账.xlsx"
    exported = runner.invoke(main, ["rectification", "export", "ledger", str(out), "--user", "lixian-office"])
    assert exported.exit_code == 0, exported.output
    assert sheet(out.read_bytes(), "汇总")[3][:2] == ["省际交叉考核", "5"]
    outside = runner.invoke(
        main, ["rectification", "export", "progress", str(out), "--user", "lixian-office", "--region", WUDU]
    )
    assert outside.exit_code == 1 and "不在账号" in outside.output


def test_the_same_list_uploaded_twice_loads_once(cast):
    assert upload(cast["county"], GOOD_ROWS).status_code == 302

    again = upload(cast["county"], GOOD_ROWS)

    assert again.status_code == 400
    assert Problem.objects.filter(county_code=LIXIAN).count() == 5
    errors = again.context["outcome"].errors
    assert [error["row"] for error in errors] == [3, 4, 5, 6, 7]
    assert {error["code"] for error in errors} == {"ALREADY_LOADED"}
    assert "不能重复导入" in again.content.decode()

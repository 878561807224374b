"""衔接资金项目 from Excel, through the page and the CLI: all or nothing, problems by file, row
and column (downloadable, for the uploader alone), updates by 项目编号, and the county report.

The cast: 礼县乡村振兴局 (`county`) keeps its library in a workbook, money in 万元, places by
name; its 联农带农 sheet names 王秀英 (石桥村) by 户编号 and 李建国 (上坪村) by his ID number.
武都区's office (`wudu`) has its own project LX-900 numbered like 礼县's, which 礼县 may not
overwrite. A township (`township`) may import only inside 城关镇.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from click.testing import CliRunner
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from fangfan.cli import main
from fangfan.web.accounts.models import User
from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.projects.models import Beneficiary, Project
from fangfan.web.projects.testing import make_project
from fangfan.web.workqueue.testing import make_household

pytestmark = pytest.mark.django_db
Role = User.Role
LIXIAN, SHIQIAO, SHANGPING, BEIGUAN = "621226", "621226100201", "621226100202", "621202001201"
LI_JIANGUO_ID = "621226198003051234"
HEADER = [
    "项目编号",
    "项目名称",
    "项目类别",
    "县区",
    "乡镇",
    "村",
    "建设内容",
    "中央资金（万元）",
    "省级资金（万元）",
]
HEADER += ["县级资金（万元）", "项目预算（万元）", "计划开工日期", "计划完工日期"]
ROAD = ["LX-001", "石桥村产业路", "基础设施", "礼县", "城关镇", "石桥村", "硬化2公里", 60, 0, 40, 100]
ROAD += ["2026-03-01", "2026-10-31"]
PLANT = [
    "LX-002",
    "礼县花椒加工厂",
    "产业发展",
    "礼县",
    "",
    "",
    "",
    150,
    50,
    "",
    200,
    "2026-04-01",
    "2027-04-01",
]


@pytest.fixture
def cast(settings: Any, tmp_path: Path) -> dict[str, Any]:
    settings.MEDIA_ROOT = tmp_path / "media"
    make_regions()
    wudu = make_user(Role.COUNTY, "621202")
    return {
        "county": make_user(Role.COUNTY, LIXIAN),
        "township": make_user(Role.TOWNSHIP, "621226100"),
        "wudu": wudu,
        "wang": make_household(SHIQIAO, 1, head_name="王秀英"),
        "li": make_household(SHANGPING, 1, head_name="李建国", head_id_number=LI_JIANGUO_ID),
        "ma": make_household(BEIGUAN, 1, head_name="马占山"),
        "wudu_project": make_project(wudu, BEIGUAN, number="LX-900", name="北关村项目"),
    }


def workbook(
    projects: list[list[Any]], beneficiaries: list[list[Any]] = (), name: str = "项目库.xlsx"
) -> io.BytesIO:
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"in_memory": True})
    sheet = book.add_worksheet("项目库")
    sheet.write_row(0, 0, ["2026年礼县巩固拓展脱贫攻坚成果和乡村振兴项目库"])
    sheet.write_row(1, 0, HEADER)
    for index, row in enumerate(projects, start=2):
        sheet.write_row(index, 0, row)
    if beneficiaries:
        other = book.add_worksheet("联农带农")
        other.write_row(0, 0, ["项目编号", "户编号", "户主身份证号", "带动方式", "年收益（元）"])
        for index, row in enumerate(beneficiaries, start=1):
            other.write_row(index, 0, row)
    book.close()
    output.seek(0)
    output.name = name
    return output


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_library_loads_whole_in_yuan_with_its_beneficiaries_by_household_number_and_id(cast):
    upload = workbook(
        [ROAD, PLANT],
        [["LX-001", cast["wang"].household_id, "", "务工", 6000], ["LX-002", "", LI_JIANGUO_ID, "分红", 800]],
    )
    response = signed_in(cast["county"]).post(reverse("projects:import"), {"file": upload})
    assert response.status_code == 302
    road = Project.objects.get(number="LX-001")
    assert road.region_code == SHIQIAO and road.budget_yuan == 1_000_000
    assert {fund.level: int(fund.amount_yuan) for fund in road.funds.all()} == {
        "central": 600_000,
        "county": 400_000,
    }
    plant = Project.objects.get(number="LX-002")
    assert plant.region_code == LIXIAN and plant.kind == "industry"
    assert set(Beneficiary.objects.values_list("project__number", "household__head_name", "benefit")) == {
        ("LX-001", "王秀英", "work"),
        ("LX-002", "李建国", "dividend"),
    }


def test_one_bad_row_loads_nothing_and_the_problems_name_file_sheet_row_and_column(cast):
    bad = [*ROAD[:10], 90, *ROAD[11:]]  # 60 + 40 is not 90
    upload = workbook(
        [PLANT, bad], [["LX-002", cast["ma"].household_id, "", "务工", 100]], name="礼县项目库.xlsx"
    )
    client = signed_in(cast["county"])
    response = client.post(reverse("projects:import"), {"file": upload})
    assert response.status_code == 400
    page = response.content.decode()
    assert "有 2 处问题，未导入" in page and "不等于各级资金合计" in page and "在您的区划内找不到该户" in page
    assert not Project.objects.filter(number__startswith="LX-00").exists()
    token = response.context["outcome"].token
    report = client.get(reverse("projects:import_report", args=[token]))
    rows = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(report.streaming_content))).get_sheet_by_name(
        "导入问题"
    )
    problems = rows.to_python()[3:]
    assert any(row[:4] == ["礼县项目库.xlsx", "项目库", 4.0, "项目预算（万元）"] for row in problems)
    assert any(row[:4] == ["礼县项目库.xlsx", "联农带农", 2.0, "户编号"] for row in problems)
    assert signed_in(cast["township"]).get(reverse("projects:import_report", args=[token])).status_code == 404


def test_a_budget_of_a_billion_ten_thousands_is_a_problem_of_its_cell_not_a_server_error(cast):
    # 1e9 万元 is 1e13 yuan: PostgreSQL's numeric(14, 2) cannot hold it (a 500 before), nor can a
    # 1e30 typed by mistake be rounded to the fen (InvalidOperation on any database).
    huge = [*ROAD[:7], 1e9, 0, 0, 1e9, *ROAD[11:]]
    upload = workbook([huge, [*PLANT[:7], 1e30, 0, 0, 1e30, *PLANT[11:]]])
    response = signed_in(cast["county"]).post(reverse("projects:import"), {"file": upload})
    assert response.status_code == 400
    assert response.content.decode().count("金额过大") == 4
    assert not Project.objects.filter(number__startswith="LX-00").exists()


def test_a_known_project_number_updates_the_project_and_one_outside_the_region_is_refused(cast):
    client = signed_in(cast["county"])
    assert client.post(reverse("projects:import"), {"file": workbook([ROAD])}).status_code == 302
    changed = [*ROAD[:7], 70, 0, 30, 100, *ROAD[11:]]
    assert client.post(reverse("projects:import"), {"file": workbook([changed])}).status_code == 302
    road = Project.objects.get(number="LX-001")
    assert {fund.level: int(fund.amount_yuan) for fund in road.funds.all()} == {
        "central": 700_000,
        "county": 300_000,
    }
    assert Project.objects.filter(number="LX-001").count() == 1
    taken = ["LX-900", *ROAD[1:]]
    response = client.post(reverse("projects:import"), {"file": workbook([taken])})
    assert response.status_code == 400 and "已被您区划以外的项目使用" in response.content.decode()
    assert Project.objects.get(number="LX-900").name == "北关村项目"


def test_a_township_may_not_place_a_project_at_the_county(cast):
    response = signed_in(cast["township"]).post(reverse("projects:import"), {"file": workbook([PLANT])})
    assert response.status_code == 400 and "不在您的区划（城关镇）内" in response.content.decode()
    assert not Project.objects.filter(number="LX-002").exists()


def test_the_cli_imports_a_library_and_writes_the_county_report(cast, tmp_path):
    source = tmp_path / "项目库.xlsx"
    source.write_bytes(
        workbook([ROAD, PLANT], [["LX-001", cast["wang"].household_id, "", "务工", 6000]]).getvalue()
    )
    runner = CliRunner()
    imported = runner.invoke(main, ["projects", "import", str(source), "--user", cast["county"].username])
    assert imported.exit_code == 0, imported.output
    assert "新增 2 个项目" in imported.output
    out = tmp_path / "礼县报表.xlsx"
    reported = runner.invoke(main, ["projects", "report", "--county", LIXIAN, "--out", str(out)])
    assert reported.exit_code == 0, reported.output
    book = CalamineWorkbook.from_path(str(out))
    summary = book.get_sheet_by_name("汇总").to_python()
    assert summary[0][0] == "礼县衔接资金项目汇总"
    assert ["项目数（个）", "2"] in [row[:2] for row in summary]


def test_the_cli_refuses_a_bad_library_whole_and_writes_its_problems(cast, tmp_path):
    source = tmp_path / "坏的项目库.xlsx"
    source.write_bytes(workbook([[*ROAD[:2], "修路", *ROAD[3:]]]).getvalue())
    result = CliRunner().invoke(main, ["projects", "import", str(source), "--user", cast["county"].username])
    assert result.exit_code == 1
    assert "项目类别应为" in result.output
    assert (tmp_path / "坏的项目库-导入问题.xlsx").exists()
    assert not Project.objects.filter(number="LX-001").exists()


def test_a_project_may_not_move_away_from_the_households_it_benefits(cast):
    client = signed_in(cast["county"])
    upload = workbook([ROAD], [["LX-001", cast["wang"].household_id, "", "务工", 6000]])
    assert client.post(reverse("projects:import"), {"file": upload}).status_code == 302
    moved = [*ROAD[:5], "上坪村", *ROAD[6:]]
    response = client.post(reverse("projects:import"), {"file": workbook([moved])})
    assert response.status_code == 400 and "不能把项目所在地改为上坪村" in response.content.decode()
    assert Project.objects.get(number="LX-001").region_code == SHIQIAO


def test_the_offices_download_the_import_template_and_village_teams_do_not(cast):
    response = signed_in(cast["county"]).get(reverse("projects:import_template"))
    assert response.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheet_names == ["项目库", "联农带农"]
    assert "项目预算（元）" in book.get_sheet_by_name("项目库").to_python()[1]
    village = make_user(Role.VILLAGE, SHIQIAO)
    assert signed_in(village).get(reverse("projects:import_template")).status_code == 403

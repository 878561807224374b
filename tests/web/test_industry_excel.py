"""产业收入 lists loaded from Excel (page and `fangfan industry import`), all or nothing.

The cast, in 礼县 城关镇 石桥村: 杜春生 (户编号 6212261002010001) and 杜春林 (found by his ID
number). The 石桥村 team sends the township's list: a good list loads every row with its
file's name; a list with one bad cell, a wrong head's name or a household of 北关村 (武都区,
outside their region) loads nothing, and says where, by file, row and column — a report
only its uploader can download.
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from click.testing import CliRunner
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from fangfan.cli import main
from fangfan.engine.fieldwork.industry_workbook import TEMPLATE_HEADERS
from fangfan.web.accounts.models import AuditEvent, User
from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.industry.ledger import this_year
from fangfan.web.industry.models import HouseholdIndustry, Livestock, Planting
from fangfan.web.workqueue.testing import make_household

pytestmark = pytest.mark.django_db
Role = User.Role
SHIQIAO, BEIGUAN = "621226100201", "621202001201"
YEAR = this_year()
DU_CHUNLIN_ID = "621226196803050017"


@pytest.fixture
def cast(settings: Any, tmp_path: Path) -> dict[str, Any]:
    settings.MEDIA_ROOT = tmp_path / "media"
    make_regions()
    return {
        "du_chunsheng": make_household(SHIQIAO, 1, head_name="杜春生"),
        "du_chunlin": make_household(SHIQIAO, 2, head_name="杜春林", head_id_number=DU_CHUNLIN_ID),
        "ma_zhanshan": make_household(BEIGUAN, 1, head_name="马占山"),
        "team": make_user(Role.VILLAGE, SHIQIAO),
        "county": make_user(Role.COUNTY, "621226"),
        "inspector": make_user(Role.INSPECTOR, "621226"),
    }


GOOD = [
    ["6212261002010001", "", "杜春生", "种植", "花椒", 4, None, 12000, YEAR, ""],
    ["", DU_CHUNLIN_ID, "杜春林", "养殖", "牛", None, 3, 6000, YEAR, "走访核实"],
    ["", DU_CHUNLIN_ID, "杜春林", "养殖", "中蜂", None, 12, 4000, None, ""],
]


def workbook(rows: list[list[Any]], title: str = "城关镇产业收入清单") -> bytes:
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"in_memory": True})
    sheet = book.add_worksheet("清单")
    sheet.write_string(0, 0, title)
    for col, header in enumerate(TEMPLATE_HEADERS):
        sheet.write_string(1, col, header)
    for number, row in enumerate(rows, start=2):
        for col, value in enumerate(row):
            if value is not None and value != "":
                sheet.write(number, col, value)
    book.close()
    return output.getvalue()


def upload(client: Client, rows: list[list[Any]], name: str = "城关镇产业收入.xlsx") -> Any:
    return client.post(
        reverse("industry:import"), {"upload": SimpleUploadedFile(name, workbook(rows)), "year": YEAR}
    )


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_good_list_loads_every_row_with_its_file_name(cast):
    response = upload(signed_in(cast["team"]), GOOD)
    assert response.status_code == 200 and "已导入3条记录" in response.content.decode()
    planting = Planting.objects.get(household=cast["du_chunsheng"])
    assert (planting.source, planting.source_file, planting.mu) == (
        "import",
        "城关镇产业收入.xlsx",
        Decimal("4"),
    )
    assert planting.source_text == "导入（城关镇产业收入.xlsx）"
    assert Livestock.objects.filter(household=cast["du_chunlin"]).count() == 2
    tally = HouseholdIndustry.objects.get(household=cast["du_chunlin"], year=YEAR)
    assert (tally.livestock_income, tally.livestock_status) == (Decimal("10000"), "meets")
    assert AuditEvent.objects.filter(action="create", user=cast["team"]).count() == 3


def test_one_bad_cell_loads_nothing_and_names_file_row_and_column(cast):
    bad = [*GOOD, ["6212261002010001", "", "杜春生", "种植", "核桃", "两亩", None, 500, YEAR, ""]]
    response = upload(signed_in(cast["team"]), bad)
    page = response.content.decode()
    assert response.status_code == 400 and "全部未导入" in page
    problem = response.context["outcome"].problems[0]
    assert (problem.file, problem.sheet, problem.row, problem.column) == (
        "城关镇产业收入.xlsx",
        "清单",
        6,
        "面积（亩）",
    )
    assert problem.message == "面积（亩）应为非负数字"
    assert not Planting.objects.exists() and not Livestock.objects.exists()


def test_a_wrong_head_name_or_a_household_outside_the_region_loads_nothing(cast):
    bad = [
        *GOOD,
        ["6212261002010001", "", "杜春森", "种植", "花椒", 1, None, 100, YEAR, ""],
        ["6212020012010001", "", "马占山", "种植", "花椒", 1, None, 100, YEAR, ""],
    ]
    outcome = upload(signed_in(cast["team"]), bad).context["outcome"]
    found = {(problem.row, problem.column): problem.message for problem in outcome.problems}
    assert found[(6, "户主姓名")] == "户主姓名与系统不符（系统中为“杜春生”）"
    assert found[(7, "户编号")] == "在您的辖区内的扶贫信息系统数据中没有找到该户"
    assert "马占山" not in str(found)  # the other county's household is not revealed
    assert not Planting.objects.exists() and not Livestock.objects.exists()


def test_the_problems_download_as_excel_for_the_uploader_alone(cast):
    outcome = upload(signed_in(cast["team"]), [["", "", "", "种植", "", "", None, "", "", ""]]).context[
        "outcome"
    ]
    url = reverse("industry:import_report", args=[outcome.token])
    response = signed_in(cast["team"]).get(url)
    assert response.status_code == 200
    rows = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    table = rows.get_sheet_by_index(0).to_python()
    assert table[0] == ["文件", "工作表", "行号", "列", "单元格内容", "问题"]
    first = table[1]
    assert (first[0], first[1], int(first[2]), first[3]) == ("城关镇产业收入.xlsx", "清单", 3, "户编号")
    assert first[5] == "请填写户编号或户主身份证号"
    assert signed_in(cast["county"]).get(url).status_code == 404


def test_the_inspector_may_not_import(cast):
    assert upload(signed_in(cast["inspector"]), GOOD).status_code == 403
    assert not Planting.objects.exists()


def test_the_cli_imports_as_the_named_account_and_writes_the_report_beside_a_bad_list(cast, tmp_path):
    runner = CliRunner()
    good = tmp_path / "石桥村.xlsx"
    good.write_bytes(workbook(GOOD))
    result = runner.invoke(
        main, ["industry", "import", str(good), "--user", cast["team"].username, "--year", str(YEAR)]
    )
    assert result.exit_code == 0, result.output
    assert "已导入 3 条记录" in result.output
    assert Planting.objects.get(household=cast["du_chunsheng"]).source_file == "石桥村.xlsx"
    bad = tmp_path / "北关村.xlsx"
    bad.write_bytes(workbook([["6212020012010001", "", "马占山", "种植", "花椒", 1, None, 100, YEAR, ""]]))
    result = runner.invoke(main, ["industry", "import", str(bad), "--user", cast["team"].username])
    assert result.exit_code == 1
    assert (tmp_path / "北关村-导入问题.xlsx").exists()
    assert "第3行 户编号：在您的辖区内" in result.output
    assert Planting.objects.count() == 1


def test_the_cli_summary_reads_the_accounts_region(cast, tmp_path):
    path = tmp_path / "石桥村.xlsx"
    path.write_bytes(workbook(GOOD))
    CliRunner().invoke(
        main, ["industry", "import", str(path), "--user", cast["team"].username, "--year", str(YEAR)]
    )
    result = CliRunner().invoke(main, ["industry", "summary", "--user", cast["county"].username])
    assert result.exit_code == 0, result.output
    assert f"礼县产业收入汇总（{YEAR}年度）" in result.output
    assert (
        "城关镇：种植1户 4亩 收入12,000 元 每亩3,000 元 未达标0户（0.0%）；养殖1户 收入10,000 元"
        in result.output
    )
    refused = CliRunner().invoke(
        main, ["industry", "summary", "--user", cast["team"].username, "--region", "621202"]
    )
    assert refused.exit_code != 0 and "不在该账号的区划内" in refused.output

"""Industry income against the year's targets (fangfan.engine.fieldwork.industry): plain pytest.

The cast, in 礼县 城关镇 石桥村, this year (targets ¥3,000 a mu, ¥10,000 a household):

- 杜春生 grows 4 mu of 花椒 that brought ¥12,000: exactly ¥3,000 a mu, which meets the target.
- His neighbour 杜春林 grows 1 mu of 核桃 that brought ¥2,999: one yuan short, below.
- 冯玉兰 keeps cattle (¥6,000) and bees (¥4,000): ¥10,000 over two kinds, which meets it;
  had the bees brought ¥3,999 she would be below.
- 罗建华 sold ¥2,000 of 马铃薯 but nobody wrote down his mu: he is not judged, and the
  verdict says why instead of passing or failing him.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter

from fangfan.engine.fieldwork import industry as engine
from fangfan.engine.fieldwork.industry_workbook import TEMPLATE_HEADERS, read_list, read_workbook
from fangfan.engine.fieldwork.rules import field_rules

RULES = field_rules(2026)
D = Decimal


def test_du_chunsheng_at_exactly_three_thousand_a_mu_meets_the_target():
    found = engine.figures([(D("4"), D("12000"))], [])
    planting, livestock = engine.judge(found, RULES)
    assert planting.status == engine.MEETS
    assert planting.text == "种植4亩，收入12,000元，每亩3,000元，达到每亩3,000元"
    assert livestock.status == engine.NONE


def test_his_neighbour_one_yuan_short_is_below():
    verdict = engine.planting_verdict(D("1"), D("2999"), RULES)
    assert verdict.status == engine.BELOW and verdict.below
    assert verdict.text == "种植1亩，收入2,999元，每亩2,999元，低于每亩3,000元"


def test_half_a_yuan_short_a_mu_is_below_though_it_rounds_to_the_target():
    verdict = engine.planting_verdict(D("2"), D("5999"), RULES)
    assert verdict.status == engine.BELOW
    assert verdict.per_mu == D("3000")  # shown rounded, judged exactly


def test_the_speech_example_reads_as_the_brief_says():
    verdict = engine.planting_verdict(D("3.5"), D("8400"), RULES)
    assert verdict.text == "种植3.5亩，收入8,400元，每亩2,400元，低于每亩3,000元"


def test_feng_yulan_meets_the_livestock_target_over_two_kinds():
    found = engine.figures([], [(3, D("6000")), (12, D("4000"))])
    _, livestock = engine.judge(found, RULES)
    assert (found.head, found.livestock_income) == (15, D("10000"))
    assert livestock.status == engine.MEETS
    assert livestock.text == "养殖15头（只、箱），收入10,000元，达到每户10,000元"


def test_one_yuan_less_from_her_bees_and_she_is_below():
    found = engine.figures([], [(3, D("6000")), (12, D("3999"))])
    assert engine.judge(found, RULES)[1].status == engine.BELOW


def test_luo_jianhua_without_mu_is_not_judged_and_says_why():
    found = engine.figures([(None, D("2000"))], [])
    planting, _ = engine.judge(found, RULES)
    assert planting.status == engine.NOT_JUDGED and not planting.below
    assert "没有登记面积" in planting.text and "2,000元" in planting.text


def test_several_crops_are_judged_together_not_one_by_one():
    # 花椒 brings ¥4,000 a mu, 马铃薯 ¥1,000: together 3 mu for ¥9,000 meets.
    found = engine.figures([(D("2"), D("8000")), (D("1"), D("1000"))], [])
    assert engine.judge(found, RULES)[0].status == engine.MEETS


def test_an_area_summary_gives_shares_and_per_mu():
    area = engine.AreaSummary(planting_households=4, mu=D("10"), planting_income=D("29000"), planting_below=1)
    assert area.per_mu == D("2900") and area.planting_meets(RULES) is False
    assert engine.share_text(area.planting_below_share) == "25.0%"
    assert engine.share_text(engine.AreaSummary().livestock_below_share) == "—"


def test_the_targets_are_the_policy_files():
    assert (RULES.industry_planting_yuan_per_mu, RULES.industry_livestock_yuan_per_household) == (3000, 10000)


HEADER = list(TEMPLATE_HEADERS)


def test_a_list_with_a_title_row_reads_each_row():
    grid = [
        ["石桥村产业收入清单"],
        HEADER,
        ["6212261002010001", "", "杜春生", "种植", "花椒", 4, "", 12000, 2026, ""],
        ["", "621226196001010020", "冯玉兰", "养殖", "牛", "", 3, "6,000", "", "走访核实"],
    ]
    found = read_list(grid, "清单.xlsx", "Sheet1", default_year=2025)
    assert found.problems == []
    first, second = found.rows
    assert (first.row, first.kind, first.mu, first.income, first.year) == (
        3,
        "planting",
        D("4"),
        D("12000"),
        2026,
    )
    assert (second.kind, second.head, second.income, second.year) == ("livestock", 3, D("6000"), 2025)


def test_every_unreadable_cell_is_named_by_row_and_column():
    grid = [
        HEADER,
        ["", "", "", "种地", "", "三亩", "", "", "26", ""],
        ["6212261002010002", "", "杜春林", "养殖", "羊", "", "2.5", "-5", 2026, ""],
    ]
    found = read_list(grid, "清单.xlsx", "Sheet1", default_year=None)
    assert found.rows == []
    where = {(problem.row, problem.column) for problem in found.problems}
    assert {
        (2, "户编号"),
        (2, "户主姓名"),
        (2, "类别"),
        (2, "作物或畜禽"),
        (2, "收入（元）"),
        (2, "年度"),
    } <= where
    assert {(3, "数量（头、只、箱）"), (3, "收入（元）")} <= where
    assert all(problem.file == "清单.xlsx" and problem.message for problem in found.problems)


def test_a_mistyped_huge_figure_is_a_problem_of_its_cell():
    # 1e13 yuan, ten million mu or a billion head cannot be a household's row (nor fit the ledger):
    # each is named by its row and column like any unreadable cell, never loaded.
    grid = [
        HEADER,
        ["6212261002010001", "", "杜春生", "种植", "花椒", 4, "", 1e13, 2026, ""],
        ["6212261002010001", "", "杜春生", "种植", "花椒", "10000000", "", 12000, 2026, ""],
        ["6212261002010002", "", "杜春林", "养殖", "鸡", "", 1e9, 4000, 2026, ""],
    ]
    found = read_list(grid, "清单.xlsx", "Sheet1", default_year=None)
    assert found.rows == []
    where = {(problem.row, problem.column): problem.message for problem in found.problems}
    assert where[(2, "收入（元）")].startswith("收入（元）过大")
    assert where[(3, "面积（亩）")].startswith("面积（亩）过大")
    assert where[(4, "数量（头、只、箱）")].startswith("数量（头、只、箱）过大")


def test_an_id_number_excel_kept_as_a_number_is_named_as_such_and_an_old_15_digit_one_reads():
    # 621226196001010020 typed into a General cell becomes 6.21226196001010e17: its last digits
    # are gone, so the row cannot be matched; saying "not found" would send the office hunting.
    # An old 15-digit number survives as a number and reads whole.
    grid = [
        HEADER,
        ["", 621226196001010020.0, "冯玉兰", "养殖", "牛", "", 3, 6000, 2026, ""],
        ["", 621226600101002.0, "冯玉兰", "养殖", "牛", "", 3, 6000, 2026, ""],
    ]
    found = read_list(grid, "清单.xlsx", "Sheet1", default_year=None)
    (problem,) = found.problems
    assert (problem.row, problem.column) == (2, "户主身份证号")
    assert problem.message.startswith("身份证号被Excel存成了数字")
    assert [row.id_number for row in found.rows] == ["621226600101002"]


def test_a_sheet_without_the_header_is_one_problem_for_the_whole_file():
    found = read_list([["姓名", "收入"]], "别的表.xlsx", "Sheet1", default_year=2026)
    assert [(problem.row, problem.message[:7]) for problem in found.problems] == [(0, "没有找到表头：")]


def test_a_workbook_is_read_from_its_first_sheet(tmp_path: Path):
    path = tmp_path / "清单.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("种养殖")
    for col, header in enumerate(HEADER):
        sheet.write_string(0, col, header)
    for col, value in enumerate(["6212261002010001", "", "杜春生", "种植", "花椒", 4, None, 12000, 2026]):
        if value is not None:
            sheet.write(1, col, value)
    workbook.close()
    found = read_workbook(path, "清单.xlsx", default_year=None)
    assert found.sheet == "种养殖" and found.problems == []
    assert found.rows[0].household_id == "6212261002010001" and found.rows[0].mu == D("4")


def test_a_file_that_is_no_workbook_is_refused_in_chinese(tmp_path: Path):
    path = tmp_path / "清单.xlsx"
    path.write_bytes(b"not a workbook")
    found = read_workbook(path, "清单.xlsx", default_year=2026)
    assert found.rows == [] and found.problems[0].message.startswith("无法读取该文件")


@pytest.mark.parametrize("text", ["1,200", "1200.5", "0"])
def test_amounts_with_separators_read(text: str):
    grid = [HEADER, ["6212261002010001", "", "杜春生", "种植", "花椒", "1", "", text, 2026, ""]]
    assert read_list(grid, "f.xlsx", "s", default_year=None).rows[0].income == D(text.replace(",", ""))

"""Feedback lists (反馈问题清单) as offices receive them, read into problems.

The lists are written here with xlsxwriter, each messy the way real ones are:

- `provincial`: the 2020 inter-provincial assessment's list: a title row merged across,
  a two-row header (涉及地区 merged over 县区/乡镇/村), 武都区 merged down three rows,
  a blank row, a 合计 row, a note under the list; places written 武都、汉王乡, a
  deadline cell, 2021年3月底, 立行立改, 长期坚持, and one row for two counties.
- `self_check`: a county's own list under 附件2 and its title, with synonym headers
  (存在问题, 牵头单位, 完成时限), one combined place column ("武都区汉王镇",
  "礼县城关镇"), and county headings ("一、武都区（2个）") over rows that have no place
  of their own.
- `broken`: every kind of row that cannot be placed, next to good rows.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from fangfan.engine.rectification.deadlines import DeadlineError, read_deadline
from fangfan.engine.rectification.feedback import ERROR, WARNING, Code, read_feedback
from fangfan.engine.rectification.places import Place, PlaceError, Places
from fangfan.engine.regions import Region

RECEIVED = dt.date(2021, 1, 5)
HANWANG = "621202104"  # 武都区汉王镇
WUDU = "621202"
CHENG = "621221"  # 成县
LIXIAN_CHENGGUAN = "621226100"  # 礼县城关镇


def provincial(path: Path) -> Path:
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("反馈问题")
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.merge_range(0, 0, 0, 8, "2020年省际交叉考核反馈问题整改清单")
    sheet.merge_range(1, 0, 2, 0, "序号")
    sheet.merge_range(1, 1, 2, 1, "问题描述")
    sheet.merge_range(1, 2, 1, 4, "涉及地区")
    sheet.write_row(2, 2, ["县区", "乡镇", "村"])
    for column, title in enumerate(["整改措施", "责任单位", "责任人", "整改时限"], start=5):
        sheet.merge_range(1, column, 2, column, title)
    sheet.merge_range(3, 2, 5, 2, "武都")  # one county down three rows
    sheet.write_row(3, 0, ["1", "部分脱贫户收入核算不准"])
    sheet.write_row(3, 3, ["汉王乡", "", "逐户重新核算", "武都区乡村振兴局", "张明"])
    sheet.write_datetime(3, 8, dt.datetime(2021, 3, 31), date)
    sheet.write_row(
        4,
        0,
        ["2", "危房改造验收资料不全", "", "角弓镇", "", "补齐资料", "武都区住建局", "李强", "2021年3月底"],
    )
    sheet.write_row(
        5, 0, ["3", "帮扶干部走访记录雷同", "", "", "", "重新走访", "武都区委组织部", "王刚", "立行立改"]
    )
    sheet.write_row(
        7,
        0,
        [
            "4",
            "产业项目带贫机制不健全",
            "武都区、成县",
            "",
            "",
            "完善利益联结",
            "各县区农业农村局",
            "",
            "长期坚持",
        ],
    )
    sheet.write_row(8, 0, ["合计", "4个问题"])
    sheet.merge_range(10, 0, 10, 8, "填表人：赵六    联系电话：13912345678")
    workbook.close()
    return path


def self_check(path: Path) -> Path:
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("自查问题")
    sheet.write(0, 0, "附件2")
    sheet.write(1, 1, "2021年脱贫攻坚自查问题清单")
    sheet.write_row(
        2, 0, ["编号", "存在问题", "涉及县区/乡镇/村", "整改举措", "牵头单位", "整改责任人", "完成时限"]
    )
    sheet.merge_range(3, 0, 3, 6, "一、武都区（2个）")
    sheet.write_row(4, 0, ["1", "饮水安全抽检不达标", "", "更换管网", "武都区水务局", "陈", "2021.6"])
    sheet.write_row(5, 0, ["2", "教育资助台账不全", "", "补录台账", "武都区教育局", "刘", "2021年上半年"])
    sheet.merge_range(6, 0, 6, 6, "二、其他县区")
    sheet.write_row(
        7, 0, ["3", "低保动态管理不及时", "武都区汉王镇", "复核", "汉王镇政府", "孙", "2021-04-30"]
    )
    sheet.write_row(
        8, 0, ["4", "易地搬迁后续扶持不到位", "礼县城关镇", "落实产业", "礼县发改局", "周", "2021年底前"]
    )
    workbook.close()
    return path


def broken(path: Path) -> Path:
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("反馈问题")
    sheet.write_row(
        0, 0, ["序号", "问题描述", "涉及县区", "涉及乡镇", "整改措施", "责任单位", "责任人", "整改时限"]
    )
    rows = [
        ["1", "好的一行", "成县", "", "整改", "成县乡村振兴局", "甲", "2021-03-31"],  # row 2: fine
        ["2", "", "成县", "", "整改", "单位", "乙", "2021-03-31"],  # row 3: no description
        ["3", "地点写错", "北京市", "", "整改", "单位", "丙", "2021-03-31"],  # row 4: not in the city
        ["4", "同名乡镇", "", "城关镇", "整改", "单位", "丁", "2021-03-31"],  # row 5: 8 counties have one
        ["5", "乡镇不在县内", "成县", "汉王镇", "整改", "单位", "戊", "2021-03-31"],  # row 6
        ["6", "时限看不懂", "成县", "", "整改", "单位", "己", "尽快"],  # row 7
        ["7", "时限无年份", "成县", "", "整改", "单位", "庚", "6月底前"],  # row 8
        ["8", "好的一行", "成县", "", "整改", "成县乡村振兴局", "甲", "2021-03-31"],  # row 9: repeats row 2
        ["9", "没写地点", "", "", "整改", "单位", "辛", "2021-03-31"],  # row 10
        ["10", "待补充的一行", "文县", "", "", "", "", ""],  # row 11: loads, with warnings
    ]
    for index, row in enumerate(rows, start=1):
        sheet.write_row(index, 0, row)
    workbook.close()
    return path


def test_provincial_list_with_merged_header_and_county_reads_every_problem(tmp_path: Path) -> None:
    feedback = read_feedback(provincial(tmp_path / "省际考核.xlsx"), received=RECEIVED)

    assert feedback.errors.height == 0, feedback.errors
    assert feedback.loadable
    assert feedback.title == "2020年省际交叉考核反馈问题整改清单"
    rows = feedback.rows
    # Four problems, the fourth handed to two counties: five rows to load.
    assert rows.select("row", "part", "region_code", "level").rows() == [
        (4, 1, HANWANG, "township"),
        (5, 1, "621202106", "township"),  # 角弓镇 under the merged 武都
        (6, 1, WUDU, "county"),
        (8, 1, WUDU, "county"),
        (8, 2, CHENG, "county"),
    ]
    assert rows["deadline"].to_list() == [
        dt.date(2021, 3, 31),
        dt.date(2021, 3, 31),
        RECEIVED,  # 立行立改: due the day the list came
        None,
        None,
    ]
    assert rows["deadline_kind"].to_list() == ["date", "date", "immediate", "ongoing", "ongoing"]
    assert rows["responsible_person"].to_list()[:3] == ["张明", "李强", "王刚"]
    skipped = {why for _, _, why in feedback.layout_rows}
    assert skipped == {"合计行", "说明行"}


def test_missing_responsible_person_loads_with_a_warning_naming_the_row(tmp_path: Path) -> None:
    feedback = read_feedback(provincial(tmp_path / "省际考核.xlsx"), received=RECEIVED)

    warnings = feedback.problems.filter(pl.col("severity") == WARNING)
    assert warnings.select("row", "column", "code").rows() == [(8, "责任人", Code.LATER_MISSING)]


def test_synonym_headers_combined_place_column_and_county_headings(tmp_path: Path) -> None:
    feedback = read_feedback(self_check(tmp_path / "自查.xlsx"), received=RECEIVED)

    assert feedback.loadable, feedback.problems
    assert feedback.rows.select("number", "region_code").rows() == [
        ("1", WUDU),  # under 一、武都区
        ("2", WUDU),
        ("3", HANWANG),  # 武都区汉王镇 in one cell
        ("4", LIXIAN_CHENGGUAN),  # 城关镇 named with its county
    ]
    assert feedback.rows["deadline"].to_list() == [
        dt.date(2021, 6, 30),
        dt.date(2021, 6, 30),
        dt.date(2021, 4, 30),
        dt.date(2021, 12, 31),
    ]
    assert feedback.rows["lead_unit"].to_list()[0] == "武都区水务局"
    assert feedback.title == "2021年脱贫攻坚自查问题清单"  # not 附件2


def test_every_kind_of_bad_row_is_reported_with_file_row_column_and_nothing_loads(tmp_path: Path) -> None:
    feedback = read_feedback(broken(tmp_path / "问题清单.xlsx"), "问题清单.xlsx", received=RECEIVED)

    assert not feedback.loadable
    errors = feedback.errors.select("file", "sheet", "row", "column", "code").rows()
    assert errors == [
        ("问题清单.xlsx", "反馈问题", 3, "问题描述", Code.DESCRIPTION_MISSING),
        ("问题清单.xlsx", "反馈问题", 4, "涉及县区", Code.PLACE_UNKNOWN),
        ("问题清单.xlsx", "反馈问题", 5, "涉及乡镇", Code.PLACE_UNKNOWN),
        ("问题清单.xlsx", "反馈问题", 6, "涉及乡镇", Code.PLACE_UNKNOWN),
        ("问题清单.xlsx", "反馈问题", 7, "整改时限", Code.DEADLINE_INVALID),
        ("问题清单.xlsx", "反馈问题", 8, "整改时限", Code.DEADLINE_INVALID),
        ("问题清单.xlsx", "反馈问题", 9, "问题描述", Code.DUPLICATE),
        ("问题清单.xlsx", "反馈问题", 10, "涉及县区", Code.PLACE_MISSING),
    ]
    messages = dict(zip(feedback.errors["row"], feedback.errors["message"], strict=True))
    assert "多个同名地点" in messages[5]
    assert "不在成县范围内" in messages[6]
    assert "缺少年份" in messages[8]
    assert "第 2 行" in messages[9]
    # The good rows are known (for the report), but the list as a whole may not load.
    assert feedback.rows["row"].to_list() == [2, 11]
    warned = feedback.problems.filter(pl.col("severity") == WARNING)
    assert set(warned["row"].to_list()) == {11}
    assert warned.height == 4  # 整改措施, 责任单位, 责任人, 整改时限
    assert set(feedback.problems["severity"].to_list()) == {ERROR, WARNING}


def test_a_fixed_list_loads(tmp_path: Path) -> None:
    path = tmp_path / "问题清单.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(
        0, 0, ["序号", "问题描述", "涉及县区", "涉及乡镇", "整改措施", "责任单位", "责任人", "整改时限"]
    )
    sheet.write_row(1, 0, ["1", "好的一行", "成县", "", "整改", "成县乡村振兴局", "甲", "2021-03-31"])
    sheet.write_row(2, 0, ["2", "同名乡镇", "礼县", "城关镇", "整改", "单位", "丁", "2021年3月31日前"])
    workbook.close()

    feedback = read_feedback(path, received=RECEIVED)

    assert feedback.loadable
    assert feedback.rows["region_code"].to_list() == [CHENG, LIXIAN_CHENGGUAN]


def test_a_place_outside_the_loaders_region_is_an_error(tmp_path: Path) -> None:
    feedback = read_feedback(
        provincial(tmp_path / "省际考核.xlsx"),
        received=RECEIVED,
        may_place=lambda place: place.code.startswith(WUDU),
    )

    assert not feedback.loadable
    assert feedback.errors.select("row", "code").rows() == [(8, Code.PLACE_OUTSIDE)]
    assert "成县不在您的管辖区域内" in feedback.errors["message"][0]


def test_a_sheet_without_a_feedback_header_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "花名册.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    workbook.add_worksheet().write_row(0, 0, ["姓名", "身份证号"])
    workbook.close()

    feedback = read_feedback(path, received=RECEIVED)

    assert not feedback.loadable
    assert feedback.errors["code"].to_list() == [Code.NO_LIST]


def test_a_csv_list_in_gb18030_reads_like_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "反馈.csv"
    text = "序号,问题描述,涉及县区,整改时限\n1,问题甲,康县,2021/3/31\n2,问题乙,两当,长期坚持\n"
    path.write_bytes(text.encode("gb18030"))

    feedback = read_feedback(path, received=RECEIVED)

    assert feedback.rows["region_name"].to_list() == ["康县", "两当县"]


def test_known_villages_are_checked_and_unknown_ones_kept_as_written() -> None:
    village = Region("village", "621202104201", "大庄村", HANWANG)
    places = Places.reference([village])

    assert places.read_one("武都区汉王镇大庄村") == Place("village", "621202104201", "大庄村")
    with pytest.raises(PlaceError):
        places.read_one("汉王镇小庄村")  # the township's villages are known: 小庄村 is not one
    kept = Places.reference().read_one("汉王镇小庄村")
    assert (kept.code, kept.unchecked_village) == (HANWANG, "小庄村")


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("武都", WUDU),
        ("武都区", WUDU),
        ("成", CHENG),
        ("甘肃省陇南市成县", CHENG),
        ("汉王乡", HANWANG),
        ("武都汉王", HANWANG),
        ("坪垭", "621202201"),  # 坪垭藏族乡
        ("全市", "621200"),
    ],
)
def test_place_names_with_and_without_level_words(written: str, expected: str) -> None:
    assert Places.reference().read_one(written).code == expected


@pytest.mark.parametrize(
    ("written", "expected", "kind"),
    [
        ("2021-03-31 00:00:00", dt.date(2021, 3, 31), "date"),  # a date cell as calamine reads it
        ("44286", dt.date(2021, 3, 31), "date"),  # an Excel date number
        ("2021年3月底", dt.date(2021, 3, 31), "date"),
        ("2021年2月底前", dt.date(2021, 2, 28), "date"),
        ("2021.6", dt.date(2021, 6, 30), "date"),
        ("2021年底", dt.date(2021, 12, 31), "date"),
        ("2021年第三季度", dt.date(2021, 9, 30), "date"),
        ("2021年6月30日前完成", dt.date(2021, 6, 30), "date"),
        ("立行立改、长期坚持", RECEIVED, "immediate"),
        ("长期坚持", None, "ongoing"),
        ("", None, "none"),
    ],
)
def test_deadlines_as_offices_write_them(written: str, expected: dt.date | None, kind: str) -> None:
    deadline = read_deadline(written, received=RECEIVED)
    assert (deadline.date, deadline.kind) == (expected, kind)


@pytest.mark.parametrize("written", ["尽快", "2021年13月底", "3月底", "2021年2月30日"])
def test_unreadable_deadlines_are_refused(written: str) -> None:
    with pytest.raises(DeadlineError):
        read_deadline(written, received=RECEIVED)


def test_a_list_starting_in_column_b_keeps_its_merged_cells_in_place(tmp_path: Path) -> None:
    # Calamine starts a sheet at its first used column; the merged ranges must move with it.
    path = tmp_path / "反馈.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(1, 1, ["序号", "问题描述", "县区", "乡镇", "整改时限"])
    sheet.merge_range(2, 3, 3, 3, "徽县")
    sheet.write_row(2, 1, ["1", "问题甲"])
    sheet.write_row(3, 1, ["2", "问题乙"])
    sheet.write_row(2, 4, ["", "2021-05-31"])
    sheet.write_row(3, 4, ["", "2021-05-31"])
    workbook.close()

    feedback = read_feedback(path, received=RECEIVED)

    assert feedback.loadable, feedback.problems
    assert feedback.rows.select("row", "region_name").rows() == [(3, "徽县"), (4, "徽县")]


def test_a_ledger_that_needs_owners_refuses_rows_without_them_and_unknown_categories(tmp_path: Path) -> None:
    path = tmp_path / "清单.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("清单")
    sheet.write_row(
        0, 0, ["序号", "问题描述", "涉及县区", "问题类别", "整改措施", "责任单位", "责任人", "整改时限"]
    )
    sheet.write_row(
        1, 0, ["1", "饮水不达标", "康县", "饮水安全", "改管网", "康县水务局", "甲", "2021年底前，长期坚持"]
    )
    sheet.write_row(2, 0, ["2", "作风漂浮", "康县", "作风", "整顿", "康县纪委", "乙", "长期坚持"])
    sheet.write_row(3, 0, ["3", "台账不全", "康县", "档案", "补齐", "", "丙", "2021-05-01"])
    workbook.close()
    categories = {"饮水安全": "WATER", "WATER": "WATER", "作风": "CONDUCT", "CONDUCT": "CONDUCT"}

    feedback = read_feedback(path, received=RECEIVED, complete=True, categories=categories)

    assert not feedback.loadable
    assert feedback.errors.select("row", "column", "code").rows() == [
        (3, "整改时限", Code.DEADLINE_UNDATED),
        (4, "责任单位", Code.LATER_MISSING),
        (4, "问题类别", Code.CATEGORY_UNKNOWN),
    ]
    assert feedback.rows.select("category", "deadline").rows() == [("WATER", dt.date(2021, 12, 31))]
    assert "饮水安全、作风" in feedback.errors["message"][2]


def test_the_check_command_writes_the_report_and_fails_on_errors(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from fangfan.cli import main

    runner = CliRunner()
    bad = runner.invoke(
        main, ["rectification", "check", str(broken(tmp_path / "清单.xlsx")), "--received", "2021-01-05"]
    )
    good = runner.invoke(main, ["rectification", "check", str(self_check(tmp_path / "自查.xlsx"))])

    assert bad.exit_code == 1
    # The 8 rows above, and row 11's four blanks: an import needs them filled.
    assert "有 12 处错误" in bad.output
    assert "反馈问题 第3行 问题描述：问题描述为空" in bad.output
    assert (tmp_path / "清单-导入检查.xlsx").exists()
    assert good.exit_code == 0, good.output
    assert "可以导入：4 个问题" in good.output


def test_a_workbook_with_a_sheet_per_county_reads_every_sheet_and_skips_the_notes(tmp_path: Path) -> None:
    path = tmp_path / "分县清单.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    for county, problem in (("武都区", "问题甲"), ("成县", "问题乙")):
        sheet = workbook.add_worksheet(county)
        sheet.write_row(0, 0, ["序号", "问题描述", "县区", "整改时限"])
        sheet.write_row(1, 0, ["1", problem, county, "2021-06-30"])
    workbook.add_worksheet("填表说明").write(0, 0, "整改时限请写到日")
    workbook.close()

    feedback = read_feedback(path, received=RECEIVED)

    assert feedback.loadable
    assert feedback.rows.select("sheet", "row", "region_code").rows() == [
        ("武都区", 2, WUDU),
        ("成县", 2, CHENG),
    ]


def test_a_file_that_is_not_a_workbook_is_reported_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "清单.xlsx"
    path.write_bytes(b"this is not a workbook")

    feedback = read_feedback(path, received=RECEIVED)

    assert not feedback.loadable
    assert feedback.errors.select("code").rows() == [(Code.UNREADABLE,)]
    assert "清单.xlsx" in feedback.errors["message"][0]


def test_a_county_without_a_township_of_its_own_stays_beside_the_townships_of_another(tmp_path: Path) -> None:
    path = tmp_path / "清单.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["序号", "问题描述", "涉及县区", "涉及乡镇", "整改时限"])
    sheet.write_row(1, 0, ["1", "问题甲", "武都区、成县", "汉王镇", "2021-06-30"])
    workbook.close()

    feedback = read_feedback(path, received=RECEIVED)

    assert feedback.rows.select("part", "region_code").rows() == [(1, HANWANG), (2, CHENG)]


def test_a_first_data_row_that_looks_like_a_header_is_not_taken_for_one(tmp_path: Path) -> None:
    # 备注 is not in the header; the first row's note says 说明 (a header name): it stays data.
    path = tmp_path / "清单.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["序号", "问题描述", "涉及县区", "整改时限", ""])
    sheet.write_row(1, 0, ["1", "问题甲", "康县", "2021-06-30", "说明"])
    sheet.write_row(2, 0, ["2", "问题乙", "徽县", "2021-06-30", ""])
    workbook.close()

    feedback = read_feedback(path, received=RECEIVED)

    assert feedback.rows["description"].to_list() == ["问题甲", "问题乙"]

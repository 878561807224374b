"""Village work teams' attendance and roster rules (fangfan.engine.fieldwork).

The cast, in November 2026 (20 days a month required; leave of up to 3 days the township's):
- 赵建国, 第一书记, checked in 15 days and was on approved leave 16–20 November: 5 days of leave,
  so he is not absent; short of 20 days in the village, but excused for the leave he had.
- 钱小军, a member next to him, checked in the same 15 days with no leave: 5 days absent without leave.
- 孙丽, who joined on 16 November, needs only half the month (10 days), and has them.
- 李明, on 5 December: five check-ins in five days is nobody absent yet.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlsxwriter

from fangfan.engine import idnumber
from fangfan.engine.fieldwork.attendance import (
    counted_attendance,
    leave_approver,
    month_attendance,
    parse_month,
    previous_month,
    team_warnings,
)
from fangfan.engine.fieldwork.roster import read_roster
from fangfan.engine.fieldwork.rules import field_rules

RULES = field_rules(2026)
NOVEMBER = dt.date(2026, 11, 1)
TODAY = dt.date(2026, 12, 6)
FIRST_HALF = {dt.date(2026, 11, day) for day in range(1, 16)}


def test_first_secretary_on_approved_leave_is_not_absent():
    zhao = month_attendance(
        NOVEMBER,
        today=TODAY,
        rules=RULES,
        check_ins=FIRST_HALF,
        leaves=[(dt.date(2026, 11, 16), dt.date(2026, 11, 20))],
    )
    assert (zhao.checked_in, zhao.leave_days, zhao.absent_without_leave) == (15, 5, 0)
    assert zhao.met is True and zhao.status == "达标"


def test_member_with_the_same_days_and_no_leave_is_absent_five_days():
    qian = month_attendance(NOVEMBER, today=TODAY, rules=RULES, check_ins=FIRST_HALF)
    assert (qian.required, qian.absent_without_leave, qian.met) == (20, 5, False)


def test_member_who_joined_mid_month_needs_only_his_share():
    sun = month_attendance(
        NOVEMBER,
        today=TODAY,
        rules=RULES,
        check_ins={dt.date(2026, 11, day) for day in range(16, 26)},
        joined=dt.date(2026, 11, 16),
    )
    assert (sun.days_in_post, sun.required, sun.absent_without_leave, sun.met) == (15, 10, 0, True)


def test_nobody_is_absent_for_days_still_to_come():
    li = month_attendance(
        dt.date(2026, 12, 1),
        today=dt.date(2026, 12, 5),
        rules=RULES,
        check_ins={dt.date(2026, 12, day) for day in range(1, 6)},
    )
    assert (li.days_elapsed, li.absent_without_leave, li.met, li.status) == (5, 0, None, "本月进行中")


def test_days_gone_by_without_check_in_or_leave_are_absences_in_a_running_month():
    idle = month_attendance(dt.date(2026, 12, 1), today=dt.date(2026, 12, 5), rules=RULES, check_ins=[])
    assert idle.absent_without_leave == 5


def test_a_leave_day_also_checked_in_counts_once_as_in_the_village():
    both = month_attendance(
        NOVEMBER,
        today=TODAY,
        rules=RULES,
        check_ins={dt.date(2026, 11, 1)},
        leaves=[(dt.date(2026, 10, 30), dt.date(2026, 11, 2))],
    )
    assert (both.checked_in, both.leave_days) == (1, 1)


def test_a_five_day_leave_goes_to_the_county_a_three_day_one_to_the_township():
    assert leave_approver(5, RULES) == "county"
    assert leave_approver(3, RULES) == "township"


def test_team_of_two_without_first_secretary_on_a_short_term_is_warned_three_times():
    warnings = team_warnings(
        members=2,
        first_secretaries=0,
        term_start=dt.date(2025, 3, 1),
        term_end=dt.date(2026, 2, 28),
        rules=RULES,
    )
    assert warnings == ["在岗队员2人，少于3人", "没有第一书记", "任期不足2年"]


def test_a_two_year_term_written_as_offices_write_it_is_whole():
    assert (
        team_warnings(
            members=3,
            first_secretaries=1,
            term_start=dt.date(2024, 3, 1),
            term_end=dt.date(2026, 2, 28),
            rules=RULES,
        )
        == []
    )


def test_month_is_read_as_year_dash_month():
    assert parse_month("2026-11") == NOVEMBER
    assert previous_month(dt.date(2026, 1, 15)) == dt.date(2025, 12, 1)


HEADER = [
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
ZHAO_ID = idnumber.make("621226", dt.date(1980, 5, 1), 11)
QIAN_ID = idnumber.make("621226", dt.date(1990, 7, 2), 13)


def _workbook(path: Path, rows: list[list[object]]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("驻村工作队")
    sheet.write_row(0, 0, ["礼县驻村工作队花名册"])
    sheet.write_row(1, 0, HEADER)
    for index, row in enumerate(rows, start=2):
        for column, value in enumerate(row):
            if isinstance(value, int | float):
                sheet.write_number(index, column, value)
            else:
                sheet.write_string(index, column, str(value))
    book.close()
    return path


def test_a_clean_roster_reads_every_member(tmp_path):
    path = _workbook(
        tmp_path / "花名册.xlsx",
        [
            [
                "礼县",
                "城关镇",
                "石桥村",
                "省财政厅",
                "省级",
                "赵建国",
                ZHAO_ID,
                "第一书记",
                "13912345678",
                "2024-03-01",
                "2026-02-28",
            ],
            ["礼县", "城关镇", "石桥村", "县农业农村局", "县", "钱小军", QIAN_ID, "队员", "", "2024/3/1", ""],
        ],
    )
    roster = read_roster(path, "花名册.xlsx")
    assert roster.problems == []
    zhao, qian = roster.rows
    assert (zhao.row, zhao.unit_level, zhao.duty, zhao.term_end) == (
        3,
        "province",
        "first_secretary",
        dt.date(2026, 2, 28),
    )
    assert (qian.unit_level, qian.term_start, qian.term_end) == ("county", dt.date(2024, 3, 1), None)


def test_an_id_number_excel_made_a_number_is_refused_by_row_and_column(tmp_path):
    path = _workbook(
        tmp_path / "花名册.xlsx",
        [
            [
                "礼县",
                "城关镇",
                "石桥村",
                "省财政厅",
                "省",
                "赵建国",
                float(ZHAO_ID[:17] + "0"),
                "第一书记",
                "",
                "2024-03-01",
                "",
            ]
        ],
    )
    roster = read_roster(path, "花名册.xlsx")
    assert roster.rows == []
    (problem,) = roster.problems
    assert (problem.file, problem.sheet, problem.row, problem.column) == (
        "花名册.xlsx",
        "驻村工作队",
        3,
        "身份证号",
    )
    assert "存成了数字" in problem.message


def test_bad_cells_are_each_named(tmp_path):
    path = _workbook(
        tmp_path / "花名册.xlsx",
        [
            ["礼县", "城关镇", "", "省财政厅", "部", "赵建国", ZHAO_ID, "组长", "123", "去年", ""],
            ["礼县", "城关镇", "石桥村", "省财政厅", "省", "钱小军", ZHAO_ID, "队员", "", "2024-03-01", ""],
        ],
    )
    problems = {(p.row, p.column): p.message for p in read_roster(path, "花名册.xlsx").problems}
    assert set(problems) == {(3, "行政村"), (3, "层级"), (3, "职务"), (3, "联系电话"), (3, "任期开始")}
    # The second row's ID repeats the first's, which was refused: no repeat is claimed.
    path = _workbook(
        tmp_path / "重复.xlsx",
        [
            ["礼县", "城关镇", "石桥村", "省财政厅", "省", "赵建国", ZHAO_ID, "队员", "", "2024-03-01", ""],
            ["礼县", "城关镇", "石桥村", "省财政厅", "省", "赵建国", ZHAO_ID, "队员", "", "2024-03-01", ""],
        ],
    )
    (repeat,) = read_roster(path, "重复.xlsx").problems
    assert (repeat.row, repeat.column) == (4, "身份证号") and "第3行" in repeat.message


def test_a_file_that_is_not_a_workbook_is_one_sentence(tmp_path):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(b"not a workbook")
    (problem,) = read_roster(path, "名单.xlsx").problems
    assert problem.row == 0 and "名单.xlsx" in problem.message


def test_counts_made_in_sql_give_the_same_month_as_the_days_themselves():
    days = {dt.date(2026, 11, day) for day in (2, 3, 5, 8, 13, 21)}
    from_days = month_attendance(NOVEMBER, today=dt.date(2026, 11, 25), rules=RULES, check_ins=days)
    from_counts = counted_attendance(NOVEMBER, today=dt.date(2026, 11, 25), rules=RULES, checked_in=6)
    assert from_days == from_counts
    assert (from_counts.days_elapsed, from_counts.absent_without_leave, from_counts.met) == (25, 14, None)


def test_a_member_who_left_mid_month_is_judged_on_his_days_in_post():
    gone = counted_attendance(NOVEMBER, today=TODAY, rules=RULES, checked_in=9, left=dt.date(2026, 11, 15))
    assert (gone.days_in_post, gone.required, gone.absent_without_leave, gone.met) == (15, 10, 1, False)

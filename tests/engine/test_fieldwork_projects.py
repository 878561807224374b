"""衔接资金项目 alerts, budgets and workbooks: the engine alone, no database.

The cast, on 2026-12-06 under the 2020 rules (schedule gap 20 points, payment gap 30
points, acceptance within 30 days):
- 石桥村产业路 was to start on 2026-11-20 and has not; 上坪村饮水 starts tomorrow (near miss).
- 花椒加工厂 (to run to the end of 2028) started in March, reports 10% done and has been
  paid 60% of its budget (ahead); 养殖小区 reports 80% and has been paid 20% (behind); 蔬菜大棚
  reports 45% and is paid 50% (near miss).
- 文化广场 finished on 2026-10-20 and nobody has accepted it (47 days); 村卫生室 finished on
  2026-11-20 (16 days: not yet an alert); 便民桥 finished long ago and was accepted.
- 灌溉渠 was to run 2026-01-01 to 2026-12-31 (93% of it elapsed) and reports 50% (behind);
  小学操场 over the same plan reports 80% (13 points behind: a near miss).
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import xlsxwriter
from python_calamine import CalamineWorkbook

from fangfan.engine.fieldwork import project_workbooks as workbooks
from fangfan.engine.fieldwork.projects import (
    BEHIND_SCHEDULE,
    NOT_ACCEPTED,
    NOT_STARTED,
    PAYMENT_AHEAD,
    PAYMENT_BEHIND,
    ProjectState,
    budget_problem,
    expected_percent,
    project_alerts,
)
from fangfan.engine.fieldwork.rules import field_rules

TODAY = dt.date(2026, 12, 6)
RULES = field_rules(2020)
MILLION = Decimal(1_000_000)


def kinds(state: ProjectState) -> list[str]:
    return [alert.kind for alert in project_alerts(state, RULES, TODAY)]


def plan(start: dt.date, finish: dt.date, **fields: object) -> ProjectState:
    return ProjectState(planned_start=start, planned_finish=finish, budget_yuan=MILLION, **fields)  # type: ignore[arg-type]


def test_the_road_not_started_after_its_planned_start_is_an_alert_with_the_days_late():
    road = plan(dt.date(2026, 11, 20), dt.date(2027, 6, 30))
    alerts = project_alerts(road, RULES, TODAY)
    assert [alert.kind for alert in alerts] == [NOT_STARTED]
    assert alerts[0].title == "逾期未开工"
    assert "计划2026年11月20日开工" in alerts[0].details and "已超过16天" in alerts[0].details


def test_the_water_project_starting_tomorrow_is_no_alert_yet():
    assert kinds(plan(TODAY + dt.timedelta(days=1), dt.date(2027, 6, 30))) == []
    assert kinds(plan(TODAY, dt.date(2027, 6, 30))) == [], "the planned start day itself is not late"


def test_the_pepper_plant_paid_ahead_of_its_progress_is_flagged_with_the_shares():
    pepper = plan(
        dt.date(2026, 3, 1),
        dt.date(2028, 12, 31),
        actual_start=dt.date(2026, 3, 10),
        progress_percent=10,
        paid_yuan=Decimal(600_000),
    )
    alerts = project_alerts(pepper, RULES, TODAY)
    assert [alert.kind for alert in alerts] == [PAYMENT_AHEAD]
    assert "占预算1,000,000 元的60%" in alerts[0].details
    assert "支付超前50个百分点" in alerts[0].details


def test_the_farm_paid_behind_its_progress_is_flagged_and_the_greenhouse_near_miss_is_not():
    farm = plan(
        dt.date(2026, 3, 1),
        dt.date(2027, 3, 1),
        actual_start=dt.date(2026, 3, 1),
        progress_percent=80,
        paid_yuan=Decimal(200_000),
    )
    greenhouse = plan(
        dt.date(2026, 3, 1),
        dt.date(2027, 12, 1),
        actual_start=dt.date(2026, 3, 1),
        progress_percent=45,
        paid_yuan=Decimal(500_000),
    )
    assert kinds(farm) == [PAYMENT_BEHIND]
    assert kinds(greenhouse) == []


def test_the_square_finished_47_days_ago_and_not_accepted_is_flagged_but_the_clinic_at_16_days_is_not():
    square = plan(
        dt.date(2026, 3, 1),
        dt.date(2026, 10, 31),
        actual_start=dt.date(2026, 3, 1),
        actual_finish=dt.date(2026, 10, 20),
        progress_percent=100,
        paid_yuan=MILLION,
    )
    clinic = plan(
        dt.date(2026, 3, 1),
        dt.date(2026, 11, 30),
        actual_start=dt.date(2026, 3, 1),
        actual_finish=dt.date(2026, 11, 20),
        progress_percent=100,
        paid_yuan=MILLION,
    )
    alerts = project_alerts(square, RULES, TODAY)
    assert [alert.kind for alert in alerts] == [NOT_ACCEPTED]
    assert "已47天未验收" in alerts[0].details
    assert kinds(clinic) == []


def test_an_accepted_project_has_no_alerts_whatever_its_figures():
    bridge = plan(
        dt.date(2025, 3, 1),
        dt.date(2025, 10, 1),
        actual_start=dt.date(2025, 3, 1),
        actual_finish=dt.date(2025, 9, 1),
        progress_percent=100,
        accepted_on=dt.date(2025, 9, 20),
    )
    assert kinds(bridge) == []


def test_the_canal_behind_the_share_of_its_planned_time_is_flagged_and_the_playground_near_miss_is_not():
    canal = plan(
        dt.date(2026, 1, 1), dt.date(2026, 12, 31), actual_start=dt.date(2026, 1, 5), progress_percent=50
    )
    playground = plan(
        dt.date(2026, 1, 1),
        dt.date(2026, 12, 31),
        actual_start=dt.date(2026, 1, 5),
        progress_percent=80,
        paid_yuan=Decimal(800_000),
    )
    alerts = project_alerts(canal, RULES, TODAY)
    assert BEHIND_SCHEDULE in [alert.kind for alert in alerts]
    behind = next(alert for alert in alerts if alert.kind == BEHIND_SCHEDULE)
    assert "应完成约93%" in behind.details and "落后43个百分点" in behind.details
    assert kinds(playground) == []


def test_the_expected_share_runs_from_nothing_before_the_start_to_all_after_the_finish():
    start, finish = dt.date(2026, 1, 1), dt.date(2026, 1, 11)
    assert expected_percent(start, finish, dt.date(2025, 12, 1)) == 0
    assert expected_percent(start, finish, dt.date(2026, 1, 6)) == 50
    assert expected_percent(start, finish, dt.date(2027, 1, 1)) == 100


def test_a_budget_must_be_the_sum_of_its_fund_sources():
    assert budget_problem(Decimal(300), {"central": Decimal(200), "county": Decimal(100)}) is None
    assert "不等于各级资金合计" in str(budget_problem(Decimal(300), {"central": Decimal(200)}))
    assert "未知的资金来源" in str(budget_problem(Decimal(300), {"bank": Decimal(300)}))
    assert "请至少填写一项" in str(budget_problem(Decimal(0), {}))


def _workbook(rows: list[list[object]], beneficiaries: list[list[object]] | None = None) -> bytes:
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"in_memory": True})
    sheet = book.add_worksheet("项目库")
    sheet.write_row(0, 0, ["2026年礼县衔接资金项目库"])
    header = [
        "项目编号",
        "项目名称",
        "项目类别",
        "县区",
        "乡镇",
        "村",
        "建设内容",
        "中央资金（万元）",
        "县级资金（万元）",
    ]
    header += ["项目预算（万元）", "计划开工日期", "计划完工日期"]
    sheet.write_row(1, 0, header)
    for index, row in enumerate(rows, start=2):
        sheet.write_row(index, 0, row)
    if beneficiaries is not None:
        other = book.add_worksheet("联农带农")
        other.write_row(0, 0, ["项目编号", "户编号", "户主身份证号", "带动方式", "年收益（元）"])
        for index, row in enumerate(beneficiaries, start=1):
            other.write_row(index, 0, row)
    book.close()
    return output.getvalue()


def test_a_library_in_ten_thousands_of_yuan_reads_as_yuan_with_its_beneficiaries():
    content = _workbook(
        [
            [
                "LX-001",
                "石桥村产业路",
                "基础设施",
                "礼县",
                "城关镇",
                "石桥村",
                "硬化2公里",
                60,
                40,
                100,
                "2026-03-01",
                "2026年10月31日",
            ]
        ],
        [["LX-001", "6212261002010001", "", "务工", 6000]],
    )
    book = workbooks.read_project_workbook(content, "项目库.xlsx")
    assert book.problems == []
    (project,) = book.projects
    assert project.funds == {"central": Decimal("600000.00"), "county": Decimal("400000.00")}
    assert project.budget_yuan == MILLION
    assert project.planned_finish == dt.date(2026, 10, 31)
    assert [(row.number, row.household_id, row.benefit, row.yuan) for row in book.beneficiaries] == [
        ("LX-001", "6212261002010001", "work", Decimal("6000.00"))
    ]


def test_every_bad_cell_is_named_by_file_sheet_row_and_column():
    content = _workbook(
        [
            ["LX-001", "产业路", "修路", "礼县", "", "", "", 60, 40, 100, "2026-03-01", "2026-10-31"],
            ["LX-002", "水窖", "基础设施", "礼县", "", "", "", 60, 40, 90, "明年春天", "2026-10-31"],
        ],
        [["LX-001", "", "", "分钱", 100]],
    )
    book = workbooks.read_project_workbook(content, "项目库.xlsx")
    found = {(problem.sheet, problem.row, problem.column): problem.message for problem in book.problems}
    assert found[("项目库", 3, "项目类别")].startswith("项目类别应为产业发展")
    assert found[("项目库", 4, "计划开工日期")].startswith("应为日期")
    assert ("联农带农", 2, "户编号") in found and ("联农带农", 2, "带动方式") in found
    assert all(problem.file == "项目库.xlsx" for problem in book.problems)
    assert book.projects == []


def test_a_budget_that_does_not_add_up_is_a_problem_of_its_row():
    content = _workbook(
        [["LX-001", "产业路", "基础设施", "礼县", "", "", "", 60, 30, 100, "2026-03-01", "2026-10-31"]]
    )
    (problem,) = workbooks.read_project_workbook(content, "库.xlsx").problems
    assert (problem.row, problem.column) == (3, "项目预算（万元）")
    assert "不等于各级资金合计" in problem.message


def test_a_sum_too_large_for_the_library_is_a_problem_of_its_cell_not_a_crash():
    # A mistyped budget (1e30, or 1e13 yuan) must be named like any bad cell; the library keeps
    # yuan in 14 digits, and a quantize of 1e30 raised InvalidOperation (a 500 on the import page).
    content = _workbook(
        [
            ["LX-001", "产业路", "基础设施", "礼县", "", "", "", 1e30, 0, 1e30, "2026-03-01", "2026-10-31"],
            ["LX-002", "水窖", "基础设施", "礼县", "", "", "", "NaN", 0, 1e9, "2026-03-01", "2026-10-31"],
        ],
        [["LX-001", "6212261002010001", "", "务工", 1e13]],
    )
    book = workbooks.read_project_workbook(content, "项目库.xlsx")
    found = {(problem.sheet, problem.row, problem.column): problem.message for problem in book.problems}
    assert found[("项目库", 3, "中央资金（万元）")].startswith("金额过大")
    assert found[("项目库", 3, "项目预算（万元）")].startswith("金额过大")
    assert found[("项目库", 4, "中央资金（万元）")] == "应为金额（数字）"
    assert found[("项目库", 4, "项目预算（万元）")].startswith("金额过大")  # 1e9 万元 is 1e13 yuan
    assert found[("联农带农", 2, "年收益（元）")].startswith("金额过大")
    assert book.projects == [] and book.beneficiaries == []


def test_a_beneficiarys_id_number_kept_as_a_number_by_excel_is_named_as_such():
    content = _workbook(
        [["LX-001", "产业路", "基础设施", "礼县", "", "", "", 60, 40, 100, "2026-03-01", "2026-10-31"]],
        [["LX-001", "", 621226196001010020.0, "务工", 6000], ["LX-001", "", 621226600101002.0, "务工", 10]],
    )
    book = workbooks.read_project_workbook(content, "项目库.xlsx")
    (problem,) = book.problems
    assert (problem.sheet, problem.row, problem.column) == ("联农带农", 2, "户主身份证号")
    assert problem.message.startswith("身份证号被Excel存成了数字")
    assert [row.id_number for row in book.beneficiaries] == ["621226600101002"]


def test_a_file_that_is_no_workbook_is_one_problem():
    (problem,) = workbooks.read_project_workbook(b"not excel", "x.xlsx").problems
    assert "无法读取" in problem.message


def test_the_problems_workbook_has_a_title_a_date_and_a_frozen_header():
    problem = workbooks.Problem("库.xlsx", "项目库", 3, "项目类别", "修路", "项目类别应为……")
    output = io.BytesIO()
    workbooks.write_problems(output, [problem], today=TODAY)
    rows = (
        CalamineWorkbook.from_filelike(io.BytesIO(output.getvalue()))
        .get_sheet_by_name("导入问题")
        .to_python()
    )
    assert rows[0][0] == "衔接资金项目导入问题清单"
    assert "2026年12月6日" in rows[1][0]
    assert rows[2][:4] == ["文件", "工作表", "行", "列"]
    assert rows[3][1:4] == ["项目库", 3.0, "项目类别"]


def test_the_import_template_reads_back_clean_with_its_example_project_and_beneficiary():
    output = io.BytesIO()
    workbooks.write_import_template(output)
    book = workbooks.read_project_workbook(output.getvalue(), "导入模板.xlsx")
    assert book.problems == []
    assert [(row.number, row.village, row.budget_yuan) for row in book.projects] == [
        ("2026-001", "石桥村", MILLION)
    ]
    assert [(row.number, row.benefit) for row in book.beneficiaries] == [("2026-001", "work")]

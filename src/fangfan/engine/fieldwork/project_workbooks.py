"""衔接资金项目 workbooks: the project library as offices keep it (in), and the reports (out).

Reading (`read_project_workbook`): a sheet whose header names 项目名称 is the library, one
row per project with its fund columns (中央资金, 省级资金, 市级资金, 县级资金, 其他资金; a
header saying 万元 is multiplied out to yuan), the budget, the planned dates and where it
is (县区, 乡镇, 村 by name or code); a sheet whose header names 户编号 or 户主身份证号 lists
the households each project benefits (联农带农). Title rows above the header are skipped.
Every problem names the file, sheet, row and column; the caller loads nothing while any
remains. The places, households and existing project numbers are the caller's to check.

Writing: the county report, the alerts list and an import's problems, each titled with
its region and dated like every office workbook (`fangfan.engine.rectification.workbooks.Book`).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import xlsxwriter
from python_calamine import CalamineWorkbook

from fangfan.engine.fieldwork.projects import BENEFITS, KINDS, budget_problem
from fangfan.engine.formatting import money_text
from fangfan.engine.masking import mask_text
from fangfan.engine.rectification.workbooks import DATE, NUMBER, Book, Column, Target

TEN_THOUSAND = Decimal(10_000)
ID_AS_NUMBER = "身份证号被Excel存成了数字，后几位已丢失；请把该列设为“文本”格式后重新输入18位号码"
# The most a money cell may hold: the library keeps yuan in 14 digits, two after the point.
MAX_YUAN = Decimal("999999999999.99")
HEADER_SEARCH_ROWS = 10
# The library's columns: field -> the header texts offices use (after spaces are removed).
PROJECT_HEADERS: dict[str, tuple[str, ...]] = {
    "number": ("项目编号", "编号"),
    "name": ("项目名称",),
    "kind": ("项目类别", "项目类型", "类别"),
    "county": ("县区", "县（区）", "县(区)", "所在县区", "县"),
    "township": ("乡镇", "乡（镇）", "乡(镇)", "所在乡镇"),
    "village": ("村", "行政村", "所在村"),
    "content": ("建设内容", "建设内容及规模", "项目内容"),
    "budget": ("项目预算", "总投资", "预算", "项目总投资"),
    "planned_start": ("计划开工日期", "计划开工时间", "计划开工"),
    "planned_finish": ("计划完工日期", "计划完工时间", "计划完工"),
}
FUND_WORDS = {"central": "中央", "province": "省", "city": "市", "county": "县", "other": "其他"}
BENEFICIARY_HEADERS: dict[str, tuple[str, ...]] = {
    "number": ("项目编号",),
    "household_id": ("户编号",),
    "id_number": ("户主身份证号", "身份证号"),
    "benefit": ("带动方式", "联农带农方式", "受益方式", "带农方式"),
    "yuan": ("年收益", "年受益金额", "户年增收", "年增收", "受益金额"),
}
KIND_BY_LABEL = {label: code for code, label in KINDS} | {code: code for code, _ in KINDS}
BENEFIT_BY_LABEL = {label: code for code, label in BENEFITS} | {code: code for code, _ in BENEFITS}
UNIT = re.compile(r"[（(][^）)]*[）)]")
DATE_TEXT = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


@dataclass(frozen=True)
class Problem:
    """Why a cell (or a row, or the file) cannot be loaded, in Chinese."""

    file: str
    sheet: str
    row: int | None
    column: str
    value: str
    message: str


@dataclass
class ProjectRow:
    sheet: str
    row: int
    number: str
    name: str
    kind: str
    county: str
    township: str
    village: str
    content: str
    budget_yuan: Decimal
    funds: dict[str, Decimal]
    planned_start: dt.date
    planned_finish: dt.date


@dataclass
class BeneficiaryRow:
    sheet: str
    row: int
    number: str
    household_id: str
    id_number: str
    benefit: str
    yuan: Decimal


@dataclass
class ProjectWorkbook:
    """What a workbook holds: its projects, its beneficiaries and every problem found."""

    file: str
    projects: list[ProjectRow] = field(default_factory=list)
    beneficiaries: list[BeneficiaryRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def problem(self, sheet: str, row: int | None, column: str, value: Any, message: str) -> None:
        shown = "" if value is None else mask_text(str(value))[:60]
        self.problems.append(Problem(self.file, sheet, row, column, shown, message))


def read_project_workbook(content: bytes, file_name: str) -> ProjectWorkbook:
    """The projects and beneficiaries of an uploaded workbook, with every problem found."""
    book = ProjectWorkbook(file_name)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
    except Exception:  # calamine raises its own errors for anything it cannot read
        book.problem("", None, "", "", "无法读取该文件，请上传Excel文件（.xlsx、.xls）")
        return book
    for name in workbook.sheet_names:
        rows = workbook.get_sheet_by_name(name).to_python()
        _read_sheet(book, name, rows)
    if not book.projects and not book.beneficiaries and not book.problems:
        missing = "没有找到项目表（表头含“项目名称”）或联农带农表（表头含“户编号”或“户主身份证号”）"
        book.problem("", None, "", "", missing)
    return book


def _header_text(value: Any) -> str:
    return re.sub(r"\s+", "", str(value or ""))


def _find_header(rows: Sequence[Sequence[Any]], wanted: Iterable[str]) -> int | None:
    names = set(wanted)
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        cells = {UNIT.sub("", _header_text(cell)) for cell in row}
        if cells & names:
            return index
    return None


def _columns(header: Sequence[Any], aliases: dict[str, tuple[str, ...]]) -> dict[str, tuple[int, str]]:
    found: dict[str, tuple[int, str]] = {}
    for index, cell in enumerate(header):
        text = _header_text(cell)
        bare = UNIT.sub("", text)
        for name, names in aliases.items():
            if name not in found and bare in names:
                found[name] = (index, text)
    return found


def _fund_columns(header: Sequence[Any]) -> dict[str, tuple[int, str]]:
    found: dict[str, tuple[int, str]] = {}
    for index, cell in enumerate(header):
        text = _header_text(cell)
        if "资金" not in text or "合计" in text:
            continue
        for level, word in FUND_WORDS.items():
            if text.startswith(word) and level not in found:
                found[level] = (index, text)
    return found


def _read_sheet(book: ProjectWorkbook, sheet: str, rows: list[list[Any]]) -> None:
    at = _find_header(rows, ("项目名称",))
    if at is not None:
        _read_projects(book, sheet, rows, at)
        return
    at = _find_header(rows, ("户编号", "户主身份证号"))
    if at is not None:
        _read_beneficiaries(book, sheet, rows, at)


def _cell(row: Sequence[Any], column: tuple[int, str] | None) -> Any:
    if column is None or column[0] >= len(row):
        return None
    value = row[column[0]]
    return None if value == "" else value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _blank(row: Sequence[Any]) -> bool:
    return all(_text(cell) == "" for cell in row)


def _read_projects(book: ProjectWorkbook, sheet: str, rows: list[list[Any]], at: int) -> None:
    before = len(book.problems)
    header = rows[at]
    columns = _columns(header, PROJECT_HEADERS)
    funds = _fund_columns(header)
    for needed in ("number", "name", "kind", "budget", "planned_start", "planned_finish"):
        if needed not in columns:
            book.problem(sheet, at + 1, PROJECT_HEADERS[needed][0], "", "缺少这一列")
    if not funds:
        levels = "中央资金、省级资金、市级资金、县级资金、其他资金"
        book.problem(sheet, at + 1, "中央资金", "", f"缺少资金来源列（{levels}）")
    if not {"county", "township", "village"} & columns.keys():
        book.problem(sheet, at + 1, "县区", "", "缺少项目所在地的列（县区、乡镇、村）")
    if len(book.problems) > before:
        return
    for offset, row in enumerate(rows[at + 1 :], start=at + 2):
        if not _blank(row):
            _project_row(book, sheet, offset, row, columns, funds)


def _project_row(
    book: ProjectWorkbook,
    sheet: str,
    number: int,
    row: Sequence[Any],
    columns: dict[str, tuple[int, str]],
    funds: dict[str, tuple[int, str]],
) -> None:
    before = len(book.problems)

    def text(name: str, required: bool = False) -> str:
        value = _text(_cell(row, columns.get(name)))
        if required and not value:
            book.problem(sheet, number, columns[name][1], "", "不能为空")
        return value

    kind_text = text("kind", True)
    kind = KIND_BY_LABEL.get(kind_text, "")
    if kind_text and not kind:
        labels = "、".join(label for _, label in KINDS)
        book.problem(sheet, number, columns["kind"][1], kind_text, f"项目类别应为{labels}之一")
    amounts = {
        level: _money(book, sheet, number, column, _cell(row, column))
        for level, column in funds.items()
        if _cell(row, column) is not None
    }
    budget = _money(book, sheet, number, columns["budget"], _cell(row, columns["budget"]))
    start = _date(book, sheet, number, columns["planned_start"], _cell(row, columns["planned_start"]))
    finish = _date(book, sheet, number, columns["planned_finish"], _cell(row, columns["planned_finish"]))
    project = ProjectRow(
        sheet=sheet,
        row=number,
        number=text("number", True),
        name=text("name", True),
        kind=kind,
        county=text("county"),
        township=text("township"),
        village=text("village"),
        content=text("content"),
        budget_yuan=budget or Decimal(0),
        funds={level: amount for level, amount in amounts.items() if amount is not None},
        planned_start=start or dt.date.min,
        planned_finish=finish or dt.date.min,
    )
    if len(book.problems) > before:
        return
    if not (project.county or project.township or project.village):
        book.problem(sheet, number, "县区", "", "请填写项目所在的县区、乡镇或村")
    if project.planned_finish < project.planned_start:
        column = columns["planned_finish"][1]
        book.problem(sheet, number, column, _text(finish), "计划完工日期早于计划开工日期")
    problem = budget_problem(project.budget_yuan, project.funds)
    if problem:
        book.problem(sheet, number, columns["budget"][1], _text(budget), problem)
    if len(book.problems) == before:
        book.projects.append(project)


def _money(
    book: ProjectWorkbook, sheet: str, row: int, column: tuple[int, str], value: Any
) -> Decimal | None:
    if value is None:
        book.problem(sheet, row, column[1], "", "不能为空")
        return None
    try:
        amount = Decimal(_text(value).replace(",", "").replace("，", "").removesuffix("元"))
    except InvalidOperation:
        book.problem(sheet, row, column[1], value, "应为金额（数字）")
        return None
    if not amount.is_finite():
        book.problem(sheet, row, column[1], value, "应为金额（数字）")
        return None
    if amount < 0:
        book.problem(sheet, row, column[1], value, "金额不能为负数")
        return None
    scaled = amount * TEN_THOUSAND if "万元" in column[1] else amount
    if scaled > MAX_YUAN:
        book.problem(sheet, row, column[1], value, f"金额过大：不能超过{money_text(MAX_YUAN)}，请核对单位")
        return None
    return scaled.quantize(Decimal("0.01"))


def _date(book: ProjectWorkbook, sheet: str, row: int, column: tuple[int, str], value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    match = DATE_TEXT.match(_text(value))
    if match:
        try:
            return dt.date(*(int(part) for part in match.groups()))
        except ValueError:
            pass
    book.problem(sheet, row, column[1], value, "应为日期，如 2026-03-01 或 2026年3月1日")
    return None


def _read_beneficiaries(book: ProjectWorkbook, sheet: str, rows: list[list[Any]], at: int) -> None:
    columns = _columns(rows[at], BENEFICIARY_HEADERS)
    missing = [name for name in ("number", "benefit", "yuan") if name not in columns]
    for needed in missing:
        book.problem(sheet, at + 1, BENEFICIARY_HEADERS[needed][0], "", "缺少这一列")
    if missing:
        return
    labels = "、".join(label for _, label in BENEFITS)
    for number, row in enumerate(rows[at + 1 :], start=at + 2):
        if _blank(row):
            continue
        before = len(book.problems)
        project = _text(_cell(row, columns["number"]))
        household_id = _text(_cell(row, columns.get("household_id")))
        id_number = _text(_cell(row, columns.get("id_number"))).upper()
        raw_id = _cell(row, columns.get("id_number"))
        if not household_id and isinstance(raw_id, int | float) and abs(raw_id) >= 1e15:
            column = columns["id_number"][1]
            book.problem(sheet, number, column, "", ID_AS_NUMBER)
        benefit_text = _text(_cell(row, columns["benefit"]))
        if not project:
            book.problem(sheet, number, columns["number"][1], "", "不能为空")
        if not household_id and not id_number:
            book.problem(sheet, number, "户编号", "", "请填写户编号或户主身份证号")
        benefit = BENEFIT_BY_LABEL.get(benefit_text, "")
        if not benefit:
            book.problem(sheet, number, columns["benefit"][1], benefit_text, f"带动方式应为{labels}之一")
        yuan = _money(book, sheet, number, columns["yuan"], _cell(row, columns["yuan"]))
        if len(book.problems) == before and yuan is not None:
            book.beneficiaries.append(
                BeneficiaryRow(sheet, number, project, household_id, id_number, benefit, yuan)
            )


# ---- writing -------------------------------------------------------------------------

PROBLEM_COLUMNS = (
    Column("文件", "file", 24),
    Column("工作表", "sheet", 12),
    Column("行", "row", 6, NUMBER),
    Column("列", "column", 16),
    Column("单元格内容", "value", 24),
    Column("问题", "message", 50),
)
ALERT_COLUMNS = (
    Column("序号", "_number", 6, NUMBER),
    Column("项目编号", "number", 16),
    Column("项目名称", "name", 30),
    Column("所在地", "place", 20),
    Column("项目类别", "kind", 10),
    Column("预警", "alert", 16),
    Column("预警依据", "details", 60),
)
SUMMARY_COLUMNS = (Column("指标", "label", 24), Column("数值", "value", 24))
SOURCE_COLUMNS = (
    Column("资金来源", "label", 14),
    Column("金额（元）", "amount", 18, NUMBER),
    Column("占比", "share", 10),
)
KIND_COLUMNS = (
    Column("项目类别", "label", 14),
    Column("项目数（个）", "projects", 10, NUMBER),
    Column("预算（元）", "budget", 18, NUMBER),
    Column("已支付（元）", "paid", 18, NUMBER),
    Column("已开工（个）", "started", 10, NUMBER),
    Column("开工率", "started_share", 10),
    Column("支付率", "paid_share", 10),
)
OVERDUE_COLUMNS = (
    Column("序号", "_number", 6, NUMBER),
    Column("项目编号", "number", 16),
    Column("项目名称", "name", 30),
    Column("所在地", "place", 20),
    Column("计划开工", "planned_start", 14, DATE),
    Column("计划完工", "planned_finish", 14, DATE),
    Column("进度", "progress", 8),
    Column("逾期情况", "overdue", 16),
)
BENEFIT_COLUMNS = (
    Column("带动方式", "label", 14),
    Column("受益户数（户）", "households", 12, NUMBER),
    Column("年受益金额（元）", "yuan", 18, NUMBER),
)


LIST_COLUMNS = (
    Column("序号", "_number", 6, NUMBER),
    Column("项目编号", "number", 16),
    Column("项目名称", "name", 30),
    Column("项目类别", "kind", 10),
    Column("所在地", "place", 20),
    Column("项目预算（元）", "budget", 16, NUMBER),
    Column("已支付（元）", "paid", 16, NUMBER),
    Column("最新进度（%）", "progress", 10, NUMBER),
    Column("计划开工", "planned_start", 14, DATE),
    Column("计划完工", "planned_finish", 14, DATE),
    Column("实际开工", "actual_start", 14, DATE),
    Column("实际完工", "actual_finish", 14, DATE),
    Column("验收日期", "accepted_on", 14, DATE),
)


def _numbered(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**row, "_number": index} for index, row in enumerate(rows, start=1)]


def write_problems(target: Target, problems: Sequence[Problem], *, today: dt.date) -> None:
    """An import's problems, one row each: file, sheet, row, column, the cell and what is wrong."""
    book = Book(target, today, False)
    rows = [{**problem.__dict__, "row": problem.row} for problem in problems]
    book.sheet("导入问题", "衔接资金项目导入问题清单", PROBLEM_COLUMNS, rows)
    book.close()


def write_alerts(target: Target, rows: Sequence[dict[str, Any]], *, title: str, today: dt.date) -> None:
    """The alerts list of a region: number, name, place, kind, alert and the figures behind it."""
    book = Book(target, today, False)
    masked = [{**row, "details": mask_text(row["details"]), "name": mask_text(row["name"])} for row in rows]
    book.sheet("项目预警", f"{title}衔接资金项目预警清单", ALERT_COLUMNS, _numbered(masked))
    book.close()


def write_project_list(target: Target, rows: Iterable[dict[str, Any]], *, title: str, today: dt.date) -> None:
    """项目库: one row per project, titled with the region and dated."""
    book = Book(target, today, False)
    masked = ({**row, "name": mask_text(row["name"])} for row in rows)
    book.sheet("项目库", f"{title}衔接资金项目库", LIST_COLUMNS, _numbered(masked))
    book.close()


TEMPLATE_PROJECT_HEADER = (
    "项目编号",
    "项目名称",
    "项目类别",
    "县区",
    "乡镇",
    "村",
    "建设内容",
    "中央资金（元）",
    "省级资金（元）",
    "市级资金（元）",
    "县级资金（元）",
    "其他资金（元）",
    "项目预算（元）",
    "计划开工日期",
    "计划完工日期",
)
TEMPLATE_PROJECT_EXAMPLE = (
    "2026-001",
    "石桥村产业路硬化",
    "基础设施",
    "礼县",
    "城关镇",
    "石桥村",
    "硬化产业路2公里",
    600000,
    0,
    0,
    400000,
    0,
    1000000,
    "2026-03-01",
    "2026-10-31",
)
TEMPLATE_BENEFICIARY_HEADER = ("项目编号", "户编号", "户主身份证号", "带动方式", "年收益（元）")
TEMPLATE_BENEFICIARY_EXAMPLE = ("2026-001", "6212261002010001", "", "务工", 6000)


def write_import_template(target: Target) -> None:
    """The workbook offices fill in: 项目库 and 联农带农, each with its header and an example row."""
    workbook = xlsxwriter.Workbook(target, {"strings_to_numbers": False})
    header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    note = workbook.add_format({"italic": True, "font_color": "#C00000"})
    notes = {
        "项目库": "项目类别：产业发展、基础设施、就业、乡村建设、其他；"
        "项目预算须等于各级资金之和；金额列写“万元”时按万元计。",
        "联农带农": "户编号或户主身份证号填一项；带动方式：分红、务工、土地流转、带动发展。",
    }
    sheets = (
        ("项目库", TEMPLATE_PROJECT_HEADER, TEMPLATE_PROJECT_EXAMPLE),
        ("联农带农", TEMPLATE_BENEFICIARY_HEADER, TEMPLATE_BENEFICIARY_EXAMPLE),
    )
    for name, columns, example in sheets:
        sheet = workbook.add_worksheet(name)
        sheet.write_string(0, 0, notes[name], note)
        for index, title in enumerate(columns):
            sheet.set_column(index, index, 14)
            sheet.write_string(1, index, title, header)
        for index, value in enumerate(example):
            if isinstance(value, str):
                sheet.write_string(2, index, value)
            else:
                sheet.write_number(2, index, value)
        sheet.freeze_panes(2, 0)
    workbook.close()


@dataclass(frozen=True)
class CountyReport:
    """A region's report, as plain rows (the web app aggregates them in SQL)."""

    title: str
    summary: list[dict[str, Any]]
    by_source: list[dict[str, Any]]
    by_kind: list[dict[str, Any]]
    overdue: list[dict[str, Any]]
    benefits: list[dict[str, Any]]


def write_county_report(target: Target, report: CountyReport, *, today: dt.date) -> None:
    """汇总, 按资金来源, 按项目类别, 逾期项目, 联农带农: one sheet each, titled with the region."""
    book = Book(target, today, False)
    book.sheet("汇总", f"{report.title}衔接资金项目汇总", SUMMARY_COLUMNS, report.summary)
    book.sheet("按资金来源", f"{report.title}衔接资金按来源（单位：元）", SOURCE_COLUMNS, report.by_source)
    book.sheet("按项目类别", f"{report.title}衔接资金项目按类别（单位：元）", KIND_COLUMNS, report.by_kind)
    overdue = [{**row, "name": mask_text(row["name"])} for row in report.overdue]
    book.sheet("逾期项目", f"{report.title}逾期项目", OVERDUE_COLUMNS, _numbered(overdue))
    book.sheet("联农带农", f"{report.title}联农带农受益户（单位：户、元）", BENEFIT_COLUMNS, report.benefits)
    book.close()

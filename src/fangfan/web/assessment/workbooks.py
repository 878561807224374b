"""The round's printed papers, laid out as the project's other office workbooks
(`fangfan.engine.rectification.workbooks`: title, 制表日期, the privacy note, a frozen
header, borders, landscape A4 fitted to the width, the header on every page):

- `write_visit_list`: 入户调查表 of one village, a row per sample household with blank
  result columns whose headers are the import's (a filled-in list imports as it is);
- `write_report`: a county's readiness report (考核评估模拟报告): the measures against
  their bars with a chart, the villages worst first, the findings behind likely wrongful
  exits and omissions, and every sampled household.

ID numbers, phones and any number inside a text are masked: these papers leave the office.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import IO, Any

from fangfan.engine.masking import mask_id, mask_phone, mask_text
from fangfan.engine.rectification.workbooks import NUMBER, TEXT, Book, Column
from fangfan.web.assessment.estimates import overall
from fangfan.web.assessment.results import DATE, MONEY, RESULT_FIELDS, YES_NO

UNIT_COLUMNS = (
    Column("序号", "_number", 6, NUMBER),
    Column("行政村", "village_name", 10),
    Column("户编号", "household_id", 18),
    Column("户主姓名", "head_name", 9),
    Column("户主身份证号", "head_id_number", 20),
    Column("联系电话", "phone", 13),
    Column("户类型", "household_type", 8),
    Column("脱贫年度", "exit_year", 8),
    Column("人数", "members", 6, NUMBER),
    Column("抽样层", "stratum", 10),
    Column("享受的帮扶政策", "measures", 24),
)
RESULT_COLUMNS = tuple(
    Column(field.header, field.name, field.width, NUMBER if field.kind in (MONEY, "count") else TEXT)
    for field in RESULT_FIELDS
)
MEASURE_COLUMNS = (
    Column("指标", "measure", 10),
    Column("估计值", "estimate_text", 10),
    Column("95%置信区间", "interval_text", 18),
    Column("标准", "bar_text", 10),
    Column("结论", "verdict", 8),
    Column("样本单位数", "n_units", 10, NUMBER),
    Column("判定为是的单位数", "n_positive", 10, NUMBER),
    Column("未加权比例", "unweighted_text", 10),
    Column("估计方法", "method", 30),
)
VILLAGE_COLUMNS = (
    Column("序号", "_number", 6, NUMBER),
    Column("乡(镇)", "township_name", 10),
    Column("行政村", "village_name", 10),
    Column("样本户", "units", 8, NUMBER),
    Column("已走访", "visited", 8, NUMBER),
    Column("判定错退", "wrongly_exited", 8, NUMBER),
    Column("判定漏评", "should_register", 8, NUMBER),
    Column("不认可", "disapproves", 8, NUMBER),
    Column("“两不愁三保障”及饮水无保障项", "not_secured", 12, NUMBER),
    Column("政策知晓率", "awareness_text", 10),
    Column("问题合计", "problems", 8, NUMBER),
)
VISIT_COLUMNS = (*UNIT_COLUMNS, *RESULT_COLUMNS)
LEAD_COLUMNS = (
    Column("序号", "_number", 6, NUMBER),
    Column("行政村", "village_name", 10),
    Column("户编号", "household_id", 18),
    Column("户主姓名", "head_name", 9),
    Column("户类型", "household_type", 8),
    Column("评估判定", "judgement", 14),
    Column("原因", "reason", 30),
    Column("筛查发现的问题", "findings", 50),
)


def unit_row(unit: Any, result: Any | None) -> dict[str, Any]:
    """A unit (with its household) and its result, as a printed row: personal data masked."""
    household = unit.household
    row: dict[str, Any] = {
        "village_name": household.village_name,
        "township_name": household.township_name,
        "household_id": household.household_id,
        "head_name": household.head_name,
        "head_id_number": mask_id(household.head_id_number) if household.head_id_number else "",
        "phone": mask_phone(household.phone) if household.phone else "",
        "household_type": household.household_type,
        "exit_year": str(household.exit_year or ""),
        "members": unit.members,
        "stratum": unit.stratum + ("（重点）" if unit.targeted else ""),
        "measures": mask_text("；".join(household.measure_list)),
    }
    if result is not None:
        row.update(result_cells(result))
    return row


def result_cells(result: Any) -> dict[str, Any]:
    cells: dict[str, Any] = {}
    for field in RESULT_FIELDS:
        value = getattr(result, field.name)
        if field.kind == YES_NO and value is not None:
            value = "是" if value else "否"
        elif field.kind == DATE and value is not None:
            value = value.isoformat()
        elif isinstance(value, str):
            value = mask_text(value)
        cells[field.name] = value
    return cells


def _numbered(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**row, "_number": index} for index, row in enumerate(rows, start=1)]


def write_visit_list(
    target: IO[bytes], rows: Sequence[dict[str, Any]], *, title: str, made_on: dt.date
) -> None:
    """One village's 入户调查表: the sample households, then the result columns to fill in."""
    book = Book(target, made_on, full_id=False)
    book.sheet("入户调查表", title, VISIT_COLUMNS, _numbered(rows))
    book.close()


def write_visit_lists(
    target: IO[bytes], villages: Sequence[Sequence[dict[str, Any]]], *, title: str, made_on: dt.date
) -> None:
    """A township's or county's 入户调查表: a sheet per village (named by its township and village), each as
    `write_visit_list`'s, so each prints on pages of its own and imports as it is."""
    book = Book(target, made_on, full_id=False)
    used: set[str] = set()
    for rows in villages:
        place = f"{rows[0]['township_name'] or ''}{rows[0]['village_name'] or ''}"
        book.sheet(_sheet_name(place, used), f"{title}：{place}", VISIT_COLUMNS, _numbered(rows))
    book.close()


def _sheet_name(wanted: str, used: set[str]) -> str:
    """Unique in the workbook, within Excel's 31 characters (the book cleans the rest)."""
    name = wanted[:28] or "村"
    candidate, number = name, 2
    while candidate in used:
        candidate, number = f"{name}{number}", number + 1
    used.add(candidate)
    return candidate


def write_report(
    target: IO[bytes],
    *,
    title: str,
    made_on: dt.date,
    measures: Sequence[dict[str, Any]],
    villages: Sequence[dict[str, Any]],
    leads: Sequence[dict[str, Any]],
    units: Sequence[dict[str, Any]],
) -> None:
    """A county's readiness report: the four sheets of the module's docstring."""
    book = Book(target, made_on, full_id=False)
    verdict = {"measure": "总体结论", "verdict": overall([row["verdict"] for row in measures])}
    book.sheet("评估结论", title, MEASURE_COLUMNS, measures, totals=verdict)
    book.sheet("村排名", f"{title}：样本村问题排名（问题多的在前）", VILLAGE_COLUMNS, _numbered(villages))
    book.sheet("错退漏评线索", f"{title}：错退、漏评线索及筛查发现的问题", LEAD_COLUMNS, _numbered(leads))
    book.sheet("样本户", f"{title}：样本户及走访结果", (*UNIT_COLUMNS, *RESULT_COLUMNS), _numbered(units))
    _charts(book, "评估结论", measures)
    book.close()


def _charts(book: Book, sheet_name: str, measures: Sequence[dict[str, Any]]) -> None:
    """Two bar charts under the table: the rates that must stay low (错退率, 漏评率) and the
    shares that must stay high (认可度, 知晓率), each estimate beside its bar."""
    if not measures:
        return
    data = book.workbook.add_worksheet("图表数据")
    data.write_row(0, 0, ["指标", "估计值", "标准"])
    for index, row in enumerate(measures, start=1):
        data.write_string(index, 0, f"{row['place']}{row['measure']}")
        data.write_number(index, 1, float(row["estimate"] or 0))
        data.write_number(index, 2, float(row["bar"] or 0))
    sheet = book.workbook.get_worksheet_by_name(sheet_name)
    position = 4 + len(measures)
    for kind, title in (("<", "错退率、漏评率（应低于标准）"), (">", "认可度、知晓率（应高于标准）")):
        rows = [index for index, row in enumerate(measures, start=1) if row["bar_kind"] == kind]
        if not rows:
            continue
        chart = book.workbook.add_chart({"type": "bar"})
        chart.set_title({"name": title, "name_font": {"name": "黑体", "size": 11}})
        chart.set_x_axis({"num_format": "0.0%", "min": 0})
        chart.set_legend({"position": "bottom"})
        for name, column in (("估计值", 1), ("标准", 2)):
            chart.add_series(
                {
                    "name": name,
                    "categories": ["图表数据", rows[0], 0, rows[-1], 0],
                    "values": ["图表数据", rows[0], column, rows[-1], column],
                }
            )
        sheet.insert_chart(position, 0, chart, {"x_scale": 1.5, "y_scale": 0.9})
        position += 16

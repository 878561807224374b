"""Rectification workbooks as offices file them, from plain frames (`report.PROBLEM_FRAME`).

- `write_three_lists`: 问题清单, 任务清单, 责任清单 — the three lists every 整改方案 carries:
  what is wrong, what will be done by when, and who answers for it.
- `write_county_ledger` / `write_county_ledgers`: a 整改台账 per county, a summary and
  then a sheet per source (来源) or per township, overdue and due-soon items first.
- `write_progress_report`: received, closed, overdue, reopened, recurring and the
  closed-on-time share, by source, by county and by both.
- `write_feedback_report`: what a feedback list's import found, row by row.

Every sheet looks like the county ledgers (`engine/ledger.py`): a title row, a line
with 制表日期 and what the workbook says about personal data, a frozen header with
fixed widths, borders, landscape A4 fitted to the width with the header on every
page. Text cells are written as text (a value starting with = stays text) and, unless
`full_id`, go through `masking.mask_text`, so an ID or mobile number in a problem's
households or description is masked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO, Any

import polars as pl
import xlsxwriter

from fangfan.engine import regions
from fangfan.engine.formatting import date_text
from fangfan.engine.ledger import FULL_ID_SUFFIX, LINE_HEIGHT, ROW_PADDING, privacy_note, text_width
from fangfan.engine.masking import mask_text
from fangfan.engine.rectification.feedback import SEVERITY_TEXT, FeedbackList
from fangfan.engine.rectification.report import progress_rows, totals_row, with_marks

TEXT, NUMBER, DATE, SHARE = "text", "number", "date", "share"
DATE_FORMAT = 'yyyy"年"m"月"d"日"'
BY_SOURCE, BY_TOWNSHIP = "source", "township"
NO_TOWNSHIP = "县级"


@dataclass(frozen=True)
class Column:
    header: str
    source: str
    width: int
    kind: str = TEXT


PROBLEM_LIST = (
    Column("序号", "_number", 6, NUMBER),
    Column("问题编号", "number", 12),
    Column("问题来源", "source", 12),
    Column("批次", "batch", 18),
    Column("涉及地区", "place_name", 16),
    Column("问题描述", "description", 40),
    Column("问题类别", "category", 10),
    Column("涉及农户", "households", 24),
)
TASK_LIST = (
    Column("序号", "_number", 6, NUMBER),
    Column("问题编号", "number", 12),
    Column("涉及地区", "place_name", 16),
    Column("问题描述", "description", 32),
    Column("整改措施", "measures", 40),
    Column("整改时限", "deadline", 14, DATE),
    Column("时限说明", "deadline_text", 10),
    Column("整改进展", "status", 12),
    Column("督办提示", "mark", 8),
)
DUTY_LIST = (
    Column("序号", "_number", 6, NUMBER),
    Column("问题编号", "number", 12),
    Column("问题描述", "description", 36),
    Column("牵头单位", "lead_unit", 20),
    Column("责任人", "responsible_person", 12),
    Column("整改时限", "deadline", 14, DATE),
    Column("整改进展", "status", 12),
    Column("督办提示", "mark", 8),
)
LEDGER = (
    Column("序号", "_number", 6, NUMBER),
    Column("问题编号", "number", 12),
    Column("问题来源", "source", 12),
    Column("批次", "batch", 16),
    Column("涉及地区", "place_name", 16),
    Column("问题描述", "description", 36),
    Column("问题类别", "category", 10),
    Column("涉及农户", "households", 20),
    Column("整改措施", "measures", 30),
    Column("责任单位", "lead_unit", 16),
    Column("责任人", "responsible_person", 10),
    Column("整改时限", "deadline", 14, DATE),
    Column("整改状态", "status", 12),
    Column("销号日期", "closed_on", 14, DATE),
    Column("督办提示", "mark", 8),
    Column("备注", "_note", 14),
)
PROGRESS = (
    Column("交办问题", "received", 9, NUMBER),
    Column("已销号", "closed", 9, NUMBER),
    Column("未销号", "open", 9, NUMBER),
    Column("逾期未销号", "overdue", 10, NUMBER),
    Column("销号后重新打开", "reopened", 10, NUMBER),
    Column("复发", "recurring", 8, NUMBER),
    Column("按期销号", "closed_on_time", 9, NUMBER),
    Column("按期销号率", "on_time_share", 10, SHARE),
)
FEEDBACK_PROBLEMS = (
    Column("文件", "file", 24),
    Column("工作表", "sheet", 12),
    Column("行号", "row", 8, NUMBER),
    Column("列", "column", 16),
    Column("值", "value", 24),
    Column("问题", "message", 50),
    Column("处理", "severity_text", 20),
)
FEEDBACK_ROWS = (
    Column("工作表", "sheet", 12),
    Column("行号", "row", 8, NUMBER),
    Column("序号", "number", 6),
    Column("问题描述", "description", 36),
    Column("涉及地区（原文）", "place_text", 16),
    Column("落到区划", "region_name", 12),
    Column("区划代码", "region_code", 12),
    Column("整改措施", "measures", 24),
    Column("责任单位", "lead_unit", 16),
    Column("责任人", "responsible_person", 10),
    Column("整改时限", "deadline", 14, DATE),
    Column("时限原文", "deadline_text", 12),
)

Target = str | Path | IO[bytes]


class Book:
    """One workbook and its formats; `sheet` writes a titled, dated, frozen table."""

    def __init__(self, target: Target, made_on: dt.date, full_id: bool):
        self.workbook = xlsxwriter.Workbook(
            target if isinstance(target, str) or not isinstance(target, Path) else str(target),
            # Not constant_memory: a row's height is set once its texts are known (a city's
            # problems are tens of thousands of rows, not millions).
            {"strings_to_formulas": False, "strings_to_numbers": False},
        )
        self.made_on, self.full_id = made_on, full_id
        created = dt.datetime.combine(made_on, dt.time())
        self.workbook.set_properties({"created": created})  # the same inputs give the same bytes
        border = {"border": 1, "valign": "top", "font_name": "宋体", "font_size": 10}
        add = self.workbook.add_format
        self.formats = {
            "title": add({"bold": True, "font_size": 14, "align": "center", "font_name": "黑体"}),
            "made": add({"font_name": "宋体", "font_size": 10}),
            "note": add({"italic": True, "font_color": "#C00000", "font_name": "宋体", "font_size": 10}),
            "header": add(
                {**border, "bold": True, "bg_color": "#DDEBF7", "text_wrap": True, "align": "center"}
            ),
            TEXT: add({**border, "text_wrap": True}),
            NUMBER: add({**border, "num_format": "#,##0"}),
            DATE: add({**border, "num_format": DATE_FORMAT}),
            SHARE: add({**border, "num_format": "0.0%"}),
            "total": add({**border, "bold": True, "num_format": "#,##0"}),
            "total_share": add({**border, "bold": True, "num_format": "0.0%"}),
            "mark": add({**border, "font_color": "#C00000", "bold": True}),
        }

    def sheet(
        self,
        name: str,
        title: str,
        columns: Sequence[Column],
        rows: Iterable[dict[str, Any]],
        totals: dict[str, Any] | None = None,
    ) -> int:
        """A sheet `name`: title, 制表日期, header on row 3 (frozen), the rows; returns how many."""
        sheet = self.workbook.add_worksheet(_sheet_name(name))
        last = len(columns) - 1
        sheet.merge_range(0, 0, 0, last, title, self.formats["title"])
        sheet.write_string(1, 0, f"制表日期：{date_text(self.made_on)}", self.formats["made"])
        if last >= 3:
            sheet.write_string(1, 3, privacy_note(self.full_id), self.formats["note"])
        widths = [column.width for column in columns]
        for index, column in enumerate(columns):
            sheet.set_column(index, index, column.width)
            sheet.write_string(2, index, column.header, self.formats["header"])
        sheet.set_row(2, _row_height([column.header for column in columns], widths))
        count = 0
        for count, row in enumerate(rows, start=1):
            texts = [
                self._write(sheet, 2 + count, index, column, row) for index, column in enumerate(columns)
            ]
            sheet.set_row(2 + count, _row_height(texts, widths))
        if totals is not None:
            self._totals(sheet, 3 + count, columns, totals)
        sheet.freeze_panes(3, 0)
        sheet.autofilter(2, 0, max(2 + count, 3), last)
        self._print_setup(sheet)
        return count

    def _write(self, sheet: Any, row: int, index: int, column: Column, values: dict[str, Any]) -> str:
        value = values.get(column.source)
        if value is None or value == "":
            sheet.write_blank(row, index, None, self.formats[TEXT])
            return ""
        if column.kind == DATE and isinstance(value, dt.date):
            sheet.write_datetime(row, index, dt.datetime.combine(value, dt.time()), self.formats[DATE])
            return date_text(value)
        if column.kind in (NUMBER, SHARE) and isinstance(value, int | float) and not isinstance(value, bool):
            sheet.write_number(row, index, value, self.formats[column.kind])
            return str(value)
        if isinstance(value, bool):
            value = "是" if value else "否"
        text = str(value)  # masked already, once per distinct text (`_masked`)
        style = "mark" if column.source == "mark" else TEXT
        sheet.write_string(row, index, text, self.formats[style])
        return text

    def _totals(self, sheet: Any, row: int, columns: Sequence[Column], totals: dict[str, Any]) -> None:
        for index, column in enumerate(columns):
            value = totals.get(column.source)
            if isinstance(value, int | float):
                style = "total_share" if column.kind == SHARE else "total"
                sheet.write_number(row, index, value, self.formats[style])
            else:
                sheet.write_string(row, index, "" if value is None else str(value), self.formats["header"])

    def _print_setup(self, sheet: Any) -> None:
        sheet.set_header("&L" + privacy_note(self.full_id).replace("&", "&&"))
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(2, 2)
        sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
        sheet.set_footer("&C第 &P 页，共 &N 页")

    def close(self) -> None:
        self.workbook.close()


def write_three_lists(
    target: Target, problems: pl.DataFrame, *, title: str, today: dt.date, full_id: bool = False
) -> None:
    """问题清单, 任务清单 and 责任清单 of `problems` in one workbook; `title` names the region or batch."""
    rows = _numbered(_masked(with_marks(problems, today), full_id))
    book = Book(target, today, full_id)
    book.sheet("问题清单", f"{title}问题清单", PROBLEM_LIST, rows)
    book.sheet("任务清单", f"{title}任务清单", TASK_LIST, rows)
    book.sheet("责任清单", f"{title}责任清单", DUTY_LIST, rows)
    book.close()


def write_county_ledger(
    target: Target,
    problems: pl.DataFrame,
    *,
    county_name: str,
    today: dt.date,
    by: str = BY_SOURCE,
    full_id: bool = False,
) -> list[str]:
    """One county's 整改台账: 汇总, then a sheet per source (`by="source"`) or township; the sheet names."""
    marked = _masked(with_marks(problems, today), full_id)
    book = Book(target, today, full_id)
    groups = _groups(marked, by)
    summary = [
        {"group": name, **totals_row(progress_rows(part, today=today, by=()))} for name, part in groups
    ]
    group_title = "问题来源" if by == BY_SOURCE else "乡镇"
    book.sheet(
        "汇总",
        f"{county_name}整改台账汇总（按{group_title}）",
        (Column(group_title, "group", 16), *PROGRESS),
        summary,
        {"group": "合计", **totals_row(progress_rows(marked, today=today, by=()))} if marked.height else None,
    )
    names = ["汇总"]
    for name, part in groups:
        book.sheet(name, f"{county_name}{name}整改台账", LEDGER, _numbered(part))
        names.append(_sheet_name(name))
    book.close()
    return names


def write_county_ledgers(
    problems: pl.DataFrame, out_dir: Path, *, today: dt.date, by: str = BY_SOURCE, full_id: bool = False
) -> list[Path]:
    """`write_county_ledger` for every county in `problems`: <县区>整改台账.xlsx in `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    names = {code: county.name for code, county in regions.counties().items()}
    written = []
    for (code,), part in (
        problems.filter(pl.col("county_code").is_not_null())
        .partition_by(["county_code"], as_dict=True, maintain_order=True)
        .items()
    ):
        name = names.get(str(code), str(code))
        path = out_dir / f"{name}整改台账{FULL_ID_SUFFIX if full_id else ''}.xlsx"
        write_county_ledger(path, part, county_name=name, today=today, by=by, full_id=full_id)
        written.append(path)
    return written


def write_progress_report(
    target: Target, problems: pl.DataFrame, *, title: str, today: dt.date, by_township: bool = False
) -> None:
    """The progress report of `problems` (as of `today`): by source, by county (by township
    with `by_township`, for a county's own report), then by both."""
    book = Book(target, today, full_id=False)
    place = (
        ("township_code", "township_name", "乡镇") if by_township else ("county_code", "county_name", "县区")
    )
    code, name, word = place
    by_source = progress_rows(problems, today=today, by=("source",))
    by_place = progress_rows(problems, today=today, by=(code,))
    both = progress_rows(problems, today=today, by=("source", code))
    totals = totals_row(by_source) if problems.height else None
    book.sheet(
        "按来源",
        f"{title}整改进度（按问题来源）",
        (Column("问题来源", "source", 18), *PROGRESS),
        by_source.to_dicts(),
        {"source": "合计", **totals} if totals else None,
    )
    book.sheet(
        f"按{word}",
        f"{title}整改进度（按{word}）",
        (Column(word, name, 12), *PROGRESS),
        by_place.to_dicts(),
        {name: "合计", **totals} if totals else None,
    )
    book.sheet(
        f"来源与{word}",
        f"{title}整改进度（按问题来源和{word}）",
        (Column("问题来源", "source", 18), Column(word, name, 12), *PROGRESS),
        both.to_dicts(),
    )
    book.close()


def write_feedback_report(target: Target, feedback: FeedbackList, *, today: dt.date) -> None:
    """What reading a feedback list found: every problem by file, row and column, then the rows it read."""
    book = Book(target, today, full_id=False)
    file = mask_text(feedback.file)  # a list saved under a person's name and number
    verdict = "可以导入" if feedback.loadable else "有错误，整个文件未导入，请修改后重新上传"
    problems = feedback.problems.with_columns(
        severity_text=pl.col("severity").replace_strict(SEVERITY_TEXT, default=pl.col("severity"))
    )
    book.sheet(
        "导入问题",
        f"{file} 导入检查：{verdict}",
        FEEDBACK_PROBLEMS,
        _masked(problems, False).to_dicts(),
    )
    rows = _masked(feedback.rows, False).to_dicts()
    book.sheet("读到的问题", f"{file} 读到的问题", FEEDBACK_ROWS, rows)
    layout = [{"sheet": sheet, "row": row, "why": why} for sheet, row, why in feedback.layout_rows]
    columns = (Column("工作表", "sheet", 12), Column("行号", "row", 8, NUMBER), Column("说明", "why", 20))
    book.sheet("跳过的行", "按版式跳过的行（标题、合计、说明）", columns, layout)
    book.close()


def _groups(problems: pl.DataFrame, by: str) -> list[tuple[str, pl.DataFrame]]:
    if by == BY_SOURCE:
        key = pl.col("source").fill_null("未注明来源")
    elif by == BY_TOWNSHIP:
        names = {code: township.name for code, township in regions.townships().items()}
        key = (
            pl.col("township_code")
            .replace_strict(names, default=pl.col("township_code"))
            .fill_null(NO_TOWNSHIP)
        )
    else:
        raise ValueError(f"unknown grouping {by!r}: {BY_SOURCE} or {BY_TOWNSHIP}")
    keyed = problems.with_columns(_group=key)
    order = keyed.get_column("_group").unique(maintain_order=True).sort().to_list()
    parts = keyed.partition_by("_group", as_dict=True, include_key=False)
    return [(str(name), parts[(name,)]) for name in order]


def _masked(rows: pl.DataFrame, full_id: bool) -> pl.DataFrame:
    """Every text column through `mask_text` (unless `full_id`), each distinct text once."""
    if full_id:
        return rows
    texts = [name for name, dtype in rows.schema.items() if dtype == pl.String]
    return rows.with_columns(_mask_column(rows.get_column(name)) for name in texts)


def _mask_column(texts: pl.Series) -> pl.Series:
    # Only a text with a digit can hold an ID number, a phone or a birth date.
    # (One `unique()`: two calls need not list the texts in the same order.)
    distinct = texts.drop_nulls().unique()
    distinct = distinct.filter(distinct.str.contains(r"\d"))
    if distinct.is_empty():
        return texts
    masked = distinct.map_elements(mask_text, return_dtype=pl.String)
    return texts.replace_strict(distinct, masked, default=texts, return_dtype=pl.String)


@cache
def _lines(text: str, width: int) -> int:
    usable = max(width - 1, 1)
    return sum(max(1, -(-text_width(part) // usable)) for part in text.split("\n")) if text else 1


def _row_height(texts: Sequence[str], widths: Sequence[int]) -> float:
    """Points a row needs so that every cell's wrapped text shows whole (as `ledger.row_height`,
    each text's line count worked out once: statuses, units and sources repeat on every row)."""
    lines = max((_lines(text, width) for text, width in zip(texts, widths, strict=True)), default=1)
    return lines * LINE_HEIGHT + ROW_PADDING


def _numbered(problems: pl.DataFrame) -> list[dict[str, Any]]:
    rows = problems.to_dicts()
    for index, row in enumerate(rows, start=1):
        row["_number"] = index
        notes = []
        if row.get("recurring"):
            notes.append("复发")
        if (row.get("reopened") or 0) > 0:
            notes.append(f"重新打开{row['reopened']}次")
        row["_note"] = "，".join(notes)
    return rows


def _sheet_name(name: str) -> str:
    """A name Excel accepts: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join("_" if character in "[]:*?/\\" else character for character in name)
    return cleaned[:31] or "Sheet"

"""The Excel error report a clerk opens: what is wrong, where, and what was done.

Sheets: 导入问题 (one row per problem), 文件识别 (each file/sheet and the table it
was read as, or why not), 汇总 (counts by table and problem), 版式行 (totals rows
skipped as layout; not problems). Every text cell is written with `write_string`,
so a value like `=HYPERLINK(...)` stays text. The file is written beside its
final name and renamed into place, so a half-written report is never visible.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import xlsxwriter

from fangfan.engine.problems import ACTION_TEXT
from fangfan.engine.schema import TABLES

if TYPE_CHECKING:
    from xlsxwriter.worksheet import Worksheet

    from fangfan.engine.ingest.assemble import Assembled

EXCEL_MAX_ROWS = 1_048_575
PROBLEM_HEADERS = (
    ("文件", 28),
    ("工作表", 12),
    ("行号", 8),
    ("列", 18),
    ("值", 24),
    ("问题", 48),
    ("处理", 12),
)
PROBLEM_EXTRA = (("表", 12), ("问题代码", 22))


def clean_debris(folder: Path) -> int:
    """Remove half-written reports left by a killed import; returns how many."""
    removed = 0
    if folder.exists():
        for child in folder.glob(".tmp-*"):
            child.unlink(missing_ok=True)
            removed += 1
    return removed


def write_report(
    path: Path, problems: pl.DataFrame, assembled: Assembled, *, as_of: dt.date, snapshot_id: str
) -> Path:
    """Write the report to `path` atomically and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".xlsx", dir=path.parent)
    os.close(handle)
    try:
        workbook = xlsxwriter.Workbook(temporary, {"constant_memory": True, "strings_to_formulas": False})
        # A fixed creation date keeps the bytes of a re-run identical.
        created = dt.datetime.combine(as_of, dt.time())
        workbook.set_properties({"title": f"导入问题报告 {snapshot_id}", "created": created})
        header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        _problems_sheet(workbook.add_worksheet("导入问题"), header, problems)
        _sources_sheet(workbook.add_worksheet("文件识别"), header, assembled)
        _summary_sheet(workbook.add_worksheet("汇总"), header, problems, snapshot_id)
        _layout_sheet(workbook.add_worksheet("版式行"), header, assembled.layout_rows)
        workbook.close()
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)
    return path


def _start(sheet: Worksheet, header: Any, columns: tuple[tuple[str, int], ...]) -> None:
    for index, (title, width) in enumerate(columns):
        sheet.set_column(index, index, width)
        sheet.write_string(0, index, title, header)
    sheet.freeze_panes(1, 0)


def _cell(sheet: Worksheet, row: int, column: int, value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        sheet.write_string(row, column, "是" if value else "否")
    elif isinstance(value, int | float):
        sheet.write_number(row, column, value)
    else:
        sheet.write_string(row, column, str(value))  # never a formula, whatever it starts with


def _problems_sheet(sheet: Worksheet, header: Any, problems: pl.DataFrame) -> None:
    _start(sheet, header, PROBLEM_HEADERS + PROBLEM_EXTRA)
    table_titles = {name: table.title for name, table in TABLES.items()}
    shown = problems.head(EXCEL_MAX_ROWS - 2).select(
        "file",
        "sheet",
        "row",
        "column",
        "value",
        "message",
        pl.col("action").replace_strict(ACTION_TEXT, default=pl.col("action")),
        pl.col("table").replace_strict(table_titles, default=pl.col("table")),
        "code",
    )
    for index, values in enumerate(shown.iter_rows(), start=1):
        for column, value in enumerate(values):
            _cell(sheet, index, column, value)
    if problems.height > shown.height:
        _cell(
            sheet,
            shown.height + 1,
            0,
            f"（另有 {problems.height - shown.height} 条未列出，见快照中的 problems.parquet）",
        )


def _sources_sheet(sheet: Worksheet, header: Any, assembled: Assembled) -> None:
    columns = (("文件", 32), ("工作表", 14), ("表", 16), ("行数", 10), ("表头所在行", 10), ("说明", 60))
    _start(sheet, header, columns)
    row = 1
    for source in assembled.sources:
        values = (
            source["file"],
            source["sheet"],
            source["title"],
            source["rows"],
            source["header_row"],
            "已导入",
        )
        for column, value in enumerate(values):
            _cell(sheet, row, column, value)
        row += 1
    for item in assembled.unrecognised:
        for column, value in enumerate((item["file"], item["sheet"], "无法识别", None, None, item["reason"])):
            _cell(sheet, row, column, value)
        row += 1


def _summary_sheet(sheet: Worksheet, header: Any, problems: pl.DataFrame, snapshot_id: str) -> None:
    _start(sheet, header, (("表", 16), ("问题代码", 24), ("问题", 48), ("处理", 12), ("条数", 10)))
    titles = {name: table.title for name, table in TABLES.items()}
    counts = (
        problems.group_by("table", "code", "action")
        .agg(pl.len().alias("count"), pl.col("message").first())
        .sort("table", "code", "action")
    )
    row = 1
    for table, code, action, count, message in counts.select(
        "table", "code", "action", "count", "message"
    ).iter_rows():
        values = (
            titles.get(table, table or "（文件）"),
            code,
            message,
            ACTION_TEXT.get(action, action),
            count,
        )
        for column, value in enumerate(values):
            _cell(sheet, row, column, value)
        row += 1
    _cell(sheet, row + 1, 0, f"快照：{snapshot_id}")
    _cell(sheet, row + 2, 0, f"问题合计：{problems.height} 条")


def _layout_sheet(sheet: Worksheet, header: Any, layout_rows: list[dict[str, Any]]) -> None:
    _start(sheet, header, (("文件", 32), ("工作表", 14), ("行号", 8), ("说明", 40)))
    for index, item in enumerate(layout_rows[: EXCEL_MAX_ROWS - 1], start=1):
        for column, value in enumerate(
            (item["file"], item["sheet"], item["row"], f"{item['kind']}，按版式跳过")
        ):
            _cell(sheet, index, column, value)

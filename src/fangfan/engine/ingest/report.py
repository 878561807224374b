"""The Excel error report a clerk opens: what is wrong, where, and what was done.

Sheets: 导入问题 (one row per problem), 文件识别 (each file/sheet and the table it
was read as, or why not), 汇总 (counts by table and problem), 版式行 (totals rows
skipped as layout; not problems). Every text cell is written with `write_string`,
so a value like `=HYPERLINK(...)` stays text. The file is written beside its
final name and renamed into place, so a half-written report is never visible.

The 导入问题 rows are not written cell by cell: a file whose every row has a problem gives
a million rows, and xlsxwriter's nine calls a row took 7 minutes for them. xlsxwriter
writes the sheet with its header; its rows are made as XML by Polars, 50,000 at a time,
and put into the sheet's part as the workbook is copied (`_splice_rows`): the same cells
(inline strings, escaped as xlsxwriter escapes them), in seconds and bounded memory.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator
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
    temporaries = [_temporary(path.parent), _temporary(path.parent)]
    written, spliced = temporaries
    try:
        workbook = xlsxwriter.Workbook(written, {"constant_memory": True, "strings_to_formulas": False})
        # A fixed creation date keeps the bytes of a re-run identical.
        created = dt.datetime.combine(as_of, dt.time())
        workbook.set_properties({"title": f"导入问题报告 {snapshot_id}", "created": created})
        header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        _start(workbook.add_worksheet("导入问题"), header, PROBLEM_HEADERS + PROBLEM_EXTRA)
        _sources_sheet(workbook.add_worksheet("文件识别"), header, assembled)
        _summary_sheet(workbook.add_worksheet("汇总"), header, problems, snapshot_id)
        _layout_sheet(workbook.add_worksheet("版式行"), header, assembled.layout_rows)
        workbook.close()
        _splice_rows(Path(written), Path(spliced), PROBLEMS_PART, _problem_rows(problems))
        os.replace(spliced, path)
    finally:
        for temporary in temporaries:
            Path(temporary).unlink(missing_ok=True)
    return path


def _temporary(folder: Path) -> str:
    handle, name = tempfile.mkstemp(prefix=".tmp-", suffix=".xlsx", dir=folder)
    os.close(handle)
    return name


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


def _problem_rows(problems: pl.DataFrame) -> pl.DataFrame:
    """The 导入问题 sheet's rows under its header, in its columns; a last line for what Excel cannot hold."""
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
    if problems.height > shown.height:
        note = f"（另有 {problems.height - shown.height} 条未列出，见快照中的 problems.parquet）"
        shown = pl.concat([shown, pl.DataFrame({"file": [note]})], how="diagonal_relaxed")
    return shown


PROBLEMS_PART = "xl/worksheets/sheet1.xml"  # the first sheet added, 导入问题
SPLICE_ROWS = 50_000
COLUMN_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
EXCEL_STRING_MAX = 32_767  # characters (UTF-16 units) in a cell
# What xlsxwriter escapes in a cell's text besides & < >: control characters become
# _xHHHH_, and text already of that form has its underscore escaped (_x005F_).
CONTROL_CHARACTERS = [chr(code) for code in (*range(0x00, 0x09), *range(0x0B, 0x20), 0xFFFE, 0xFFFF)]
ESCAPED = ["&", "<", ">", *CONTROL_CHARACTERS]
ESCAPES = ["&amp;", "&lt;", "&gt;", *(f"_x{ord(character):04X}_" for character in CONTROL_CHARACTERS)]
LITERAL_ESCAPE = r"_x[0-9a-fA-F]{4}_"
NEEDS_ESCAPING = r"[&<>\x00-\x08\x0B-\x1F\x{FFFE}\x{FFFF}]|" + LITERAL_ESCAPE
EDGE_SPACE = r"^\s|\s$"  # xlsxwriter keeps such text's spaces with xml:space="preserve"


def _splice_rows(source: Path, target: Path, part: str, rows: pl.DataFrame) -> None:
    """Copy the workbook `source` to `target`, `rows` added to the sheet `part` after its header row.

    The part's `<dimension>` is widened to hold them. Other parts are copied as they are.
    """
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in original.infolist():
            if info.filename != part or rows.height == 0:
                copy.writestr(info, original.read(info), compress_type=info.compress_type)
                continue
            head, tail = original.read(info).decode().split("</sheetData>", 1)
            last = f"{COLUMN_LETTERS[rows.width - 1]}{rows.height + 1}"
            head = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{last}"/>', head, count=1)
            spliced = zipfile.ZipInfo(info.filename, info.date_time)
            spliced.compress_type = zipfile.ZIP_DEFLATED
            # The fastest level: level 6 took three times as long for 600 MB of rows' XML (15 s
            # against 4.1 s) for a file about a third smaller. (`compress_level` from Python 3.13.)
            spliced._compresslevel = 1  # type: ignore[attr-defined]
            # ZIP64 only when the part could pass 2 GB: Excel is strict about ZIP64 headers,
            # and a million rows of ordinary problems stay under 1 GB of XML.
            with copy.open(spliced, "w", force_zip64=_may_pass_zip64_limit(rows)) as stream:
                stream.write(head.encode())
                for block in _rows_xml(rows, first=2):
                    stream.write(block.encode())
                stream.write(("</sheetData>" + tail).encode())


# At most this many bytes of tags around a cell's text, and around a row's cells
# (`<c r="I1048576" t="inlineStr"><is><t xml:space="preserve">`, `<row r="1048576">`).
CELL_TAGS_BYTES = 80
ROW_TAGS_BYTES = 30
ESCAPE_GROWTH = 7  # a control character's byte written as _x001F_


def _may_pass_zip64_limit(rows: pl.DataFrame) -> bool:
    """Whether `rows` as XML could be larger than a zip part without ZIP64 may be."""
    text = sum(
        rows.select(pl.col(name).cast(pl.String).str.len_bytes().sum()).item() or 0 for name in rows.columns
    )
    tags = rows.height * (ROW_TAGS_BYTES + CELL_TAGS_BYTES * rows.width)
    return ESCAPE_GROWTH * text + tags > zipfile.ZIP64_LIMIT


def _rows_xml(rows: pl.DataFrame, *, first: int) -> Iterator[str]:
    """`<row>` elements for `rows`, numbered from `first`, a block of SPLICE_ROWS at a time."""
    for offset in range(0, rows.height, SPLICE_ROWS):
        block = _fit_text(rows.slice(offset, SPLICE_ROWS))
        number = pl.int_range(first + offset, first + offset + block.height).cast(pl.String)
        pieces = [pl.lit('<row r="'), pl.col("_excel_row"), pl.lit('">')]
        for index, name in enumerate(rows.columns):
            pieces += _cell_xml(block.get_column(name), COLUMN_LETTERS[index])
        row = pl.concat_str([*pieces, pl.lit("</row>")])
        yield block.with_columns(number.alias("_excel_row")).select(row.str.join("")).item()


def _fit_text(block: pl.DataFrame) -> pl.DataFrame:
    """`block` with each text longer than a cell holds cut as xlsxwriter cuts it (32,767 UTF-16 units)."""
    for name, dtype in block.schema.items():
        # No text of at most that many UTF-8 bytes has more UTF-16 units: only longer ones are looked at.
        if dtype == pl.String and (long := block.get_column(name).str.len_bytes() > EXCEL_STRING_MAX).any():
            cells = block.get_column(name)
            where = long.arg_true()
            cut = [_cut(text) for text in cells.gather(where).to_list()]
            block = block.with_columns(cells.scatter(where, cut))
    return block


def _cut(text: str) -> str:
    units = text.encode("utf-16-le")[: EXCEL_STRING_MAX * 2]
    return units.decode("utf-16-le", errors="ignore")  # a pair cut in half is dropped


def _cell_xml(cells: pl.Series, letter: str) -> list[pl.Expr]:
    """The pieces of the column's cells as xlsxwriter writes them: integers, or inline strings.

    A null cell is no element. Each block's cells are looked at first for what they need
    (escapes, kept spaces, a cell of its own for nulls): most need none, and one flat list
    of pieces for the whole row is made twice as fast.
    """
    column = pl.col(cells.name)
    reference = [pl.lit(f'<c r="{letter}'), pl.col("_excel_row")]
    if cells.dtype.is_integer():
        pieces = [*reference, pl.lit('"><v>'), column.cast(pl.String), pl.lit("</v></c>")]
    else:
        cells = cells.cast(pl.String)
        text = column.cast(pl.String)
        if cells.str.contains(NEEDS_ESCAPING).any():
            text = text.str.replace_all(f"({LITERAL_ESCAPE})", "_x005F$1").str.replace_many(ESCAPED, ESCAPES)
        opening = pl.lit('" t="inlineStr"><is><t>')
        if cells.str.contains(EDGE_SPACE).any():
            kept = pl.lit('" t="inlineStr"><is><t xml:space="preserve">')
            opening = pl.when(text.str.contains(EDGE_SPACE)).then(kept).otherwise(opening)
        pieces = [*reference, opening, text, pl.lit("</t></is></c>")]
    if cells.null_count() == 0:
        return pieces
    return [pl.concat_str(pieces).fill_null("")]


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

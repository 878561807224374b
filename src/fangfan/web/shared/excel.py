"""Excel downloads of any list a user can see: `excel_response(...)`.

A view describes its columns once and passes its (already scoped) queryset or list::

    COLUMNS = (
        Column("户编号", "household_id", width=20),
        Column("户主姓名", "head_name"),
        Column("户主身份证号", "head_id_number", kind=ID),
        Column("人均纯收入", "net_income_per_capita", kind=NUMBER),
        Column("行政村", lambda household: household.village_name),
    )
    return excel_response("农户名单", COLUMNS, scope(Household.objects.all(), request.user))

The workbook has Chinese headers, a frozen header row and a filter; every text cell is
written as text (an ID number never becomes 6.21226E+17, a value starting with = never
becomes a formula). ID and phone numbers are masked unless the caller passes
`unmask=True` (and has checked the user may: keep exports masked by default); so is
every whole ID number, mobile number and labelled birth date inside any other text cell
(a finding's message, a note, what a reporter wrote: `personal.mask_text`). Rows are
read with `iterator()` and written in xlsxwriter's constant-memory mode to a temporary
file that is streamed back, so a city-wide list does not fill the server's memory.

A sheet given a `title` (`Sheet(..., title="武都区产业收入未达标农户（2026年度）")`) is an
office document like the ledgers: the title across the top, 制表日期 and what it says
about ID numbers, the header on the third row (frozen, with the filter).
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, BinaryIO
from urllib.parse import quote

import xlsxwriter
from django.db.models import QuerySet
from django.http import FileResponse
from django.utils import timezone

from fangfan.engine.formatting import date_text
from fangfan.engine.ledger import privacy_note
from fangfan.web.accounts.personal import mask_id, mask_phone, mask_text

TEXT = "text"
ID = "id"
PHONE = "phone"
NUMBER = "number"
DATE = "date"
BOOLEAN = "boolean"
MONEY = "money"  # yuan: a number Excel can add up, shown as 4,652.50 元
KINDS = (TEXT, ID, PHONE, NUMBER, DATE, BOOLEAN, MONEY)
# The formatting layer's styles (`fangfan.engine.formatting`) as Excel number formats.
DATE_FORMAT = 'yyyy"年"m"月"d"日"'
MONEY_FORMAT = '#,##0.00" 元"'
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 1_048_575  # one sheet's rows below the header
DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Column:
    """One column: its Chinese header, where the value comes from, how it is written.

    `value` is an attribute path (`"household.village_name"`, a dict key for dict rows)
    or a function of the row.
    """

    header: str
    value: str | Callable[[Any], Any]
    kind: str = TEXT
    width: int = 12

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}; one of {KINDS}")

    def read(self, row: Any) -> Any:
        if callable(self.value):
            return self.value(row)
        value = row
        for part in self.value.split("."):
            value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
            if value is None:
                return None
        return value


def import_problem_columns(*, with_value: bool = True) -> tuple[Column, ...]:
    """The list of an upload's problems, the same columns in every part of the site.

    Each problem (an object or a dict) has `file`, `sheet`, `row` (the row Excel shows; 0 or
    nothing for the file as a whole, written blank), `column`, `message`, and, where the reader
    knows it, `value` (the cell's content, masked like any other cell). `with_value=False` for a
    reader whose problems never name a cell's content, so the list has no empty column.
    """
    columns = [
        Column("文件", "file", width=24),
        Column("工作表", "sheet", width=14),
        Column("行号", lambda problem: _step("row")(problem) or None, kind=NUMBER, width=8),
        Column("列", "column", width=16),
    ]
    if with_value:
        columns.append(Column("单元格内容", "value", width=24))
    columns.append(Column("问题", "message", width=60))
    return tuple(columns)


def _rows(rows: QuerySet[Any] | Iterable[Any]) -> Iterable[Any]:
    return rows.iterator(chunk_size=2_000) if isinstance(rows, QuerySet) else rows


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook: its name (at most 31 characters are kept), columns and rows."""

    name: str
    columns: Sequence[Column]
    rows: QuerySet[Any] | Iterable[Any]
    # An office document's title (the region and the year): then the sheet opens with
    # it, a line with 制表日期 and what it says about ID numbers, and the header below.
    title: str = ""


def write_workbook(
    target: str | BinaryIO,
    sheet_name: str,
    columns: Sequence[Column],
    rows: QuerySet[Any] | Iterable[Any],
    *,
    unmask: bool = False,
) -> int:
    """Write the rows to an .xlsx file (a path or a binary file); returns how many rows were written."""
    return write_sheets(target, [Sheet(sheet_name, columns, rows)], unmask=unmask)[0]


def write_sheets(target: str | BinaryIO, sheets: Sequence[Sheet], *, unmask: bool = False) -> list[int]:
    """Write several sheets, one after the other, to one .xlsx file; the rows written to each."""
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_formulas": False})
    try:
        header = workbook.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1, "text_wrap": True})
        formats = {
            DATE: workbook.add_format({"num_format": DATE_FORMAT}),
            MONEY: workbook.add_format({"num_format": MONEY_FORMAT}),
            "title": workbook.add_format({"bold": True, "font_size": 14, "align": "center"}),
            "note": workbook.add_format({"italic": True, "font_color": "#C00000"}),
        }
        return [_write_sheet(workbook, sheet, header, formats, unmask) for sheet in sheets]
    finally:
        workbook.close()


def _write_sheet(workbook: Any, spec: Sheet, header: Any, formats: dict[str, Any], unmask: bool) -> int:
    sheet = workbook.add_worksheet(spec.name[:31])
    top = _title(sheet, spec, formats, unmask) if spec.title else 0
    for index, column in enumerate(spec.columns):
        sheet.set_column(index, index, column.width)
        sheet.write_string(top, index, column.header, header)
    sheet.freeze_panes(top + 1, 0)
    # Each column's reader and writer chosen once, not per cell (a city's list is
    # millions of cells): the per-cell work is the value and xlsxwriter's own.
    cells = [
        (index, _reader(column), _writer(sheet, column, unmask, formats))
        for index, column in enumerate(spec.columns)
    ]
    count = 0
    for count, row in enumerate(_rows(spec.rows), start=1):
        if count > MAX_ROWS - top:
            break
        for index, read, write in cells:
            write(top + count, index, read(row))
    sheet.autofilter(top, 0, top + max(count, 1), max(len(spec.columns) - 1, 0))
    return min(count, MAX_ROWS - top)


def _title(sheet: Any, spec: Sheet, formats: dict[str, Any], unmask: bool) -> int:
    """The title row and the 制表日期 line of an office document; the header's row."""
    last = max(len(spec.columns) - 1, 0)
    if last:
        sheet.merge_range(0, 0, 0, last, spec.title, formats["title"])
    else:
        sheet.write_string(0, 0, spec.title, formats["title"])
    sheet.write_string(1, 0, f"制表日期：{date_text(timezone.localdate())}")
    if last:
        sheet.write_string(1, min(3, last), privacy_note(unmask), formats["note"])
    return 2


def _reader(column: Column) -> Callable[[Any], Any]:
    if callable(column.value):
        return column.value
    parts = column.value.split(".")
    read: Callable[[Any], Any] = _step(parts[-1])
    for name in reversed(parts[:-1]):
        read = _then(_step(name), read)
    return read


def _step(name: str) -> Callable[[Any], Any]:
    return lambda value: value.get(name) if isinstance(value, dict) else getattr(value, name, None)


def _then(first: Callable[[Any], Any], rest: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def read(row: Any) -> Any:
        value = first(row)
        return None if value is None else rest(value)

    return read


def _mask_text(text: str) -> str:
    # Every pattern `mask_text` masks holds a digit: most cells (names, places) have none.
    return mask_text(text) if DIGIT.search(text) else text


def _writer(
    sheet: Any, column: Column, unmask: bool, formats: dict[str, Any]
) -> Callable[[int, int, Any], None]:
    """The cell writer of one column: `_write` with the column's choices made once; text
    written with xlsxwriter's unchecked writers (the row and column are always in range)."""
    write_string, write_blank = sheet._write_string, sheet._write_blank
    kind = column.kind
    mask: Callable[[Any], str]
    if kind in (ID, PHONE) and not unmask:
        mask = mask_id if kind == ID else mask_phone
    elif unmask:
        mask = str
    else:
        mask = _mask_text
    plain = kind in (TEXT, ID, PHONE) and not unmask
    write_number = sheet._write_number
    number_format = formats[MONEY] if kind == MONEY else None
    numeric = kind in (NUMBER, MONEY)

    def write(row: int, col: int, value: Any) -> None:
        if value is None or value == "":
            write_blank(row, col, None)
        elif plain and value.__class__ is str:
            write_string(row, col, mask(value))
        elif numeric and value.__class__ in (Decimal, int, float):
            write_number(row, col, float(value), number_format)
        else:
            _write(sheet, row, col, column, value, unmask, formats)

    return write


def _write(
    sheet: Any, row: int, col: int, column: Column, value: Any, unmask: bool, formats: dict[str, Any]
) -> None:
    if value is None or value == "":
        sheet.write_blank(row, col, None)
    elif (
        column.kind in (NUMBER, MONEY)
        and isinstance(value, int | float | Decimal)
        and not isinstance(value, bool)
    ):
        sheet.write_number(row, col, float(value), formats[MONEY] if column.kind == MONEY else None)
    elif column.kind == DATE and isinstance(value, dt.date):
        moment = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment).replace(tzinfo=None)
        sheet.write_datetime(row, col, moment, formats[DATE])
    elif column.kind == BOOLEAN or isinstance(value, bool):
        sheet.write_string(row, col, "是" if value else "否")
    elif column.kind == ID and not unmask:
        sheet.write_string(row, col, mask_id(value))
    elif column.kind == PHONE and not unmask:
        sheet.write_string(row, col, mask_phone(value))
    else:
        sheet.write_string(row, col, str(value) if unmask else mask_text(value))


def excel_response(
    title: str,
    columns: Sequence[Column],
    rows: QuerySet[Any] | Iterable[Any],
    *,
    unmask: bool = False,
) -> FileResponse:
    """An .xlsx download named `<title>-<today>.xlsx` with one sheet `title`.

    Pass only rows the user may see (a queryset through `access.scope`).
    """
    return workbook_response(title, [Sheet(title, columns, rows)], unmask=unmask)


def workbook_response(title: str, sheets: Sequence[Sheet], *, unmask: bool = False) -> FileResponse:
    """An .xlsx download named `<title>-<today>.xlsx` holding the sheets, in order."""
    return written_response(title, lambda handle: write_sheets(handle, sheets, unmask=unmask))


def written_response(title: str, write: Callable[[BinaryIO], object]) -> FileResponse:
    """An .xlsx download named `<title>-<today>.xlsx` that `write` fills: a workbook laid out
    elsewhere (the engine's office workbooks), streamed the same way as the lists above."""
    # Not a context manager: FileResponse closes (and so removes) the file once it is sent.
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    write(handle)
    handle.seek(0)
    filename = f"{title}-{timezone.localdate():%Y%m%d}.xlsx"
    response = FileResponse(handle, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response

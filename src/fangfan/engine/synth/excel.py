"""xlsx cells with xlsxwriter (constant memory; fixed creation date so files are reproducible)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import xlsxwriter

from fangfan.engine.schema import TABLES, Kind
from fangfan.engine.synth.writers import FIXED_CREATED, Sheet, Workbook, data_row_numbers, headers_of

EXCEL_EPOCH = dt.date(1899, 12, 30)


def write_workbook(book: Workbook) -> None:
    workbook = xlsxwriter.Workbook(str(book.path), {"constant_memory": True, "strings_to_numbers": False})
    workbook.set_properties({"created": FIXED_CREATED, "author": "fangfan"})
    formats = {
        "title": workbook.add_format({"bold": True, "align": "center", "font_size": 14}),
        "header": workbook.add_format({"bold": True}),
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
    }
    for sheet in book.sheets:
        _write_sheet(workbook, sheet, formats)
    workbook.close()


def _write_sheet(workbook: Any, sheet: Sheet, formats: dict[str, Any]) -> None:
    worksheet = workbook.add_worksheet(sheet.name or "Sheet1")
    table = TABLES[sheet.table]
    headers = sheet.headers or headers_of(sheet.table)
    row = 0
    if sheet.title:
        worksheet.merge_range(0, 0, 0, len(headers) - 1, sheet.title, formats["title"])
        row = 1
    worksheet.write_row(row, 0, headers, formats["header"])
    frame = _cells(sheet.frame, [f.name for f in table.fields])
    numbers = _flag(sheet.frame, "_as_number")
    serials = _flag(sheet.frame, "_serial_dates")
    id_columns = [i for i, f in enumerate(table.fields) if f.name in sheet.number_ids]
    date_columns = [i for i, f in enumerate(table.fields) if f.kind is Kind.DATE]
    rows = data_row_numbers(sheet)
    for index, row_values in enumerate(frame.iter_rows()):
        values = list(row_values)
        excel_row = rows[index] - 1
        if numbers[index] or serials[index]:
            values = _special(
                values, id_columns if numbers[index] else [], date_columns if serials[index] else []
            )
            _write_special(
                worksheet, excel_row, values, date_columns if serials[index] else [], formats["date"]
            )
        else:
            worksheet.write_row(excel_row, 0, values)
    if sheet.totals:
        total_row = rows[-1] if rows else row + 1
        worksheet.write_row(total_row, 0, ["合计", f"{sheet.frame.height}条"])


def _flag(frame: pl.DataFrame, name: str) -> list[bool]:
    if name in frame.columns:
        return [bool(v) for v in frame[name].fill_null(False).to_list()]
    return [False] * frame.height


def _cells(frame: pl.DataFrame, fields: list[str]) -> pl.DataFrame:
    """Cell values: text as text, dates as ISO text, money rounded."""
    exprs = []
    for name in fields:
        dtype = frame.schema[name]
        if dtype == pl.Date:
            exprs.append(pl.col(name).dt.strftime("%Y-%m-%d"))
        elif dtype in (pl.Float64, pl.Float32):
            exprs.append(pl.col(name).round(2))
        else:
            exprs.append(pl.col(name))
    return frame.select(exprs)


def _special(values: list[Any], id_columns: list[int], date_columns: list[int]) -> list[Any]:
    cells = list(values)
    for i in id_columns:
        text = cells[i]
        if isinstance(text, str) and text.isdigit():
            cells[i] = int(text) if len(text) <= 15 else float(text)
    for i in date_columns:
        text = cells[i]
        if isinstance(text, str) and len(text) == 10 and text[4] == "-":
            cells[i] = (dt.date.fromisoformat(text) - EXCEL_EPOCH).days
    return cells


def _write_special(
    worksheet: Any, row: int, cells: list[Any], date_columns: list[int], date_format: Any
) -> None:
    for column, value in enumerate(cells):
        if value is None:
            continue
        if column in date_columns and isinstance(value, int):
            worksheet.write_number(row, column, value, date_format)
        elif isinstance(value, int | float):
            worksheet.write_number(row, column, value)
        else:
            worksheet.write_string(row, column, str(value))

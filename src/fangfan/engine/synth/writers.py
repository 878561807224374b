"""Clean writers: one CSV (UTF-8) or xlsx per table, standard headers.

Large tables in xlsx are split by county (one workbook each) and, if a county still
holds more rows than a sheet can, over several sheets. Every writer returns where
each marked row landed, so the ground truth can name file, sheet and row.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from fangfan.engine.schema import TABLES

MAX_SHEET_ROWS = 1_048_575  # data rows under one header row
FIXED_CREATED = dt.datetime(2026, 1, 1)
Places = dict[int, tuple[str, str, int]]


@dataclass
class Sheet:
    """One sheet (or a whole CSV) of one table."""

    name: str
    table: str
    frame: pl.DataFrame
    title: str | None = None  # merged title row above the header
    headers: list[str] | None = None  # defaults to the standard headers
    blank_every: int = 0  # a blank row after every n data rows (messy)
    totals: bool = False  # a 合计 row at the bottom (messy)
    number_ids: list[str] = field(default_factory=list)  # ID columns written as numbers where `_as_number`


@dataclass
class Workbook:
    path: Path
    sheets: list[Sheet]
    encoding: str = "utf-8"  # CSV only


def visible(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select([c for c in frame.columns if not c.startswith("_")])


def headers_of(table: str) -> list[str]:
    return [f.header for f in TABLES[table].fields]


def clean_books(tables: dict[str, pl.DataFrame], out_dir: Path, file_format: str) -> list[Workbook]:
    books: list[Workbook] = []
    for name, frame in tables.items():
        title = TABLES[name].title
        if file_format == "csv":
            books.append(Workbook(out_dir / f"{title}.csv", [Sheet("", name, frame)]))
        elif name in ("households", "members", "income") or frame.height > MAX_SHEET_ROWS:
            for county, part in sorted(
                frame.partition_by("_county", as_dict=True, maintain_order=True).items()
            ):
                label = str(county[0]) if county[0] is not None else "其他"
                books.append(Workbook(out_dir / f"{title}_{label}.xlsx", split_sheets(name, part, title)))
        else:
            books.append(Workbook(out_dir / f"{title}.xlsx", split_sheets(name, frame, title)))
    return books


def split_sheets(table: str, frame: pl.DataFrame, title: str, room: int = MAX_SHEET_ROWS) -> list[Sheet]:
    chunks = [frame.slice(start, room) for start in range(0, max(frame.height, 1), room)]
    return [Sheet(title if i == 0 else f"{title}{i + 1}", table, chunk) for i, chunk in enumerate(chunks)]


def write_books(
    books: Sequence[Workbook], workers: int = 1, progress: Callable[[str], None] | None = None
) -> Places:
    """Write every workbook/CSV; xlsx in `workers` processes. Returns the marked rows' places."""
    places: Places = {}
    xlsx = [b for b in books if b.path.suffix == ".xlsx"]
    for book in books:
        if book.path.suffix == ".csv":
            places |= write_csv(book)
            if progress:
                progress(book.path.name)
    if workers > 1 and len(xlsx) > 1:
        # spawn, not fork: Polars' thread pool does not survive a fork
        context = multiprocessing.get_context("spawn")
        largest_first = sorted(xlsx, key=lambda b: -sum(s.frame.height for s in b.sheets))
        with context.Pool(workers) as pool:
            for name, written in pool.imap_unordered(_write_one, largest_first):
                places |= written
                if progress:
                    progress(name)
    else:
        for book in xlsx:
            places |= write_xlsx(book)
            if progress:
                progress(book.path.name)
    return places


def _write_one(book: Workbook) -> tuple[str, Places]:
    return book.path.name, write_xlsx(book)


def _marks(sheet: Sheet, data_rows: list[int]) -> list[tuple[int, int]]:
    """(problem id, row number) of each marked data row; data_rows gives each row's number."""
    marks = sheet.frame["_mark"].to_list() if "_mark" in sheet.frame.columns else []
    return [(m, data_rows[i]) for i, m in enumerate(marks) if m is not None]


def data_row_numbers(sheet: Sheet) -> list[int]:
    """The 1-based row number of each data row, after the title and header rows and any blank rows."""
    first = 2 + (1 if sheet.title else 0)
    if not sheet.blank_every:
        return list(range(first, first + sheet.frame.height))
    return [first + i + i // sheet.blank_every for i in range(sheet.frame.height)]


def write_csv(book: Workbook) -> Places:
    from fangfan.engine.synth.text import csv_text

    sheet = book.sheets[0]
    book.path.write_bytes(csv_text(sheet, headers_of(sheet.table)).encode(book.encoding))
    return {mark: (book.path.name, "", row) for mark, row in _marks(sheet, data_row_numbers(sheet))}


def append_csv(books: Sequence[Workbook], rows_written: dict[Path, int]) -> Places:
    """Write each CSV after the rows earlier calls wrote to the same file (`rows_written`, updated):
    the header only into a new file, the marked rows' places counted from the file's top.

    The province is written so, one city at a time (`generate_dataset`).
    """
    from fangfan.engine.synth.text import csv_text

    places: Places = {}
    for book in books:
        sheet = book.sheets[0]
        if book.path.suffix != ".csv" or sheet.title:
            raise ValueError(f"{book.path.name}: only plain CSV files are appended to")
        before = rows_written.get(book.path, 0)
        text = csv_text(sheet, headers_of(sheet.table), header=book.path not in rows_written)
        with book.path.open("ab" if book.path in rows_written else "wb") as out:
            out.write(text.encode(book.encoding))
        rows_written[book.path] = before + sheet.frame.height
        rows = [row + before for row in data_row_numbers(sheet)]
        places |= {mark: (book.path.name, "", row) for mark, row in _marks(sheet, rows)}
    return places


def write_xlsx(book: Workbook) -> Places:
    from fangfan.engine.synth.excel import write_workbook

    places: Places = {}
    write_workbook(book)
    for sheet in book.sheets:
        places |= {
            mark: (book.path.name, sheet.name, row) for mark, row in _marks(sheet, data_row_numbers(sheet))
        }
    return places

"""A feedback list's sheets as rows of text, merged cells filled in.

Offices merge cells: a title across the whole width, 涉及地区 over 县区/乡镇/村, a
county's name down all its rows. Calamine gives a merged range's text only in its
first cell, so the ranges are read from the workbook's own XML (an .xlsx is a zip of
XML files) and every cell of a range gets the text a reader sees in it. An .xls or
CSV file has no ranges to read: its cells are taken as they are.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

from fangfan.engine.ingest.guard import ReadLimits
from fangfan.engine.ingest.read import read_sheets

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
# A cell with content (not a self-closing, styled blank one): calamine's first column is the first such.
FILLED_CELL = re.compile(rb"<(?:\w+:)?c\s+r=\"([A-Z]+)\d+\"[^>]*[^/]>")
MERGE = re.compile(rb"<(?:\w+:)?mergeCell\s+ref=\"([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?\"")
# A feedback list is a few hundred rows; a sheet far longer is not one.
FEEDBACK_MAX_ROWS = 100_000

Range = tuple[int, int, int, int]  # first row, first column, last row, last column (0-based)


@dataclass(frozen=True)
class SheetRows:
    """One sheet: its name and rows of text ("" for an empty cell); `numbers[i]` is row i's Excel row."""

    sheet: str
    rows: list[list[str]]
    numbers: list[int]


def sheet_rows(path: Path, name: str) -> Iterator[SheetRows]:
    """Every sheet of the file at `path` (read through the import's guard), merged cells filled."""
    limits = ReadLimits.from_environment()
    limits = ReadLimits(limits.max_unpacked_bytes, limits.max_compression_ratio, FEEDBACK_MAX_ROWS)
    ranges: dict[str, list[Range]] | None = None
    for sheet in read_sheets(path, name, limits):
        # Only once the guard has passed the file (read_sheets checks it before the first
        # sheet): the merged ranges are read from each sheet's whole XML.
        if ranges is None:
            ranges = merged_ranges(path) if path.suffix.lower() in (".xlsx", ".xlsm") else {}
        numbers = sheet.cells.get_column("row").to_list()
        rows = [
            ["" if value is None else str(value) for value in row] for row in sheet.cells.drop("row").rows()
        ]
        _fill(rows, ranges.get(sheet.sheet, []))
        yield SheetRows(sheet.sheet, rows, numbers)


def _fill(rows: list[list[str]], ranges: list[Range]) -> None:
    for first_row, first_column, last_row, last_column in ranges:
        if first_row >= len(rows):
            continue
        text = rows[first_row][first_column] if first_column < len(rows[first_row]) else ""
        for row in rows[first_row : last_row + 1]:
            for column in range(first_column, min(last_column + 1, len(row))):
                row[column] = text


def merged_ranges(path: Path) -> dict[str, list[Range]]:
    """Each sheet's merged ranges, by sheet name ({} when the file cannot be read as a zip)."""
    try:
        with zipfile.ZipFile(path) as archive:
            found: dict[str, list[Range]] = {}
            for sheet_name, member in _sheet_members(archive).items():
                xml = archive.read(member)
                # Calamine's rows start at row 1 but its columns at the first used one.
                first = min((_column(match[1]) for match in FILLED_CELL.finditer(xml)), default=0)
                found[sheet_name] = [_shifted(_range(match), first) for match in MERGE.finditer(xml)]
            return found
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError):
        return {}


def _sheet_members(archive: zipfile.ZipFile) -> dict[str, str]:
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {item.get("Id"): item.get("Target", "") for item in relations}
    members: dict[str, str] = {}
    for sheet in workbook.iter(f"{MAIN}sheet"):
        target = targets.get(sheet.get(RELATIONSHIP), "")
        if target:
            member = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            members[sheet.get("name", "")] = member
    return members


def _range(match: re.Match[bytes]) -> Range:
    first_column, first_row = _column(match[1]), int(match[2]) - 1
    if match[3] is None:
        return first_row, first_column, first_row, first_column
    return first_row, first_column, int(match[4]) - 1, _column(match[3])


def _shifted(cells: Range, columns: int) -> Range:
    first_row, first_column, last_row, last_column = cells
    return first_row, max(first_column - columns, 0), last_row, last_column - columns


def _column(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - ord("A") + 1
    return number - 1

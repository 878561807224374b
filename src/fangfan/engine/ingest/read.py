"""Files to cells: every sheet of every workbook and every CSV, as text.

Workbooks are read through calamine (fastexcel), never openpyxl. Every cell comes
back as text, because an export's types cannot be trusted; the one thing text
hides is whether an ID cell was a *number* cell, which matters because Excel keeps
only 15 significant digits. `Sheet.number_cells` answers that for the columns
that need it. The read itself answers it for the columns the caller names from the
sheet's first rows (`read_sheets(text_columns=…)`, the first rows taken from the
sheet's XML, `workbook_head`): calamine is asked to find those columns' type, and a
column it finds to be text throughout held no number (`Sheet.text_only`). Otherwise
the sheet is read a second time, only when its XML holds a number that could show
16 or more digits (`may_hold_long_numbers`): most sheets hold none.
"""

from __future__ import annotations

import csv
import io
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import IO
from xml.etree import ElementTree

import fastexcel
import polars as pl

from fangfan.engine.ingest.guard import OLE_MAGIC, ZIP_MAGIC, ReadLimits, check_file, too_many_rows

# .et: WPS's own name for the workbooks it saves in the old Excel (BIFF8) format.
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et")
TABLE_SUFFIXES = (*WORKBOOK_SUFFIXES, ".csv")
HEADER_SCAN_ROWS = 20
# The width of a CSV is the widest of its first lines (a title row is narrower than the header).
CSV_WIDTH_SCAN_LINES = 200
UTF8_BOM = b"\xef\xbb\xbf"
# Excel's "Unicode text" and some systems' exports: UTF-16 with its byte-order mark.
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
UTF32_BOMS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")  # not read: no office saves it
# A number cell's value in sheet XML (`<v>…</v>`) that can show 16 or more digits: 16 digits
# in a row, or an exponent. A shared-string index is a short number and never matches.
LONG_NUMBER = re.compile(rb"<v>[-+]?[0-9.]*(?:[0-9]{16}|[eE])")
# A value with 16 characters or an exponent: every match of LONG_NUMBER, and a few more
# (12.300000000000001). Python's regex engine scans a sheet for it about three times as fast
# as for LONG_NUMBER, which backtracks through every short value; its matches are then held
# to LONG_NUMBER one by one.
LONG_VALUE = re.compile(rb"<v>(?:[^<]{16}|[^<]*[eE])")
XML_BLOCK = 16 * 1024 * 1024
# The first rows of a sheet are looked for in at most this much of its XML, and shared strings
# in at most this much of the shared-string table; beyond, the read does without them.
HEAD_XML_BYTES = 1024 * 1024
HEAD_BLOCK = 64 * 1024
HEAD_SHARED_STRINGS = 50_000
EXCEL_COLUMNS = 16_384  # XFD, the widest a sheet can be
_NAME = rb"(?:[\w.-]+:)?"  # an element's name, with or without a namespace prefix
_ROOT = re.compile(rb"<(" + _NAME + rb"worksheet)\b")
_SHEET_DATA = re.compile(rb"<(" + _NAME + rb"sheetData)\b[^>]*?(/?)>")
_SHEET_DATA_END = re.compile(rb"</" + _NAME + rb"sheetData>")
_ROW_END = re.compile(rb"</" + _NAME + rb"row>|<" + _NAME + rb"row\b[^>]*/>")
_DIMENSION = re.compile(rb"<" + _NAME + rb"dimension\b[^>]*?\bref=\"\$?([A-Za-z]+)")
_CELL_REFERENCE = re.compile(r"\$?([A-Za-z]+)\$?([0-9]+)")
# Cell types that are text: a shared string, an inline string, a formula's text result.
TEXT_CELL_TYPES = ("s", "inlineStr", "str")
OFFICE_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


class UnreadableFile(Exception):
    """A file that looks like a table but cannot be opened or decoded."""


@dataclass
class Sheet:
    """One sheet of a workbook, or one CSV file, as text cells.

    `cells` has one String column per sheet column (`c0`, `c1`, …) and `row`, the
    1-based row number a user sees (Excel row, or CSV line).
    """

    file: str
    sheet: str
    path: Path
    cells: pl.DataFrame
    _workbook: fastexcel.ExcelReader | None = field(default=None, repr=False)
    # Columns calamine found to hold text cells only (no number, date, boolean or error cell),
    # as asked by `read_sheets(text_columns=…)`: none of their cells was a number.
    text_only: frozenset[int] = frozenset()

    @property
    def is_workbook(self) -> bool:
        return self._workbook is not None

    def head_rows(self, count: int = HEADER_SCAN_ROWS) -> list[list[str]]:
        """The first `count` rows as lists of text ("" for an empty cell)."""
        head = self.cells.head(count).drop("row")
        return [["" if value is None else str(value) for value in row] for row in head.iter_rows()]

    def number_cells(self, columns: list[int]) -> pl.DataFrame:
        """For each column index, a Boolean column: true where the cell was a number.

        CSV has no number cells, so everything is false there.
        """
        names = [f"c{index}" for index in columns]
        if (
            self._workbook is None
            or not columns
            or self.text_only.issuperset(columns)
            or not self._long_numbers_possible
        ):
            return pl.DataFrame({name: pl.repeat(False, self.cells.height, eager=True) for name in names})
        loaded = self._workbook.load_sheet(
            self.sheet, header_row=None, skip_rows=0, dtypes="boolean", use_columns=columns
        ).to_polars()
        frame = pl.DataFrame(
            {name: loaded.to_series(i).is_not_null() for i, name in enumerate(names)}
            if loaded.width == len(columns)
            else {name: pl.repeat(False, loaded.height, eager=True) for name in names}
        )
        return _fit_height(frame, self.cells.height, fill=False)

    @cached_property
    def _long_numbers_possible(self) -> bool:
        return may_hold_long_numbers(self.path, self.sheet)


def may_hold_long_numbers(path: Path, sheet: str) -> bool:
    """False when no number cell of the sheet can show 16 or more digits (an .xlsx's XML, scanned).

    Reading a city's sheet a second time for its cell types costs nearly as much as reading
    it; scanning its XML for such a number costs a fraction, and it finds none in most
    exports. Anything it cannot tell (an .xls, an odd package) counts as "may".
    """
    try:
        with zipfile.ZipFile(path) as archive:
            member = _sheet_member(archive, sheet)
            if member is None:
                return True
            tail = b""
            with archive.open(member) as stream:
                while block := stream.read(XML_BLOCK):
                    if _holds_long_number(tail + block):
                        return True
                    tail = block[-64:]
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, ElementTree.ParseError):
        return True
    return False


def _holds_long_number(xml: bytes) -> bool:
    """Whether LONG_NUMBER matches somewhere in `xml`."""
    return any(LONG_NUMBER.match(xml, value.start()) for value in LONG_VALUE.finditer(xml))


def _sheet_member(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member holding the XML of the sheet named `sheet`, or None."""
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    relation = next(
        (
            item.get(f"{{{OFFICE_RELATIONSHIPS}}}id")
            for item in workbook.iter(f"{main}sheet")
            if item.get("name") == sheet
        ),
        None,
    )
    relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for item in relations:
        if item.get("Id") == relation and item.get("Target"):
            target = str(item.get("Target"))
            member = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
            return member if member in archive.namelist() else None
    return None


def _fit_height(frame: pl.DataFrame, height: int, *, fill: bool) -> pl.DataFrame:
    if frame.height >= height:
        return frame.head(height)
    pad = pl.DataFrame({name: pl.repeat(fill, height - frame.height, eager=True) for name in frame.columns})
    return pl.concat([frame, pad])


def table_files(input_dir: Path) -> tuple[list[Path], list[Path]]:
    """Table files under `input_dir` (recursively, sorted) and every other file."""
    tables: list[Path] = []
    others: list[Path] = []
    for path in sorted(p for p in input_dir.rglob("*") if p.is_file()):
        if any(part.startswith(".") for part in path.relative_to(input_dir).parts):
            continue
        if path.name.startswith("~$"):  # Excel's lock file beside an open workbook
            others.append(path)
        elif path.suffix.lower() in TABLE_SUFFIXES:
            tables.append(path)
        else:
            others.append(path)
    return tables, others


def read_sheets(
    path: Path,
    name: str,
    limits: ReadLimits | None = None,
    *,
    text_columns: Callable[[list[list[str]]], list[int]] | None = None,
) -> Iterator[Sheet]:
    """Every sheet of the file at `path`; `name` is how reports call the file.

    The file is looked at first (`guard.check_file`: unpacked size, declared rows) and
    each sheet is read no further than `limits.max_rows`; a file over a limit raises
    UnreadableFile. Messages are Chinese and carry no library text or server path.

    `text_columns`, given a workbook sheet's first rows (`workbook_head`), names the columns
    whose cells matter as numbers (`Sheet.number_cells`); the same read finds whether each
    holds text only (`Sheet.text_only`), so that no second look is needed. The cells are the
    same either way.
    """
    limits = limits or ReadLimits.from_environment()
    problem = check_file(path, name, limits)
    if problem:
        raise UnreadableFile(problem)
    if path.suffix.lower() == ".csv":
        yield read_csv(path, name)
        return
    try:
        workbook = fastexcel.read_excel(_workbook_source(path))
        sheet_names = list(workbook.sheet_names)
    except Exception as error:
        raise UnreadableFile(f"无法打开工作簿“{name}”：文件已损坏、加密或并非 Excel 文件") from error
    for sheet_name in sheet_names:
        asked = _asked_columns(path, sheet_name, text_columns)
        frame, text_only = _load_typed(workbook, sheet_name, limits, asked) if asked else (None, frozenset())
        if frame is None:
            try:
                loaded = workbook.load_sheet(
                    sheet_name, header_row=None, skip_rows=0, dtypes="string", n_rows=limits.max_rows + 1
                )
                frame = loaded.to_polars()
            except Exception as error:
                raise UnreadableFile(_sheet_unreadable(name, sheet_name, error)) from error
        if frame.height > limits.max_rows:
            raise UnreadableFile(too_many_rows(name, limits, sheet_name))
        yield Sheet(name, sheet_name, path, _numbered(frame, first_row=1), workbook, text_only)


def _workbook_source(path: Path) -> Path | bytes:
    """What calamine opens: the path, or the bytes of an old .xls renamed .xlsx (found by content).

    calamine picks its reader by the extension when given a path and by the content when
    given bytes; an .xls is small (65,536 rows at most), so holding it costs little. An .xlsx
    renamed .xls (a zip) is held too: packed, it is a fraction of what calamine unpacks from it.
    """
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        with path.open("rb") as stream:
            start = stream.read(len(OLE_MAGIC))
        old_named_new = suffix != ".xls" and start == OLE_MAGIC
        new_named_old = suffix == ".xls" and start.startswith(ZIP_MAGIC)
        if old_named_new or new_named_old:
            return path.read_bytes()
    return path


def _sheet_unreadable(name: str, sheet: str, error: Exception) -> str:
    """Why calamine could not read a sheet, in words an office can act on."""
    reason = "内容已损坏或格式不受支持"
    if "string index" in str(error):
        reason = "单元格引用了不存在的共享文本（文件已损坏）"
    return f"文件“{name}”的工作表“{sheet}”无法读取：{reason}；请用 Excel 打开后另存，再重新导入"


def _asked_columns(
    path: Path, sheet: str, text_columns: Callable[[list[list[str]]], list[int]] | None
) -> list[int]:
    """The columns `text_columns` names from the sheet's first rows, less those with a non-text cell there."""
    if text_columns is None or path.suffix.lower() not in (".xlsx", ".xlsm"):
        return []
    head = workbook_head(path, sheet)
    if not head:
        return []
    named = text_columns([[text for text, _ in row] for row in head])
    # A column with a number among its first rows is not text throughout: asking calamine
    # would only fail and cost a read.
    return [column for column in named if all(column >= len(row) or row[column][1] for row in head)]


def _load_typed(
    workbook: fastexcel.ExcelReader, sheet: str, limits: ReadLimits, asked: list[int]
) -> tuple[pl.DataFrame | None, frozenset[int]]:
    """The sheet as text, with the `asked` columns' type found by calamine from every cell.

    Every other column is read as text; an asked column comes back as text too when its
    cells are all text (or empty), and is then text-only. When one holds another type
    calamine refuses ("strict"), and None says: read it as plain text.
    """
    dtypes: dict[str | int, fastexcel.DType] = {i: "string" for i in range(EXCEL_COLUMNS) if i not in asked}
    try:
        loaded = workbook.load_sheet(
            sheet,
            header_row=None,
            skip_rows=0,
            dtypes=dtypes,
            dtype_coercion="strict",
            schema_sample_rows=None,
            n_rows=limits.max_rows + 1,
        )
        found = {column.index: column.dtype for column in loaded.available_columns()}
        if any(dtype != "string" for dtype in found.values()):
            return None, frozenset()
        return loaded.to_polars(), frozenset(index for index in asked if found.get(index) == "string")
    except Exception:
        return None, frozenset()


def workbook_head(
    path: Path, sheet: str, count: int = HEADER_SCAN_ROWS
) -> list[list[tuple[str, bool]]] | None:
    """The first `count` rows of an .xlsx sheet, taken from the start of its XML; None when they cannot be.

    Each cell is (text, whether it is a text cell: a string, or empty); rows count from the
    sheet's first and columns from its first used one, as the read's do. Only the start of the sheet's
    XML is unpacked (and of the shared strings, as far as the rows need), so this costs
    little whatever the sheet's size; a sheet whose first rows are not found there gives None.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            member = _sheet_member(archive, sheet)
            if member is None:
                return None
            with archive.open(member) as stream:
                rows = _head_rows(stream, count)
            if rows is None:
                return None
            wanted = max(
                (int(text) for row in rows.values() for _, kind, text in row if kind == "s"), default=-1
            )
            strings = _shared_strings(archive, wanted) if wanted >= 0 else []
            if strings is None:
                return None
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, ValueError, ElementTree.ParseError):
        return None
    return _head_table(rows, strings, count)


def _head_rows(stream: IO[bytes], count: int) -> dict[int, list[tuple[int, str, str]]] | None:
    """The sheet XML's first `count` rows: row number -> [(column number, cell type, value)]."""
    buffer = b""
    while True:
        block = stream.read(HEAD_BLOCK)
        buffer += block
        start = _SHEET_DATA.search(buffer)
        if start is not None:
            if start.group(2):  # <sheetData/>: an empty sheet
                return {}
            ends = [
                end.end()
                for _, end in zip(range(count), _ROW_END.finditer(buffer, start.end()), strict=False)
            ]
            closed = _SHEET_DATA_END.search(buffer, start.end())
            if len(ends) == count or closed is not None or not block:
                cut = ends[-1] if len(ends) == count else closed.start() if closed is not None else None
                break
        if not block or len(buffer) > HEAD_XML_BYTES:
            return None
    root = _ROOT.search(buffer)
    if cut is None or root is None:
        return None
    document = buffer[:cut] + b"</" + start.group(1) + b"></" + root.group(1) + b">"
    dimension = _DIMENSION.search(buffer, 0, start.start())
    first_column = _column_number(dimension.group(1).decode()) if dimension else None
    rows: dict[int, list[tuple[int, str, str]]] = {}
    row_number = 0
    for row in (e for e in ElementTree.fromstring(document).iter() if _local(e.tag) == "row"):
        row_number = int(row.get("r") or row_number + 1)
        cells: list[tuple[int, str, str]] = []
        column = 0
        for cell in (e for e in row if _local(e.tag) == "c"):
            reference = _CELL_REFERENCE.fullmatch(cell.get("r") or "")
            column = _column_number(reference.group(1)) if reference else column + 1
            kind = cell.get("t") or "n"
            if kind == "inlineStr":
                text = "".join(_string_text(part) for part in cell if _local(part.tag) == "is")
            else:
                value = next((part.text or "" for part in cell if _local(part.tag) == "v"), None)
                if value is None:
                    continue
                text = value
            cells.append((column, kind, text))
        rows[row_number] = cells
    if first_column is not None:
        columns = [column for cells in rows.values() for column, _, _ in cells]
        if columns and min(columns) < first_column:
            first_column = None
    if first_column is None:
        first_column = min((column for cells in rows.values() for column, _, _ in cells), default=1)
    return {
        number: [(column - first_column, kind, text) for column, kind, text in cells]
        for number, cells in rows.items()
    }


def _head_table(
    rows: dict[int, list[tuple[int, str, str]]], strings: list[str], count: int
) -> list[list[tuple[str, bool]]]:
    """The rows as a table of (text, is text) from the sheet's row 1, as the read's rows count."""
    used = [number for number, cells in rows.items() if cells]
    if not used:
        return []
    width = 1 + max(column for cells in rows.values() for column, _, _ in cells)
    table: list[list[tuple[str, bool]]] = []
    for number in range(1, min(count, max(used)) + 1):
        line: list[tuple[str, bool]] = [("", True)] * width
        for column, kind, text in rows.get(number, []):
            line[column] = (strings[int(text)] if kind == "s" else text, kind in TEXT_CELL_TYPES)
        table.append(line)
    return table


def _shared_strings(archive: zipfile.ZipFile, wanted: int) -> list[str] | None:
    """The workbook's shared strings up to number `wanted`, or None when they lie too far in."""
    if wanted >= HEAD_SHARED_STRINGS:
        return None
    member = next((n for n in archive.namelist() if n.lower() == "xl/sharedstrings.xml"), None)
    if member is None:
        return None
    strings: list[str] = []
    with archive.open(member) as stream:
        for _, element in ElementTree.iterparse(stream, events=("end",)):
            if _local(element.tag) == "si":
                strings.append(_string_text(element))
                element.clear()
                if len(strings) > wanted:
                    return strings
    return None


def _string_text(item: ElementTree.Element) -> str:
    """The text of a shared or inline string: its <t>, or its runs' <t>, without phonetic guides."""
    parts: list[str] = []
    for part in item:
        name = _local(part.tag)
        if name == "t":
            parts.append(part.text or "")
        elif name == "r":
            parts.extend(t.text or "" for t in part if _local(t.tag) == "t")
    return "".join(parts)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _column_number(letters: str) -> int:
    """A column's number from its letters: A is 1, Z 26, AA 27."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _numbered(frame: pl.DataFrame, *, first_row: int) -> pl.DataFrame:
    renamed = frame.rename({old: f"c{i}" for i, old in enumerate(frame.columns)})
    renamed = renamed.with_columns(pl.all().cast(pl.String))
    return renamed.with_columns(
        pl.int_range(first_row, first_row + renamed.height, dtype=pl.Int64).alias("row")
    )


def decode(raw: bytes) -> str:
    """CSV text: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (which covers GBK)."""
    if raw.startswith(UTF8_BOM):
        return raw[3:].decode("utf-8")
    if raw.startswith(UTF16_BOMS) and not raw.startswith(UTF32_BOMS):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as error:
            raise UnreadableFile("文件以 UTF-16 标记开头，但内容不是有效的 UTF-16 文本") from error
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        utf8_stop = error.start
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError as error:
        raise UnreadableFile(_undecodable(raw, utf8_stop, error.start)) from error


def _undecodable(raw: bytes, utf8_stop: int, gb18030_stop: int) -> str:
    """Why neither encoding reads `raw`; when one read Chinese text before it stopped, the file
    mixes encodings (rows pasted from another export) and the line where it changes is named."""
    read_by = [
        (stop, name)
        for stop, name in ((utf8_stop, "UTF-8"), (gb18030_stop, "GBK（GB18030）"))
        if not raw[:stop].isascii()
    ]
    if not read_by:
        return "文件编码无法识别（应为 UTF-8、UTF-16 或 GB18030）"
    stop, name = max(read_by)
    line = raw[:stop].count(b"\n") + 1
    return (
        f"文件编码不一致：前面的文字是 {name} 编码，第 {line} 行起混有其他编码的文字"
        "（可能是从别的文件复制进来的行）；请在 WPS 或 Excel 中打开，另存为 CSV 后再导入"
    )


def read_csv(path: Path, name: str) -> Sheet:
    """A CSV file as one sheet; `row` is the 1-based line number."""
    try:
        frame = _read_utf8_csv(path)
        if frame is None:
            frame = _read_any_csv(path)
    except OSError as error:
        raise UnreadableFile("无法读取文件（文件不存在或没有读取权限）") from error
    if frame is None:
        return Sheet(name, "", path, pl.DataFrame({"row": pl.Series([], dtype=pl.Int64)}))
    return Sheet(name, "", path, _numbered(frame, first_row=1))


def _read_utf8_csv(path: Path) -> pl.DataFrame | None:
    """The common case, parsed by Polars straight from the file: UTF-8, no line wider than the head.

    Returns None when the file needs `_read_any_csv`: its head is not UTF-8, a title row is
    narrower than the header (Polars takes the width from the first line), or Polars refuses
    it (a byte that is not UTF-8 further down, a line wider than the head). Polars checks
    every byte it keeps, and with ragged lines refused it keeps every byte, so whatever it
    accepts is exactly what decoding the whole file as UTF-8 would have given.
    """
    head = _head_bytes(path, CSV_WIDTH_SCAN_LINES)
    if head.startswith(UTF8_BOM):
        head = head[len(UTF8_BOM) :]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return None
    widths = [len(row) for row in csv.reader(io.StringIO(text))]
    width = max(widths, default=0)
    if width == 0 or widths[0] < width:
        return None
    try:
        return _polars_csv(path, width, truncate=False)
    except pl.exceptions.PolarsError:
        return None


def _read_any_csv(path: Path) -> pl.DataFrame | None:
    """Any accepted CSV: decoded in Python (UTF-8 or GB18030), ragged lines cut to the head's width."""
    text = decode(path.read_bytes())
    head = _first_lines(text, CSV_WIDTH_SCAN_LINES)
    # Excel's "Unicode text" (UTF-16) separates its cells by tabs.
    first = head.split("\n", 1)[0]
    separator = "\t" if "\t" in first and "," not in first else ","
    width = max((len(row) for row in csv.reader(io.StringIO(head), delimiter=separator)), default=0)
    if width == 0:
        return None
    # A title row has fewer fields than the header, and Polars takes the width from the first
    # line: lead with a line of `width` empty fields and drop it again.
    return _polars_csv(
        io.BytesIO((separator * (width - 1) + "\n" + text).encode("utf-8")),
        width,
        truncate=True,
        separator=separator,
    ).slice(1)


def _polars_csv(
    source: Path | io.BytesIO, width: int, *, truncate: bool, separator: str = ","
) -> pl.DataFrame:
    return pl.read_csv(
        source,
        has_header=False,
        schema={f"c{i}": pl.String for i in range(width)},
        truncate_ragged_lines=truncate,
        quote_char='"',
        separator=separator,
    )


def _head_bytes(path: Path, lines: int) -> bytes:
    """The file's first `lines` lines (or all of it), read in blocks."""
    chunks: list[bytes] = []
    found = 0
    with path.open("rb") as stream:
        while found < lines and (block := stream.read(64 * 1024)):
            chunks.append(block)
            found += block.count(b"\n")
    head = b"".join(chunks)
    end = -1
    for _ in range(lines):
        end = head.find(b"\n", end + 1)
        if end < 0:
            return head
    return head[: end + 1]


def _first_lines(text: str, count: int) -> str:
    end = 0
    for _ in range(count):
        found = text.find("\n", end)
        if found < 0:
            return text
        end = found + 1
    return text[:end]

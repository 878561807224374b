"""Look before parsing: a file's unpacked size, its sheets' declared size and its rows.

A 15 MB workbook can unpack to gigabytes, and a sheet can declare a million rows it
does not have (calamine sizes its grid from the declaration). Both are found here from
the zip's directory and the first bytes of each sheet's XML, before calamine or Polars
allocate anything; the reader then stops a sheet at `max_rows`. Every refusal is a
Chinese sentence naming the file::

    problem = check_file(path, "学籍信息.xlsx", ReadLimits.from_environment())
    if problem: ...          # "文件“学籍信息.xlsx”解压后约 450 MB，超过上限 …"

Plain Python (zipfile, re): no parser is involved.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from fangfan.engine.config import env_int

MB = 1024 * 1024
# A sheet's XML is read this far to find its <dimension ref="A1:Q5000"/>.
DIMENSION_SCAN_BYTES = 64 * 1024
# Below this unpacked size a high compression ratio costs nothing worth refusing.
RATIO_FLOOR_BYTES = 64 * MB
# Even the tersest sheet XML spends more than this per declared cell that exists.
MIN_BYTES_PER_DECLARED_CELL = 0.5
# Declarations up to this many cells are never questioned (small sheets, empty templates).
DECLARED_CELLS_FREE = 1_000_000
DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]+)?(\d+)?(?::([A-Z]+)(\d+))?\"")


@dataclass(frozen=True)
class ReadLimits:
    """How much one file may unpack to and hold (defaults fit a whole city's largest file)."""

    max_unpacked_bytes: int = 2048 * MB
    max_compression_ratio: int = 25
    # Longnan's insurance roll holds about two rows a person: 4.74 million for 2.37 million
    # people, the largest export an office gets. Room above it for growth and a second year.
    max_rows: int = 10_000_000

    @classmethod
    def from_environment(cls) -> ReadLimits:
        return cls(
            max_unpacked_bytes=env_int("FANGFAN_UPLOAD_MAX_UNPACKED_BYTES", cls.max_unpacked_bytes),
            max_compression_ratio=env_int("FANGFAN_UPLOAD_MAX_COMPRESSION_RATIO", cls.max_compression_ratio),
            max_rows=env_int("FANGFAN_UPLOAD_MAX_ROWS", cls.max_rows),
        )


def check_file(path: Path, name: str, limits: ReadLimits) -> str | None:
    """Why the file at `path` must not be parsed (Chinese, naming it as `name`), or None."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return check_workbook(path, name, limits)
    if suffix == ".csv":
        return check_csv(path, name, limits)
    size = path.stat().st_size
    if size > limits.max_unpacked_bytes:
        return f"文件“{name}”有 {_mb(size)}，超过上限 {_mb(limits.max_unpacked_bytes)}，未读取"
    return None


def check_workbook(path: Path, name: str, limits: ReadLimits) -> str | None:
    """An .xlsx is a zip: its unpacked total and ratio, then each sheet's declared rows."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            unpacked = sum(member.file_size for member in members)
            packed = max(sum(member.compress_size for member in members), 1)
            problem = _size_problem(name, unpacked, packed, limits)
            if problem:
                return problem
            sheets = [
                m for m in members if m.filename.startswith("xl/worksheets/") and m.filename.endswith(".xml")
            ]
            return _dimension_problem(archive, sheets, name, limits)
    except (zipfile.BadZipFile, OSError, EOFError, zipfile.LargeZipFile):
        return f"文件“{name}”不是有效的 Excel 工作簿（.xlsx 文件已损坏或并非 Excel 文件），未读取"


def _size_problem(name: str, unpacked: int, packed: int, limits: ReadLimits) -> str | None:
    if unpacked > limits.max_unpacked_bytes:
        return (
            f"文件“{name}”解压后约 {_mb(unpacked)}，超过上限 {_mb(limits.max_unpacked_bytes)}，"
            "未读取；请按县区拆分后分别上传，或联系系统管理员"
        )
    ratio = unpacked / packed
    if unpacked > RATIO_FLOOR_BYTES and ratio > limits.max_compression_ratio:
        return (
            f"文件“{name}”压缩比异常（{_mb(packed)} 解压后为 {_mb(unpacked)}，约 {ratio:.0f} 倍），"
            "不像系统导出的表格，未读取"
        )
    return None


def _dimension_problem(
    archive: zipfile.ZipFile, sheets: list[zipfile.ZipInfo], name: str, limits: ReadLimits
) -> str | None:
    declared_total = 0
    for member in sheets:
        with archive.open(member) as stream:
            head = stream.read(DIMENSION_SCAN_BYTES)
        rows, columns = declared_size(head)
        declared_total += rows
        cells = rows * columns
        if cells > DECLARED_CELLS_FREE and cells * MIN_BYTES_PER_DECLARED_CELL > member.file_size:
            return (
                f"文件“{name}”中的工作表声明有 {rows:,} 行 × {columns:,} 列，"
                "与实际内容不符（文件可能被改动过），未读取"
            )
    if declared_total > limits.max_rows:
        return f"文件“{name}”共有约 {declared_total:,} 行，超过每类数据 {limits.max_rows:,} 行的上限，未读取"
    return None


def declared_size(head: bytes) -> tuple[int, int]:
    """(rows, columns) a sheet's XML declares in its <dimension>, (0, 0) if it declares none.

    >>> declared_size(b'<worksheet><dimension ref="A1:C1000000"/>')
    (1000000, 3)
    """
    match = DIMENSION.search(head)
    if match is None:
        return 0, 0
    first_column, first_row, last_column, last_row = match.groups()
    if last_row is None:  # a single cell, "A1"
        return (1, 1) if first_row else (0, 0)
    rows = int(last_row) - int(first_row or 1) + 1
    columns = _column_number(last_column) - _column_number(first_column or b"A") + 1
    return max(rows, 0), max(columns, 0)


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + (letter - ord("A") + 1)
    return number


def check_csv(path: Path, name: str, limits: ReadLimits) -> str | None:
    """A CSV's bytes, then its lines, counted in blocks without decoding."""
    size = path.stat().st_size
    if size > limits.max_unpacked_bytes:
        return f"文件“{name}”有 {_mb(size)}，超过上限 {_mb(limits.max_unpacked_bytes)}，未读取"
    lines = 0
    with path.open("rb") as stream:
        while block := stream.read(4 * MB):
            lines += block.count(b"\n")
            if lines > limits.max_rows:
                return too_many_rows(name, limits)
    return None


def too_many_rows(name: str, limits: ReadLimits, sheet: str = "") -> str:
    where = f"的工作表“{sheet}”" if sheet else ""
    return f"文件“{name}”{where}超过每类数据 {limits.max_rows:,} 行的上限，未读取；请按县区拆分后分别上传"


def _mb(size: int) -> str:
    return f"{size / MB:,.0f} MB" if size >= MB else f"{size / 1024:,.0f} KB"

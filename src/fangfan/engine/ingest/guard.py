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

import array
import re
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

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
# An OLE compound file (.xls, .et, an encrypted .xlsx) starts with these bytes; its directory
# names its streams (an encrypted workbook's "EncryptedPackage").
OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
ZIP_MAGIC = b"PK\x03\x04"
OLE_SCAN_BYTES = 64 * 1024
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")
DEFLATE_OVERHEAD_BYTES = 1024
# Deflate packs at most about 1,032 to 1: a zip packing less than the unpacked cap divided by
# this cannot unpack past the cap, whatever its directory declares.
MAX_DEFLATE_RATIO = 1032
LOCAL_HEADER_BYTES = 30
INFLATE_BLOCK = 16 * MB
# The shortest XML of a cell naming a shared string: <c t="s"><v>0</v></c>.
SHARED_CELL_MIN_BYTES = 21
SHARED_CELL = re.compile(rb'<c\b[^>]*?\bt="s"[^>]*>\s*<v>(\d+)</v>')
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
    size = path.stat().st_size
    if size == 0:
        return f"文件“{name}”是空的（0 字节），未读取；请重新导出"
    with path.open("rb") as stream:
        start = stream.read(8)
    if start == OLE_MAGIC:
        problem = _ole_problem(path, name)
        if problem:
            return problem
        # An old .xls saved under an .xlsx name is no zip: calamine reads it by its content.
        suffix = ".xls" if suffix in (".xlsx", ".xlsm") else suffix
    if start.startswith(ZIP_MAGIC) and suffix in (".xls", ".et"):
        # An .xlsx saved under an old name (WPS's .et is often one) is a zip all the same: calamine
        # reads it by its content, so it is checked as one (a bomb named .et was not looked at).
        suffix = ".xlsx"
    if suffix in (".xlsx", ".xlsm"):
        return check_workbook(path, name, limits)
    if suffix in (".xls", ".et") and start.lstrip().startswith(b"<"):
        return (
            f"文件“{name}”其实是网页文件，只是扩展名为 {suffix}，并非 Excel 工作簿，未读取；"
            "请用 Excel 打开后另存为 .xlsx 再导入"
        )
    if suffix == ".csv":
        return check_csv(path, name, limits)
    if size > limits.max_unpacked_bytes:
        return f"文件“{name}”有 {_mb(size)}，超过上限 {_mb(limits.max_unpacked_bytes)}，未读取"
    return None


def _ole_problem(path: Path, name: str) -> str | None:
    """An OLE compound file (.xls, .et, or an .xlsx with an opening password): refused if encrypted.

    Excel and WPS store a password-protected .xlsx as an OLE file holding an
    "EncryptedPackage" stream; its name is in the file's directory, in UTF-16.
    """
    with path.open("rb") as stream:
        head = stream.read(OLE_SCAN_BYTES)
        # The header gives the sector size and the directory's first sector, wherever it lies.
        sector = 1 << min(int.from_bytes(head[0x1E:0x20], "little"), 16)
        offset = (int.from_bytes(head[0x30:0x34], "little") + 1) * sector
        # A damaged header can point past the file's end (seek refuses such offsets): no directory.
        directory = b""
        if offset < path.stat().st_size:
            stream.seek(offset)
            directory = stream.read(OLE_SCAN_BYTES)
    if any(marker in part for part in (head, directory) for marker in (ENCRYPTED_PACKAGE, ENCRYPTION_INFO)):
        return (
            f"文件“{name}”设有打开密码（已加密），无法读取；"
            "请在 Excel 或 WPS 中取消密码（文件→信息→保护工作簿）后重新保存再导入"
        )
    return None


def check_workbook(path: Path, name: str, limits: ReadLimits) -> str | None:
    """An .xlsx is a zip: its unpacked total and ratio, then each sheet's declared rows."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            unpacked = sum(member.file_size for member in members)
            packed = max(sum(member.compress_size for member in members), 1)
            problem = (
                _size_problem(name, unpacked, packed, limits)
                or _declared_size_lies(name, members)
                or _inflates_past_declared(path, name, members, limits)
            )
            if problem:
                return problem
            sheets = [
                m for m in members if m.filename.startswith("xl/worksheets/") and m.filename.endswith(".xml")
            ]
            return _dimension_problem(archive, sheets, name, limits) or _shared_strings_problem(
                archive, members, sheets, name, limits
            )
    except (zipfile.BadZipFile, OSError, EOFError, zipfile.LargeZipFile, zlib.error):
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


def _declared_size_lies(name: str, members: list[zipfile.ZipInfo]) -> str | None:
    """A member declaring fewer unpacked bytes than it has packed: a bomb hiding its size.

    Deflate never grows data by more than a few bytes per 16 KB block, so an honest member
    packs to at most a little over its size. calamine trusts the data, not the declaration,
    and would unpack such a member whole, whatever its real size.
    """
    for member in members:
        bound = member.file_size + member.file_size // 1000 + DEFLATE_OVERHEAD_BYTES
        if member.compress_type == zipfile.ZIP_DEFLATED and member.compress_size > bound:
            return (
                f"文件“{name}”内部声明的大小与实际内容不符（其中一部分声明解压后 {_mb(member.file_size)}，"
                f"压缩后却有 {_mb(member.compress_size)}），文件可能被改动过，未读取"
            )
    return None


def _inflates_past_declared(
    path: Path, name: str, members: list[zipfile.ZipInfo], limits: ReadLimits
) -> str | None:
    """A member that unpacks to more than its directory declares, found by unpacking it, capped.

    A bomb can declare plausible sizes (under the ratio cap) and unpack to far more, and
    calamine reads what the data holds. Each member is unpacked here in blocks, counted and
    dropped, and stopped one byte past its declared size: memory stays at a block. A file
    too small to unpack past the cap at deflate's highest ratio is not looked at (it costs
    about a fifteenth of calamine's own read of the same sheets, 0.33 s for 94 MB of XML).
    """
    if sum(member.compress_size for member in members) * MAX_DEFLATE_RATIO <= limits.max_unpacked_bytes:
        return None
    with path.open("rb") as stream:
        for member in members:
            if member.compress_type != zipfile.ZIP_DEFLATED:
                continue
            if _unpacked_size(stream, member, stop_after=member.file_size) > member.file_size:
                return (
                    f"文件“{name}”解压后的内容比其内部声明的大小更大（文件可能被改动过，"
                    "是压缩炸弹一类的文件），未读取"
                )
    return None


def _unpacked_size(stream: BinaryIO, member: zipfile.ZipInfo, *, stop_after: int) -> int:
    """How many bytes `member` unpacks to, counted no further than `stop_after` + 1 block."""
    stream.seek(member.header_offset)
    header = stream.read(LOCAL_HEADER_BYTES)
    name_length = int.from_bytes(header[26:28], "little")
    extra_length = int.from_bytes(header[28:30], "little")
    stream.seek(member.header_offset + LOCAL_HEADER_BYTES + name_length + extra_length)
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    left, count = member.compress_size, 0
    while left > 0 and count <= stop_after and not inflater.eof:
        packed = stream.read(min(left, INFLATE_BLOCK))
        if not packed:
            break
        left -= len(packed)
        try:
            count += len(inflater.decompress(packed, INFLATE_BLOCK))
            while inflater.unconsumed_tail and count <= stop_after:
                count += len(inflater.decompress(inflater.unconsumed_tail, INFLATE_BLOCK))
        except zlib.error:
            return count  # broken data: calamine's read will say so
    return count


def _shared_strings_problem(
    archive: zipfile.ZipFile,
    members: list[zipfile.ZipInfo],
    sheets: list[zipfile.ZipInfo],
    name: str,
    limits: ReadLimits,
) -> str | None:
    """A sheet whose cells point at the same long shared string again and again: a bomb of text.

    calamine gives every cell its own copy of the shared string it names, so a 700 KB workbook
    (one 32,767-character string, 200,000 cells naming it) asks for 20 GB, under every size and
    ratio cap above. What the cells would hold is bounded first without unpacking the sheets
    (no cell naming a shared string is under SHARED_CELL_MIN_BYTES of XML, no string longer than
    the shared-strings part, then than the longest string in it); only a workbook that could
    pass the cap has its sheets read, each cell's string length added up.
    """
    table = next((m for m in members if m.filename.lower() == "xl/sharedstrings.xml"), None)
    if table is None or not sheets:
        return None
    cells = sum(member.file_size for member in sheets) // SHARED_CELL_MIN_BYTES
    if cells * table.file_size <= limits.max_unpacked_bytes:
        return None
    lengths = _shared_string_lengths(archive, table)
    if cells * max(lengths, default=0) <= limits.max_unpacked_bytes:
        return None
    total = 0
    for member in sheets:
        total += _shared_text_bytes(archive, member, lengths)
        if total > limits.max_unpacked_bytes:
            return (
                f"文件“{name}”的单元格反复引用同一段长文字，读出后超过 {_mb(limits.max_unpacked_bytes)}"
                "（文件可能被改动过，是压缩炸弹一类的文件），未读取"
            )
    return None


def _shared_string_lengths(archive: zipfile.ZipFile, table: zipfile.ZipInfo) -> array.array[int]:
    """Each shared string's length in bytes of XML (markup and entities included: an upper bound)."""
    lengths: array.array[int] = array.array("Q")
    carry = b""
    with archive.open(table) as stream:
        while block := stream.read(INFLATE_BLOCK):
            parts = (carry + block).split(b"</si>")
            carry = parts.pop()
            lengths.extend(len(part) - max(part.find(b"<si"), 0) for part in parts)
    return lengths


def _shared_text_bytes(archive: zipfile.ZipFile, sheet: zipfile.ZipInfo, lengths: array.array[int]) -> int:
    """The bytes of shared strings the cells of `sheet` name, each cell counted."""
    counts: Counter[bytes] = Counter()
    carry = b""
    with archive.open(sheet) as stream:
        while block := stream.read(INFLATE_BLOCK):
            text = carry + block
            end = text.rfind(b"</c>") + len(b"</c>")
            counts.update(SHARED_CELL.findall(text, 0, end))
            carry = text[end:]
    known = len(lengths)
    return sum(lengths[int(index)] * times for index, times in counts.items() if int(index) < known)


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

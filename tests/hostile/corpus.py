"""The hostile import corpus (issue 20): files an office should never be hurt by.

Every case is a school roll (学籍信息) of the same three pupils of 礼县 (`PUPILS`), spoilt
in one way. Most are made by the test into a folder (`Case.build`); the few that need
another program to make are kept beside this module, small, made once:

- `files/学籍信息（旧版Excel）.xls`: a real BIFF8 workbook, LibreOffice
  (`soffice --headless --convert-to xls`) from the roll as CSV;
- `files/学籍信息（WPS）.et`: the same bytes under WPS's name for it, as offices send;
- `files/学籍信息（加密）.xlsx`: the roll with an opening password (`msoffcrypto-tool`,
  password 123456): an OLE file, not a zip.

`Case.refusal` holds words the refusal must contain; an empty one means the file must be
imported, with `Case.rows` pupils. `make_corpus_files()` remakes the kept files.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import xlsxwriter

FILES = Path(__file__).resolve().parent / "files"
REGISTRY = ("户信息.csv", "成员信息.csv", "收入信息.csv")  # what a hostile file is imported beside
WIDE = {"COLUMNS": "1000"}  # rich wraps the CLI's output at 80 columns when not on a terminal
MB = 1024 * 1024
# Three pupils of 礼县 (621226): their IDs are valid, the registry knows none of them.
PUPILS = pl.DataFrame(
    {
        "身份证号": ["621226201001010019", "621226201001020022", "621226201001030036"],
        "姓名": ["王小明", "李𬌗", "张小刚"],  # 𬌗: a name character outside GBK, inside GB18030
        "学校名称": ["城关小学", "城关小学", "礼县第一中学"],
        "学段": ["小学", "小学", "初中"],
        "学籍状态": ["在读", "在读", "在读"],
    }
)
QUOTED_BAD_ID = "621226201001030037"  # 621226201001030036 with a wrong check character
GBK_PUPILS = PUPILS.with_columns(pl.col("姓名").str.replace("𬌗", "华"))


@dataclass(frozen=True)
class Case:
    """One hostile file: how to make it, and what the import must do with it."""

    name: str  # the file's name as the office sends it
    build: Callable[[Path], Path]  # makes the file in a folder, returns its path
    refusal: tuple[str, ...] = ()  # words of the Chinese refusal; () when it must be imported
    rows: int = 0  # pupils imported when it is imported
    names: tuple[str, ...] = ()  # pupils' names that must come through exactly
    web_refusal: tuple[str, ...] | None = None  # when the web says it in other words
    feed: str = "school_roll"  # what the web uploader says it is

    @property
    def imported(self) -> bool:
        return not self.refusal


def _workbook(folder: Path, name: str, write: Callable[[xlsxwriter.Workbook], None]) -> Path:
    path = folder / name
    book = xlsxwriter.Workbook(path)
    write(book)
    book.close()
    return path


def _roll_sheet(
    book: xlsxwriter.Workbook, title: str, frame: pl.DataFrame = PUPILS
) -> xlsxwriter.worksheet.Worksheet:
    sheet = book.add_worksheet(title)
    sheet.write_row(0, 0, frame.columns)
    for number, row in enumerate(frame.iter_rows(), start=1):
        sheet.write_row(number, 0, row)
    return sheet


def _rewritten(source: Path, target: Path, change_sheet: Callable[[bytes], bytes]) -> Path:
    """`source` with its first sheet's XML changed, deflated hard."""
    with (
        zipfile.ZipFile(source) as old,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as new,
    ):
        for item in old.infolist():
            data = old.read(item.filename)
            new.writestr(
                item.filename, change_sheet(data) if item.filename == "xl/worksheets/sheet1.xml" else data
            )
    source.unlink()
    return target


def honest(folder: Path) -> Path:
    return _workbook(folder, "学籍信息.xlsx", lambda book: _roll_sheet(book, "学籍"))


def zip_bomb(folder: Path) -> Path:
    """A 1 MB workbook whose sheet XML inflates to 1 GB of blanks before its rows."""
    return _bomb(folder, "学籍信息（炸弹）.xlsx", blocks=64)


def plausible_liar(folder: Path) -> Path:
    """A 2.5 MB workbook that inflates to 2.5 GB, its directory declaring a plausible 50 MB."""
    path = _bomb(folder, "学籍信息（声明合理的炸弹）.xlsx", blocks=160)
    with zipfile.ZipFile(path) as archive:
        sheet = archive.getinfo("xl/worksheets/sheet1.xml")
    raw = bytearray(path.read_bytes())
    _patch_member(raw, sheet.filename.encode(), method=8, crc=sheet.CRC, size=sheet.compress_size * 20)
    path.write_bytes(bytes(raw))
    return path


def _bomb(folder: Path, name: str, *, blocks: int) -> Path:
    """A workbook whose sheet XML holds `blocks` × 16 MB of blanks before its rows.

    The sheet is deflated by hand: each 16 MB block of blanks, compressed after a full
    flush, packs to the same bytes, so the gigabytes are never made or compressed here.
    """
    source = _workbook(folder, "源.xlsx", lambda book: _roll_sheet(book, "学籍"))
    target = folder / name
    member = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(source) as old:
        head, tail = old.read(member).split(b"<sheetData>", 1)
        others = [(item, old.read(item.filename)) for item in old.infolist() if item.filename != member]
    block = b" " * (16 * MB)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    middle = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    packed = first + middle * blocks + packer.compress(b"<sheetData>" + tail) + packer.flush()
    crc = zlib.crc32(head)
    for _ in range(blocks):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(b"<sheetData>" + tail, crc)
    size = len(head) + len(block) * blocks + len(b"<sheetData>") + len(tail)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item, data in others:
            new.writestr(item.filename, data)
        # Stored as it is, then marked deflated with the real CRC and size (both headers).
        new.writestr(zipfile.ZipInfo(member), packed, compress_type=zipfile.ZIP_STORED)
    raw = bytearray(target.read_bytes())
    _patch_member(raw, member.encode(), method=8, crc=crc, size=size)
    target.write_bytes(bytes(raw))
    source.unlink()
    return target


def _patch_member(raw: bytearray, member: bytes, *, method: int, crc: int, size: int) -> None:
    """Set a member's method, CRC and unpacked size in its local header and its central entry."""
    # (signature, offset of the method, of the CRC, of the unpacked size, of the name)
    for signature, method_at, crc_at, size_at, name_at in (
        (b"PK\x03\x04", 8, 14, 22, 30),
        (b"PK\x01\x02", 10, 16, 24, 46),
    ):
        at = raw.find(signature)
        while at >= 0:
            if raw[at + name_at : at + name_at + len(member)] == member:
                raw[at + method_at : at + method_at + 2] = method.to_bytes(2, "little")
                raw[at + crc_at : at + crc_at + 4] = crc.to_bytes(4, "little")
                raw[at + size_at : at + size_at + 4] = size.to_bytes(4, "little")
            at = raw.find(signature, at + 4)


def lying_bomb(folder: Path) -> Path:
    """The zip bomb again, its directory declaring 4 KB for the gigabyte its sheet inflates to."""
    (folder / "源").mkdir()
    path = zip_bomb(folder / "源").rename(folder / "学籍信息（谎报大小）.xlsx")
    (folder / "源").rmdir()
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        crc = archive.getinfo("xl/worksheets/sheet1.xml").CRC
    _patch_member(raw, b"xl/worksheets/sheet1.xml", method=8, crc=crc, size=4096)
    path.write_bytes(bytes(raw))
    return path


def xls_named_xlsx(folder: Path) -> Path:
    """An old .xls renamed to .xlsx, as offices do to get past a form that asks for .xlsx."""
    return Path(shutil.copy(FILES / "学籍信息（旧版Excel）.xls", folder / "学籍信息（改名）.xlsx"))


def million_rows(folder: Path) -> Path:
    def declare(xml: bytes) -> bytes:
        return re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:Z1000000"/>', xml)

    return _rewritten(honest(folder), folder / "学籍信息（百万行）.xlsx", declare)


def hidden_sheets(folder: Path) -> Path:
    """The roll on a visible sheet; a hidden sheet of 学段 codes; a very hidden scratch sheet."""

    def write(book: xlsxwriter.Workbook) -> None:
        _roll_sheet(book, "学籍")
        codes = book.add_worksheet("代码表")
        codes.write_column(0, 0, ["学段", "小学", "初中", "高中"])
        codes.hide()
        scratch = book.add_worksheet("宏数据")
        scratch.write(0, 0, "内部使用")
        scratch.very_hidden()

    return _workbook(folder, "学籍信息（隐藏工作表）.xlsx", write)


def merged_cells(folder: Path) -> Path:
    """A merged title over the header, each school's name and each 学段 merged down its pupils."""

    def write(book: xlsxwriter.Workbook) -> None:
        sheet = book.add_worksheet("学籍")
        sheet.merge_range(0, 0, 0, 4, "礼县学籍信息（截至2026年10月31日）")
        sheet.write_row(1, 0, PUPILS.columns)
        for number, row in enumerate(PUPILS.iter_rows(), start=2):
            sheet.write_row(number, 0, row)
        sheet.merge_range(2, 2, 3, 2, "城关小学")
        sheet.merge_range(2, 3, 3, 3, "小学")
        sheet.merge_range(2, 4, 4, 4, "在读")
        sheet.merge_range(5, 0, 5, 4, "合计：3人")

    return _workbook(folder, "学籍信息（合并单元格）.xlsx", write)


def dangling_formulas(folder: Path) -> Path:
    """学校名称 is a formula to a sheet, a workbook and a number that are not there (#REF!, #DIV/0!)."""

    def write(book: xlsxwriter.Workbook) -> None:
        sheet = _roll_sheet(book, "学籍")
        sheet.write_formula(1, 2, "=不存在的表!A1")  # cached value 0, as xlsxwriter leaves it
        sheet.write_formula(2, 2, "=[外部.xlsx]Sheet1!A1", None, "#REF!")
        sheet.write_formula(3, 2, "=1/0", None, "#DIV/0!")

    return _workbook(folder, "学籍信息（公式错误）.xlsx", write)


def dangling_strings(folder: Path) -> Path:
    """The first pupil's 学段 names shared string 90000 of a table of 16."""

    def point_nowhere(xml: bytes) -> bytes:
        return re.sub(rb'(<c r="D2"[^>]*t="s"[^>]*><v>)\d+', rb"\g<1>90000", xml)

    return _rewritten(honest(folder), folder / "学籍信息（共享文本错误）.xlsx", point_nowhere)


def kept(name: str) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        return Path(shutil.copy(FILES / name, folder / name))

    return build


def _csv_text(frame: pl.DataFrame) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(frame.columns)
    writer.writerows(frame.iter_rows())
    return out.getvalue()


def encoded(
    name: str, encoding: str, *, bom: bytes = b"", frame: pl.DataFrame = PUPILS
) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(bom + _csv_text(frame).encode(encoding))
        return path

    return build


def tabbed(folder: Path) -> Path:
    """Excel's "Unicode text": UTF-16 with its mark, cells separated by tabs."""
    text = _csv_text(PUPILS).replace(",", "\t")
    path = folder / "学籍信息（Unicode文本）.csv"
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    return path


def quoted(folder: Path) -> Path:
    """A school's name over two lines, another with quotes and a comma, as Excel saves them.

    The third pupil's ID has a wrong check character: its problem must name row 4, the row
    Excel shows, not line 5 of the file.
    """
    frame = PUPILS.with_columns(
        pl.Series("学校名称", ["城关小学\n（东校区）", '礼县"希望"小学, 分校', "礼县第一中学"]),
        pl.Series("身份证号", [*PUPILS["身份证号"][:2], QUOTED_BAD_ID]),
    )
    path = folder / "学籍信息（换行与引号）.csv"
    path.write_bytes(b"\xef\xbb\xbf" + _csv_text(frame).encode("utf-8"))
    return path


def empty(name: str, content: bytes = b"") -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(content)
        return path

    return build


def wrong_feed(folder: Path) -> Path:
    """A 残疾人证 feed (disability certificates) sent as the school roll."""
    path = folder / "学籍信息（其实是残疾人证）.csv"
    frame = pl.DataFrame(
        {
            "身份证号": PUPILS["身份证号"],
            "姓名": PUPILS["姓名"],
            "残疾类别": ["肢体", "视力", "听力"],
            "残疾等级": ["一级", "二级", "三级"],
            "发证日期": ["2020-01-01", "2021-02-02", "2022-03-03"],
        }
    )
    frame.write_csv(path)
    return path


def not_a_table(folder: Path) -> Path:
    """A salary sheet: a workbook whose header matches nothing fangfan knows."""
    frame = pl.DataFrame({"工号": ["001"], "部门": ["财务科"], "应发工资": ["5000"], "实发工资": ["4500"]})
    return _workbook(folder, "工资表.xlsx", lambda book: _roll_sheet(book, "工资", frame))


def html_as_xls(folder: Path) -> Path:
    """What some government systems call an Excel export: an HTML table named .xls."""
    path = folder / "学籍信息（网页导出）.xls"
    cells = "".join(f"<td>{column}</td>" for column in PUPILS.columns)
    path.write_text(f"<html><body><table><tr>{cells}</tr></table></body></html>", "utf-8")
    return path


HUNDRED_MB = 100 * MB


def hundred_megabytes(folder: Path) -> Path:
    """A 100 MB school roll (1.77 million pupils of 礼县), written in blocks."""
    path = folder / "学籍信息（100MB）.csv"
    born = dt.date(2008, 1, 1)
    # A thousand pupils a birthday: each ID is valid and different.
    return _hundred_megabytes(path, lambda number: f"621226{born + dt.timedelta(days=number // 1000):%Y%m%d}")


def hundred_megabytes_of_bad_ids(folder: Path) -> Path:
    """The 100 MB school roll with every ID bad: born on 2010-00-00, each a problem to explain.

    The check character is right, so the birth date is each ID's only problem; a thousand
    pupils share an area code (620000, 620001, …), so every ID is different.
    """
    path = folder / "学籍信息（100MB，身份证号全错）.csv"
    return _hundred_megabytes(path, lambda number: f"{620000 + number // 1000:06d}20100000")


def _hundred_megabytes(path: Path, day_of: Callable[[int], str]) -> Path:
    """Pupils a thousand to a day (`day_of(number)`: an ID's first 14 characters) up to 100 MB."""
    with path.open("wb") as stream:
        stream.write("身份证号,姓名,学校名称,学段,学籍状态\n".encode())
        number = 0
        while stream.tell() < HUNDRED_MB:
            day = day_of(number)
            lines = []
            for sequence in range(1000):
                first17 = f"{day}{sequence:03d}"
                lines.append(f"{first17}{_check(first17)},学生{number + sequence},城关小学,小学,在读\n")
            number += 1000
            stream.write("".join(lines).encode())
    return path


def _check(first17: str) -> str:
    from fangfan.engine.idnumber import check_character

    return check_character(first17)


CASES = [
    Case("zip_bomb", zip_bomb, refusal=("学籍信息（炸弹）.xlsx", "压缩比异常", "解压后为 1,024 MB")),
    Case("lying_bomb", lying_bomb, refusal=("学籍信息（谎报大小）.xlsx", "声明的大小与实际内容不符")),
    Case(
        "plausible_liar",
        plausible_liar,
        refusal=("学籍信息（声明合理的炸弹）.xlsx", "解压后的内容比其内部声明的大小更大"),
    ),
    Case("million_rows", million_rows, refusal=("学籍信息（百万行）.xlsx", "1,000,000 行", "与实际内容不符")),
    Case("hidden_sheets", hidden_sheets, rows=3, names=("李𬌗",)),
    Case("merged_cells", merged_cells, rows=3),
    Case("dangling_formulas", dangling_formulas, rows=3),
    Case(
        "dangling_strings",
        dangling_strings,
        refusal=("学籍信息（共享文本错误）.xlsx", "“学籍”", "不存在的共享文本"),
    ),
    Case("encrypted", kept("学籍信息（加密）.xlsx"), refusal=("学籍信息（加密）.xlsx", "设有打开密码")),
    Case("legacy_xls", kept("学籍信息（旧版Excel）.xls"), rows=3, names=("李𬌗",)),
    Case("wps_et", kept("学籍信息（WPS）.et"), rows=3, names=("李𬌗",)),
    Case("xls_named_xlsx", xls_named_xlsx, rows=3, names=("李𬌗",)),
    Case("gbk", encoded("学籍信息（GBK）.csv", "gbk", frame=GBK_PUPILS), rows=3, names=("王小明", "李华")),
    Case("gb18030", encoded("学籍信息（GB18030）.csv", "gb18030"), rows=3, names=("李𬌗",)),
    Case(
        "utf16_bom", encoded("学籍信息（UTF-16）.csv", "utf-16-le", bom=b"\xff\xfe"), rows=3, names=("李𬌗",)
    ),
    Case("utf16_tabs", tabbed, rows=3, names=("李𬌗",)),
    Case(
        "utf8_bom",
        encoded("学籍信息（UTF-8 BOM）.csv", "utf-8", bom=b"\xef\xbb\xbf"),
        rows=3,
        names=("李𬌗",),
    ),
    Case("utf8", encoded("学籍信息（UTF-8）.csv", "utf-8"), rows=3, names=("李𬌗",)),
    Case("newlines_and_quotes", quoted, rows=3, names=("李𬌗",)),
    Case("empty_csv", empty("学籍信息（空）.csv"), refusal=("学籍信息（空）.csv", "是空的（0 字节）")),
    Case("empty_xlsx", empty("学籍信息（空）.xlsx"), refusal=("学籍信息（空）.xlsx", "是空的（0 字节）")),
    Case(
        "header_only",
        empty("学籍信息（只有表头）.csv", "身份证号,姓名,学校名称,学段,学籍状态\r\n".encode()),
        refusal=("学籍信息（只有表头）.csv", "只有表头，没有数据行"),
    ),
    Case("wrong_feed", wrong_feed, rows=0, web_refusal=("所选的数据类别是「学籍信息」", "「残疾人证」")),
    Case("not_a_table", not_a_table, refusal=("工资表.xlsx", "表头不匹配")),
    Case("html_as_xls", html_as_xls, refusal=("学籍信息（网页导出）.xls", "其实是网页文件")),
]


def make_corpus_files() -> None:
    """Remake the kept files (needs LibreOffice and msoffcrypto-tool; run by hand, once)."""
    import subprocess
    import tempfile

    from msoffcrypto.format.ooxml import OOXMLFile  # type: ignore[import-untyped]

    FILES.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        source = folder / "学籍信息（旧版Excel）.csv"
        source.write_text(_csv_text(PUPILS), "utf-8-sig")
        subprocess.run(
            [
                "soffice",
                "--headless",
                "--infilter=CSV:44,34,76,1,1/2/2/2/3/2/4/2/5/2",
                "--convert-to",
                "xls",
                "--outdir",
                str(folder),
                str(source),
            ],
            check=True,
            capture_output=True,
        )
        shutil.copy(folder / "学籍信息（旧版Excel）.xls", FILES / "学籍信息（旧版Excel）.xls")
        shutil.copy(folder / "学籍信息（旧版Excel）.xls", FILES / "学籍信息（WPS）.et")
        plain = honest(folder)
        with plain.open("rb") as reading, (FILES / "学籍信息（加密）.xlsx").open("wb") as writing:
            office = OOXMLFile(reading)
            office.encrypt("123456", writing)

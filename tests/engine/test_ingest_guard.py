"""A file is looked at before it is parsed: unpacked size, compression, declared and real rows.

The cast: an honest school roll (学籍信息.xlsx, three pupils); the same workbook whose sheet
XML was padded to 80 MB of blanks that pack into a few hundred KB (a zip bomb); one whose
sheet declares A1:Z1000000 over three rows; and a CSV longer than the row cap.
"""

from __future__ import annotations

import re
import time
import zipfile
from pathlib import Path

import polars as pl
import pytest

from fangfan.engine.ingest.assemble import assemble
from fangfan.engine.ingest.guard import ReadLimits, check_file, declared_size
from fangfan.engine.ingest.headers import load_synonyms
from fangfan.engine.ingest.read import UnreadableFile, read_sheets
from fangfan.engine.problems import Problem
from fangfan.engine.progress import SilentProgress

ROLL = pl.DataFrame(
    {
        "身份证号": ["62122620100101001X", "621226201001020028", "621226201001030036"],
        "姓名": ["王小明", "李小花", "张小刚"],
        "学段": ["小学", "小学", "初中"],
        "学籍状态": ["在读", "在读", "在读"],
    }
)


def honest_workbook(folder: Path) -> Path:
    path = folder / "学籍信息.xlsx"
    ROLL.write_excel(path, worksheet="学籍")
    return path


def rewritten(source: Path, target: Path, change_sheet) -> Path:
    """`source` with its first sheet's XML passed through `change_sheet`, deflated hard."""
    with (
        zipfile.ZipFile(source) as old,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as new,
    ):
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = change_sheet(data)
            new.writestr(item.filename, data)
    return target


def bomb(folder: Path) -> Path:
    padding = b" " * (80 * 1024 * 1024)
    return rewritten(
        honest_workbook(folder),
        folder / "炸弹.xlsx",
        lambda xml: xml.replace(b"<sheetData>", padding + b"<sheetData>"),
    )


def million_rows(folder: Path) -> Path:
    def declare(xml: bytes) -> bytes:
        return re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:Z1000000"/>', xml)

    return rewritten(honest_workbook(folder), folder / "百万行.xlsx", declare)


def test_an_honest_workbook_passes_the_guard_and_is_read(tmp_path: Path) -> None:
    path = honest_workbook(tmp_path)
    assert check_file(path, path.name, ReadLimits()) is None
    sheets = list(read_sheets(path, path.name, ReadLimits()))
    assert [sheet.cells.height for sheet in sheets] == [4]


def test_a_zip_bomb_is_refused_from_its_directory_in_a_blink_with_a_chinese_message(tmp_path: Path) -> None:
    path = bomb(tmp_path)
    assert path.stat().st_size < 2 * 1024 * 1024
    started = time.perf_counter()
    with pytest.raises(UnreadableFile) as refused:
        list(read_sheets(path, "炸弹.xlsx", ReadLimits()))
    assert time.perf_counter() - started < 1.0
    message = str(refused.value)
    assert "炸弹.xlsx" in message and "压缩比异常" in message
    assert str(tmp_path) not in message and not re.search(r"[A-Za-z]{4,}", message.replace("炸弹.xlsx", ""))


def test_a_workbook_larger_unpacked_than_the_limit_is_refused(tmp_path: Path) -> None:
    path = honest_workbook(tmp_path)
    message = check_file(path, path.name, ReadLimits(max_unpacked_bytes=1000))
    assert message is not None and "解压后约" in message and "学籍信息.xlsx" in message


def test_a_sheet_declaring_a_million_rows_over_three_is_refused_before_calamine_sees_it(
    tmp_path: Path,
) -> None:
    path = million_rows(tmp_path)
    started = time.perf_counter()
    with pytest.raises(UnreadableFile) as refused:
        list(read_sheets(path, "百万行.xlsx", ReadLimits()))
    assert time.perf_counter() - started < 1.0
    assert "1,000,000 行" in str(refused.value) and "与实际内容不符" in str(refused.value)


def test_declared_rows_over_the_row_cap_are_refused(tmp_path: Path) -> None:
    path = honest_workbook(tmp_path)
    message = check_file(path, path.name, ReadLimits(max_rows=2))
    assert message is not None and "2 行的上限" in message


def test_a_csv_longer_than_the_row_cap_is_refused_and_the_import_lists_it(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    pl.concat([ROLL] * 4).write_csv(folder / "学籍信息.csv")
    assembled = assemble(folder, load_synonyms(), SilentProgress(), ReadLimits(max_rows=10))
    problems = assembled.file_problems
    assert problems["code"].to_list() == [Problem.FILE_UNREADABLE.value]
    assert "学籍信息.csv" in problems["message"][0] and "10 行的上限" in problems["message"][0]
    assert "school_roll" not in assembled.frames
    fits = assemble(folder, load_synonyms(), SilentProgress(), ReadLimits(max_rows=100))
    assert fits.frames["school_roll"].height == 12


def test_the_declared_size_is_read_from_the_dimension_element() -> None:
    assert declared_size(b'<x:worksheet><x:dimension ref="B2:D11"/>') == (10, 3)
    assert declared_size(b'<worksheet><dimension ref="A1"/>') == (1, 1)
    assert declared_size(b"<worksheet><sheetData/>") == (0, 0)


def test_a_file_that_is_no_zip_is_refused_without_library_text(tmp_path: Path) -> None:
    path = tmp_path / "假的.xlsx"
    path.write_bytes(b"this is not a workbook")
    message = check_file(path, path.name, ReadLimits())
    assert message is not None and "不是有效的 Excel 工作簿" in message
    assert not re.search(r"[A-Za-z]{4,}", message.replace("Excel", "").replace("xlsx", ""))


def test_the_default_row_cap_admits_the_citys_insurance_roll_whole() -> None:
    # Longnan's 参保信息 export holds 4.74 million rows (about two a person): a cap below
    # it would cut the largest file every office gets and screen the city without it.
    city_insurance_rows = 4_740_000
    assert ReadLimits().max_rows > city_insurance_rows

"""A bomb of text (review): cells naming one long shared string again and again are refused unread.

calamine copies a shared string into every cell naming it, so a workbook well under every size
and ratio cap can ask for gigabytes: a 700 KB file of 200,000 cells naming one 32,767-character
string aborted the reader for want of memory (20 GB). The guard adds up what the cells name
before calamine opens the file; here with a 64 MB cap, so the files stay small.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import xlsxwriter

from fangfan.engine.ingest.guard import MB, ReadLimits, check_file

LIMITS = ReadLimits(max_unpacked_bytes=64 * MB)
LONG = "户" * 32_767  # Excel's longest cell: 98,301 bytes of UTF-8


def _workbook(path: Path, cells: list[str]) -> Path:
    book = xlsxwriter.Workbook(path)  # keeps one shared string per distinct text, as Excel does
    sheet = book.add_worksheet("户信息")
    sheet.write_row(0, 0, ["户编号", "备注"])
    for row, text in enumerate(cells, 1):
        sheet.write_string(row, 0, f"62120212120000{row:02d}")
        sheet.write_string(row, 1, text)
    book.close()
    return path


def test_cells_naming_one_long_string_past_the_cap_are_refused(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "户信息.xlsx", [LONG] * 1_000)  # 98 MB of text from a 100 KB file
    assert path.stat().st_size < 200_000

    problem = check_file(path, "户信息.xlsx", LIMITS)

    assert problem is not None
    assert problem.startswith("文件“户信息.xlsx”的单元格反复引用同一段长文字") and "64 MB" in problem


def test_a_long_string_named_a_few_times_and_many_short_ones_are_read(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "户信息.xlsx", [LONG] * 100 + [f"第{i}户的备注" for i in range(20_000)])

    assert check_file(path, "户信息.xlsx", LIMITS) is None


def test_a_damaged_old_workbook_pointing_past_its_end_is_refused_not_a_crash(tmp_path: Path) -> None:
    """An .xls whose header is garbage: its directory's sector lies past the end of the file
    (before, seek raised OSError and fangfan import stopped with a traceback)."""
    from fangfan.engine.ingest.read import UnreadableFile, read_sheets

    path = tmp_path / "其他.xls"
    path.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\xff" * 600)

    assert check_file(path, "其他.xls", LIMITS) is None  # not encrypted: calamine says what it is
    with pytest.raises(UnreadableFile, match=r"无法打开工作簿“其他\.xls”"):
        list(read_sheets(path, "其他.xls", LIMITS))


@pytest.mark.parametrize("suffix", [".et", ".xls"])
def test_a_workbook_under_an_old_name_is_checked_as_the_zip_it_is(tmp_path: Path, suffix: str) -> None:
    """A bomb named .et or .xls passed the guard unlooked-at (calamine then unpacks it by content)."""
    bomb = _workbook(tmp_path / "bomb.xlsx", [LONG] * 1_000)
    renamed = bomb.rename(tmp_path / f"户信息{suffix}")

    problem = check_file(renamed, renamed.name, LIMITS)

    assert problem is not None and "反复引用同一段长文字" in problem


@pytest.mark.parametrize("suffix", [".et", ".xls"])
def test_an_honest_workbook_under_an_old_name_is_read(tmp_path: Path, suffix: str) -> None:
    """An .xlsx renamed .xls was refused as 文件已损坏; it is read by its content."""
    from fangfan.engine.ingest.read import read_sheets

    book = _workbook(tmp_path / "book.xlsx", ["张三家", "李四家"])
    renamed = book.rename(tmp_path / f"户信息{suffix}")

    [sheet] = list(read_sheets(renamed, renamed.name, LIMITS))

    assert sheet.sheet == "户信息"
    assert sheet.cells.height == 3 and "李四家" in sheet.cells.row(2)

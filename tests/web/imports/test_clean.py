"""The copy the input set keeps lacks the refused rows, and every other row keeps its number."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from fangfan.engine.ingest.read import read_sheets
from fangfan.web.imports.clean import CannotClean, without_rows

ROLL = pl.DataFrame(
    {
        "身份证号": ["62122620100101001X", "621202201001020028", "621226201001030036"],
        "姓名": ["礼县学生甲", "武都学生", "礼县学生乙"],
        "学段": ["小学", "小学", "初中"],
    }
)


def _cells(path: Path) -> list[tuple[int, str]]:
    sheet = next(read_sheets(path, path.name))
    return [(row, name or "") for row, name in sheet.cells.select("row", "c1").iter_rows()]


def test_a_workbook_loses_the_refused_row_and_keeps_the_numbers_of_the_others(tmp_path: Path) -> None:
    source = tmp_path / "学籍.xlsx"
    ROLL.write_excel(source, worksheet="学籍")
    kept = without_rows(source, [("学籍", 3)], tmp_path / "kept.xlsx")
    assert [name for _, name in _cells(source)] == ["姓名", "礼县学生甲", "武都学生", "礼县学生乙"]
    cells = dict(_cells(kept))
    assert cells[2] == "礼县学生甲" and cells[4] == "礼县学生乙" and cells.get(3, "") == ""
    assert "武都学生" not in cells.values()


def test_a_csv_record_is_emptied_in_place(tmp_path: Path) -> None:
    source = tmp_path / "学籍.csv"
    ROLL.write_csv(source)
    kept = without_rows(source, [("", 3)], tmp_path / "kept.csv")
    assert _cells(kept) == [(1, "姓名"), (2, "礼县学生甲"), (3, ""), (4, "礼县学生乙")]
    assert "621202201001020028" not in kept.read_text("utf-8-sig")


def test_an_xls_cannot_be_cut_row_by_row_and_says_so_in_chinese(tmp_path: Path) -> None:
    source = tmp_path / "学籍.xls"
    source.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(CannotClean, match=r"另存为 \.xlsx"):
        without_rows(source, [("Sheet1", 2)], tmp_path / "kept.xls")

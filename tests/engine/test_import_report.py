"""The import's Excel report: its 导入问题 rows are spliced in as XML, the cells xlsxwriter would write.

xlsxwriter wrote a million problem rows in 7 minutes; `report._splice_rows` writes them from
Polars in seconds. These tests hold the spliced sheet to what xlsxwriter itself writes for
the same rows, cell for cell, on text that needs every escape.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ElementTree
import zipfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import openpyxl
import polars as pl
import pytest
import xlsxwriter

from fangfan.engine.ingest import report
from fangfan.engine.ingest.validate import PROBLEM_COLUMNS

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
# Values a clerk's file can hold, each needing something of the writer.
AWKWARD = [
    "621226201001010019",
    '=HYPERLINK("http://x","点我")',  # a formula's look: stays text
    '王 & 李 <学生> "引号"',
    "  前后有空格  ",
    "\u3000全角空格",
    "单元格内\n换行",
    "控制字符\x01\x1f和\x0b",
    "_x0041_ 已像转义",
    "非字符\ufffe",
    "生僻字𬌗",
    "",
    "长" * 40_000,
]


def _problems(values: list[str]) -> pl.DataFrame:
    count = len(values)
    return pl.DataFrame(
        {
            "file": ["学籍信息.csv"] * count,
            "sheet": [""] * count,
            "row": [index + 2 if index % 3 else None for index in range(count)],
            "table": ["school_roll"] * count,
            "column": ["身份证号"] * count,
            "field": ["id_number"] * count,
            "value": [value if index % 4 else None for index, value in enumerate(values)],
            "code": ["ID_BIRTH_DATE"] * count,
            "message": ["身份证号中的出生日期不存在"] * count,
            "action": ["kept"] * count,
        },
        schema=PROBLEM_COLUMNS,
    )


def _write(path: Path, problems: pl.DataFrame) -> Path:
    nothing = SimpleNamespace(sources=[], unrecognised=[], layout_rows=[])
    return Path(report.write_report(path, problems, nothing, as_of=dt.date(2026, 10, 31), snapshot_id="测试"))


def _xlsxwriter_reference(path: Path, problems: pl.DataFrame) -> Path:
    """The 导入问题 sheet as xlsxwriter writes it, one cell at a time (the report before the splice)."""
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet("导入问题")
    for column, (title, _) in enumerate(report.PROBLEM_HEADERS + report.PROBLEM_EXTRA):
        sheet.write_string(0, column, title)
    for index, values in enumerate(report._problem_rows(problems).iter_rows(), start=1):
        for column, value in enumerate(values):
            report._cell(sheet, index, column, value)
    workbook.close()
    return path


def _cells(path: Path) -> list[tuple[str, str | None, str]]:
    """Every cell of the first sheet: its reference, type and the XML of its content, as written."""
    with zipfile.ZipFile(path) as archive:
        root = ElementTree.fromstring(archive.read(report.PROBLEMS_PART))
    found = []
    for cell in root.iter(f"{MAIN}c"):
        text = cell.find(f"{MAIN}is/{MAIN}t")
        number = cell.find(f"{MAIN}v")
        content = text if text is not None else number
        assert content is not None
        space = content.get("{http://www.w3.org/XML/1998/namespace}space")
        found.append((cell.get("r") or "", cell.get("t"), f"{space}|{content.text or ''}"))
    return found


@pytest.mark.parametrize("block", [3, 50_000])
def test_the_spliced_problem_rows_are_the_cells_xlsxwriter_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    monkeypatch.setattr(report, "SPLICE_ROWS", block)  # 3: several blocks, some with nulls
    problems = _problems(AWKWARD)
    spliced = _write(tmp_path / "报告.xlsx", problems)
    reference = _xlsxwriter_reference(tmp_path / "参照.xlsx", problems)
    assert _cells(spliced)[9:] == _cells(reference)[9:]  # the header rows differ only in their format
    assert len(_cells(spliced)) == 9 + 12 * 9 - 4 - 3  # a null row number or value is no cell


def test_a_spliced_report_opens_with_its_text_intact_and_its_dimension_right(tmp_path: Path) -> None:
    problems = _problems(AWKWARD)
    path = _write(tmp_path / "报告.xlsx", problems)
    book = openpyxl.load_workbook(path, read_only=True)
    sheet = book["导入问题"]
    rows: list[tuple[Any, ...]] = list(sheet.iter_rows(values_only=True))
    assert sheet.calculate_dimension() == f"A1:I{len(AWKWARD) + 1}"
    assert rows[0][:3] == ("文件", "工作表", "行号")
    values = [row[4] for row in rows[1:]]
    for index, value in enumerate(AWKWARD):
        if "_x" in value or any(ord(character) < 0x20 or character == "\ufffe" for character in value):
            continue  # Excel's _xHHHH_ escapes, which openpyxl shows as written (compared above)
        expected = None if index % 4 == 0 else value[: report.EXCEL_STRING_MAX]
        assert values[index] == expected, index
    assert rows[2][2] == 3 and rows[1][2] is None
    assert {row[5] for row in rows[1:]} == {"身份证号中的出生日期不存在"}
    assert book.sheetnames == ["导入问题", "文件识别", "汇总", "版式行"]


def test_problems_past_what_excel_holds_are_counted_on_a_last_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report, "EXCEL_MAX_ROWS", 6)
    path = _write(tmp_path / "报告.xlsx", _problems(AWKWARD[:8]))
    rows = list(openpyxl.load_workbook(path, read_only=True)["导入问题"].iter_rows(values_only=True))
    assert len(rows) == 1 + 4 + 1
    assert rows[-1][0] == "（另有 4 条未列出，见快照中的 problems.parquet）"
    assert rows[-1][1:] == (None,) * 8


def test_a_report_without_problems_has_only_its_header(tmp_path: Path) -> None:
    path = _write(tmp_path / "报告.xlsx", _problems([]))
    rows = list(openpyxl.load_workbook(path, read_only=True)["导入问题"].iter_rows(values_only=True))
    assert len(rows) == 1 and rows[0][0] == "文件"


def test_the_same_problems_give_the_same_bytes(tmp_path: Path) -> None:
    first = _write(tmp_path / "一.xlsx", _problems(AWKWARD)).read_bytes()
    assert _write(tmp_path / "二.xlsx", _problems(AWKWARD)).read_bytes() == first


def test_the_problem_rows_use_zip64_only_when_they_could_pass_two_gigabytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ordinary = _write(tmp_path / "平常.xlsx", _problems(AWKWARD))
    with zipfile.ZipFile(ordinary) as archive:
        assert (
            archive.getinfo(report.PROBLEMS_PART).extract_version < 45
        )  # no ZIP64: Excel is strict about it
    monkeypatch.setattr(report, "ESCAPE_GROWTH", 10**9)  # as if the cells were gigabytes of escapes
    huge = _write(tmp_path / "巨大.xlsx", _problems(AWKWARD))
    with zipfile.ZipFile(huge) as archive:
        assert archive.getinfo(report.PROBLEMS_PART).extract_version >= 45
    assert _cells(huge) == _cells(ordinary)

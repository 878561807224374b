"""The shared Excel writer (`fangfan.web.shared.excel`) on a long list.

The 产业收入 below-target list of a county is tens of thousands of households (武都区 on
the bench: 33,921 rows, twelve columns): the writer chooses each column's reader and
writer once, not per cell, and still masks what it always masked — 王秀英's ID number in
her own column, her mobile number inside a note, never a place name.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from fangfan.web.shared import excel
from fangfan.web.shared.excel import ID, MONEY, NUMBER, PHONE, Column, write_workbook

WANG_XIUYING_ID = "621202198001011228"
COLUMNS = (
    Column("行政村", "household.village_name"),
    Column("户主", "household.head_name"),
    Column("户主身份证号", "household.head_id_number", kind=ID),
    Column("联系电话", "phone", kind=PHONE),
    Column("种植面积（亩）", "tally.mu", kind=NUMBER),
    Column("种植收入（元）", "tally.income", kind=MONEY),
    Column("备注", "note"),
)


def wang_xiuying(number: int) -> dict[str, Any]:
    return {
        "household": {"village_name": "北关村", "head_name": "王秀英", "head_id_number": WANG_XIUYING_ID},
        "phone": "13893912345",
        "tally": {"mu": Decimal("1.5"), "income": Decimal("2999.50") + number},
        "note": f"联系人手机13893912345，第{number}户" if number % 2 else None,
    }


def read(data: bytes) -> list[list[Any]]:
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()


def test_a_long_list_reads_each_column_s_path_once_not_cell_by_cell(monkeypatch: pytest.MonkeyPatch):
    def per_cell(self: Column, row: Any) -> Any:
        raise AssertionError(f"{self.header} read cell by cell")

    monkeypatch.setattr(Column, "read", per_cell)
    handle = io.BytesIO()
    assert write_workbook(handle, "未达标农户", COLUMNS, (wang_xiuying(n) for n in range(2_000))) == 2_000
    assert len(read(handle.getvalue())) == 2_001


def test_the_fast_writer_still_masks_ids_and_phones_and_keeps_numbers_as_numbers():
    handle = io.BytesIO()
    write_workbook(handle, "未达标农户", COLUMNS, [wang_xiuying(1), wang_xiuying(2)])
    header, first, second = read(handle.getvalue())
    record = dict(zip(header, first, strict=True))
    assert record["行政村"] == "北关村" and record["户主"] == "王秀英"
    assert record["户主身份证号"] == "621202********1228"
    assert record["联系电话"] == "138****2345"
    assert record["种植面积（亩）"] == 1.5 and record["种植收入（元）"] == 3000.5
    assert "13893912345" not in record["备注"] and "138****2345" in record["备注"]
    assert dict(zip(header, second, strict=True))["备注"] == ""


def test_unmasked_downloads_show_the_whole_id_number():
    handle = io.BytesIO()
    write_workbook(handle, "名单", COLUMNS, [wang_xiuying(1)], unmask=True)
    assert read(handle.getvalue())[1][2] == WANG_XIUYING_ID


def test_text_without_a_digit_is_not_scanned_for_personal_numbers(monkeypatch: pytest.MonkeyPatch):
    scanned: list[str] = []
    monkeypatch.setattr(excel, "mask_text", lambda text: scanned.append(text) or text)
    write_workbook(io.BytesIO(), "名单", COLUMNS, [wang_xiuying(1)])
    assert scanned == ["联系人手机13893912345，第1户"]


def test_every_upload_lists_its_problems_under_the_same_headers_with_the_cell_masked():
    from fangfan.web.assessment.views import PROBLEM_COLUMNS as ASSESSMENT
    from fangfan.web.industry.imports import PROBLEM_COLUMNS as INDUSTRY
    from fangfan.web.teams.imports import PROBLEM_COLUMNS as TEAMS

    headers = ["文件", "工作表", "行号", "列", "单元格内容", "问题"]
    assert [column.header for column in INDUSTRY] == headers
    assert [column.header for column in ASSESSMENT] == headers
    # The roster's reader never names a cell's content: no column left empty for it.
    assert [column.header for column in TEAMS] == [h for h in headers if h != "单元格内容"]
    problems: list[Any] = [
        {"file": "名单.xlsx", "sheet": "", "row": 0, "column": "", "value": "", "message": "不是产业名单"},
        {
            "file": "名单.xlsx",
            "sheet": "种植",
            "row": 7,
            "column": "身份证号",
            "value": WANG_XIUYING_ID,
            "message": "身份证号校验位不对",
        },
    ]
    buffer = io.BytesIO()
    write_workbook(buffer, "导入问题", INDUSTRY, problems)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(buffer.getvalue())).get_sheet_by_index(0).to_python()
    body = [row for row in rows if row and row[0] == "名单.xlsx"]
    assert body[0][2] == ""  # the file as a whole: no row number
    assert body[1][2] == 7
    assert WANG_XIUYING_ID not in str(rows) and body[1][4].startswith("621202")

"""部门数据匹配情况.xlsx lists the rows an officer must look at, not only the counts."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from python_calamine import CalamineWorkbook

from fangfan.engine.link import linkage_report
from fangfan.engine.link.workbook import write_linkage_workbook

LINKS = pl.DataFrame(
    {
        "record_id": [1, 2, 3, 4, 5],
        "feed": ["school_roll", "school_roll", "vehicles", "employment", "disability"],
        "_file": ["学籍信息.xlsx", "学籍信息.xlsx", "机动车.csv", "就业.csv", "残疾人证.csv"],
        "_sheet": ["Sheet1", "Sheet1", None, None, None],
        "_row": [3, 4, 7, 9, 11],
        "id_as_written": ["621226201001011234", "62122620100101213X", "=cmd|' /C calc'!A0", None, "1"],
        "name": ["张小军", "李四", "王五", "赵六", "钱七"],
        "linked_id_number": ["621226201001011234", "621226201001012134", None, None, "621226195001011111"],
        "linked_household_id": ["H1", "H2", None, None, "H3"],
        "linked_village_code": ["621226100201", "621226100201", None, None, "621226100202"],
        "method": ["exact", "probabilistic", "none", "probabilistic", "exact"],
        "match_probability": [1.0, 0.99997, None, 0.93, 1.0],
        "status": ["linked", "linked", "unlinked", "ambiguous", "linked"],
        "candidates": [None, None, None, "A（甲，H8，0.93）；B（乙，H9，0.91）", None],
        "note": [None, None, None, None, "姓名与建档立卡不一致（钱琪）"],
    }
)


def _sheet(path: Path, name: str) -> list[list[str]]:
    return [
        [str(v) for v in row]
        for row in CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()
    ]


def test_the_workbook_lists_ambiguous_unlinked_probabilistic_and_noted_rows(tmp_path: Path) -> None:
    path = write_linkage_workbook(linkage_report(LINKS), LINKS, tmp_path / "匹配.xlsx")
    sheets = CalamineWorkbook.from_path(str(path)).sheet_names
    assert sheets == ["匹配情况", "存疑", "未匹配", "概率匹配", "备注"]
    ambiguous = _sheet(path, "存疑")
    assert len(ambiguous) == 2 and "A（甲，H8，0.93）" in ambiguous[1][11] and ambiguous[1][10] == "存疑"
    unlinked = _sheet(path, "未匹配")
    assert len(unlinked) == 2 and unlinked[1][4] == "=cmd|' /C calc'!A0"  # text, never a formula
    probabilistic = _sheet(path, "概率匹配")
    assert len(probabilistic) == 2
    assert probabilistic[1][4] == "62122620100101213X" and probabilistic[1][6] == "621226201001012134"
    assert probabilistic[1][9] == "0.9999"  # rounded down: never shown as certain
    noted = _sheet(path, "备注")
    assert len(noted) == 2 and "钱琪" in noted[1][12]
    counts = _sheet(path, "匹配情况")
    assert counts[0][:2] == ["部门", "县区"]


def test_a_scan_of_the_links_file_gives_the_same_sheets_as_the_frame(tmp_path: Path) -> None:
    """`fangfan run` hands the workbook a scan of links.parquet (only the shown rows read)."""
    LINKS.write_parquet(tmp_path / "links.parquet")
    report = linkage_report(LINKS)
    framed = write_linkage_workbook(report, LINKS, tmp_path / "frame.xlsx")
    scanned = write_linkage_workbook(
        report, pl.scan_parquet(tmp_path / "links.parquet"), tmp_path / "scan.xlsx"
    )
    names = CalamineWorkbook.from_path(str(framed)).sheet_names
    assert names == CalamineWorkbook.from_path(str(scanned)).sheet_names
    for name in names:
        assert _sheet(framed, name) == _sheet(scanned, name), name
    assert [row[3] for row in _sheet(scanned, "概率匹配")[1:]] == ["4"]

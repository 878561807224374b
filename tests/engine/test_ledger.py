"""County ledgers: a workbook per county, a sheet per township, printable, no formulas."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from python_calamine import CalamineWorkbook

from fangfan.engine.ledger import (
    FULL_ID_NOTE,
    LEDGER_COLUMNS,
    MASKED_NOTE,
    _formats,
    _print_setup,
    _with_row_xml,
    _workbook,
    _write_township_sheet,
    cell_text,
    prepare_ledger_rows,
    row_height,
    write_ledgers,
)

# Two households in 礼县 (two townships) and one in 武都区. 张建国's household has a
# veto finding (a child out of school) and a low one; the evidence of 李秀兰's finding
# was typed by someone who began it with "=", which must stay text in Excel.
FINDINGS = pl.DataFrame(
    {
        "run_id": ["r1"] * 4,
        "household_id": ["H1", "H1", "H2", "H3"],
        "id_number": ["621226201001011234", None, None, None],
        "village_code": ["621226100201", "621226100201", "621226101201", "621202100201"],
        "rule_code": ["EDU-001", "PEN-001", "WAT-003", "HOU-001"],
        "category": ["EDUCATION", "SOCIAL_SECURITY", "WATER", "HOUSING"],
        "veto": [True, False, True, True],
        "severity": ["high", "low", "high", "high"],
        "message": ["适龄儿童失学辍学", "未参加养老保险", "取水往返超过20分钟", "住房为D级危房且未改造"],
        "evidence": ['{"在校生情况": "失学辍学"}', "{}", '=HYPERLINK("http://x")', "{}"],
    }
)
HOUSEHOLDS = pl.DataFrame(
    {
        "household_id": ["H1", "H2", "H3"],
        "head_name": ["张建国", "李秀兰", "王德胜"],
        "household_type": ["脱贫户", "监测户", "一般农户"],
    }
)
MEMBERS = pl.DataFrame({"household_id": ["H1"], "id_number": ["621226201001011234"], "name": ["张小军"]})
VILLAGES = pl.DataFrame(
    {
        "village_code": ["621226100201", "621226101201", "621202100201"],
        "village_name": ["石桥村", "上坪村", "柏林村"],
    }
)


def _ledgers(tmp_path: Path, findings: pl.DataFrame = FINDINGS, *, full_id: bool = False) -> dict[str, Path]:
    rows = prepare_ledger_rows(findings, HOUSEHOLDS, MEMBERS, VILLAGES)
    return {ledger.county_name: ledger.path for ledger in write_ledgers(rows, tmp_path, full_id=full_id)}


# 张小军's finding as the duplicate-registration rule once wrote it: his whole ID number
# and birth date in the message, his mother's phone in the evidence.
TALKATIVE = FINDINGS.with_columns(
    pl.when(pl.col("household_id") == "H1")
    .then(pl.lit("张小军（证件号码621226201001011234），出生日期2010-01-01"))
    .otherwise(pl.col("message"))
    .alias("message"),
    pl.when(pl.col("household_id") == "H1")
    .then(pl.lit('{"联系电话": {"value": "13912345678"}, "出生日期": {"value": "2010-01-01"}}'))
    .otherwise(pl.col("evidence"))
    .alias("evidence"),
)


def _cells(path: Path) -> list[str]:
    workbook = CalamineWorkbook.from_path(str(path))
    return [
        str(cell)
        for name in workbook.sheet_names
        for row in workbook.get_sheet_by_name(name).to_python()
        for cell in row
    ]


def test_each_county_gets_a_workbook_with_a_sheet_per_township(tmp_path: Path) -> None:
    ledgers = _ledgers(tmp_path)
    assert set(ledgers) == {"礼县", "武都区"}
    workbook = CalamineWorkbook.from_path(str(ledgers["礼县"]))
    assert workbook.sheet_names[0] == "汇总"
    assert len(workbook.sheet_names) == 3  # summary + two townships


def test_veto_findings_come_first_and_name_the_member(tmp_path: Path) -> None:
    workbook = CalamineWorkbook.from_path(str(_ledgers(tmp_path)["礼县"]))
    rows = workbook.get_sheet_by_index(1).to_python()
    header = rows[1]
    body = rows[2:]
    assert header[:4] == ["序号", "行政村", "户编号", "户主姓名"]
    assert body[0][header.index("规则编号")] == "EDU-001"
    assert body[0][header.index("成员姓名")] == "张小军"
    assert body[0][header.index("否决项")] == "是"
    assert body[1][header.index("规则编号")] == "PEN-001"


def test_summary_sheet_counts_findings_by_village_and_category(tmp_path: Path) -> None:
    workbook = CalamineWorkbook.from_path(str(_ledgers(tmp_path)["礼县"]))
    rows = workbook.get_sheet_by_name("汇总").to_python()
    header = rows[1]
    shiqiao = next(r for r in rows if r[1] == "石桥村")
    assert shiqiao[header.index("问题条数")] == 2
    assert shiqiao[header.index("其中否决项")] == 1
    assert shiqiao[header.index("义务教育")] == 1
    total = next(r for r in rows if r[0] == "合计")
    assert total[header.index("问题条数")] == 3


def test_a_value_starting_with_equals_is_text_not_a_formula(tmp_path: Path) -> None:
    path = _ledgers(tmp_path)["礼县"]
    with zipfile.ZipFile(path) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not any(b"<f>" in archive.read(name) for name in sheets)
    values = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(2).to_python()
    assert any(cell == '=HYPERLINK("http://x")' for row in values for cell in row)


def test_ledgers_handed_down_mask_id_numbers_phones_and_birth_dates_and_say_so(tmp_path: Path) -> None:
    path = _ledgers(tmp_path, TALKATIVE)["礼县"]
    cells = "\n".join(_cells(path))

    assert path.name == "礼县问题台账.xlsx"
    assert "621226201001011234" not in cells and "13912345678" not in cells
    assert "2010-01-01" not in cells and "20100101" not in cells
    assert "621226********1234" in cells and "139****5678" in cells
    assert "出生日期2010年" in cells
    assert MASKED_NOTE in cells


def test_full_id_ledgers_for_the_national_system_office_keep_whole_numbers_and_say_so(tmp_path: Path) -> None:
    path = _ledgers(tmp_path, TALKATIVE, full_id=True)["礼县"]
    cells = "\n".join(_cells(path))

    assert path.name == "礼县问题台账（含完整身份证号）.xlsx"
    assert "621226201001011234" in cells and "2010-01-01" in cells
    assert FULL_ID_NOTE in cells and MASKED_NOTE not in cells


# Texts a township sheet must carry exactly as xlsxwriter would: masked numbers and dates,
# markup characters, xlsxwriter's own _xHHHH_ escapes and control characters, spaces at
# either end, line breaks, long wrapped text, wide and narrow characters, nothing at all.
AWKWARD_TEXTS = [
    "张小军（证件号码621226201001011234），出生日期2010-01-01，电话139-1234-5678",
    "a < b && c > d",
    "_x0041_ 与控制字符\x01\x1f",
    "  前面有空格",
    "后面有空格 ",
    "第一行\n第二行\n",
    "一" * 90,
    "Latin text that wraps " * 6,
    "",
    "\u3000全角空格开头",
    "表情😀和〇",
    "长" * 20_000,
    "x" * 40_000,  # longer than a cell holds: cut at 32,767
]


def _awkward_rows() -> pl.DataFrame:
    count = len(AWKWARD_TEXTS)
    texts = pl.Series(AWKWARD_TEXTS)
    return pl.DataFrame(
        {
            "township_code": ["621226100"] * count,
            "village_name": texts,
            "household_id": [f"H{index}" for index in range(count)],
            "head_name": texts.shift(1, fill_value="王德胜"),
            "household_type": ["脱贫户"] * count,
            "person_name": [None] * count,
            "id_number": [
                "621226201001011234",
                "62122680010112X",
                None,
                "",
                *["621226199602115241"] * (count - 4),
            ],
            "category_name": ["义务教育"] * count,
            "veto": [index % 3 == 1 for index in range(count)],
            "veto_text": ["是"] * count,
            "severity_text": ["高"] * count,
            "rule_code": ["EDU-001"] * count,
            "message": texts.reverse(),
            "evidence_text": texts,
        }
    )


def _sheet_written_cell_by_cell(
    workbook: Any, formats: dict[str, Any], rows: pl.DataFrame, full_id: bool
) -> None:
    """A township sheet as the ledgers wrote it before, through xlsxwriter's own calls."""
    sheet = workbook.add_worksheet("乡镇")
    sheet.merge_range(0, 0, 0, len(LEDGER_COLUMNS) - 1, "标题", formats["title"])
    for column, (header, _, width) in enumerate(LEDGER_COLUMNS):
        sheet.write_string(1, column, header, formats["header"])
        sheet.set_column(column, column, width)
    sheet.set_row(1, row_height([h for h, _, _ in LEDGER_COLUMNS], [w for _, _, w in LEDGER_COLUMNS]))
    for index, row in enumerate(rows.iter_rows(named=True)):
        cell_format = formats["veto"] if row.get("veto") else formats["cell"]
        texts = []
        for column, (_, source, _) in enumerate(LEDGER_COLUMNS):
            if source == "_number":
                sheet.write_number(index + 2, column, index + 1, formats["number"])
                texts.append("")
            else:
                texts.append(cell_text(source, "" if source == "_blank" else row.get(source), full_id))
                sheet.write_string(index + 2, column, texts[-1], cell_format)
        sheet.set_row(index + 2, row_height(texts, [width for _, _, width in LEDGER_COLUMNS]))
    sheet.freeze_panes(2, 0)
    sheet.autofilter(1, 0, max(rows.height + 1, 1), len(LEDGER_COLUMNS) - 1)
    _print_setup(sheet, header_rows=(1, 1), full_id=full_id)


def _sheet_xml(path: Path) -> tuple[bytes, bytes]:
    with zipfile.ZipFile(path) as archive:
        return archive.read("xl/worksheets/sheet1.xml"), archive.read("xl/styles.xml")


@pytest.mark.parametrize("full_id", [False, True])
def test_township_rows_are_written_byte_for_byte_as_xlsxwriter_writes_them_cell_by_cell(
    tmp_path: Path, full_id: bool
) -> None:
    rows = _awkward_rows()
    fast, slow = tmp_path / "fast.xlsx", tmp_path / "slow.xlsx"
    workbook = _workbook(fast)
    formats = _formats(workbook)
    sheet_rows = _with_row_xml(rows, LEDGER_COLUMNS, full_id)
    _write_township_sheet(workbook, formats, "乡镇", "标题", sheet_rows, LEDGER_COLUMNS, full_id)
    workbook.close()
    workbook = _workbook(slow)
    _sheet_written_cell_by_cell(workbook, _formats(workbook), rows, full_id)
    workbook.close()

    fast_sheet, fast_styles = _sheet_xml(fast)
    slow_sheet, slow_styles = _sheet_xml(slow)
    assert fast_sheet == slow_sheet
    assert fast_styles == slow_styles
    assert (b"621226201001011234" in fast_sheet) == full_id


def test_workbooks_temporary_files_go_to_tmpfs_only_when_it_has_room(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fangfan.engine import ledger

    monkeypatch.setattr(ledger, "SCRATCH", tmp_path)
    monkeypatch.setattr(ledger, "SCRATCH_FREE_BYTES", 1)
    assert ledger.scratch_dir() == str(tmp_path)
    monkeypatch.setattr(ledger, "SCRATCH_FREE_BYTES", 10**18)  # a container's small /dev/shm
    assert ledger.scratch_dir() is None
    monkeypatch.setattr(ledger, "SCRATCH", tmp_path / "absent")
    assert ledger.scratch_dir() is None

"""The importer's short cuts give exactly what the long way gives.

A city's import cleans and checks tens of millions of cells, so three short cuts skip
work that cannot change the outcome; each is held here to the long way it replaces:

- a plain cell (18 ASCII digits for an ID, 1234.50 for money, 2024-06-30 for a date, a
  word without spaces) is its own cleaned text, and is parsed and checked directly
  (`validate.field_lookup`) — checked against the general expressions on cells a clerk
  would type, good and bad;
- layout rows are judged in full only where cheap tests allow them
  (`validate._maybe_layout`) — checked over every Unicode code point;
- a UTF-8 CSV is parsed by Polars straight from the file (`read._read_utf8_csv`) —
  checked against decoding it in Python on the shapes CSV exports come in;
- a workbook's ID columns are found text throughout by the read itself (named from the
  sheet's first rows, taken from its XML: `read.workbook_head`), else its cell types are
  read a second time only when its XML holds a number that
  can show 16 digits (`read.may_hold_long_numbers`), and a city's workbooks are read in
  worker processes that write their rows to Arrow files (`assemble._workbook_pool`) —
  checked against reading in threads.
"""

from __future__ import annotations

import importlib
import random
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from fangfan.engine import idnumber
from fangfan.engine.ingest import headers, read, validate, values
from fangfan.engine.progress import SilentProgress
from fangfan.engine.schema import ALL_TABLES, Field, Kind

# The package exports the function `assemble` under the module's name.
assembling = importlib.import_module("fangfan.engine.ingest.assemble")
KINDS = {f.kind: f for table in ALL_TABLES for f in table.fields if f.name != "household_id"}


def _every_character() -> pl.Series:
    return pl.Series("c", [chr(i) for i in range(0x110000) if not 0xD800 <= i <= 0xDFFF])


def _ids() -> list[str]:
    rng = random.Random(14)
    ids = []
    for _ in range(400):
        first17 = f"{rng.randint(110000, 659999)}{rng.randint(1930, 2025)}{rng.randint(1, 12):02d}"
        first17 += f"{rng.randint(1, 31):02d}{rng.randint(0, 999):03d}"
        good = first17 + idnumber.check_character(first17)
        ids += [good, first17 + rng.choice("0123456789X"), good.lower(), f" {good}"]
    return [
        *ids,
        "62122619900230123X",  # no 30 February
        "621226199013011234",  # no 13th month
        "622628550607121",  # 15 digits
        "6.21226199001011E+17",
        "６２１２２６１９９００１０１１２３４",
        "62122619900101123",
        "",
        "  ",
    ]


CELLS = {
    Kind.ID_NUMBER: _ids(),
    Kind.MONEY: [
        "0",
        "12",
        "1234.50",
        "1,234.50",
        "¥300",
        "300元",
        "-5",
        "99999999999",
        "1e3",
        ".5",
        "5.",
        "x",
    ],
    Kind.INTEGER: [
        "0",
        "12",
        "12.0",
        "2024",
        "２０２４",
        "1,200",
        "-3",
        "7.5",
        "9999999999",  # (20 digits overflow Int64 and stop the import, either way)
        "abc",
    ],
    Kind.DATE: [
        "2024-06-30",
        "2024-02-30",
        "2024-13-01",
        "0000-01-01",
        "2024/6/30",
        "45473",
        "20240630",
        "x",
    ],
    Kind.VILLAGE_CODE: ["621226100201", "621226100201.0", "6212261002", "999999999999", " 621226100201"],
    Kind.PHONE: ["13912345678", "139 1234 5678", "0939-1234567"],
    Kind.ENUM: ["脱贫户", "脱 贫户", "监测户", "Ｘ", "A", "其他", "男", "户主"],
    Kind.BOOLEAN: ["是", "否", "TRUE", "false", "1", "是 "],
    Kind.ENUM_LIST: ["产业帮扶；就业帮扶", "产业帮扶,就业帮扶", "产业帮扶", "乱写"],
    Kind.NAME: ["王秀英", "王 秀英", "Ａｌｉ", "阿卜杜拉·买买提", "李浩"],
    Kind.TEXT: ["东关村", "621226100201", "武都区10号小区", "ＡＢＣ", "a b"],
}


@pytest.mark.parametrize("kind", sorted(CELLS))
def test_plain_cells_get_the_text_value_and_code_the_general_expressions_give(kind: Kind) -> None:
    column: Field = KINDS[kind]
    cells = pl.Series(column.name, [*CELLS[kind], None], dtype=pl.String)
    fast = validate.field_lookup(column, cells).sort(column.name, nulls_last=True)
    general = validate._worked_out(column, cells.unique().to_frame()).sort(column.name, nulls_last=True)
    assert fast.equals(general), (fast, general)
    plain = cells.str.contains(validate.plain_pattern(column)).fill_null(False)
    assert plain.any() and not plain.all()  # both ways are taken


def test_every_character_of_a_plain_word_is_its_own_clean_text() -> None:
    every = _every_character().to_frame()
    plain = every.filter(pl.col("c").str.contains(validate.PLAIN_WORDS))
    assert plain.height > 20_000
    assert plain.filter(values.clean(pl.col("c")) != pl.col("c")).height == 0
    assert plain.filter(pl.col("c").str.contains(r"\s")).height == 0


def test_a_cell_cleans_to_empty_exactly_when_it_is_whitespace_and_only_计_becomes_计() -> None:
    every = _every_character().to_frame()
    differ = every.filter(values.clean(pl.col("c")).is_null() != ~pl.col("c").str.contains(r"\S"))
    assert differ.height == 0
    becomes = every.filter(pl.col("c").str.normalize("NFKC").str.contains("计", literal=True))
    assert becomes.get_column("c").to_list() == ["计"]


CSV_SHAPES = {
    "plain": "a,b,c\n1,2,3\n",
    "title row": "截至2026年10月31日\na,b,c\n1,2,3\n",
    "a wider line at the top": "a,b,c\n1,2,3,4\n5,6\n",
    "a wider line further down": "a,b,c\n" + "1,2,3\n" * 300 + "1,2,3,4,5\n",
    "blank lines": "a,b,c\n\n1,2,3\n\n\n4,5,6",
    "crlf": "a,b,c\r\n1,2,3\r\n\r\n",
    "quotes": 'a,b,c\n"x, y",2,"multi\nline"\n"q""uote",5,6\n',
    "bom": "\ufeffa,b,c\n1,2,3\n",
    "one column": "a\n1\n2\n",
    "trailing comma": "a,b,c,\n1,2,3,\n",
    "spaces": " a , b ,c\n 1 ,\u3000２,3\n",
}


@pytest.mark.parametrize("shape", sorted(CSV_SHAPES))
@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_csv_read_straight_by_polars_is_the_csv_decoded_in_python(
    tmp_path: Path, shape: str, encoding: str
) -> None:
    path = tmp_path / "表.csv"
    path.write_bytes(CSV_SHAPES[shape].encode(encoding))
    fast = read._read_utf8_csv(path)
    slow = read._read_any_csv(path)
    assert slow is not None
    if fast is not None:
        assert fast.equals(slow)
    if shape == "plain":
        assert fast is not None  # the common case takes the short cut
    assert read.read_csv(path, "表.csv").cells.drop("row").equals(slow)


def test_a_csv_that_turns_gb18030_further_down_is_decoded_as_gb18030(tmp_path: Path) -> None:
    path = tmp_path / "表.csv"
    path.write_bytes(("a,b\n" + "1,2\n" * 300).encode() + "中,文\n".encode("gb18030"))
    assert read._read_utf8_csv(path) is None
    assert read.read_csv(path, "表.csv").cells.get_column("c0").to_list()[-1] == "中"


def _workbook(path: Path, ids: list[str | float]) -> Path:
    """A 成员信息 sheet: IDs as given (a float is written as a number cell), and numbers."""
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet("成员")
    header = ["户编号", "姓名", "证件号码", "务工时间(月)", "人员状态", "与户主关系", "性别", "出生日期"]
    sheet.write_row(0, 0, header)
    for row, number in enumerate(ids, start=1):
        sheet.write_row(row, 0, [f"H{row:03d}", "王秀英"])
        sheet.write_row(row, 4, ["正常", "户主", "女", "1990-01-01"])
        if isinstance(number, float):
            sheet.write_number(row, 2, number)
        else:
            sheet.write_string(row, 2, number)
        sheet.write_number(row, 3, 40 + row)
        sheet.write_number(row, 4, 1234.5 * row)
    workbook.close()
    return path


def test_a_workbook_with_ids_as_text_is_not_read_again_for_its_cell_types(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "成员.xlsx", ["621226199001011234", "622628550607121"])
    assert not read.may_hold_long_numbers(path, "成员")
    sheet = next(read.read_sheets(path, "成员.xlsx"))
    assert sheet.number_cells([2]).get_column("c2").to_list() == [False, False, False]


@pytest.mark.parametrize("number", [6.21226199001011e17, 1234567890123456.0, 1e15])
def test_a_number_that_can_show_sixteen_digits_makes_the_sheet_read_for_its_cell_types(
    tmp_path: Path, number: float
) -> None:
    path = _workbook(tmp_path / "成员.xlsx", ["621226199001011234", number])
    assert read.may_hold_long_numbers(path, "成员")
    sheet = next(read.read_sheets(path, "成员.xlsx"))
    assert sheet.number_cells([2]).get_column("c2").to_list() == [False, False, True]


def test_a_sheet_the_scan_cannot_find_counts_as_holding_long_numbers(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "成员.xlsx", ["621226199001011234"])
    assert read.may_hold_long_numbers(path, "没有这张表")
    (tmp_path / "坏.xlsx").write_bytes(b"not a zip")
    assert read.may_hold_long_numbers(tmp_path / "坏.xlsx", "成员")


def test_workbooks_read_in_worker_processes_assemble_as_in_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "导出"
    folder.mkdir()
    _workbook(folder / "成员_甲.xlsx", ["621226199001011234", 6.21226199001011e17])
    _workbook(folder / "成员_乙.xlsx", ["622628550607121", "62122619900101123X"])
    (folder / "收入.csv").write_text("户编号,年度,人均纯收入\nH001,2024,8000\n", encoding="utf-8")
    synonyms = headers.load_synonyms()
    in_threads = assembling.assemble(folder, synonyms, SilentProgress())
    monkeypatch.setattr(assembling, "PROCESS_READ_MIN_BYTES", 0)
    in_processes = assembling.assemble(folder, synonyms, SilentProgress())
    (tmp_path / "spill").mkdir()
    spilled = assembling.assemble(folder, synonyms, SilentProgress(), spill=tmp_path / "spill")
    assert spilled.frames == {}
    assert sorted(spilled.spilled) == sorted(in_threads.frames)  # the members by the workers
    for other in (in_processes, spilled):
        assert other.sources == in_threads.sources
        assert other.layout_rows == in_threads.layout_rows
        for name, frame in in_threads.frames.items():
            assert other.take(name).equals(frame)
            assert other.headers[name].equals(in_threads.headers[name])
    members = in_threads.frames["members"]
    first = members.filter(pl.col("_file") == "成员_甲.xlsx").get_column("id_number")
    assert first.to_list() == ["621226199001011234", "6.21226199001011E+17"]


def test_a_workbook_whose_id_column_is_text_throughout_is_told_so_by_the_read_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _workbook(tmp_path / "成员.xlsx", ["621226199001011234", "622628550607121", "62122619900101123X"])
    plain = next(read.read_sheets(path, "成员.xlsx"))
    sheet = next(read.read_sheets(path, "成员.xlsx", text_columns=lambda rows: [2]))
    assert sheet.cells.equals(plain.cells)
    assert sheet.text_only == frozenset({2})

    def no_second_look(path: Path, sheet: str) -> bool:
        raise AssertionError("the sheet's XML was scanned again")

    monkeypatch.setattr(read, "may_hold_long_numbers", no_second_look)
    assert sheet.number_cells([2]).get_column("c2").to_list() == [False] * 4


def test_a_number_in_an_id_column_below_the_first_rows_sends_the_read_the_long_way(tmp_path: Path) -> None:
    ids: list[str | float] = [*(f"6212261990010{i:04d}{i % 10}" for i in range(30)), 6.21226199001011e17]
    path = _workbook(tmp_path / "成员.xlsx", ids)
    plain = next(read.read_sheets(path, "成员.xlsx"))
    sheet = next(read.read_sheets(path, "成员.xlsx", text_columns=lambda rows: [2]))
    assert sheet.cells.equals(plain.cells)
    assert sheet.text_only == frozenset()
    assert sheet.number_cells([2]).get_column("c2").to_list() == [False] * 31 + [True]


def test_a_number_in_an_id_column_among_the_first_rows_is_not_asked_about(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "成员.xlsx", [6.21226199001011e17, "621226199001011234"])
    asked: list[list[list[str]]] = []
    sheet = next(read.read_sheets(path, "成员.xlsx", text_columns=lambda rows: asked.append(rows) or [2]))
    assert asked[0][1][:3] == ["H001", "王秀英", "6.212261990010109E+17"]  # the number, as its XML holds it
    assert sheet.text_only == frozenset()
    assert sheet.number_cells([2]).get_column("c2").to_list() == [False, True, False]


@pytest.mark.parametrize("constant_memory", [False, True], ids=["shared strings", "inline strings"])
def test_the_first_rows_taken_from_the_xml_are_the_rows_calamine_reads(
    tmp_path: Path, constant_memory: bool
) -> None:
    path = tmp_path / "户.xlsx"
    workbook = xlsxwriter.Workbook(path, {"constant_memory": constant_memory})
    sheet = workbook.add_worksheet("户信息")
    bold = workbook.add_format({"bold": True})
    sheet.write_string(2, 1, "陇南市 户信息 <截至 2026-10-31> & 备注")
    sheet.write_row(3, 1, ["户编号", "户主姓名", "户主身份证号", "家庭人口数"], bold)
    sheet.write_row(4, 1, ["H001", "王秀英", "621226199001011234"])
    sheet.write_number(4, 4, 5)
    sheet.write_rich_string(5, 1, bold, "H0", "02")
    sheet.write_row(5, 2, ["李 明", "62122619900101123X"])
    sheet.write_number(5, 4, 2.5)
    workbook.close()
    calamine = next(read.read_sheets(path, "户.xlsx")).head_rows()
    head = read.workbook_head(path, "户信息")
    assert head is not None
    assert [[text for text, _ in row] for row in head] == calamine
    assert [[is_text for _, is_text in row] for row in head][4:] == [[True] * 3 + [False]] * 2


def test_a_sheet_whose_first_rows_cannot_be_taken_from_its_xml_has_none(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "成员.xlsx", ["621226199001011234"])
    assert read.workbook_head(path, "没有这张表") is None
    (tmp_path / "坏.xlsx").write_bytes(b"not a zip")
    assert read.workbook_head(tmp_path / "坏.xlsx", "成员") is None


def test_workbooks_whose_id_columns_the_read_is_asked_about_assemble_as_without(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "导出"
    folder.mkdir()
    _workbook(folder / "成员_甲.xlsx", ["621226199001011234", 6.21226199001011e17, "622628550607121"])
    _workbook(folder / "成员_乙.xlsx", ["622628550607121", "62122619900101123X"])
    synonyms = headers.load_synonyms()
    asked = assembling.assemble(folder, synonyms, SilentProgress())
    monkeypatch.setattr(assembling, "_id_columns", lambda rows, synonyms: [])
    not_asked = assembling.assemble(folder, synonyms, SilentProgress())
    assert asked.sources == not_asked.sources
    assert asked.frames["members"].equals(not_asked.frames["members"])
    assert asked.frames["members"].get_column("id_number").to_list() == [
        "622628550607121",  # 成员_乙.xlsx comes first
        "62122619900101123X",
        "621226199001011234",
        "6.21226199001011E+17",
        "622628550607121",
    ]

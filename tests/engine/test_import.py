"""A small messy export, written the way village offices send them.

The cast (one village, 城关镇 of 礼县):
- 王秀英 (H001, tests/cast.py) heads an exited household; her ID is stored as text.
- Her grandson 李浩 was typed into a sheet where IDs became numbers: his
  18-digit ID lost its last digits (ID_PRECISION_LOST); his birth date is an
  Excel date number.
- 李老汉 (H002) has an old 15-digit ID stored as a number, which survives.
- 张某 names household H999, which is not in 户信息 (UNKNOWN_HOUSEHOLD).
- H003's row has no head ID, so it cannot be placed; its member follows it out.
- A school roll from the education bureau arrives as a GB18030 CSV with synonyms.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
from click.testing import CliRunner

from cast import LI_HAO, WANG_XIUYING
from fangfan.cli import main
from fangfan.engine import idnumber
from fangfan.engine.ingest import ImportResult, NothingToImport, import_directory, values
from fangfan.engine.ingest.headers import SynonymError, header_key, load_synonyms, recognise
from fangfan.engine.schema import HOUSEHOLDS, INCOME, MEMBERS
from fangfan.engine.snapshot import SnapshotStore

WANG = WANG_XIUYING.id_number
GRANDSON = LI_HAO.id_number
LI = "622628550607121"
ZHANG = idnumber.make("621226", dt.date(1980, 1, 2), 41)
CHILD = idnumber.make("621226", dt.date(2013, 9, 1), 13)
VILLAGE = "621226100201"


def household_row(household_id: str, head: str, head_id: str, village: str = VILLAGE) -> list[str]:
    values = {
        "household_id": household_id,
        "village_code": village,
        "county_name": "礼县",
        "township_name": "城关镇",
        "village_name": "东关村",
        "head_name": head,
        "head_id_number": head_id,
        "household_type": "脱贫户",
        "exit_year": "2019",
        "household_size": "2",
        "food_enough": "是",
        "house_grade": "A",
        "farmland_mu": "1,200.5",
        "measures": "产业帮扶；就业帮扶",
    }
    return [values.get(f.name, "") for f in HOUSEHOLDS.fields]


def member_row(household_id: str, name: str, number: str, relation: str, sex: str, born: str) -> list[str]:
    values = {
        "household_id": household_id,
        "name": name,
        "id_number": number,
        "relation": relation,
        "sex": sex,
        "birth_date": born,
        "member_status": "正常",
        "medical_insured": "城乡居民基本医疗保险",
        "family_doctor": "是",
    }
    return [values.get(f.name, "") for f in MEMBERS.fields]


def write_registry(path: Path) -> None:
    """户信息 below a merged title, with a blank row and a totals row; 成员信息 with number IDs."""
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet("Sheet1")
    headers = [f.header for f in HOUSEHOLDS.fields]
    sheet.merge_range(0, 0, 0, len(headers) - 1, "礼县城关镇东关村 户信息表（2024年）")
    sheet.write_row(1, 0, headers)
    sheet.write_row(2, 0, household_row("H001", "王秀英", WANG))
    sheet.write_row(3, 0, household_row("H002", "李老汉", LI))
    # row 5 left blank
    sheet.write_row(5, 0, household_row("H003", "赵某", ""))
    sheet.write_row(6, 0, ["合计", "", "", "", "", "", "", "", "", "6"])
    members = workbook.add_worksheet("Sheet2")
    members.write_row(0, 0, [f.header for f in MEMBERS.fields])
    members.write_row(1, 0, member_row("H001", "王秀英", WANG, "户主", "女", WANG_XIUYING.born.isoformat()))
    members.write_row(2, 0, member_row("H001", "李浩", "", "之孙子", "男", ""))
    members.write_number(2, 2, float(GRANDSON))
    members.write_number(2, 5, 40978)  # 2012-03-10 as an Excel date number
    members.write_row(3, 0, member_row("H002", "李老汉", "", "户主", "男", "1955年6月7日"))
    members.write_number(3, 2, float(LI))
    members.write_row(4, 0, member_row("H999", "张某", ZHANG, "户主", "男", "19800102"))
    members.write_row(5, 0, member_row("H003", "赵某", CHILD, "户主", "男", "2013/9/1"))
    workbook.close()


def write_income_csv(path: Path) -> None:
    lines = [",".join(f.header for f in INCOME.fields)]
    lines.append('H001,2024,"12,000",0,0,3000,0,0,15000,7500')
    lines.append("H002,２０２４,8000,0,0,0,0,0,8000,8000")
    lines.append("H001,2024,1,0,0,0,0,0,1,1")  # a repeat of H001's year: DUPLICATE_KEY
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8-sig"))


def write_school_roll_gb18030(path: Path) -> None:
    lines = [
        "学籍信息（教育局导出）",
        "学生身份证号,学生姓名,就读学校,学段,学籍状态",
        f"{CHILD.lower()[:-1] + CHILD[-1].lower()},赵小,东关小学,小学,在读",
        f"{GRANDSON},李浩,东关小学,小学,读书",
    ]
    path.write_bytes(("\n".join(lines) + "\n").encode("gb18030"))


def write_dataset(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_registry(folder / "国扶办导出.xlsx")
    write_income_csv(folder / "收入.csv")
    write_school_roll_gb18030(folder / "教育局学籍.csv")
    return folder


# ---- tests -----------------------------------------------------------------------

AS_OF = dt.date(2024, 6, 30)


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FANGFAN_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FANGFAN_HEADER_SYNONYMS", raising=False)
    return tmp_path / "home"


@pytest.fixture()
def imported(tmp_path: Path, home: Path) -> ImportResult:
    return import_directory(write_dataset(tmp_path / "in"), as_of=AS_OF)


def _codes(result: ImportResult) -> set[tuple[str, str, int, str]]:
    rows = result.problems.filter(pl.col("row").is_not_null()).select("file", "sheet", "row", "code")
    return {tuple(r) for r in rows.iter_rows()}  # type: ignore[misc]


def test_header_found_below_a_merged_title_row(imported: ImportResult) -> None:
    sources = {(s["file"], s["sheet"]): s for s in imported.sources}
    households = sources[("国扶办导出.xlsx", "Sheet1")]
    assert households["table"] == "households"
    assert households["header_row"] == 2
    assert sources[("国扶办导出.xlsx", "Sheet2")]["table"] == "members"


def test_blank_and_totals_rows_are_layout_not_problems(imported: ImportResult) -> None:
    rows = imported.problems.filter(pl.col("sheet") == "Sheet1")["row"].to_list()
    assert 5 not in rows and 7 not in rows
    assert {"file": "国扶办导出.xlsx", "sheet": "Sheet1", "row": 7, "kind": "合计行"} in imported.layout_rows


def test_eighteen_digit_id_stored_as_a_number_is_precision_lost(imported: ImportResult) -> None:
    assert ("国扶办导出.xlsx", "Sheet2", 3, "ID_PRECISION_LOST") in _codes(imported)
    members = imported.snapshot.read("members")
    grandson = members.filter(pl.col("name") == "李浩").row(0, named=True)
    assert grandson["id_number_valid"] is False
    assert "E+17" in grandson["id_number"]
    assert grandson["_flags"] == ["ID_PRECISION_LOST"]


def test_fifteen_digit_id_stored_as_a_number_is_exact(imported: ImportResult) -> None:
    li = imported.snapshot.read("members").filter(pl.col("name") == "李老汉").row(0, named=True)
    assert li["id_number"] == LI
    assert li["id_number_valid"] is True
    assert li["birth_date"] == dt.date(1955, 6, 7)


def test_excel_date_numbers_in_date_columns_are_dates(imported: ImportResult) -> None:
    grandson = imported.snapshot.read("members").filter(pl.col("name") == "李浩")
    assert grandson["birth_date"].item() == dt.date(2012, 3, 10) == LI_HAO.born


def test_member_of_an_excluded_household_is_excluded_and_says_why(imported: ImportResult) -> None:
    problems = imported.problems
    head = problems.filter((pl.col("sheet") == "Sheet1") & (pl.col("row") == 6))
    assert head["code"].to_list() == ["REQUIRED_MISSING"]
    assert head["action"].to_list() == ["excluded"]
    member = problems.filter((pl.col("sheet") == "Sheet2") & (pl.col("row") == 6)).row(0, named=True)
    assert member["code"] == "UNKNOWN_HOUSEHOLD"
    assert "未导入" in member["message"] and "户信息表中有该户" in member["message"]
    stranger = problems.filter((pl.col("sheet") == "Sheet2") & (pl.col("row") == 5)).row(0, named=True)
    assert stranger["code"] == "UNKNOWN_HOUSEHOLD" and "户信息表中有该户" not in stranger["message"]


def test_repeated_key_excludes_the_later_row_only(imported: ImportResult) -> None:
    assert ("收入.csv", "", 4, "DUPLICATE_KEY") in _codes(imported)
    income = imported.snapshot.read("income")
    assert income.height == 2
    assert income.filter(pl.col("household_id") == "H001")["wage_income"].item() == 12000.0
    assert income.filter(pl.col("household_id") == "H002")["year"].item() == 2024


def test_gb18030_csv_with_a_title_line_imports_with_line_numbers(imported: ImportResult) -> None:
    roll = imported.snapshot.read("school_roll")
    assert roll["name"].to_list() == ["赵小", "李浩"]
    assert roll["_row"].to_list() == [3, 4]
    assert roll["id_number"].to_list()[0] == CHILD  # lower-case x fixed, if any
    assert ("教育局学籍.csv", "", 4, "ENUM_INVALID") in _codes(imported)
    assert roll["enrolment_status"].to_list() == ["在读", None]


def test_every_problem_is_exactly_the_planted_ones(imported: ImportResult) -> None:
    assert _codes(imported) == {
        ("国扶办导出.xlsx", "Sheet1", 6, "REQUIRED_MISSING"),
        ("国扶办导出.xlsx", "Sheet2", 3, "ID_PRECISION_LOST"),
        ("国扶办导出.xlsx", "Sheet2", 5, "UNKNOWN_HOUSEHOLD"),
        ("国扶办导出.xlsx", "Sheet2", 6, "UNKNOWN_HOUSEHOLD"),
        ("收入.csv", "", 4, "DUPLICATE_KEY"),
        ("教育局学籍.csv", "", 4, "ENUM_INVALID"),
    }


def test_snapshot_columns_have_the_types_of_their_kinds(imported: ImportResult) -> None:
    households = imported.snapshot.read("households")
    schema = households.schema
    assert schema["household_id"] == pl.String
    assert schema["exit_year"] == pl.Int64
    assert schema["farmland_mu"] == pl.Float64
    assert schema["food_enough"] == pl.Boolean
    assert schema["measures"] == pl.List(pl.String)
    assert schema["monitoring_since"] == pl.Date
    assert schema["head_id_number_valid"] == pl.Boolean
    assert schema["_flags"] == pl.List(pl.String)
    assert households["farmland_mu"].to_list() == [1200.5, 1200.5]
    assert households["measures"].to_list()[0] == ["产业帮扶", "就业帮扶"]
    villages = imported.snapshot.read("villages")
    assert villages.row(0, named=True)["township_name"] == "城关镇"


def test_reimporting_the_same_files_gives_the_same_snapshot_and_writes_nothing(
    tmp_path: Path, home: Path
) -> None:
    folder = write_dataset(tmp_path / "in")
    first = import_directory(folder, as_of=AS_OF)
    before = {p.name: p.read_bytes() for p in first.snapshot.path.iterdir()}
    second = import_directory(folder, as_of=AS_OF)
    assert first.created and not second.created
    assert second.snapshot.id == first.snapshot.id
    assert {p.name: p.read_bytes() for p in second.snapshot.path.iterdir()} == before
    assert SnapshotStore().latest().id == first.snapshot.id


@pytest.mark.parametrize(
    "written",
    [
        "2024-06-30",
        "2024/6/30",
        "2024年6月30日",
        "20240630",
        "45473",
        "2024-06-30 00:00:00",
        "２０２４-０６-３０",
    ],
)
def test_every_date_form_is_read(written: str) -> None:
    frame = pl.DataFrame({"d": [written]}).select(values.parse_date(values.clean(pl.col("d"))))
    assert frame.item() == dt.date(2024, 6, 30)


@pytest.mark.parametrize("written", ["2024-02-30", "下月", "2024-13-01"])
def test_an_impossible_date_is_unreadable(written: str) -> None:
    frame = pl.DataFrame({"d": [written]}).select(values.parse_date(values.clean(pl.col("d"))))
    assert frame.item() is None


def test_numbers_with_thousands_separators_and_full_width_digits_are_read() -> None:
    frame = pl.DataFrame({"n": ["1,234.50", "１２", " 7 ", "约100"]}).select(
        values.parse_decimal(values.clean(pl.col("n")))
    )
    assert frame.to_series().to_list() == [1234.5, 12.0, 7.0, None]


def test_yes_and_no_are_booleans() -> None:
    frame = pl.DataFrame({"b": ["是", "否", "有"]}).select(values.parse_boolean(values.clean(pl.col("b"))))
    assert frame.to_series().to_list() == [True, False, None]


def test_header_matching_ignores_spaces_and_bracket_width() -> None:
    assert header_key(" 耕地面积（亩） ") == header_key("耕地面积(亩)")
    assert header_key("性 别") == "性别"


def test_synonym_headers_are_recognised() -> None:
    synonyms = load_synonyms()
    found = recognise(
        [["说明"], ["公民身份号码", "人员姓名", "户号", "与户主的关系", "性 别", "出生年月"]], synonyms
    )
    assert found is not None and found.table.name == "members" and found.header_index == 1


def test_an_office_synonym_file_adds_its_headers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = tmp_path / "本单位表头.toml"
    extra.write_text('[school_roll]\nid_number = ["学籍号对应身份证"]\nname = ["娃娃姓名"]\n', "utf-8")
    row = [["学籍号对应身份证", "娃娃姓名", "学段", "学籍状态"]]
    assert recognise(row, load_synonyms()) is None or recognise(row, load_synonyms()).table.name != "x"  # type: ignore[union-attr]
    found = recognise(row, load_synonyms(extra))
    assert found is not None and found.table.name == "school_roll" and not found.missing_required
    monkeypatch.setenv("FANGFAN_HEADER_SYNONYMS", str(extra))
    assert recognise(row, load_synonyms()) == found


def test_a_synonym_claimed_by_two_fields_is_refused(tmp_path: Path) -> None:
    extra = tmp_path / "bad.toml"
    extra.write_text('[members]\nname = ["性别"]\n', "utf-8")
    with pytest.raises(SynonymError, match="同时对应"):
        load_synonyms(extra)


def test_an_unrecognised_sheet_is_named_and_the_rest_imports(tmp_path: Path, home: Path) -> None:
    folder = write_dataset(tmp_path / "in")
    (folder / "会议记录.csv").write_text("时间,地点,参会人\n1,2,3\n", "utf-8")
    result = import_directory(folder, as_of=AS_OF)
    assert {"file": "会议记录.csv", "sheet": ""}.items() <= result.unrecognised[0].items()
    assert result.unrecognised[0]["code"] == "TABLE_UNRECOGNISED"
    assert result.snapshot.read("households").height == 2


def test_a_missing_required_column_keeps_that_sheet_out_and_says_so(tmp_path: Path, home: Path) -> None:
    folder = write_dataset(tmp_path / "in")
    (folder / "残联.csv").write_text("身份证号,姓名,残疾类别\n" + WANG + ",王秀英,肢体\n", "utf-8")
    result = import_directory(folder, as_of=AS_OF)
    missing = [u for u in result.unrecognised if u["file"] == "残联.csv"]
    assert missing[0]["code"] == "COLUMN_MISSING" and "残疾等级" in missing[0]["reason"]
    assert "disability" in result.absent_tables


def test_report_cells_that_look_like_formulas_stay_text(tmp_path: Path, home: Path) -> None:
    import zipfile

    folder = write_dataset(tmp_path / "in")
    (folder / "车辆.csv").write_text(
        "身份证号,姓名,车辆类型\n" + WANG + ',王秀英,"=HYPERLINK(""http://x"",""点我"")"\n', "utf-8"
    )
    result = import_directory(folder, as_of=AS_OF)
    assert ("车辆.csv", "", 2, "ENUM_INVALID") in _codes(result)
    with zipfile.ZipFile(result.report_path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet
    assert "=HYPERLINK" in sheet


def test_nothing_to_import_is_a_clear_error(tmp_path: Path, home: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "学籍.csv").write_text("身份证号,姓名,学段,学籍状态\n" + WANG + ",王秀英,小学,在读\n", "utf-8")
    with pytest.raises(NothingToImport, match="户信息"):
        import_directory(folder, as_of=AS_OF)
    outcome = CliRunner().invoke(main, ["import", str(folder)])
    assert outcome.exit_code == 1
    assert "导入失败" in outcome.output


def test_a_registry_without_its_income_table_is_refused_in_chinese_by_import_and_run(
    tmp_path: Path, home: Path
) -> None:
    folder = write_dataset(tmp_path / "in")
    (folder / "收入.csv").unlink()
    with pytest.raises(NothingToImport, match=INCOME.title):
        import_directory(folder, as_of=AS_OF)
    assert not list(SnapshotStore())
    outcome = CliRunner().invoke(main, ["run", str(folder), "--out", str(tmp_path / "out")])
    assert outcome.exit_code == 1
    assert "运行失败" in outcome.output and INCOME.title in outcome.output
    assert "Traceback" not in outcome.output and "SnapshotError" not in outcome.output


def test_cli_import_prints_a_chinese_summary_and_exits_zero_with_problems(tmp_path: Path, home: Path) -> None:
    folder = write_dataset(tmp_path / "in")
    outcome = CliRunner().invoke(main, ["import", str(folder), "--as-of", "2024-06-30"])
    assert outcome.exit_code == 0, outcome.output
    assert "户信息" in outcome.output and "快照" in outcome.output and "导入问题报告" in outcome.output
    assert "UNKNOWN_HOUSEHOLD" in outcome.output
    listing = CliRunner().invoke(main, ["snapshots"])
    assert listing.exit_code == 0 and "LATEST" in listing.output and "2024-06-30" in listing.output

"""A township's own small export through `fangfan run`: 30 households of 石桥镇, made by hand.

The files look the way a township clerk makes them, not the way the generator does:
the registry's three tables as sheets of one workbook under a title row, an unknown
序号 column, a totals row in the member sheet whose count sits under the ID column
(written as a number), a 本村合计 row in the household sheet in the middle of the row,
and two small department rolls (医保参保, 学籍) with a 小计 row.

The cast (household → story; the four with ID problems are tests/cast.py's):

- 赵德明 (household 03, born 1998-05-12): Excel stored his registry ID as a number and
  rounded it. The insurance roll has him, under his right ID, 参保. He is linked to the
  roll anyway (same name, birth date, sex, and the 15 digits Excel kept), so no
  "no insurance record" finding; his damaged ID is an IDENTITY finding of the household.
- 钱秀兰 (household 07): her registry ID has a wrong check character. IDENTITY finding;
  the roll's row under her right ID still finds her.
- 孙建国 (household 11, head): registered 女 though his ID says male. IDENTITY finding.
- 李小红 (household 15, born 2014): a digit of her registry ID is missing. Neither roll can
  be matched to her, so neither "absent from the insurance roll" nor "absent from the
  school roll" is claimed: the comparison could not be made (无法比对).
- Near misses with sound IDs, so the absence checks still work: 周小军 (household 19,
  born 2015) is not on the school roll (EDU-003), and 吴桂芳 (household 23) is not on the
  insurance roll (MED-002).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from cast import LI_XIAOHONG, QIAN_XIULAN, SUN_JIANGUO, ZHAO_DEMING
from fangfan.cli import main
from fangfan.engine.idnumber import check_character

TOWNSHIP = "621226102"  # 礼县 石桥镇
VILLAGES = {"621226102201": "石桥村", "621226102202": "斜坡村"}
AS_OF = "2026-10-31"
HOUSEHOLDS = 30
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏"
GIVEN = ("德明", "秀兰", "建国", "小红", "小军", "桂芳", "志强", "玉梅", "海涛", "春燕")


def _id(birth: dt.date, sequence: int, male: bool) -> str:
    order = sequence * 2 + (1 if male else 0)
    first17 = f"621226{birth:%Y%m%d}{order:03d}"
    return first17 + check_character(first17)


def _person(household: int, slot: int) -> dict[str, object]:
    """Head (male, 1972), spouse (female, 1974), child (born 1998 or, from household 12 on, 2014/2015)."""
    surname = SURNAMES[household - 1]
    if slot == 0:
        birth, male, relation, name = dt.date(1972, 3, 1 + household % 27), True, "户主", surname + "大山"
    elif slot == 1:
        birth, male, relation, name = (
            dt.date(1974, 7, 1 + household % 27),
            False,
            "配偶",
            SURNAMES[-household] + "秀英",
        )
    else:
        young = household >= 12
        birth = dt.date(2014 + household % 2, 9, 1 + household % 27) if young else dt.date(1998, 5, 12)
        male, relation = household % 2 == 1, "之子" if household % 2 == 1 else "之女"
        name = surname + ("小" + GIVEN[household % len(GIVEN)][1] if young else GIVEN[household % len(GIVEN)])
    person: dict[str, object] = {
        "name": name,
        "id": _id(birth, 10 + household * 3 + slot, male),
        "sex": "男" if male else "女",
        "birth": birth,
        "relation": relation,
        "adult": birth.year < 2000,
    }
    return person


def _cast() -> dict[int, list[dict[str, object]]]:
    people = {h: [_person(h, slot) for slot in range(3)] for h in range(1, HOUSEHOLDS + 1)}
    zhao_born, li_born = ZHAO_DEMING.born, LI_XIAOHONG.born  # tests/cast.py
    assert zhao_born is not None and li_born is not None
    people[3][2].update(name=ZHAO_DEMING.name, birth=zhao_born, sex="男", relation="之子")
    people[3][2]["id"] = _id(zhao_born, 401, True)
    people[7][1]["name"] = QIAN_XIULAN.name
    people[11][0]["name"] = SUN_JIANGUO.name
    people[15][2].update(name=LI_XIAOHONG.name, sex="女", relation="之女", birth=li_born)
    people[15][2]["id"] = _id(li_born, 402, False)
    people[19][2].update(name="周小军", sex="男", relation="之子", birth=dt.date(2015, 4, 3))
    people[19][2]["id"] = _id(dt.date(2015, 4, 3), 403, True)
    people[23][1]["name"] = "吴桂芳"
    return people


def _household_id(household: int) -> str:
    village = list(VILLAGES)[household % 2]
    return f"{village}{household:04d}"


def _rounded_by_excel(number: str) -> float:
    """What Excel keeps of an 18-digit ID typed as a number: 15 significant digits."""
    return float(f"{int(number):.14e}")


ZHAO_AS_EXCEL_SHOWS = f"{_rounded_by_excel(str(_cast()[3][2]['id'])):.14E}"  # 6.21226199805128E+17


def _wrong_check(number: str) -> str:
    return number[:17] + ("1" if number[17] != "1" else "2")


def _write_sheet(
    book: xlsxwriter.Workbook, name: str, title: str, headers: list[str], rows: list[list[object]]
) -> None:
    sheet = book.add_worksheet(name)
    sheet.merge_range(0, 0, 0, len(headers) - 1, title)
    for column, header in enumerate(headers):
        sheet.write_string(1, column, header)
    for index, row in enumerate(rows, start=2):
        for column, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, float | int):
                sheet.write_number(index, column, value)
            else:
                sheet.write_string(index, column, str(value))


def _registry(folder: Path, people: dict[int, list[dict[str, object]]]) -> None:
    book = xlsxwriter.Workbook(str(folder / "石桥镇建档立卡数据导出.xlsx"))
    household_headers = [
        "户编号", "行政区划代码", "县(区)", "乡(镇)", "行政村", "户类型", "户主姓名", "户主身份证号",
        "家庭人口数", "平常能吃得饱", "随时能吃肉蛋奶或豆制品", "有换季衣服", "有御寒被褥",
        "住房安全鉴定等级", "供水方式", "水量是否达标", "水质是否达标", "单次取水往返时间(分钟)",
        "年缺水天数", "帮扶责任人", "帮扶措施", "脱贫年度",
    ]  # fmt: skip
    rows: list[list[object]] = []
    for household, members in people.items():
        village = _household_id(household)[:12]
        head = members[0]
        rows.append(
            [
                _household_id(household), village, "礼县", "石桥镇", VILLAGES[village], "脱贫户",
                head["name"], head["id"], 3, "是", "是", "是", "是", "A", "集中供水入户", "是", "是",
                0, 0, "马帮扶", "产业帮扶；健康帮扶", 2019,
            ]
        )  # fmt: skip
    # The clerk's totals row: the count under 户编号, the label in the middle of the row.
    rows.append([HOUSEHOLDS, "", "", "", "", "", "本村合计", "", HOUSEHOLDS * 3])
    _write_sheet(book, "Sheet1", "石桥镇建档立卡户信息（2026年10月）", household_headers, rows)

    member_headers = [
        "序号", "户编号", "姓名", "证件号码", "与户主关系", "性别", "出生日期", "在校生情况", "健康状况",
        "劳动技能", "务工状态", "务工时间(月)", "是否参加基本医疗保险", "是否参加基本养老保险",
        "是否签约家庭医生", "是否享受低保", "是否特困供养", "人员状态",
    ]  # fmt: skip
    rows = []
    for household, members in people.items():
        for person in members:
            number: object = person["id"]
            if person["name"] == "赵德明":
                number = _rounded_by_excel(str(number))
            elif person["name"] == "钱秀兰":
                number = _wrong_check(str(number))
            elif person["name"] == "李小红":
                number = str(number)[:10] + str(number)[11:]  # a digit left out
            sex = "女" if person["name"] == "孙建国" else person["sex"]
            adult = bool(person["adult"])
            rows.append(
                [
                    len(rows) + 1, _household_id(household), person["name"], number, person["relation"], sex,
                    f"{person['birth']:%Y.%m.%d}", "非在校生" if adult else "小学", "健康",
                    "普通劳动力" if adult else "无劳动力", "县内务工" if adult else "未务工",
                    10 if adult else 0, "城乡居民基本医疗保险",
                    "城乡居民基本养老保险" if adult else "未参加", "否", "否", "否", "正常",
                ]
            )  # fmt: skip
    # The totals row the importer used to report as five errors: its count under the ID.
    rows.append(["合计", "", "", float(HOUSEHOLDS * 3)])
    _write_sheet(book, "Sheet2", "成员信息", member_headers, rows)

    income_headers = ["户编号", "年度", "工资性收入", "生产经营性收入", "财产性收入", "转移性收入",
                      "生产经营性支出", "家庭纯收入", "人均纯收入"]  # fmt: skip
    rows = [
        [_household_id(h), year, 30000, 3000, 0, 1200, 1000, 33200, round(33200 / 3, 2)]
        for h in people
        for year in (2024, 2025)
    ]
    _write_sheet(book, "Sheet3", "收入信息", income_headers, rows)
    book.close()


def _rolls(folder: Path, people: dict[int, list[dict[str, object]]]) -> None:
    everyone = [p for members in people.values() for p in members]
    book = xlsxwriter.Workbook(str(folder / "医保参保名单.xlsx"))
    rows: list[list[object]] = [
        [str(p["id"]), p["name"], "城乡居民", 2025, "参保"] for p in everyone if p["name"] != "吴桂芳"
    ]
    rows.append(["小计", f"{len(rows)}人"])
    _write_sheet(
        book,
        "参保",
        "石桥镇2025年度城乡居民医保参保名单",
        ["身份证号", "姓名", "参保险种", "参保年度", "参保状态"],
        rows,
    )
    book.close()
    book = xlsxwriter.Workbook(str(folder / "学籍名单.xlsx"))
    rows = [
        [str(p["id"]), p["name"], "石桥镇中心小学", "小学", "在读"]
        for p in everyone
        if not p["adult"] and p["name"] != "周小军"
    ]
    _write_sheet(
        book, "学籍", "石桥镇义务教育学生名单", ["身份证号", "姓名", "学校名称", "学段", "学籍状态"], rows
    )
    book.close()


@pytest.fixture(scope="module")
def township_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("township")
    exports = folder / "石桥镇导出"
    exports.mkdir()
    people = _cast()
    _registry(exports, people)
    _rolls(exports, people)
    arguments = ["run", str(exports), "--out", str(folder / "out"), "--as-of", AS_OF]
    result = CliRunner().invoke(main, arguments, env={"FANGFAN_HOME": str(folder / "home"), "COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    return folder


def _findings(folder: Path) -> pl.DataFrame:
    return pl.read_csv(folder / "out" / "findings.csv", infer_schema=False)


def _of(findings: pl.DataFrame, name: str) -> set[str]:
    return set(findings.filter(pl.col("message").str.starts_with(name))["rule_code"])


def _sheet(path: Path, sheet: str) -> list[list[str]]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()
    return [[str(value) for value in row] for row in rows]


def test_damaged_registry_ids_become_identity_findings_of_their_households(township_run: Path) -> None:
    identity = _findings(township_run).filter(pl.col("rule_code") == "IDN-004")
    by_name = {row["message"].split("的证件号码")[0]: row for row in identity.iter_rows(named=True)}
    assert set(by_name) == {"赵德明", "钱秀兰", "孙建国", "李小红"}
    assert set(identity["category"]) == {"IDENTITY"}
    assert "Excel存成数字" in by_name["赵德明"]["message"]
    assert by_name["赵德明"]["id_number"] == ZHAO_AS_EXCEL_SHOWS
    assert "校验位" in by_name["钱秀兰"]["message"]
    assert "性别与证件号码不一致" in by_name["孙建国"]["message"]
    assert "位数或字符不对" in by_name["李小红"]["message"]
    assert by_name["赵德明"]["household_id"] == _household_id(3)


def test_the_person_whose_id_excel_rounded_is_linked_to_the_insurance_roll(township_run: Path) -> None:
    links = pl.read_parquet(next((township_run / "home" / "derived").glob("*/links.parquet")))
    zhao = links.filter((pl.col("feed") == "medical_insurance") & (pl.col("name") == "赵德明")).row(
        0, named=True
    )
    assert zhao["status"] == "linked"
    assert zhao["linked_id_number"] == ZHAO_AS_EXCEL_SHOWS
    assert zhao["linked_household_id"] == _household_id(3)
    assert zhao["note"].startswith("建档立卡证件号码有误")
    findings = _findings(township_run)
    assert _of(findings, "赵德明") == {"IDN-004"}


def test_no_absence_is_claimed_for_a_person_whose_own_id_is_damaged_and_unlinked(township_run: Path) -> None:
    findings = _findings(township_run)
    assert _of(findings, "李小红") == {"IDN-004"}
    li = findings.filter(pl.col("message").str.starts_with("李小红")).row(0, named=True)
    assert "无法按证件号码比对" in li["message"]
    assert json.loads(li["evidence"])["参保状态(收入年度)"]["value"] == "无法比对"
    zhao = findings.filter(pl.col("message").str.starts_with("赵德明")).row(0, named=True)
    assert json.loads(zhao["evidence"])["参保状态(收入年度)"]["value"] == "参保"


def test_absences_of_people_with_sound_ids_are_still_found(township_run: Path) -> None:
    findings = _findings(township_run)
    assert "EDU-003" in _of(findings, "周小军")
    assert "MED-002" in _of(findings, "吴桂芳")
    # nobody else is reported missing from either roll
    absent = findings.filter(pl.col("rule_code").is_in(["EDU-003", "MED-002"]))
    assert absent.height == 2, absent.select("rule_code", "message")


def test_totals_rows_on_every_sheet_are_layout_not_problems(township_run: Path) -> None:
    report = township_run / "out" / "导入问题报告.xlsx"
    problems = _sheet(report, "导入问题")
    codes = sorted(row[-1] for row in problems[1:])
    assert codes == ["ID_CHECK_DIGIT", "ID_FORMAT", "ID_PRECISION_LOST", "SEX_MISMATCH"], problems
    layout = _sheet(report, "版式行")
    sheets = {row[1] for row in layout[1:]}
    assert {"Sheet1", "Sheet2", "参保"} <= sheets, layout


def test_identity_findings_are_in_the_county_ledger(township_run: Path) -> None:
    ledger = township_run / "out" / "台账" / "礼县问题台账.xlsx"
    rows = _sheet(ledger, "石桥镇")
    identity = [row for row in rows if "IDN-004" in row]
    assert len(identity) == 4
    assert all("身份信息" in row for row in identity)
    summary = json.loads((township_run / "out" / "运行摘要.json").read_text("utf-8"))
    assert summary["findings"] == _findings(township_run).height


# --- the damaged-ID rule on its own: a namesake born the same day blocks it -------------


def _people(*rows: tuple[str, str, bool]) -> pl.DataFrame:
    """Registry people (unique_id, ID as written, name, damaged?), all 男, born 1998-05-12."""
    return pl.DataFrame(
        {
            "unique_id": list(range(len(rows))),
            "id18": [None if damaged else number for number, _, damaged in rows],
            "registry_id_number": [number for number, _, _ in rows],
            "name": [name for _, name, _ in rows],
            "household_ids": [[f"H{i}"] for i in range(len(rows))],
            "household_id": [f"H{i}" for i in range(len(rows))],
            "village_code": ["621226102201"] * len(rows),
            "sex": ["男"] * len(rows),
            "birth_date": [dt.date(1998, 5, 12)] * len(rows),
            "id_damaged": [damaged for _, _, damaged in rows],
            "name_pinyin": ["zhaodeming"] * len(rows),
        },
        schema_overrides={"id18": pl.String, "unique_id": pl.Int64},
    )


def _insurance_row(number: str, name: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "record_id": [0],
            "feed": ["medical_insurance"],
            "_file": ["医保参保名单.xlsx"],
            "_sheet": ["参保"],
            "_row": [3],
            "id_as_written": [number],
            "id_written": [number],
            "name": [name],
            "village_code": [None],
            "id18": [number],
        },
        schema_overrides={"village_code": pl.String, "record_id": pl.Int64, "_row": pl.Int64},
    )


def test_a_namesake_born_the_same_day_leaves_the_rounded_id_unlinked() -> None:
    from fangfan.engine.link.fallback import damaged_id_links

    right = _id(dt.date(1998, 5, 12), 401, True)
    namesake = _id(dt.date(1998, 5, 12), 455, True)
    rounded = f"{_rounded_by_excel(right):.14E}"
    alone = damaged_id_links(_insurance_row(right, "赵德明"), _people((rounded, "赵德明", True)), 0.01)
    assert alone.select("linked_id_number", "status").row(0) == (rounded, "linked")
    crowded = _people((rounded, "赵德明", True), (namesake, "赵德明", False))
    assert damaged_id_links(_insurance_row(right, "赵德明"), crowded, 0.01).is_empty()
    # digits that do not survive the rounding of the department's ID: not the same person
    other = _id(dt.date(1998, 5, 12), 480, True)
    assert damaged_id_links(
        _insurance_row(other, "赵德明"), _people((rounded, "赵德明", True)), 0.01
    ).is_empty()

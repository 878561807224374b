"""Linkage of department feeds to the registry, on a small hand-made snapshot.

The cast (400 filler villagers around them; with so few exact links the model scores with
preset m and u, `link.model.PRESET_LEVELS`, instead of training):
- 冯秀英 (household H001) is in the insurance roll as 冯秀莹: same ID, a homophone.
- 李建国 (H002): the school roll has his ID with two sequence digits swapped.
- 张德明 (H003) still has his old 15-digit ID in the registry; the claims feed
  writes the 18-digit form, the civil registration the 15-digit one.
- 赵桂兰 (H004): the assistance sheet stored her ID as an Excel number, last digits lost.
- 郑明 and 郑明, cousins (H005, H006), born the same day in the same county: the
  disability roll has cousin A's ID with a wrong check character, and the vehicle
  roll has a precision-lost ID that fits both; the employment roll names 郑明 with no ID.
- 陈小红 is listed in two households (H007 and H008).
- 刘强 is not in the registry at all; the business registry has him.
- The housing appraisal has 冯秀英 (head of H001) with a wrong check character.
- The water feed has one known village and one that does not exist.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from fangfan.engine.idnumber import make, normalise, validate
from fangfan.engine.snapshot import Snapshot, SnapshotStore

AS_OF = dt.date(2026, 10, 31)
VILLAGE = "621202001200"
OTHER_VILLAGE = "621226101200"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马胡朱郭何罗高林"
GIVEN = "秀英建国德明桂兰小红强伟芳娟敏静丽军杰涛超明华平刚玉兰凤珍"

FENG = make("622621", dt.date(1962, 3, 8), 124)
LI_JIANGUO = make("622621", dt.date(1975, 6, 21), 351)
ZHANG_OLD = "622621450101131"
ZHANG_NEW = "62262119450101131" + make("622621", dt.date(1945, 1, 1), 131)[-1]
ZHAO = make("622628", dt.date(1955, 3, 25), 262)
COUSIN_A = make("621202", dt.date(2010, 5, 5), 153)
COUSIN_B = make("621202", dt.date(2010, 5, 5), 157)
CHEN = make("621202", dt.date(2001, 9, 9), 266)
STRANGER = make("621202", dt.date(1980, 1, 1), 999)


def swapped(number: str) -> str:
    first17 = number[:14] + number[15] + number[14] + number[16]
    return first17 + number[17]


def wrong_check(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


def excel_number(number: str) -> str:
    return f"{float(number):.14E}"


def bookkeeping(frame: pl.DataFrame, file: str, id_field: str | None = "id_number") -> pl.DataFrame:
    extra = [
        pl.lit(file).alias("_file"),
        pl.lit(None, dtype=pl.String).alias("_sheet"),
        (pl.int_range(pl.len()) + 2).cast(pl.Int64).alias("_row"),
        pl.lit([], dtype=pl.List(pl.String)).alias("_flags"),
    ]
    if id_field:
        valid = pl.col(id_field).map_elements(
            lambda v: validate(normalise(v)) == "ok", return_dtype=pl.Boolean
        )
        extra.append(valid.alias(f"{id_field}_valid"))
    return frame.with_columns(extra)


def fillers(count: int) -> list[tuple[str, str, str]]:
    rng = random.Random(5)
    people = []
    for index in range(count):
        born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 28000))
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        area = rng.choice(("622621", "621202"))
        people.append((f"F{index // 4:03d}", name, make(area, born, rng.randrange(1, 998))))
    return people


def registry() -> tuple[pl.DataFrame, pl.DataFrame]:
    cast = [
        ("H001", "冯秀英", FENG),
        ("H002", "李建国", LI_JIANGUO),
        ("H003", "张德明", ZHANG_OLD),
        ("H004", "赵桂兰", ZHAO),
        ("H005", "郑明", COUSIN_A),
        ("H006", "郑明", COUSIN_B),
        ("H007", "陈小红", CHEN),
        ("H008", "陈小红", CHEN),
    ]
    rows = cast + fillers(400)
    members = pl.DataFrame(rows, schema=["household_id", "name", "id_number"], orient="row")
    members = members.with_columns(pl.lit("户主").alias("relation"), pl.lit("正常").alias("member_status"))
    heads = members.unique("household_id", keep="first", maintain_order=True)
    households = heads.select(
        "household_id",
        pl.lit(VILLAGE).alias("village_code"),
        pl.col("name").alias("head_name"),
        pl.col("id_number").alias("head_id_number"),
    )
    return bookkeeping(households, "户信息.csv", "head_id_number"), bookkeeping(members, "成员.csv")


def feeds(members: pl.DataFrame) -> dict[str, pl.DataFrame]:
    def person_feed(rows: list[tuple[str, str | None]], file: str) -> pl.DataFrame:
        frame = pl.DataFrame(rows, schema=["id_number", "name"], orient="row")
        return bookkeeping(frame, file)

    everyone = list(members.select("id_number", "name").unique("id_number", maintain_order=True).iter_rows())
    insurance = [(i, "冯秀莹" if i == FENG else n) for i, n in everyone]
    return {
        "medical_insurance": person_feed(insurance, "参保.csv"),
        "school_roll": person_feed([(swapped(LI_JIANGUO), "李建国")], "学籍.csv"),
        "medical_claims": person_feed([(ZHANG_NEW, "张德明")], "结算.csv"),
        "civil_registration": person_feed([(ZHANG_OLD, "张德明")], "户籍.csv"),
        "social_assistance": person_feed([(excel_number(ZHAO), "赵桂兰")], "救助.csv"),
        "disability": person_feed([(wrong_check(COUSIN_A), "郑明"), (CHEN, "陈小红")], "残疾.csv"),
        "vehicles": person_feed([(excel_number(COUSIN_A), "郑明")], "车辆.csv"),
        "employment": person_feed([(None, "郑明")], "就业.csv"),
        "business_registry": person_feed([(STRANGER, "刘强")], "市场.csv"),
        "housing_appraisal": bookkeeping(
            pl.DataFrame(
                {"head_id_number": [wrong_check(FENG)], "head_name": ["冯秀英"], "village_code": [VILLAGE]}
            ),
            "住建.csv",
            "head_id_number",
        ),
        "water_supply": bookkeeping(
            pl.DataFrame({"village_code": [VILLAGE, OTHER_VILLAGE]}), "水务.csv", None
        ),
    }


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def snapshot(home: Path) -> Snapshot:
    households, members = registry()
    villages = pl.DataFrame({"village_code": [VILLAGE], "village_name": ["白堡南村"]})
    tables = {"households": households, "members": members, "villages": villages, **feeds(members)}
    written, _ = SnapshotStore(home / "snapshots").write(tables, {}, AS_OF)
    return written


@pytest.fixture(scope="module")
def links(snapshot: Snapshot, home: Path) -> pl.DataFrame:
    from fangfan.engine.link import link_snapshot

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FANGFAN_HOME", str(home))
        return link_snapshot(snapshot).links


def row(links: pl.DataFrame, feed: str, index: int = 0) -> dict[str, object]:
    return links.filter(pl.col("feed") == feed).sort("_row").row(index, named=True)


def test_homophone_name_in_insurance_roll_links_to_wang_xiuying(links: pl.DataFrame) -> None:
    found = links.filter((pl.col("feed") == "medical_insurance") & (pl.col("name") == "冯秀莹")).row(
        0, named=True
    )
    assert (found["linked_id_number"], found["method"], found["linked_household_id"]) == (
        FENG,
        "exact",
        "H001",
    )


def test_school_roll_id_with_swapped_digits_links_to_li_jianguo(links: pl.DataFrame) -> None:
    found = row(links, "school_roll")
    assert (found["linked_id_number"], found["method"], found["status"]) == (
        LI_JIANGUO,
        "probabilistic",
        "linked",
    )
    assert isinstance(found["match_probability"], float) and found["match_probability"] >= 0.9


def test_old_fifteen_digit_id_links_through_its_eighteen_digit_form(links: pl.DataFrame) -> None:
    for feed in ("medical_claims", "civil_registration"):
        found = row(links, feed)
        assert (found["linked_id_number"], found["method"]) == (ZHANG_OLD, "exact_15_to_18")


def test_id_stored_as_excel_number_links_by_the_digits_that_survived(links: pl.DataFrame) -> None:
    found = row(links, "social_assistance")
    assert (found["linked_id_number"], found["method"]) == (ZHAO, "probabilistic")


def test_cousins_with_the_same_name_and_birthday_are_never_cross_linked(links: pl.DataFrame) -> None:
    wrong_check_row = row(links, "disability")
    assert wrong_check_row["linked_id_number"] in (COUSIN_A, None)
    assert wrong_check_row["status"] in ("linked", "ambiguous")
    lost_digits = row(links, "vehicles")
    assert lost_digits["status"] == "ambiguous" and lost_digits["linked_id_number"] is None
    assert COUSIN_A in str(lost_digits["candidates"]) and COUSIN_B in str(lost_digits["candidates"])
    assert row(links, "employment")["linked_id_number"] is None


def test_person_in_two_households_links_to_the_person_and_names_both(links: pl.DataFrame) -> None:
    found = row(links, "disability", 1)
    assert found["linked_id_number"] == CHEN
    assert "H007" in str(found["note"]) and "H008" in str(found["note"])


def test_stranger_with_an_unknown_valid_id_stays_unlinked(links: pl.DataFrame) -> None:
    assert row(links, "business_registry")["status"] == "unlinked"


def test_housing_appraisal_links_to_the_household_its_head_heads(links: pl.DataFrame) -> None:
    found = row(links, "housing_appraisal")
    assert (found["linked_household_id"], found["method"]) == ("H001", "probabilistic")


def test_water_supply_links_only_to_villages_the_snapshot_knows(links: pl.DataFrame) -> None:
    statuses = links.filter(pl.col("feed") == "water_supply").sort("_row").get_column("status").to_list()
    assert statuses == ["linked", "unlinked"]


def test_every_feed_row_gets_exactly_one_link_row(links: pl.DataFrame, snapshot: Snapshot) -> None:
    for feed, count in snapshot.manifest["tables"].items():
        if feed not in ("households", "members", "villages"):
            assert links.filter(pl.col("feed") == feed).height == count, feed


def test_links_are_saved_under_the_snapshot_and_reused(
    links: pl.DataFrame, snapshot: Snapshot, home: Path
) -> None:
    from fangfan.engine.link import link_snapshot

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FANGFAN_HOME", str(home))
        again = link_snapshot(snapshot)
    assert again.reused and again.path == home / "derived" / snapshot.id / "links.parquet"
    assert again.links.equals(links)


def test_the_result_keeps_the_links_on_disk_and_the_wide_tables_read_them_lazily(
    links: pl.DataFrame, snapshot: Snapshot, home: Path
) -> None:
    import dataclasses

    from fangfan.engine.link import link_snapshot, linked_person_key

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FANGFAN_HOME", str(home))
        result = link_snapshot(snapshot)
    # No field holds the links (the city's are a gigabyte as a frame): they are read when asked.
    held = [f.name for f in dataclasses.fields(result) if isinstance(getattr(result, f.name), pl.DataFrame)]
    assert held == ["report"]
    assert result.scan().collect().equals(links)
    from_frame, from_scan = linked_person_key(snapshot, links), linked_person_key(snapshot, result.scan())
    changed = 0
    for feed in ("school_roll", "medical_insurance", "disability", "social_assistance", "vehicles"):
        frame = from_frame(feed, snapshot.scan(feed)).collect()
        assert from_scan(feed, snapshot.scan(feed)).collect().equals(frame), feed
        changed += frame.filter(pl.col("person_key").ne_missing(pl.col("id_number"))).height
    assert changed >= 2  # at least the swapped digits and the wrong check character


def test_resolved_feed_gives_school_roll_rows_their_registry_person(
    links: pl.DataFrame, snapshot: Snapshot
) -> None:
    from fangfan.engine.link import resolved_feed

    frame = resolved_feed(snapshot, links, "school_roll")
    assert frame.select("person_id_number", "household_id").row(0) == (LI_JIANGUO, "H002")


def test_report_counts_rows_per_feed_and_county_and_writes_chinese_excel(
    links: pl.DataFrame, tmp_path: Path
) -> None:
    from fangfan.engine.link import linkage_report, write_report_excel

    report = linkage_report(links)
    assert report.get_column("total").sum() == links.height
    vehicles = report.filter(pl.col("feed") == "vehicles").row(0, named=True)
    assert (vehicles["county_name"], vehicles["ambiguous"]) == ("武都区", 1)
    path = write_report_excel(report, tmp_path / "report.xlsx")
    sheet = pl.read_excel(path, sheet_name="匹配情况")
    assert sheet.columns[:6] == ["部门", "县区", "精确匹配", "概率匹配", "未匹配", "存疑"]


def test_link_command_prints_the_report_in_chinese(
    links: pl.DataFrame, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fangfan.cli import main

    monkeypatch.setenv("FANGFAN_HOME", str(home))
    result = CliRunner().invoke(main, ["link"])
    assert result.exit_code == 0, result.output
    assert "沿用已有结果" in result.output and "存疑" in result.output and "教育·学籍信息" in result.output


def test_pinyin_once_per_character_reads_names_as_pypinyin_does() -> None:
    from pypinyin import lazy_pinyin

    from fangfan.engine.link.records import pinyin_of_names

    # 长 and 重 read differently inside dictionary words (长江, 重庆); · and Latin letters
    # stay as written.
    names = ["王秀英", "王秀莹", "冯长江", "张长生", "李重庆", "阿卜杜·热合曼", "ABC李", "长", ""]
    expected = ["".join(lazy_pinyin(name)) for name in names]
    assert pinyin_of_names(pl.Series(names)).to_list() == expected
    assert expected[2] != "feng" + "".join(lazy_pinyin("长")) + "jiang"  # a phrase did change a reading


def test_ids_already_in_eighteen_character_form_are_keyed_as_written() -> None:
    from fangfan.engine.link.records import id_key, written_key

    ids = [FENG, FENG[:17] + "x", "+" + FENG[1:], "0" + FENG[1:], ZHANG_OLD, "６" + FENG[1:], None]
    keys = pl.DataFrame({"id": ids}).select(
        written_key(pl.col("id")).alias("written"), id_key(pl.col("id")).alias("key")
    )
    # Only the first is its own normalised 18-character ID; the rest go through with_written.
    assert keys.get_column("written").is_not_null().to_list() == [True] + [False] * 6
    assert keys.get_column("written")[0] == keys.get_column("key")[0]

"""The household sieve on a small named cast, built directly as a snapshot.

The village of 礼县 (621226) with ten households, as-of 2026-10-31 (income years
2024 and 2025, screened against the 2025 policy file):

- 王秀英 (H01, 脱贫户; tests/cast.py): her grandson 李浩, 14, left school in grade 8;
  the registry says 失学辍学 and the school roll says 辍学. Everything else is fine.
- 张建国 (H02): the house is grade D and was never renovated; the housing
  department's appraisal agrees (so there is no data conflict, just danger).
- 赵德全 (H03): no piped water; the well is 40 minutes there and back.
- 刘志强 (H04): declares a net income of 60,000 although his income items add up
  to 48,000.
- 陈永福 (H05): grandfather 陈老汉 died in 2025 (civil registration 死亡) but is
  still listed as 正常 — and counted in the household size.
- 孙丽 (H06): the clean household. A daughter in grade 7 on the school roll, a
  grandmother with a grade-2 disability certificate and a family doctor, small
  medical bills. Nothing may fire.
- 马福贵 (H07, 监测户): earns 6,000 per head, under the 8,300 monitoring threshold
  but above the 4,500 poverty line.
- 杨春花 (H08, 脱贫户): her husband, 45, lost his ability to work and gets neither
  低保 nor 特困 and the household has no 兜底 measure; their son owns a car.
- 周大海 (H09): the labour department says he is employed at 3,500 a month, the
  registry says 未务工 — and its wage income (28,000) is far below the 42,000 a
  year the labour department's pay adds up to.
- 吴桂兰 (H10): insured according to the registry, missing from the insurance roll;
  her house collapsed in a landslide in 2026 while the registry still calls it safe.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from cast import LI_HAO, WANG_XIUYING, member
from cast import snapshot_frame as frame
from fangfan.engine.screen import ScreenResult, screen_snapshot
from fangfan.engine.snapshot import Snapshot, SnapshotStore

AS_OF = dt.date(2026, 10, 31)
VILLAGE = "621226100201"


def household(household_id: str, head: dict[str, Any], size: int, **changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "household_id": household_id,
        "village_code": VILLAGE,
        "county_name": "礼县",
        "township_name": "城关镇",
        "village_name": "石桥村",
        "head_name": head["name"],
        "head_id_number": head["id_number"],
        "household_type": "脱贫户",
        "exit_year": 2019,
        "household_size": size,
        "food_enough": "是",
        "food_protein": "是",
        "seasonal_clothes": "是",
        "winter_bedding": "是",
        "house_grade": "A",
        "house_renovated": "否",
        "relocated": "否",
        "water_supply": "集中供水入户",
        "water_quantity_ok": "是",
        "water_quality_ok": "是",
        "water_trip_minutes": 3,
        "water_short_days": 0,
        "farmland_mu": 4.5,
        "helper_name": "何志军",
        "measures": "产业帮扶；健康帮扶",
    }
    row.update(changes)
    return row


def elder(household_id: str, name: str, relation: str, born: dt.date, **changes: Any) -> dict[str, Any]:
    return member(household_id, name, relation, born, labour="无劳动力", work_status="未务工", **changes)


def child(household_id: str, name: str, born: dt.date, schooling: str, **changes: Any) -> dict[str, Any]:
    return member(
        household_id,
        name,
        "之孙子" if changes.pop("grandchild", False) else "之子",
        born,
        schooling=schooling,
        labour="无劳动力",
        work_status="未务工",
        pension_insured="未参加",
        **changes,
    )


def build_cast() -> dict[str, list[dict[str, Any]]]:
    people: dict[str, list[dict[str, Any]]] = {}
    d = dt.date
    people["H01"] = [
        member(
            "H01",
            WANG_XIUYING.name,
            "户主",
            WANG_XIUYING.born,
            id_number=WANG_XIUYING.id_number,
            sex="女",
            labour="弱劳动力或半劳动力",
            work_status="乡村公益性岗位",
        ),
        child("H01", LI_HAO.name, LI_HAO.born, "失学辍学", grandchild=True, id_number=LI_HAO.id_number),
    ]
    people["H02"] = [
        member("H02", "张建国", "户主", d(1970, 1, 5)),
        member("H02", "李梅", "配偶", d(1972, 6, 1), sex="女"),
    ]
    people["H03"] = [member("H03", "赵德全", "户主", d(1966, 8, 9))]
    people["H04"] = [
        member("H04", "刘志强", "户主", d(1980, 2, 2)),
        member("H04", "王芳", "配偶", d(1982, 3, 3), sex="女"),
    ]
    people["H05"] = [
        member("H05", "陈永福", "户主", d(1975, 5, 5)),
        elder("H05", "陈老汉", "之父", d(1940, 1, 1)),
    ]
    people["H06"] = [
        member("H06", "孙丽", "户主", d(1985, 7, 7), sex="女"),
        child("H06", "孙小雨", d(2013, 9, 20), "七年级", sex="女"),
        elder(
            "H06",
            "孙奶奶",
            "之母",
            d(1950, 2, 2),
            sex="女",
            health="残疾",
            disability_grade="二级",
            family_doctor="是",
        ),
    ]
    people["H07"] = [member("H07", "马福贵", "户主", d(1968, 3, 3), work_status="县内务工")]
    people["H08"] = [
        member("H08", "杨春花", "户主", d(1982, 1, 1), sex="女", work_status="县内务工"),
        member(
            "H08",
            "何强",
            "配偶",
            d(1981, 4, 4),
            labour="丧失劳动力",
            work_status="未务工",
            health="患有大病",
            family_doctor="是",
        ),
        member("H08", "何小军", "之子", d(2004, 4, 4)),
    ]
    people["H09"] = [
        member("H09", "周大海", "户主", d(1979, 9, 9), work_status="未务工"),
        member("H09", "周妻", "配偶", d(1980, 1, 1), sex="女"),
    ]
    people["H10"] = [member("H10", "吴桂兰", "户主", d(1960, 10, 10), sex="女")]
    return people


def cast_tables() -> dict[str, pl.DataFrame]:
    people = build_cast()
    heads = {hid: rows[0] for hid, rows in people.items()}
    sizes = {hid: len(rows) for hid, rows in people.items()}
    households = [household(hid, heads[hid], sizes[hid]) for hid in people]
    overrides: dict[str, dict[str, Any]] = {
        "H02": {"house_grade": "D"},
        "H03": {"water_supply": "分散供水", "water_trip_minutes": 40},
        "H07": {"household_type": "监测户", "monitoring_category": "边缘易致贫户"},
        "H08": {"measures": "产业帮扶；就业帮扶"},
        "H09": {"household_type": "一般农户", "helper_name": None, "measures": None},
        "H10": {"household_type": "一般农户", "helper_name": None, "measures": None},
    }
    for row in households:
        row.update(overrides.get(row["household_id"], {}))
    members = [row for rows in people.values() for row in rows]
    by_name = {row["name"]: row for row in members}
    return {
        "households": frame("households", households),
        "members": frame("members", members),
        "income": frame("income", income_rows(people)),
        **feeds(members, by_name),
    }


def income_rows(people: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    rows = []
    per_head = {"H07": 6000.0}
    for hid, members in people.items():
        normal = len(members)
        for year in (2024, 2025):
            net = per_head.get(hid, 15000.0) * normal
            declared = 60000.0 if (hid == "H04" and year == 2025) else net
            rows.append(
                {
                    "household_id": hid,
                    "year": year,
                    "wage_income": net - 2000.0,
                    "business_income": 3000.0,
                    "property_income": 0.0,
                    "transfer_income": 1000.0,
                    "business_cost": 2000.0,
                    "medical_selfpay": 0.0,
                    "net_income": declared,
                    "net_income_per_capita": round(declared / normal, 2),
                }
            )
    return rows


def feeds(members: list[dict[str, Any]], by_name: dict[str, dict[str, Any]]) -> dict[str, pl.DataFrame]:
    insurance = [
        {
            "id_number": m["id_number"],
            "name": m["name"],
            "scheme": "城乡居民",
            "insurance_year": year,
            "insurance_status": "参保",
        }
        for m in members
        if m["name"] != "吴桂兰"
        for year in (2024, 2025)
    ]

    def person(name: str, **values: Any) -> dict[str, Any]:
        return {"id_number": by_name[name]["id_number"], "name": name, **values}

    return {
        "school_roll": frame(
            "school_roll",
            [
                person("李浩", school_name="石桥学校", school_stage="初中", enrolment_status="辍学"),
                person("孙小雨", school_name="石桥学校", school_stage="初中", enrolment_status="在读"),
            ],
        ),
        "medical_insurance": frame("medical_insurance", insurance),
        "medical_claims": frame(
            "medical_claims",
            [
                person(
                    "孙奶奶", settlement_date=dt.date(2025, 5, 1), total_cost=3000.0, compliant_selfpay=400.0
                )
            ],
        ),
        "housing_appraisal": frame(
            "housing_appraisal",
            [
                {
                    "head_id_number": by_name["张建国"]["id_number"],
                    "head_name": "张建国",
                    "village_code": VILLAGE,
                    "appraisal_date": dt.date(2024, 3, 1),
                    "appraisal_grade": "D",
                    "renovation_status": "未改造",
                }
            ],
        ),
        "water_supply": frame(
            "water_supply",
            [
                {
                    "village_code": VILLAGE,
                    "project_name": "石桥供水站",
                    "supply_mode": "集中供水入户",
                    "short_days": 0,
                    "quality_result": "合格",
                }
            ],
        ),
        "social_assistance": frame("social_assistance", []),
        "disability": frame(
            "disability", [person("孙奶奶", disability_kind="肢体", disability_grade="二级")]
        ),
        "employment": frame(
            "employment",
            [
                person("周大海", employment_status="就业", work_place="成县", monthly_income=3500.0),
                person("何小军", employment_status="就业", work_place="西安", monthly_income=4000.0),
            ],
        ),
        "civil_registration": frame(
            "civil_registration",
            [person("陈老汉", registration_status="死亡", change_date=dt.date(2025, 12, 1))],
        ),
        "vehicles": frame(
            "vehicles",
            [
                person("何小军", vehicle_type="小型轿车", status="正常"),
                person("孙丽", vehicle_type="摩托车", status="正常"),
            ],
        ),
        "disasters": frame(
            "disasters",
            [
                {
                    "village_code": VILLAGE,
                    "head_id_number": by_name["吴桂兰"]["id_number"],
                    "head_name": "吴桂兰",
                    "disaster_type": "滑坡",
                    "occurred_on": dt.date(2026, 7, 15),
                    "house_damage": "倒塌",
                    "direct_loss": 80000.0,
                }
            ],
        ),
    }


def write_cast(root: Path, tables: dict[str, pl.DataFrame] | None = None) -> Snapshot:
    snapshot, _ = SnapshotStore(root).write(tables or cast_tables(), {"source": "cast"}, AS_OF)
    return snapshot


@pytest.fixture(scope="module")
def screened(tmp_path_factory: pytest.TempPathFactory) -> ScreenResult:
    root = tmp_path_factory.mktemp("cast")
    return screen_snapshot(write_cast(root / "snapshots"), runs_root=root / "runs")


def fired(result: ScreenResult) -> set[tuple[str, str, str]]:
    """(rule, household, person name or '') of every finding."""
    names = {row["id_number"]: row["name"] for rows in build_cast().values() for row in rows}
    return {
        (row["rule_code"], row["household_id"], names.get(row["id_number"] or "", ""))
        for row in result.findings.iter_rows(named=True)
    }


EXPECTED = {
    ("EDU-001", "H01", "李浩"),
    ("HOU-001", "H02", ""),
    ("WAT-003", "H03", ""),
    ("INC-003", "H04", ""),
    ("IDN-002", "H05", "陈老汉"),
    ("INC-001", "H07", ""),
    ("AST-003", "H08", "何强"),
    ("PRO-001", "H08", "何小军"),
    ("EMP-002", "H09", "周大海"),
    ("EMP-003", "H09", ""),
    ("MED-002", "H10", "吴桂兰"),
    ("HOU-004", "H10", ""),
    ("MON-001", "H10", ""),
}


def rules_on(result: ScreenResult, household_id: str) -> set[str]:
    return set(result.findings.filter(pl.col("household_id") == household_id)["rule_code"].to_list())


def test_the_cast_fires_exactly_the_rules_of_their_stories(screened: ScreenResult) -> None:
    assert fired(screened) == EXPECTED


def test_wang_xiuying_grandson_who_left_school_in_grade_8_fails_education(screened: ScreenResult) -> None:
    row = screened.findings.filter(pl.col("rule_code") == "EDU-001").row(0, named=True)
    assert row["household_id"] == "H01" and row["veto"] and row["category"] == "EDUCATION"
    assert row["message"].startswith("李浩（14岁）")
    evidence = json.loads(row["evidence"])
    assert evidence["在校生情况"] == {"value": "失学辍学", "source": "成员信息"}
    assert evidence["学籍状态"] == {"value": "辍学", "source": "学籍"}


def test_grade_d_house_never_renovated_fails_housing_without_a_data_conflict(screened: ScreenResult) -> None:
    assert rules_on(screened, "H02") == {"HOU-001"}


def test_well_forty_minutes_away_fails_water_convenience(screened: ScreenResult) -> None:
    row = screened.findings.filter(pl.col("rule_code") == "WAT-003").row(0, named=True)
    assert "40分钟" in row["message"] and "20分钟" in row["message"]


def test_declared_income_that_does_not_add_up_is_reported_with_both_figures(screened: ScreenResult) -> None:
    row = screened.findings.filter(pl.col("rule_code") == "INC-003").row(0, named=True)
    evidence = json.loads(row["evidence"])
    assert evidence["家庭纯收入(申报)"]["value"] == 60000.0
    assert evidence["家庭纯收入(按分项重算)"]["value"] == 30000.0


def test_dead_grandfather_still_listed_is_found_through_civil_registration(screened: ScreenResult) -> None:
    row = screened.findings.filter(pl.col("rule_code") == "IDN-002").row(0, named=True)
    assert row["household_id"] == "H05" and "死亡" in row["message"]


def test_the_clean_household_passes_every_rule(screened: ScreenResult) -> None:
    assert rules_on(screened, "H06") == set()


def test_income_below_threshold_says_the_threshold_is_a_placeholder(screened: ScreenResult) -> None:
    row = screened.findings.filter(pl.col("rule_code") == "INC-001").row(0, named=True)
    evidence = json.loads(row["evidence"])
    assert "占位参数 income.monitoring_threshold" in evidence
    assert "INC-002" not in rules_on(screened, "H07")


def test_veto_findings_come_first(screened: ScreenResult) -> None:
    veto = screened.findings["veto"].to_list()
    assert veto == sorted(veto, reverse=True) and veto[0]


def test_findings_carry_the_contract_columns_and_files_are_written(screened: ScreenResult) -> None:
    for column in ("run_id", "household_id", "id_number", "village_code", "rule_code", "category", "veto"):
        assert column in screened.findings.columns
    assert screened.paths["findings_csv"].read_bytes().startswith(b"\xef\xbb\xbf")
    summary = json.loads(screened.paths["summary"].read_text("utf-8"))
    assert summary["findings"] == screened.findings.height
    assert set(summary["absent_feeds"]) == {"business_registry", "real_estate"}


def test_a_second_run_sees_persisting_and_resolved_findings(tmp_path: Path) -> None:
    tables = cast_tables()
    first = screen_snapshot(write_cast(tmp_path / "snapshots", tables), runs_root=tmp_path / "runs")
    fixed = tables["households"].with_columns(
        pl.when(pl.col("household_id") == "H03")
        .then(pl.lit(5))
        .otherwise(pl.col("water_trip_minutes"))
        .alias("water_trip_minutes")
    )
    second = screen_snapshot(
        write_cast(tmp_path / "snapshots", {**tables, "households": fixed}), runs_root=tmp_path / "runs"
    )
    assert second.summary["previous_run_id"] == first.run_id
    assert second.summary["comparison"] == {"new": 0, "persisting": first.findings.height - 1, "resolved": 1}
    assert second.resolved["rule_code"].to_list() == ["WAT-003"]
    assert set(second.findings["change"].to_list()) == {"持续存在"}


def test_fangfan_screen_screens_the_latest_snapshot_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from fangfan.cli import main

    monkeypatch.setenv("FANGFAN_HOME", str(tmp_path))
    write_cast(tmp_path / "snapshots")
    result = CliRunner().invoke(main, ["screen"])
    assert result.exit_code == 0, result.output
    assert f"问题 {len(EXPECTED)} 条" in result.output
    assert len(list((tmp_path / "runs").glob("*/summary.json"))) == 1
    # The cast's stories, read back from what the command wrote.
    (findings_file,) = (tmp_path / "runs").glob("*/findings.parquet")
    names = {row["id_number"]: row["name"] for rows in build_cast().values() for row in rows}
    written = pl.read_parquet(findings_file)
    assert {
        (row["rule_code"], row["household_id"], names.get(row["id_number"] or "", ""))
        for row in written.iter_rows(named=True)
    } == EXPECTED


def test_fangfan_screen_names_a_missing_snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from fangfan.cli import main

    monkeypatch.setenv("FANGFAN_HOME", str(tmp_path))
    result = CliRunner().invoke(main, ["screen", "2026-01-01-nothing"])
    assert result.exit_code != 0 and "找不到快照" in result.output

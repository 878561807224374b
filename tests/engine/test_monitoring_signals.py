"""Relapse-monitoring signals on a named cast, each beside a household that just misses it.

孙桂兰 is tests/cast.py's; 杨春花 and her husband 何强 are test_screen.py's too; everyone
else is this module's own.

One village of 礼县 (621226), as-of 2025-10-31: income years 2023 and 2024, so the run
reads the 2024 policy file (monitoring threshold 7,800; a fall of more than 30%; medical
self-pay above 10,000; rigid spending above the net income; a new serious illness from
50,000 of medical costs a year). Two members each unless said otherwise.

- 马福祥 (M01, 一般农户) earns 7,799.99 per head, a cent under the line, and the labour
  department lists him as unemployed; 马福成 (M02) earns exactly 7,800.
- 孙桂兰 (M03, 脱贫户; tests/cast.py) lives alone at 75, cannot work, is on 低保 and
  earns 7,500 per head: under 2024's 7,800, above 2023's 7,200.
- 刘志刚 (M04) earned 20,000 per head in 2023 and 13,999 in 2024, his wages cut;
  刘志勇 (M05) fell from 20,000 to exactly 14,000. 赵德才 (M06) fell from 25,500 to
  11,500 when his business collapsed.
- 周大江 (M07): last month's snapshot said 12,000 per head for 2024, this month's says
  8,000; 周小海 (M08) went from 12,000 to exactly 8,400.
- 吴桂香 (M09): three members, net income 30,000; her husband's self-pay 9,000, a son at
  高职 (10,000 a year assumed) and 11,001 of flood damage: 30,001 of rigid spending.
  吴桂芬 (M10) has the same but 11,000 of damage.
- 孙兰 (M11): her husband's treatment cost 50,000, 10,001 of it self-paid; the registry
  still calls him 健康. 孙梅 (M12): 49,999.99 and 10,000.
- 陈永昌 (M13): his son 陈强, 40, a labourer, died on 2024-01-01; 陈永贵 (M14) lost his
  brother on 2023-12-31, before the income year. 陈永安 (M15): his mother, 80, died in
  2025 and is still listed as 正常.
- 黄鹏 (M16): the house collapsed in a landslide in 2025; 黄明 (M17): 一般损坏 only.
- 李建 (M18, 脱贫户): his son 李东, 15, has left school (school roll 辍学); 李军 (M19):
  his son, 16 that very day, has too — past compulsory age.
- 杨春花 (M20): her husband holds a grade-2 disability certificate the registry does
  not know of; 杨春梅 (M21): hers is in the registry already.
- 马监测 (M22, 监测户, being monitored) and 马消除 (M23, 监测户, risk eliminated) both
  earn 7,000 per head.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import cast
from cast import SUN_GUILAN, person_id
from cast import snapshot_frame as frame
from fangfan.engine.monitoring import HOUSEHOLD_COLUMNS, SIGNAL_COLUMNS
from fangfan.engine.screen import ScreenResult, screen_snapshot
from fangfan.engine.snapshot import Snapshot, SnapshotStore

AS_OF = dt.date(2025, 10, 31)
LAST_MONTH = dt.date(2025, 9, 30)
VILLAGE = "621226100201"
d = dt.date


def member(household_id: str, name: str, relation: str, born: dt.date, **changes: Any) -> dict[str, Any]:
    """The cast's member row (tests/cast.py); here everybody has a family doctor."""
    return cast.member(household_id, name, relation, born, **{"family_doctor": "是", **changes})


def couple(household_id: str, head: str, spouse: str, **spouse_changes: Any) -> list[dict[str, Any]]:
    return [
        member(household_id, head, "户主", d(1975, 3, 3)),
        member(household_id, spouse, "配偶", d(1977, 5, 5), sex="女", **spouse_changes),
    ]


def build_members() -> dict[str, list[dict[str, Any]]]:
    people = {
        "M01": couple("M01", "马福祥", "马妻"),
        "M02": couple("M02", "马福成", "马成妻"),
        "M03": [
            member(
                "M03",
                SUN_GUILAN.name,
                "户主",
                SUN_GUILAN.born,
                id_number=SUN_GUILAN.id_number,
                sex="女",
                labour="无劳动力",
                work_status="未务工",
                dibao="是",
            )
        ],
        "M04": couple("M04", "刘志刚", "刘妻"),
        "M05": couple("M05", "刘志勇", "刘勇妻"),
        "M06": couple("M06", "赵德才", "赵妻"),
        "M07": couple("M07", "周大江", "周妻"),
        "M08": couple("M08", "周小海", "周小妻"),
        "M09": [
            *couple("M09", "吴桂香", "吴夫", health="长期慢性病"),
            member("M09", "吴小兵", "之子", d(2005, 9, 1), schooling="高职", work_status="未务工"),
        ],
        "M10": [
            *couple("M10", "吴桂芬", "吴芳夫", health="长期慢性病"),
            member("M10", "吴小平", "之子", d(2005, 9, 2), schooling="高职", work_status="未务工"),
        ],
        "M11": couple("M11", "孙兰", "孙强"),
        "M12": couple("M12", "孙梅", "孙刚"),
        "M13": [
            member("M13", "陈永昌", "户主", d(1960, 1, 1)),
            member("M13", "陈妻", "配偶", d(1962, 1, 1), sex="女"),
            member("M13", "陈强", "之子", d(1985, 6, 6), member_status="死亡"),
        ],
        "M14": [
            *couple("M14", "陈永贵", "陈贵妻"),
            member("M14", "陈老大", "其他", d(1980, 2, 2), member_status="死亡"),
        ],
        "M15": [
            *couple("M15", "陈永安", "陈安妻"),
            member("M15", "陈奶奶", "之母", d(1945, 8, 8), sex="女", labour="无劳动力", work_status="未务工"),
        ],
        "M16": couple("M16", "黄鹏", "黄妻"),
        "M17": couple("M17", "黄明", "黄明妻"),
        "M18": [
            *couple("M18", "李建", "李妻"),
            member(
                "M18",
                "李东",
                "之子",
                d(2009, 11, 1),
                schooling="九年级",
                labour="无劳动力",
                work_status="未务工",
            ),
        ],
        "M19": [
            *couple("M19", "李军", "李军妻"),
            member(
                "M19",
                "李涛",
                "之子",
                d(2009, 10, 31),
                schooling="高中",
                labour="无劳动力",
                work_status="未务工",
            ),
        ],
        "M20": couple("M20", "杨春花", "何强"),
        "M21": couple("M21", "杨春梅", "何刚", health="残疾", disability_grade="二级"),
        "M22": couple("M22", "马监测", "马监测妻"),
        "M23": couple("M23", "马消除", "马消除妻"),
    }
    return people


# Per-capita net income (2023, 2024); 15,000 both years when not listed.
PER_CAPITA = {
    "M01": (9000.0, 7799.99),
    "M02": (9000.0, 7800.0),
    "M03": (7600.0, 7500.0),
    "M04": (20000.0, 13999.0),
    "M05": (20000.0, 14000.0),
    "M07": (9000.0, 8000.0),
    "M08": (9000.0, 8400.0),
    "M09": (10000.0, 10000.0),
    "M10": (10000.0, 10000.0),
    "M11": (30000.0, 30000.0),
    "M12": (30000.0, 30000.0),
    "M22": (7000.0, 7000.0),
    "M23": (7000.0, 7000.0),
}
# Last month's snapshot differed for these households' 2024 income only.
PER_CAPITA_LAST_MONTH = {"M04": 20000.0, "M07": 12000.0, "M08": 12000.0}


def income_rows(people: dict[str, list[dict[str, Any]]], last_month: bool = False) -> list[dict[str, Any]]:
    rows = []
    for hid, members in people.items():
        normal = sum(m["member_status"] == "正常" for m in members)
        for year, per_capita in zip((2023, 2024), PER_CAPITA.get(hid, (15000.0, 15000.0)), strict=True):
            if last_month and year == 2024:
                per_capita = PER_CAPITA_LAST_MONTH.get(hid, per_capita)
            parts = _parts(hid, year, per_capita * normal)
            net = (
                parts["wage_income"]
                + parts["business_income"]
                + parts["transfer_income"]
                - parts["business_cost"]
            )
            rows.append(
                {
                    "household_id": hid,
                    "year": year,
                    **parts,
                    "property_income": 0.0,
                    "medical_selfpay": 9000.0 if hid in ("M09", "M10") and year == 2024 else 0.0,
                    "net_income": net,
                    "net_income_per_capita": round(net / normal, 2),
                }
            )
    return rows


def _parts(hid: str, year: int, net: float) -> dict[str, float]:
    if hid == "M06":  # 赵德才's business: 40,000 in 2023, 12,000 in 2024, costs 10,000
        business = 40000.0 if year == 2023 else 12000.0
        return {
            "wage_income": 20000.0,
            "business_income": business,
            "transfer_income": 1000.0,
            "business_cost": 10000.0,
        }
    return {
        "wage_income": net - 2000.0,
        "business_income": 3000.0,
        "transfer_income": 1000.0,
        "business_cost": 2000.0,
    }


def households(people: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    rows = []
    kinds = {"M03": "脱贫户", "M18": "脱贫户", "M22": "监测户", "M23": "监测户"}
    for hid, members in people.items():
        head = members[0]
        kind = kinds.get(hid, "一般农户")
        monitored = kind == "监测户"
        rows.append(
            {
                "household_id": hid,
                "village_code": VILLAGE,
                "county_name": "礼县",
                "township_name": "城关镇",
                "village_name": "石桥村",
                "head_name": head["name"],
                "head_id_number": head["id_number"],
                "household_type": kind,
                "exit_year": 2019 if kind == "脱贫户" else None,
                "monitoring_category": "边缘易致贫户" if monitored else None,
                "monitoring_since": d(2023, 5, 1) if monitored else None,
                "risk_eliminated": ("是" if hid == "M23" else "否") if monitored else None,
                "main_risk": "因病" if monitored else None,
                "household_size": sum(m["member_status"] == "正常" for m in members),
                "house_grade": "A",
                "house_renovated": "否",
                "relocated": "否",
                "water_supply": "集中供水入户",
                "water_quantity_ok": "是",
                "water_quality_ok": "是",
                "water_trip_minutes": 3,
                "water_short_days": 0,
                "helper_name": "何志军" if kind != "一般农户" else None,
                "measures": "产业帮扶" + ("；兜底保障" if hid == "M03" else "")
                if kind != "一般农户"
                else None,
            }
        )
    return rows


def feeds(by_name: dict[str, dict[str, Any]]) -> dict[str, pl.DataFrame]:
    def person(name: str, **values: Any) -> dict[str, Any]:
        return {"id_number": by_name[name]["id_number"], "name": name, **values}

    def head(name: str, **values: Any) -> dict[str, Any]:
        return {
            "head_id_number": by_name[name]["id_number"],
            "head_name": name,
            "village_code": VILLAGE,
            **values,
        }

    def claim(name: str, total: float, selfpay: float, critical: float = 0.0) -> dict[str, Any]:
        return person(
            name,
            settlement_date=d(2024, 6, 1),
            total_cost=total,
            critical_illness_reimbursed=critical,
            compliant_selfpay=selfpay,
        )

    def disaster(name: str, damage: str, loss: float, on: dt.date) -> dict[str, Any]:
        return head(name, disaster_type="洪涝", occurred_on=on, house_damage=damage, direct_loss=loss)

    return {
        "medical_claims": frame(
            "medical_claims",
            [
                claim("吴夫", 20000.0, 9000.0),
                claim("吴芳夫", 20000.0, 9000.0),
                claim("孙强", 50000.0, 10001.0, critical=5000.0),
                claim("孙刚", 49999.99, 10000.0, critical=4999.99),
            ],
        ),
        "disasters": frame(
            "disasters",
            [
                disaster("吴桂香", "一般损坏", 11001.0, d(2024, 7, 1)),
                disaster("吴桂芬", "一般损坏", 11000.0, d(2024, 7, 1)),
                disaster("黄鹏", "倒塌", 5000.0, d(2025, 6, 1)),
                disaster("黄明", "一般损坏", 1000.0, d(2025, 6, 1)),
            ],
        ),
        "civil_registration": frame(
            "civil_registration",
            [
                person("陈强", registration_status="死亡", change_date=d(2024, 1, 1)),
                person("陈老大", registration_status="死亡", change_date=d(2023, 12, 31)),
                person("陈奶奶", registration_status="死亡", change_date=d(2025, 3, 1)),
            ],
        ),
        "school_roll": frame(
            "school_roll",
            [
                person("李东", school_name="石桥学校", school_stage="初中", enrolment_status="辍学"),
                person("李涛", school_name="礼县一中", school_stage="高中", enrolment_status="辍学"),
            ],
        ),
        "disability": frame(
            "disability",
            [
                person("何强", disability_kind="肢体", disability_grade="二级"),
                person("何刚", disability_kind="肢体", disability_grade="二级"),
            ],
        ),
        "employment": frame("employment", [person("马福祥", employment_status="失业")]),
        "social_assistance": frame(
            "social_assistance",
            [person(SUN_GUILAN.name, assistance_type="低保", start_date=d(2020, 1, 1), monthly_amount=450.0)],
        ),
    }


def cast_tables(last_month: bool = False) -> dict[str, pl.DataFrame]:
    people = build_members()
    members = [row for rows in people.values() for row in rows]
    return {
        "households": frame("households", households(people)),
        "members": frame("members", members),
        "income": frame("income", income_rows(people, last_month)),
        **feeds({row["name"]: row for row in members}),
    }


def write_cast(root: Path, *, as_of: dt.date = AS_OF, last_month: bool = False) -> Snapshot:
    snapshot, _ = SnapshotStore(root).write(cast_tables(last_month), {"source": "cast"}, as_of)
    return snapshot


@pytest.fixture(scope="module")
def monitored(tmp_path_factory: pytest.TempPathFactory) -> ScreenResult:
    """This month's run, with last month's snapshot in the same store."""
    root = tmp_path_factory.mktemp("monitoring")
    write_cast(root / "snapshots", as_of=LAST_MONTH, last_month=True)
    return screen_snapshot(write_cast(root / "snapshots"), runs_root=root / "runs")


def signals_of(result: ScreenResult) -> set[tuple[str, str]]:
    assert result.monitoring is not None
    return {
        (row[0], row[1]) for row in result.monitoring.signals.select("signal_code", "household_id").rows()
    }


def signal(result: ScreenResult, code: str, household_id: str) -> dict[str, Any]:
    assert result.monitoring is not None
    rows = result.monitoring.signals.filter(
        (pl.col("signal_code") == code) & (pl.col("household_id") == household_id)
    )
    assert rows.height == 1, rows
    return rows.row(0, named=True)


def household(result: ScreenResult, household_id: str) -> dict[str, Any]:
    assert result.monitoring is not None
    return result.monitoring.households.filter(pl.col("household_id") == household_id).row(0, named=True)


EXPECTED = {
    ("INCOME_BELOW_THRESHOLD", "M01"),
    ("INCOME_BELOW_THRESHOLD", "M03"),
    ("INCOME_BELOW_THRESHOLD", "M22"),
    ("INCOME_BELOW_THRESHOLD", "M23"),
    ("INCOME_SHARP_DROP", "M04"),
    ("INCOME_SHARP_DROP", "M06"),
    ("INCOME_FALL_SINCE_PREVIOUS", "M07"),
    ("RIGID_SPENDING_OVER_INCOME", "M09"),
    ("LARGE_MEDICAL_BILLS", "M11"),
    ("NEW_SERIOUS_ILLNESS", "M11"),
    ("MEMBER_DIED", "M13"),
    ("MEMBER_DIED", "M15"),
    ("DISASTER_HOUSE_DAMAGE", "M16"),
    ("CHILD_DROPPED_OUT", "M18"),
    ("NEW_DISABILITY", "M20"),
}


def test_each_household_has_exactly_the_signals_of_its_story(monitored: ScreenResult) -> None:
    assert signals_of(monitored) == EXPECTED


@pytest.mark.parametrize(
    ("has_it", "misses_it", "code"),
    [
        ("M01", "M02", "INCOME_BELOW_THRESHOLD"),
        ("M04", "M05", "INCOME_SHARP_DROP"),
        ("M07", "M08", "INCOME_FALL_SINCE_PREVIOUS"),
        ("M09", "M10", "RIGID_SPENDING_OVER_INCOME"),
        ("M11", "M12", "LARGE_MEDICAL_BILLS"),
        ("M11", "M12", "NEW_SERIOUS_ILLNESS"),
        ("M13", "M14", "MEMBER_DIED"),
        ("M16", "M17", "DISASTER_HOUSE_DAMAGE"),
        ("M18", "M19", "CHILD_DROPPED_OUT"),
        ("M20", "M21", "NEW_DISABILITY"),
    ],
)
def test_a_signal_fires_at_its_threshold_and_not_a_step_short_of_it(
    monitored: ScreenResult, has_it: str, misses_it: str, code: str
) -> None:
    fired = signals_of(monitored)
    assert (code, has_it) in fired
    assert (code, misses_it) not in fired


def test_signal_rows_carry_the_contract_columns_and_the_village(monitored: ScreenResult) -> None:
    assert monitored.monitoring is not None
    signals = monitored.monitoring.signals
    assert tuple(signals.columns) == SIGNAL_COLUMNS
    assert set(signals["village_code"]) == {VILLAGE} and set(signals["township_code"]) == {VILLAGE[:9]}
    assert set(signals["run_id"]) == {monitored.run_id} and set(signals["policy_year"]) == {2024}
    assert signals.filter(pl.col("message").is_null() | pl.col("evidence").is_null()).is_empty()


def test_a_signal_the_sieve_already_flags_is_its_finding_with_the_rule_named(monitored: ScreenResult) -> None:
    row = signal(monitored, "INCOME_BELOW_THRESHOLD", "M01")
    finding = monitored.findings.filter(
        (pl.col("rule_code") == "INC-001") & (pl.col("household_id") == "M01")
    )
    assert row["rule_code"] == "INC-001"
    assert (row["message"], row["evidence"]) == finding.select("message", "evidence").row(0)
    assert "7,799.99元" in row["message"] and "7,800元" in row["message"]
    assert {signal(monitored, "DISASTER_HOUSE_DAMAGE", "M16")["rule_code"]} == {"MON-001"}
    assert signal(monitored, "CHILD_DROPPED_OUT", "M18")["rule_code"] == "EDU-002"


def test_the_policy_year_decides_whether_the_same_income_is_below_the_line(tmp_path: Path) -> None:
    snapshot = write_cast(tmp_path / "snapshots")
    in_2024 = screen_snapshot(snapshot, runs_root=tmp_path / "runs")
    in_2023 = screen_snapshot(snapshot, year=2023, runs_root=tmp_path / "runs")
    assert ("INCOME_BELOW_THRESHOLD", "M03") in signals_of(in_2024)
    assert ("INCOME_BELOW_THRESHOLD", "M03") not in signals_of(in_2023)
    assert household(in_2024, "M03")["monitoring_threshold"] == 7800
    assert household(in_2023, "M03")["monitoring_threshold"] == 7200
    assert not household(in_2023, "M03")["at_risk"]


def test_income_fall_since_last_month_names_both_snapshots_and_their_figures(monitored: ScreenResult) -> None:
    row = signal(monitored, "INCOME_FALL_SINCE_PREVIOUS", "M07")
    evidence = json.loads(row["evidence"])
    assert evidence["人均纯收入(按分项重算)"]["value"] == 8000.0
    assert evidence["上次快照人均纯收入(按分项重算)"] == {"value": 12000.0, "source": "计算"}
    assert evidence["上次快照编号"]["value"].startswith(LAST_MONTH.isoformat())
    assert row["rule_code"] is None and row["risk_type"] == "因务工就业不稳"
    assert household(monitored, "M07")["previous_snapshot_net_income_per_capita"] == 12000.0


def test_a_fall_the_sieve_already_reports_against_last_year_is_not_reported_twice(
    monitored: ScreenResult,
) -> None:
    # 刘志刚 fell against last year (MON-002) and against last month's snapshot alike.
    assert household(monitored, "M04")["previous_snapshot_net_income_per_capita"] == 20000.0
    assert ("INCOME_FALL_SINCE_PREVIOUS", "M04") not in signals_of(monitored)


def test_without_an_earlier_snapshot_nothing_is_compared_with_it(tmp_path: Path) -> None:
    result = screen_snapshot(write_cast(tmp_path / "snapshots"), runs_root=tmp_path / "runs")
    assert ("INCOME_FALL_SINCE_PREVIOUS", "M07") not in signals_of(result)
    assert household(result, "M07")["previous_snapshot_id"] is None
    assert result.summary["monitoring"]["previous_snapshot_id"] is None


def test_rigid_spending_adds_medical_self_pay_schooling_and_disaster_losses(monitored: ScreenResult) -> None:
    facts = household(monitored, "M09")
    assert (facts["medical_spending"], facts["schooling_spending"], facts["disaster_loss"]) == (
        9000,
        10000,
        11001,
    )
    row = signal(monitored, "RIGID_SPENDING_OVER_INCOME", "M09")
    evidence = json.loads(row["evidence"])
    assert evidence["合规自付医疗费用(收入年度)"]["source"] == "医保结算"
    assert evidence["灾害直接经济损失(收入年度起合计)"] == {"value": 11001.0, "source": "应急管理"}
    assert "占位参数 monitoring.rigid_spending_share_of_income" in evidence
    assert row["risk_type"] == "因灾"  # the largest part


def test_with_the_registry_alone_the_registry_self_pay_counts_and_feed_signals_stay_silent(
    tmp_path: Path,
) -> None:
    tables = {
        name: table for name, table in cast_tables().items() if name in ("households", "members", "income")
    }
    snapshot, _ = SnapshotStore(tmp_path / "snapshots").write(tables, {"source": "cast"}, AS_OF)
    result = screen_snapshot(snapshot, runs_root=tmp_path / "runs")
    assert {code for code, _ in signals_of(result)} == {"INCOME_BELOW_THRESHOLD", "INCOME_SHARP_DROP"}
    facts = household(result, "M09")
    assert (facts["medical_spending"], facts["schooling_spending"], facts["disaster_loss"]) == (
        9000,
        10000,
        None,
    )


def test_a_labourer_who_died_is_a_high_signal_and_an_old_mother_still_listed_a_low_one(
    monitored: ScreenResult,
) -> None:
    son = signal(monitored, "MEMBER_DIED", "M13")
    assert (son["severity"], son["risk_type"], son["rule_code"]) == ("high", "因意外事故", None)
    assert son["message"].startswith("陈强（40岁，普通劳动力）公安户籍2024-01-01登记死亡")
    mother = signal(monitored, "MEMBER_DIED", "M15")
    assert (mother["severity"], mother["rule_code"]) == ("low", "IDN-002")
    assert "系统中人员状态仍为正常" in mother["message"]
    # A low signal alone does not make a candidate.
    assert household(monitored, "M15")["signal_count"] == 1
    assert not household(monitored, "M15")["at_risk"] and not household(monitored, "M15")["is_candidate"]


def test_a_new_serious_illness_is_one_the_registry_does_not_record(monitored: ScreenResult) -> None:
    row = signal(monitored, "NEW_SERIOUS_ILLNESS", "M11")
    assert row["id_number"] == person_id("孙强", d(1977, 5, 5))
    evidence = json.loads(row["evidence"])
    assert evidence["健康状况"] == {"value": "健康", "source": "成员信息"}
    assert evidence["医疗总费用(收入年度合计)"] == {"value": 50000.0, "source": "医保结算"}


@pytest.mark.parametrize(
    ("household_id", "category"),
    [
        ("M03", "脱贫不稳定户"),  # exited, income under the line
        ("M18", "脱贫不稳定户"),  # exited, a child left school
        ("M01", "边缘易致贫户"),  # ordinary, income under the line
        ("M16", "突发严重困难户"),  # ordinary, above the line, the house collapsed
        ("M04", "突发严重困难户"),  # ordinary, above the line, income fell sharply
        ("M02", None),  # no risk
    ],
)
def test_the_suggested_category_follows_household_type_and_income(
    monitored: ScreenResult, household_id: str, category: str | None
) -> None:
    assert household(monitored, household_id)["suggested_category"] == category


@pytest.mark.parametrize(
    ("household_id", "risk_types", "main_risk"),
    [
        ("M03", "缺劳力", "缺劳力"),
        ("M01", "因务工就业不稳", "因务工就业不稳"),
        ("M06", "因产业项目失败", "因产业项目失败"),
        ("M11", "因病", "因病"),
        ("M16", "因灾", "因灾"),
        ("M18", "因学", "因学"),
        ("M20", "因残", "因残"),
        ("M02", None, None),
    ],
)
def test_risk_types_use_the_standard_names(
    monitored: ScreenResult, household_id: str, risk_types: str | None, main_risk: str | None
) -> None:
    row = household(monitored, household_id)
    assert (row["risk_types"], row["main_risk"]) == (risk_types, main_risk)


def test_the_facts_for_risk_elimination_are_kept_for_every_household(monitored: ScreenResult) -> None:
    assert monitored.monitoring is not None
    summary = monitored.monitoring.households
    assert tuple(summary.columns) == HOUSEHOLD_COLUMNS
    assert summary.height == len(build_members())
    alone = household(monitored, "M03")
    assert not alone["has_labour_capacity"] and alone["on_dibao"] and alone["on_safety_net"]
    assert alone["has_safety_net_measure"] and alone["net_income_per_capita"] == 7500
    assert alone["below_threshold"] and alone["monitoring_threshold"] == 7800
    assert household(monitored, "M14")["labour_capable_count"] == 2  # the dead brother is not counted


def test_households_being_monitored_are_told_apart_from_new_candidates(monitored: ScreenResult) -> None:
    being = household(monitored, "M22")
    assert (being["monitoring_status"], being["at_risk"], being["is_candidate"]) == ("监测中", True, False)
    eliminated = household(monitored, "M23")
    assert (eliminated["monitoring_status"], eliminated["is_candidate"]) == ("风险已消除", True)
    new = household(monitored, "M01")
    assert (new["monitoring_status"], new["is_candidate"]) == ("未纳入监测", True)
    counts = monitored.summary["monitoring"]
    assert counts["monitored_at_risk"] == 1
    assert counts["candidates"] == counts["households_at_risk"] - 1


def test_the_run_folder_holds_both_monitoring_tables(monitored: ScreenResult) -> None:
    folder = monitored.paths["summary"].parent
    signals = pl.read_parquet(folder / "monitoring_signals.parquet")
    households_file = pl.read_parquet(folder / "monitoring_households.parquet")
    assert monitored.monitoring is not None
    assert signals.equals(monitored.monitoring.signals)
    assert households_file.height == len(build_members())
    summary = json.loads(monitored.paths["summary"].read_text("utf-8"))
    assert summary["monitoring"]["signals"] == len(EXPECTED)
    assert "monitoring" in summary["seconds"]


# --- the monthly run over synthetic exports, against the generator's ground truth ----------

# Ground-truth kinds that are a monitoring signal, and whether the truth names a person.
SIGNAL_OF_KIND = {
    "INCOME_BELOW_THRESHOLD": ("INCOME_BELOW_THRESHOLD", False),
    "INCOME_SHARP_DROP": ("INCOME_SHARP_DROP", False),
    "LARGE_MEDICAL_SELFPAY": ("LARGE_MEDICAL_BILLS", False),
    "DISASTER_DAMAGE": ("DISASTER_HOUSE_DAMAGE", False),
    "DISABILITY_CONFLICT": ("NEW_DISABILITY", True),
    "CHILD_DROPPED_OUT_REGISTRY": ("CHILD_DROPPED_OUT", True),
    "CHILD_DROPPED_OUT_SCHOOL_ROLL": ("CHILD_DROPPED_OUT", True),
}


@pytest.fixture(scope="module")
def synthetic_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """`fangfan run` over 1,500 generated households: (out folder, signals, households, truth)."""
    from click.testing import CliRunner

    from fangfan.cli import main
    from fangfan.engine.synth import generate_dataset

    root = tmp_path_factory.mktemp("synthetic")
    generate_dataset(root / "exports", 1_500, 7, as_of=dt.date(2026, 10, 31))
    arguments = ["run", str(root / "exports"), "--out", str(root / "out"), "--as-of", "2026-10-31"]
    result = CliRunner().invoke(main, arguments, env={"FANGFAN_HOME": str(root / "home"), "COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    run_id = json.loads((root / "out" / "运行摘要.json").read_text("utf-8"))["run_id"]
    folder = root / "home" / "runs" / run_id
    truth = pl.read_csv(root / "exports" / "ground_truth.csv", infer_schema=False).filter(
        pl.col("stage") == "rule"
    )
    return (
        root / "out",
        pl.read_parquet(folder / "monitoring_signals.parquet"),
        pl.read_parquet(folder / "monitoring_households.parquet"),
        truth.select("kind", "household_id", pl.col("id_number").replace("", None)),
    )


def _truth_pairs(truth: pl.DataFrame) -> pl.DataFrame:
    """(signal_code, household_id, id_number or null) of every ground-truth row that is a signal."""
    kinds = pl.DataFrame(
        [(kind, code, person) for kind, (code, person) in SIGNAL_OF_KIND.items()],
        schema={"kind": pl.String, "signal_code": pl.String, "_person": pl.Boolean},
        orient="row",
    )
    return truth.join(kinds, on="kind").select(
        "signal_code", "household_id", pl.when(pl.col("_person")).then(pl.col("id_number")).alias("id_number")
    )


@pytest.mark.slow
def test_every_planted_case_of_a_signal_kind_is_a_signal_on_its_household(
    synthetic_run: tuple[Path, pl.DataFrame, pl.DataFrame, pl.DataFrame],
) -> None:
    _, signals, households_, truth = synthetic_run
    planted = _truth_pairs(truth).unique()
    assert planted.height > 50
    found = signals.select("signal_code", "household_id", "id_number")
    missed = planted.join(
        found, on=["signal_code", "household_id", "id_number"], how="anti", nulls_equal=True
    )
    assert missed.is_empty(), missed
    at_risk = households_.filter(pl.col("at_risk")).select("household_id")
    assert planted.join(at_risk, on="household_id", how="anti").is_empty()


@pytest.mark.slow
def test_signals_of_those_kinds_sit_on_households_that_really_have_them(
    synthetic_run: tuple[Path, pl.DataFrame, pl.DataFrame, pl.DataFrame],
) -> None:
    _, signals, _, truth = synthetic_run
    codes = {code for code, _ in SIGNAL_OF_KIND.values()}
    emitted = signals.filter(pl.col("signal_code").is_in(codes)).select(
        "signal_code", "household_id", "id_number"
    )
    backed = emitted.join(
        _truth_pairs(truth).unique(),
        on=["signal_code", "household_id", "id_number"],
        how="semi",
        nulls_equal=True,
    )
    assert backed.height / emitted.height >= 0.99
    # Deaths still listed as 正常 are planted too: every one the signal names is real.
    listed = signals.filter(pl.col("rule_code") == "IDN-002").select("household_id", "id_number")
    dead = truth.filter(pl.col("kind") == "DEAD_PERSON_LISTED").select("household_id", "id_number")
    assert listed.height > 0 and listed.join(dead, on=["household_id", "id_number"], how="anti").is_empty()


@pytest.mark.slow
def test_the_run_writes_a_candidate_list_per_county_with_a_sheet_per_township(
    synthetic_run: tuple[Path, pl.DataFrame, pl.DataFrame, pl.DataFrame],
) -> None:
    from python_calamine import CalamineWorkbook

    from fangfan.engine import regions

    out, _, households_, _ = synthetic_run
    candidates = households_.filter(pl.col("is_candidate"))
    workbooks = sorted((out / "防返贫监测").glob("*防返贫监测候选清单.xlsx"))
    assert len(workbooks) == candidates["county_code"].n_unique()
    township_names = {t.name[:31] for t in regions.townships().values()}
    listed = 0
    for path in workbooks:
        book = CalamineWorkbook.from_path(str(path))
        assert book.sheet_names[0] == "汇总" and set(book.sheet_names[1:]) <= township_names
        for name in book.sheet_names[1:]:
            rows = book.get_sheet_by_name(name).to_python()
            assert rows[1][:4] == ["序号", "行政村", "户编号", "户主姓名"]
            listed += len(rows) - 2
    assert listed == candidates.height
    summary = json.loads((out / "运行摘要.json").read_text("utf-8"))
    assert summary["monitoring"]["candidates"] == candidates.height


def test_a_sum_of_claims_is_shown_to_the_fen_whatever_order_it_is_added_in(tmp_path: Path) -> None:
    # 40,000.70 + 10,000.60 is 50,001.299999999996 in floats; with more claims the last
    # digit depends on the order the threads add in, so evidence changed from run to run
    # (the city's 60,131.92 or 60,131.920000000006). Sums of yuan are kept to the fen.
    tables = cast_tables()
    claims = tables["medical_claims"]
    ill = claims.filter(pl.col("name") == "孙强")
    parts = [ill.with_columns(pl.lit(cost).alias("total_cost")) for cost in (40000.7, 10000.6)]
    tables["medical_claims"] = pl.concat([claims.filter(pl.col("name") != "孙强"), *parts])
    snapshot, _ = SnapshotStore(tmp_path / "snapshots").write(tables, {"source": "cast"}, AS_OF)
    row = signal(screen_snapshot(snapshot, runs_root=tmp_path / "runs"), "NEW_SERIOUS_ILLNESS", "M11")
    assert json.loads(row["evidence"])["医疗总费用(收入年度合计)"]["value"] == 50001.3

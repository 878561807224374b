"""Speed of the sieve: the rule catalogue against the same checks written by hand.

    python -m bench.bench_screen [SNAPSHOT_ID]      (FANGFAN_HOME selects the store)

`run(snapshot)` builds the wide tables once, then times (a) the catalogue compiled
through the DuckDB adapter, with messages and evidence JSON, and (b) the same rule
conditions written by hand in Polars, in DuckDB SQL and in pandas, each returning
only the finding keys (rule, household, person). The hand-written versions do less
work (no messages, no evidence), so the ratios are unfavourable to the catalogue.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import polars as pl

from fangfan.engine.policy import Policy
from fangfan.engine.rules import load_catalogue
from fangfan.engine.rules.compile import DuckDBAdapter
from fangfan.engine.screen import policy_year_for
from fangfan.engine.snapshot import Snapshot, SnapshotStore
from fangfan.engine.wide import WideTables, build_wide_tables

HELPED = ("脱贫户", "监测户")
IN_SCHOOL = ("小学", "七年级", "八年级", "九年级", "高中", "中职", "高职", "大专及以上")
WORKING = ("县内务工", "省内县外务工", "省外务工", "乡村公益性岗位")


def _p(policy: Policy) -> dict[str, float]:
    names = (
        "education.compulsory_age_min",
        "education.compulsory_age_max",
        "medical.selfpay_share_of_income",
        "medical.selfpay_alert_yuan",
        "water.max_trip_minutes",
        "water.max_short_days",
        "income.monitoring_threshold",
        "income.poverty_line",
        "income.declared_tolerance_yuan",
        "income.sharp_drop_share",
        "employment.labour_age_min",
        "employment.labour_age_max",
    )
    return {name.split(".")[1]: policy.number(name) for name in names}


def polars_person(p: dict[str, float]) -> dict[str, pl.Expr]:
    c = pl.col
    child = c("age").is_between(p["compulsory_age_min"], p["compulsory_age_max"])
    helped = c("household_type").is_in(HELPED)
    return {
        "EDU-001": child
        & (
            c("schooling").is_in(["失学辍学", "非在校生"])
            | ((c("schooling") == "学前教育") & (c("age") >= 7))
        ),
        "EDU-002": child & c("schooling").is_in(IN_SCHOOL) & (c("enrolment_status") == "辍学"),
        "EDU-003": child & c("schooling").is_in(IN_SCHOOL[:4]) & (c("enrolment_status") == "无记录"),
        "EDU-004": child
        & (
            ((c("schooling") == "小学") & (c("age") >= 14))
            | (c("schooling").is_in(IN_SCHOOL[1:4]) & (c("age") <= 10))
            | (c("schooling").is_in(IN_SCHOOL[4:]) & (c("age") <= 13))
        ),
        "MED-001": c("medical_insured") == "未参加",
        "MED-002": c("medical_insured").is_in(["城乡居民基本医疗保险", "职工基本医疗保险"])
        & c("insurance_status").is_in(["未参保", "停保", "无记录"]),
        "MED-003": c("health").is_in(["长期慢性病", "患有大病", "残疾"]) & (c("family_doctor") == "否"),
        "AST-003": helped
        & (c("age") >= p["labour_age_min"])
        & (c("age") < p["labour_age_max"])
        & (c("labour") == "丧失劳动力")
        & (c("dibao").fill_null("否") != "是")
        & (c("tekun").fill_null("否") != "是")
        & ~c("has_safety_net_measure").fill_null(False),
        "AST-004": ((c("dibao") == "是") & c("active_dibao").not_())
        | ((c("tekun") == "是") & c("active_tekun").not_())
        | ((c("dibao") == "否") & c("active_dibao"))
        | ((c("tekun") == "否") & c("active_tekun")),
        "EMP-002": (c("employment_paid") & (c("work_status") == "未务工"))
        | (c("employment_unemployed") & c("work_status").is_in(WORKING)),
        "SOC-001": (c("age") >= p["labour_age_min"])
        & (c("schooling").fill_null("非在校生") == "非在校生")
        & (c("pension_insured") == "未参加"),
        "SOC-002": c("certificate_grade").is_not_null()
        & (
            (c("health").fill_null("") != "残疾")
            | (c("disability_grade").fill_null("") != c("certificate_grade"))
        ),
        "CON-003": (c("relation").is_in(["之子", "之女"]) & (c("birth_date") < c("head_birth_date")))
        | (c("relation").is_in(["之父", "之母"]) & (c("birth_date") > c("head_birth_date"))),
        "IDN-001": c("household_count") > 1,
        "IDN-002": c("registration_status").is_in(["死亡", "注销"]) & (c("member_status") == "正常"),
        "IDN-003": (c("registration_status") == "迁出") & (c("member_status") == "正常"),
        "PRO-001": helped & (c("vehicle_count") > 0),
        "PRO-002": helped & (c("business_count") > 0),
        "PRO-003": helped & (c("real_estate_count") > 0),
    }


def polars_household(p: dict[str, float]) -> dict[str, pl.Expr]:
    c = pl.col
    helped = c("household_type").is_in(HELPED)
    tolerance = p["declared_tolerance_yuan"]
    return {
        "FC-001": c("food_enough") == "否",
        "FC-002": c("food_protein") == "否",
        "FC-003": c("seasonal_clothes") == "否",
        "FC-004": c("winter_bedding") == "否",
        "MED-004": (c("claims_selfpay") > 0)
        & (
            (c("claims_selfpay") > p["selfpay_share_of_income"] * c("net_income"))
            | (c("claims_selfpay") > p["selfpay_alert_yuan"])
        ),
        "HOU-001": c("house_grade").is_in(["C", "D"])
        & (c("house_renovated").fill_null("否") != "是")
        & ~((c("relocated").fill_null("否") == "是") & (c("relocated_moved_in").fill_null("否") == "是")),
        "HOU-002": c("appraisal_grade").is_in(["C", "D"])
        & (c("renovation_status").fill_null("未改造") != "已竣工")
        & (c("house_grade").is_in(["A", "B"]) | (c("house_renovated") == "是")),
        "HOU-003": (c("relocated") == "是") & (c("relocated_moved_in") == "否"),
        "WAT-001": c("water_quantity_ok") == "否",
        "WAT-002": c("water_quality_ok") == "否",
        "WAT-003": (c("water_supply").fill_null("") != "集中供水入户")
        & (c("water_trip_minutes") > p["max_trip_minutes"]),
        "WAT-004": c("water_short_days") > p["max_short_days"],
        "WAT-005": (
            (c("village_short_days") > p["max_short_days"]) | (c("village_quality_result") == "不合格")
        )
        & (c("water_quantity_ok") == "是")
        & (c("water_quality_ok") == "是"),
        "INC-001": c("net_income_per_capita") < p["monitoring_threshold"],
        "INC-002": c("net_income_per_capita") < p["poverty_line"],
        "INC-003": ((c("declared_net_income") - c("net_income")).abs() > tolerance)
        | ((c("declared_net_income_per_capita") - c("declared_per_capita_expected")).abs() > tolerance),
        "AST-001": helped & (c("helper_name").str.strip_chars().fill_null("") == ""),
        "AST-002": helped & (c("measures").str.strip_chars().fill_null("") == ""),
        "EMP-001": helped
        & (c("labour_capable_count") > 0)
        & (c("working_count") == 0)
        & (c("business_income").fill_null(0) == 0),
        "CON-001": c("household_size") != c("members_normal"),
        "CON-002": c("head_count") != 1,
        "MON-001": c("disaster_damage").is_in(["严重损坏", "倒塌"]),
        "MON-002": (c("previous_net_income_per_capita") > 0)
        & (c("net_income_per_capita") < c("previous_net_income_per_capita") * (1 - p["sharp_drop_share"])),
    }


def hand_polars(wide: WideTables, p: dict[str, float]) -> int:
    frames = []
    for table, rules, person in (
        (wide.person_wide, polars_person(p), True),
        (wide.household_wide, polars_household(p), False),
    ):
        key = pl.col("id_number") if person else pl.lit(None, dtype=pl.String).alias("id_number")
        lazy = table.lazy()
        frames += [
            lazy.filter(condition).select(pl.lit(code).alias("rule_code"), "household_id", key)
            for code, condition in rules.items()
        ]
    return sum(frame.height for frame in pl.collect_all(frames))


SQL_PERSON = {
    "EDU-001": "age BETWEEN {compulsory_age_min} AND {compulsory_age_max} "
    "AND (schooling IN ('失学辍学','非在校生') OR (schooling = '学前教育' AND age >= 7))",
    "EDU-002": "age BETWEEN {compulsory_age_min} AND {compulsory_age_max} AND schooling IN {in_school} "
    "AND enrolment_status = '辍学'",
    "EDU-003": "age BETWEEN {compulsory_age_min} AND {compulsory_age_max} "
    "AND schooling IN ('小学','七年级','八年级','九年级') AND enrolment_status = '无记录'",
    "EDU-004": "age BETWEEN {compulsory_age_min} AND {compulsory_age_max} "
    "AND ((schooling = '小学' AND age >= 14) "
    "OR (schooling IN ('七年级','八年级','九年级') AND age <= 10) "
    "OR (schooling IN ('高中','中职','高职','大专及以上') AND age <= 13))",
    "MED-001": "medical_insured = '未参加'",
    "MED-002": "medical_insured IN ('城乡居民基本医疗保险','职工基本医疗保险') "
    "AND insurance_status IN ('未参保','停保','无记录')",
    "MED-003": "health IN ('长期慢性病','患有大病','残疾') AND family_doctor = '否'",
    "AST-003": "household_type IN ('脱贫户','监测户') AND age >= {labour_age_min} AND age < {labour_age_max} "
    "AND labour = '丧失劳动力' AND COALESCE(dibao,'否') <> '是' AND COALESCE(tekun,'否') <> '是' "
    "AND NOT COALESCE(has_safety_net_measure, FALSE)",
    "AST-004": "(dibao = '是' AND active_dibao = FALSE) OR (tekun = '是' AND active_tekun = FALSE) "
    "OR (dibao = '否' AND active_dibao) OR (tekun = '否' AND active_tekun)",
    "EMP-002": "(employment_paid AND work_status = '未务工') OR (employment_unemployed AND work_status IN "
    "('县内务工','省内县外务工','省外务工','乡村公益性岗位'))",
    "SOC-001": "age >= {labour_age_min} AND COALESCE(schooling,'非在校生') = '非在校生' "
    "AND pension_insured = '未参加'",
    "SOC-002": "certificate_grade IS NOT NULL AND (COALESCE(health,'') <> '残疾' "
    "OR COALESCE(disability_grade,'') <> certificate_grade)",
    "CON-003": "(relation IN ('之子','之女') AND birth_date < head_birth_date) "
    "OR (relation IN ('之父','之母') AND birth_date > head_birth_date)",
    "IDN-001": "household_count > 1",
    "IDN-002": "registration_status IN ('死亡','注销') AND member_status = '正常'",
    "IDN-003": "registration_status = '迁出' AND member_status = '正常'",
    "PRO-001": "household_type IN ('脱贫户','监测户') AND vehicle_count > 0",
    "PRO-002": "household_type IN ('脱贫户','监测户') AND business_count > 0",
    "PRO-003": "household_type IN ('脱贫户','监测户') AND real_estate_count > 0",
}
SQL_HOUSEHOLD = {
    "FC-001": "food_enough = '否'",
    "FC-002": "food_protein = '否'",
    "FC-003": "seasonal_clothes = '否'",
    "FC-004": "winter_bedding = '否'",
    "MED-004": "claims_selfpay > 0 AND (claims_selfpay > {selfpay_share_of_income} * net_income "
    "OR claims_selfpay > {selfpay_alert_yuan})",
    "HOU-001": "house_grade IN ('C','D') AND COALESCE(house_renovated,'否') <> '是' "
    "AND NOT (COALESCE(relocated,'否') = '是' AND COALESCE(relocated_moved_in,'否') = '是')",
    "HOU-002": "appraisal_grade IN ('C','D') AND COALESCE(renovation_status,'未改造') <> '已竣工' "
    "AND (house_grade IN ('A','B') OR house_renovated = '是')",
    "HOU-003": "relocated = '是' AND relocated_moved_in = '否'",
    "WAT-001": "water_quantity_ok = '否'",
    "WAT-002": "water_quality_ok = '否'",
    "WAT-003": "COALESCE(water_supply,'') <> '集中供水入户' AND water_trip_minutes > {max_trip_minutes}",
    "WAT-004": "water_short_days > {max_short_days}",
    "WAT-005": "(village_short_days > {max_short_days} OR village_quality_result = '不合格') "
    "AND water_quantity_ok = '是' AND water_quality_ok = '是'",
    "INC-001": "net_income_per_capita < {monitoring_threshold}",
    "INC-002": "net_income_per_capita < {poverty_line}",
    "INC-003": "ABS(declared_net_income - net_income) > {declared_tolerance_yuan} "
    "OR ABS(declared_net_income_per_capita - declared_per_capita_expected) > {declared_tolerance_yuan}",
    "AST-001": "household_type IN ('脱贫户','监测户') AND COALESCE(TRIM(helper_name),'') = ''",
    "AST-002": "household_type IN ('脱贫户','监测户') AND COALESCE(TRIM(measures),'') = ''",
    "EMP-001": "household_type IN ('脱贫户','监测户') AND labour_capable_count > 0 AND working_count = 0 "
    "AND COALESCE(business_income,0) = 0",
    "CON-001": "household_size <> members_normal",
    "CON-002": "head_count <> 1",
    "MON-001": "disaster_damage IN ('严重损坏','倒塌')",
    "MON-002": "previous_net_income_per_capita > 0 "
    "AND net_income_per_capita < previous_net_income_per_capita * (1 - {sharp_drop_share})",
}


def hand_duckdb(wide: WideTables, p: dict[str, float]) -> int:
    import duckdb

    connection = duckdb.connect()
    values = {**p, "in_school": str(IN_SCHOOL)}
    parts = []
    for table, rules, key in (
        ("person_wide", SQL_PERSON, "id_number"),
        ("household_wide", SQL_HOUSEHOLD, "NULL"),
    ):
        connection.register(table, getattr(wide, table).to_arrow())
        parts += [
            f"SELECT '{code}' AS rule_code, household_id, {key} AS id_number FROM {table} "
            f"WHERE {condition.format(**values)}"
            for code, condition in rules.items()
        ]
    rows = connection.sql(" UNION ALL ".join(parts)).to_arrow_table().num_rows
    connection.close()
    return int(rows)


def hand_pandas(wide: WideTables, p: dict[str, float]) -> int:
    import pandas as pd

    total = 0
    for table, rules in ((wide.person_wide, SQL_PERSON), (wide.household_wide, SQL_HOUSEHOLD)):
        frame = table.to_pandas()
        for code in rules:
            mask = _pandas_mask(frame, code, p)
            total += int(mask.fillna(False).astype(bool).sum())
        del frame
    del pd
    return total


def _pandas_mask(f: Any, code: str, p: dict[str, float]) -> Any:
    masks: dict[str, Callable[[], Any]] = {
        "EDU-001": lambda: (
            f.age.between(p["compulsory_age_min"], p["compulsory_age_max"])
            & (f.schooling.isin(["失学辍学", "非在校生"]) | ((f.schooling == "学前教育") & (f.age >= 7)))
        ),
        "EDU-002": lambda: (
            f.age.between(p["compulsory_age_min"], p["compulsory_age_max"])
            & f.schooling.isin(IN_SCHOOL)
            & (f.enrolment_status == "辍学")
        ),
        "EDU-003": lambda: (
            f.age.between(p["compulsory_age_min"], p["compulsory_age_max"])
            & f.schooling.isin(IN_SCHOOL[:4])
            & (f.enrolment_status == "无记录")
        ),
        "EDU-004": lambda: (
            f.age.between(p["compulsory_age_min"], p["compulsory_age_max"])
            & (
                ((f.schooling == "小学") & (f.age >= 14))
                | (f.schooling.isin(IN_SCHOOL[1:4]) & (f.age <= 10))
                | (f.schooling.isin(IN_SCHOOL[4:]) & (f.age <= 13))
            )
        ),
        "MED-001": lambda: f.medical_insured == "未参加",
        "MED-002": lambda: (
            f.medical_insured.isin(["城乡居民基本医疗保险", "职工基本医疗保险"])
            & f.insurance_status.isin(["未参保", "停保", "无记录"])
        ),
        "MED-003": lambda: f.health.isin(["长期慢性病", "患有大病", "残疾"]) & (f.family_doctor == "否"),
        "AST-003": lambda: (
            f.household_type.isin(HELPED)
            & (f.age >= p["labour_age_min"])
            & (f.age < p["labour_age_max"])
            & (f.labour == "丧失劳动力")
            & (f.dibao.fillna("否") != "是")
            & (f.tekun.fillna("否") != "是")
            & ~f.has_safety_net_measure.fillna(False).astype(bool)
        ),
        "AST-004": lambda: (
            ((f.dibao == "是") & f.active_dibao.eq(False))
            | ((f.tekun == "是") & f.active_tekun.eq(False))
            | ((f.dibao == "否") & f.active_dibao.eq(True))
            | ((f.tekun == "否") & f.active_tekun.eq(True))
        ),
        "EMP-002": lambda: (
            (f.employment_paid.eq(True) & (f.work_status == "未务工"))
            | (f.employment_unemployed.eq(True) & f.work_status.isin(WORKING))
        ),
        "SOC-001": lambda: (
            (f.age >= p["labour_age_min"])
            & (f.schooling.fillna("非在校生") == "非在校生")
            & (f.pension_insured == "未参加")
        ),
        "SOC-002": lambda: (
            f.certificate_grade.notna()
            & ((f.health.fillna("") != "残疾") | (f.disability_grade.fillna("") != f.certificate_grade))
        ),
        "CON-003": lambda: (
            (f.relation.isin(["之子", "之女"]) & (f.birth_date < f.head_birth_date))
            | (f.relation.isin(["之父", "之母"]) & (f.birth_date > f.head_birth_date))
        ),
        "IDN-001": lambda: f.household_count > 1,
        "IDN-002": lambda: f.registration_status.isin(["死亡", "注销"]) & (f.member_status == "正常"),
        "IDN-003": lambda: (f.registration_status == "迁出") & (f.member_status == "正常"),
        "PRO-001": lambda: f.household_type.isin(HELPED) & (f.vehicle_count > 0),
        "PRO-002": lambda: f.household_type.isin(HELPED) & (f.business_count > 0),
        "PRO-003": lambda: f.household_type.isin(HELPED) & (f.real_estate_count > 0),
        "FC-001": lambda: f.food_enough == "否",
        "FC-002": lambda: f.food_protein == "否",
        "FC-003": lambda: f.seasonal_clothes == "否",
        "FC-004": lambda: f.winter_bedding == "否",
        "MED-004": lambda: (
            (f.claims_selfpay > 0)
            & (
                (f.claims_selfpay > p["selfpay_share_of_income"] * f.net_income)
                | (f.claims_selfpay > p["selfpay_alert_yuan"])
            )
        ),
        "HOU-001": lambda: (
            f.house_grade.isin(["C", "D"])
            & (f.house_renovated.fillna("否") != "是")
            & ~((f.relocated.fillna("否") == "是") & (f.relocated_moved_in.fillna("否") == "是"))
        ),
        "HOU-002": lambda: (
            f.appraisal_grade.isin(["C", "D"])
            & (f.renovation_status.fillna("未改造") != "已竣工")
            & (f.house_grade.isin(["A", "B"]) | (f.house_renovated == "是"))
        ),
        "HOU-003": lambda: (f.relocated == "是") & (f.relocated_moved_in == "否"),
        "WAT-001": lambda: f.water_quantity_ok == "否",
        "WAT-002": lambda: f.water_quality_ok == "否",
        "WAT-003": lambda: (
            (f.water_supply.fillna("") != "集中供水入户") & (f.water_trip_minutes > p["max_trip_minutes"])
        ),
        "WAT-004": lambda: f.water_short_days > p["max_short_days"],
        "WAT-005": lambda: (
            ((f.village_short_days > p["max_short_days"]) | (f.village_quality_result == "不合格"))
            & (f.water_quantity_ok == "是")
            & (f.water_quality_ok == "是")
        ),
        "INC-001": lambda: f.net_income_per_capita < p["monitoring_threshold"],
        "INC-002": lambda: f.net_income_per_capita < p["poverty_line"],
        "INC-003": lambda: (
            ((f.declared_net_income - f.net_income).abs() > p["declared_tolerance_yuan"])
            | (
                (f.declared_net_income_per_capita - f.declared_per_capita_expected).abs()
                > p["declared_tolerance_yuan"]
            )
        ),
        "AST-001": lambda: f.household_type.isin(HELPED) & (f.helper_name.fillna("").str.strip() == ""),
        "AST-002": lambda: f.household_type.isin(HELPED) & (f.measures.fillna("").str.strip() == ""),
        "EMP-001": lambda: (
            f.household_type.isin(HELPED)
            & (f.labour_capable_count > 0)
            & (f.working_count == 0)
            & (f.business_income.fillna(0) == 0)
        ),
        "CON-001": lambda: f.household_size != f.members_normal,
        "CON-002": lambda: f.head_count != 1,
        "MON-001": lambda: f.disaster_damage.isin(["严重损坏", "倒塌"]),
        "MON-002": lambda: (
            (f.previous_net_income_per_capita > 0)
            & (f.net_income_per_capita < f.previous_net_income_per_capita * (1 - p["sharp_drop_share"]))
        ),
    }
    return masks[code]()


def _time(work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def run(snapshot: Snapshot) -> dict[str, Any]:
    """Time the catalogue and the hand-written versions over one snapshot."""
    catalogue = load_catalogue(policy_year_for(snapshot))
    p = _p(catalogue.policy)
    wide_seconds, wide = _time(lambda: build_wide_tables(snapshot, catalogue.policy))
    catalogue_seconds, findings = _time(lambda: DuckDBAdapter().run(wide.as_dict(), catalogue))
    polars_seconds, polars_rows = _time(lambda: hand_polars(wide, p))
    duckdb_seconds, duckdb_rows = _time(lambda: hand_duckdb(wide, p))
    pandas_seconds, pandas_rows = _time(lambda: hand_pandas(wide, p))
    fastest_hand = min(polars_seconds, duckdb_seconds)
    return {
        "households": wide.household_wide.height,
        "persons": wide.person_wide.height,
        "rules": len(catalogue),
        "findings": {
            "catalogue": findings.height,
            "polars": polars_rows,
            "duckdb": duckdb_rows,
            "pandas": pandas_rows,
        },
        "seconds": {
            "wide_tables": round(wide_seconds, 3),
            "catalogue": round(catalogue_seconds, 3),
            "hand_polars": round(polars_seconds, 3),
            "hand_duckdb": round(duckdb_seconds, 3),
            "hand_pandas": round(pandas_seconds, 3),
            "screen_total": round(wide_seconds + catalogue_seconds, 3),
        },
        "ratio_catalogue_to_fastest_hand": round(catalogue_seconds / fastest_hand, 2),
        "pandas_over_catalogue": round(pandas_seconds / catalogue_seconds, 2),
    }


def main() -> None:
    store = SnapshotStore()
    snapshot = store.get(sys.argv[1]) if len(sys.argv) > 1 else store.latest()
    result = run(snapshot)
    for key, value in result.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()

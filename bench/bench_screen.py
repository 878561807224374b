"""Speed of the sieve: the rule catalogue against the same checks written by hand.

    python -m bench.bench_screen [SNAPSHOT_ID] [--json FILE]   (FANGFAN_HOME selects the store)

`run(snapshot)` builds the wide tables once (timed on its own), then times four
ways of producing the same findings — (rule_code, household_id, id_number,
village_code, message, evidence JSON) rows:

- the catalogue, compiled once through the default (Polars) adapter, and again
  through the DuckDB adapter;
- the same conditions written by hand in Polars, in DuckDB SQL and in pandas,
  each building the messages and evidence in its own idiom.

Only what is data in a rule is shared: its message template and evidence columns
(`message_pieces`, `evidence_entries`). Conditions are written out by hand, so a
catalogue change that alters findings makes `compare` fail here and in
tests/engine/test_bench_screen.py. Everything that is compiling (parsing the
catalogue, building expressions and SQL text) happens before the clock starts;
each version is run once to warm up, then the best of three is kept.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

import polars as pl

from fangfan.engine.policy import Policy
from fangfan.engine.rules import load_catalogue
from fangfan.engine.rules.adapters import FINDING_COLUMNS, DuckDBAdapter, PolarsAdapter
from fangfan.engine.rules.adapters.base import evidence_entries, message_pieces
from fangfan.engine.rules.adapters.duckdb_adapter import TwoPassQueries
from fangfan.engine.rules.adapters.polars_adapter import TablePlan, round_like_duckdb
from fangfan.engine.rules.columns import WideColumn
from fangfan.engine.rules.model import Catalogue
from fangfan.engine.screen import policy_year_for
from fangfan.engine.snapshot import Snapshot, SnapshotStore
from fangfan.engine.wide import WideTables, build_wide_tables

HELPED = ("脱贫户", "监测户")
IN_SCHOOL = ("小学", "七年级", "八年级", "九年级", "高中", "中职", "高职", "大专及以上")
WORKING = ("县内务工", "省内县外务工", "省外务工", "乡村公益性岗位")
NULL_TEXT = "空"
TABLES = ("person_wide", "household_wide")


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
        "employment.wage_gap_yuan",
        "employment.wage_gap_share",
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
        "MED-001": (c("medical_insured") == "未参加") & (c("insurance_status").fill_null("无记录") != "参保"),
        "MED-005": (c("medical_insured") == "未参加") & (c("insurance_status") == "参保"),
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
        "IDN-004": c("id_problem").is_not_null(),
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
        "HOU-004": c("disaster_damage").is_in(["严重损坏", "倒塌"])
        & (c("house_grade").is_in(["A", "B"]) | (c("house_renovated") == "是")),
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
        "EMP-003": (c("employment_annual_wage") > c("wage_income") + p["wage_gap_yuan"])
        & (c("employment_annual_wage") > c("wage_income") * (1 + p["wage_gap_share"])),
        "CON-001": c("household_size") != c("members_normal"),
        "CON-002": c("head_count") != 1,
        "MON-001": c("disaster_damage").is_in(["严重损坏", "倒塌"]),
        "MON-002": (c("previous_net_income_per_capita") > 0)
        & (c("net_income_per_capita") < c("previous_net_income_per_capita") * (1 - p["sharp_drop_share"])),
    }


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
    "MED-001": "medical_insured = '未参加' AND COALESCE(insurance_status, '无记录') <> '参保'",
    "MED-005": "medical_insured = '未参加' AND insurance_status = '参保'",
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
    "IDN-004": "id_problem IS NOT NULL",
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
    "HOU-004": "disaster_damage IN ('严重损坏','倒塌') "
    "AND (house_grade IN ('A','B') OR house_renovated = '是')",
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
    "EMP-003": "employment_annual_wage > wage_income + {wage_gap_yuan} "
    "AND employment_annual_wage > wage_income * (1 + {wage_gap_share})",
    "CON-001": "household_size <> members_normal",
    "CON-002": "head_count <> 1",
    "MON-001": "disaster_damage IN ('严重损坏','倒塌')",
    "MON-002": "previous_net_income_per_capita > 0 "
    "AND net_income_per_capita < previous_net_income_per_capita * (1 - {sharp_drop_share})",
}


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
        "MED-001": lambda: (f.medical_insured == "未参加") & (f.insurance_status.fillna("无记录") != "参保"),
        "MED-005": lambda: (f.medical_insured == "未参加") & (f.insurance_status == "参保"),
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
        "IDN-004": lambda: f.id_problem.notna(),
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
        "HOU-004": lambda: (
            f.disaster_damage.isin(["严重损坏", "倒塌"])
            & (f.house_grade.isin(["A", "B"]) | (f.house_renovated == "是"))
        ),
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
        "EMP-003": lambda: (
            (f.employment_annual_wage > f.wage_income + p["wage_gap_yuan"])
            & (f.employment_annual_wage > f.wage_income * (1 + p["wage_gap_share"]))
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


# --- what every version shares: the rules' text, prepared before any clock starts ------

Piece: TypeAlias = str | WideColumn
Entry: TypeAlias = tuple[str, WideColumn | str, str]


@dataclass(frozen=True)
class RuleText:
    code: str
    table: str
    person: bool
    message: tuple[Piece, ...]
    evidence: tuple[Entry, ...]


@dataclass(frozen=True)
class Prepared:
    """Everything compiled ahead of the timed runs, for all four versions."""

    catalogue: Catalogue
    texts: dict[str, RuleText]
    compiled: dict[str, TwoPassQueries]
    plans: dict[str, TablePlan]
    polars_plan: list[tuple[str, pl.Expr, list[pl.Expr]]]
    duckdb_sql: str
    values: dict[str, float]


def prepare(catalogue: Catalogue) -> Prepared:
    policy = catalogue.policy
    texts = {
        rule.code: RuleText(
            rule.code,
            rule.table,
            rule.level == "person",
            message_pieces(rule, policy),
            evidence_entries(rule, policy),
        )
        for rule in catalogue
    }
    values = _p(policy)
    return Prepared(
        catalogue=catalogue,
        texts=texts,
        compiled=DuckDBAdapter().compile(catalogue),
        plans=PolarsAdapter().compile(catalogue),
        polars_plan=_polars_plan(texts, values),
        duckdb_sql=_duckdb_sql(texts, values),
        values=values,
    )


# --- Polars ---------------------------------------------------------------------------


def _polars_text(column: WideColumn) -> pl.Expr:
    value = pl.col(column.name)
    if column.dtype == "number":
        # Money as people read it: thousands separators, no ".00" (4652.0 → "4,652").
        return value.map_batches(_grouped_polars, return_dtype=pl.String).fill_null(NULL_TEXT)
    if column.dtype == "boolean":
        value = pl.when(value).then(pl.lit("是")).otherwise(pl.lit("否"))
    return value.cast(pl.String).fill_null(NULL_TEXT)


def _grouped(value: float) -> str:
    return f"{value:,.2f}".removesuffix(".00")


def _grouped_polars(series: pl.Series) -> pl.Series:
    rounded = pl.Series(round_like_duckdb(series.cast(pl.Float64).to_numpy())).fill_nan(None)
    return pl.Series([None if v is None else _grouped(v) for v in rounded.to_list()], dtype=pl.String)


def _polars_outputs(text: RuleText) -> list[pl.Expr]:
    message = pl.concat_str(
        [pl.lit(piece) if isinstance(piece, str) else _polars_text(piece) for piece in text.message]
    )
    evidence = pl.struct(
        pl.struct(
            (pl.lit(value) if isinstance(value, str) else pl.col(value.name)).alias("value"),
            pl.lit(source).alias("source"),
        ).alias(label)
        for label, value, source in text.evidence
    ).struct.json_encode()
    id_number = pl.col("id_number") if text.person else pl.lit(None, dtype=pl.String)
    return [
        pl.col("household_id"),
        id_number.alias("id_number"),
        pl.col("village_code"),
        pl.lit(text.code).alias("rule_code"),
        message.alias("message"),
        evidence.alias("evidence"),
    ]


def _polars_plan(
    texts: dict[str, RuleText], values: dict[str, float]
) -> list[tuple[str, pl.Expr, list[pl.Expr]]]:
    conditions = {**polars_person(values), **polars_household(values)}
    return [
        (texts[code].table, condition, _polars_outputs(texts[code])) for code, condition in conditions.items()
    ]


def hand_polars(wide: WideTables, prepared: Prepared) -> pl.DataFrame:
    tables = {name: frame.lazy() for name, frame in wide.as_dict().items()}
    frames = [
        tables[table].filter(condition).select(outputs) for table, condition, outputs in prepared.polars_plan
    ]
    return pl.concat(pl.collect_all(frames))


# --- DuckDB SQL -----------------------------------------------------------------------


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sql_text(column: WideColumn) -> str:
    value = column.name
    if column.dtype == "number":
        grouped = f"regexp_replace(format('{{:,.2f}}', ROUND({value}, 2)), '\\.00$', '')"
        return f"COALESCE({grouped}, '{NULL_TEXT}')"
    if column.dtype == "boolean":
        value = f"CASE WHEN {value} THEN '是' ELSE '否' END"
    return f"COALESCE(CAST({value} AS VARCHAR), '{NULL_TEXT}')"


def _sql_select(text: RuleText, condition: str) -> str:
    message = ", ".join(_quote(p) if isinstance(p, str) else _sql_text(p) for p in text.message)
    evidence = ", ".join(
        f"{_quote(label)}, json_object('value', {_quote(value) if isinstance(value, str) else value.name}, "
        f"'source', {_quote(source)})"
        for label, value, source in text.evidence
    )
    id_number = "id_number" if text.person else "CAST(NULL AS VARCHAR)"
    return (
        f"SELECT household_id, {id_number} AS id_number, village_code, '{text.code}' AS rule_code, "
        f"concat({message}) AS message, CAST(json_object({evidence}) AS VARCHAR) AS evidence "
        f"FROM {text.table} WHERE {condition}"
    )


def _duckdb_sql(texts: dict[str, RuleText], values: dict[str, float]) -> str:
    formatting = {**values, "in_school": str(IN_SCHOOL)}
    conditions = {**SQL_PERSON, **SQL_HOUSEHOLD}
    return " UNION ALL ".join(
        _sql_select(texts[code], condition.format(**formatting)) for code, condition in conditions.items()
    )


def hand_duckdb(wide: WideTables, prepared: Prepared) -> pl.DataFrame:
    import duckdb

    connection = duckdb.connect()
    for name, frame in wide.as_dict().items():
        connection.register(name, frame.to_arrow(compat_level=pl.CompatLevel.newest()))
    result = connection.sql(prepared.duckdb_sql).pl()
    connection.close()
    assert isinstance(result, pl.DataFrame)
    return result


# --- pandas ---------------------------------------------------------------------------


def hand_pandas(wide: WideTables, prepared: Prepared) -> pl.DataFrame:
    import pandas as pd

    parts = []
    for name, frame in wide.as_dict().items():
        table = frame.to_pandas()
        for text in prepared.texts.values():
            if text.table != name:
                continue
            mask = _pandas_mask(table, text.code, prepared.values).fillna(False).astype(bool)
            parts.append(_pandas_findings(table[mask.to_numpy()], text))
    return pl.from_pandas(pd.concat(parts, ignore_index=True))


def _pandas_findings(rows: Any, text: RuleText) -> Any:
    import pandas as pd

    message = pd.Series("", index=rows.index, dtype=object)
    for piece in text.message:
        message = message + (piece if isinstance(piece, str) else _pandas_text(rows[piece.name], piece))
    columns = {label: _pandas_json_values(rows, value) for label, value, _ in text.evidence}
    sources = {label: source for label, _, source in text.evidence}
    evidence = [
        json.dumps(
            {label: {"value": columns[label][i], "source": sources[label]} for label in columns},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        for i in range(len(rows))
    ]
    return pd.DataFrame(
        {
            "household_id": rows["household_id"].to_numpy(),
            "id_number": rows["id_number"].to_numpy() if text.person else None,
            "village_code": rows["village_code"].to_numpy(),
            "rule_code": text.code,
            "message": message.to_numpy(),
            "evidence": evidence,
        }
    )


def _pandas_text(values: Any, column: WideColumn) -> Any:
    import pandas as pd

    present = values.notna()
    if column.dtype == "boolean":
        return values.eq(True).map({True: "是", False: "否"})
    if column.dtype == "number":
        rounded = pd.Series(round_like_duckdb(values.to_numpy(dtype=float)), index=values.index)
        text = rounded.map(lambda v: "" if pd.isna(v) else _grouped(v))
    elif column.dtype == "integer":
        text = values.astype("Int64").astype(str)
    elif column.dtype == "date":
        text = values.dt.strftime("%Y-%m-%d")
    else:
        text = values.astype(str)
    return text.where(present, NULL_TEXT)


def _pandas_json_values(rows: Any, value: WideColumn | str) -> list[Any]:
    if isinstance(value, str):
        return [value] * len(rows)
    series = rows[value.name]
    present = series.notna().to_list()
    if value.dtype == "date":
        items = series.dt.strftime("%Y-%m-%d").to_list()
    elif value.dtype == "integer":
        items = series.astype("Int64").astype(object).to_list()
    else:
        items = series.astype(object).to_list()
    return [item if keep else None for item, keep in zip(items, present, strict=True)]


# --- the comparison -------------------------------------------------------------------


def catalogue_findings(wide: WideTables, prepared: Prepared) -> pl.DataFrame:
    """The catalogue through the default adapter (Polars), as `fangfan screen` runs it."""
    return PolarsAdapter().execute(prepared.plans, wide.as_dict())


def catalogue_duckdb_findings(wide: WideTables, prepared: Prepared) -> pl.DataFrame:
    findings: pl.DataFrame = DuckDBAdapter().execute(prepared.compiled, wide.as_dict())
    return findings


VERSIONS: dict[str, Callable[[WideTables, Prepared], pl.DataFrame]] = {
    "catalogue": catalogue_findings,
    "catalogue_duckdb": catalogue_duckdb_findings,
    "hand_polars": hand_polars,
    "hand_duckdb": hand_duckdb,
    "hand_pandas": hand_pandas,
}


def canonical(findings: pl.DataFrame) -> pl.DataFrame:
    """The findings as comparable text, in one order."""
    frame = findings.select(pl.col(c).cast(pl.String) for c in FINDING_COLUMNS)
    return frame.sort(["rule_code", "household_id", "id_number", "message", "evidence"], nulls_last=True)


def compare(outputs: dict[str, pl.DataFrame]) -> None:
    """Raise AssertionError naming the first difference unless all outputs are equal."""
    reference = canonical(outputs["catalogue"])
    for name, findings in outputs.items():
        other = canonical(findings)
        if other.equals(reference):
            continue
        only_reference = reference.join(other, on=list(FINDING_COLUMNS), how="anti", nulls_equal=True)
        only_other = other.join(reference, on=list(FINDING_COLUMNS), how="anti", nulls_equal=True)
        raise AssertionError(
            f"{name} differs from the catalogue ({other.height} rows against {reference.height}); "
            f"only in the catalogue: {only_reference.head(3).to_dicts()}; "
            f"only in {name}: {only_other.head(3).to_dicts()}"
        )


def best_of(work: Callable[[], Any], repeats: int = 3) -> tuple[float, Any]:
    """Run once to warm up, then the best wall time of `repeats` runs, and the last result."""
    result = work()
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = work()
        seconds.append(time.perf_counter() - started)
    return min(seconds), result


def _bound(
    version: Callable[[WideTables, Prepared], pl.DataFrame], wide: WideTables, prepared: Prepared
) -> Callable[[], pl.DataFrame]:
    return lambda: version(wide, prepared)


def run(snapshot: Snapshot, repeats: int = 3) -> dict[str, Any]:
    """Time the wide tables, then the catalogue and the hand-written versions (equal outputs)."""
    catalogue = load_catalogue(policy_year_for(snapshot))
    started = time.perf_counter()
    wide = build_wide_tables(snapshot, catalogue.policy)
    wide_seconds = time.perf_counter() - started
    prepared = prepare(catalogue)
    outputs = {name: version(wide, prepared) for name, version in VERSIONS.items()}
    compare(outputs)
    seconds = {
        name: best_of(_bound(version, wide, prepared), repeats)[0] for name, version in VERSIONS.items()
    }
    fastest_hand = min(seconds["hand_polars"], seconds["hand_duckdb"])
    return {
        "households": wide.household_wide.height,
        "persons": wide.person_wide.height,
        "rules": len(catalogue),
        "findings": outputs["catalogue"].height,
        "outputs_equal": True,
        "seconds": {"wide_tables": round(wide_seconds, 3), **{k: round(v, 3) for k, v in seconds.items()}},
        "catalogue_over_fastest_hand": round(seconds["catalogue"] / fastest_hand, 2),
        "catalogue_over_hand_polars": round(seconds["catalogue"] / seconds["hand_polars"], 2),
        "catalogue_over_hand_duckdb": round(seconds["catalogue"] / seconds["hand_duckdb"], 2),
        "pandas_over_catalogue": round(seconds["hand_pandas"] / seconds["catalogue"], 2),
        "catalogue_duckdb_over_fastest_hand": round(seconds["catalogue_duckdb"] / fastest_hand, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_screen")
    parser.add_argument("snapshot_id", nargs="?")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    arguments = parser.parse_args()
    store = SnapshotStore()
    snapshot = store.get(arguments.snapshot_id) if arguments.snapshot_id else store.latest()
    result = run(snapshot)
    for key, value in result.items():
        print(f"{key}: {value}", flush=True)
    if arguments.json:
        arguments.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), "utf-8")


if __name__ == "__main__":
    main()

"""The Polars adapter finds exactly what the DuckDB adapter finds, with SQL's NULLs.

Every catalogue rule is run through both adapters on the named cast of
test_screen.py and on a generated city of 3,000 households; the findings must be
the same rows with the same message and evidence text. Single expressions are
checked against DuckDB itself on rows full of NULLs, and a condition the Polars
adapter cannot translate faithfully is refused at compile time, naming the rule.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
from pathlib import Path
from types import ModuleType

import polars as pl
import pytest
import sqlglot

from fangfan.engine.ingest import import_directory
from fangfan.engine.rules import RuleError, build_catalogue, load_catalogue, parse_rules
from fangfan.engine.rules.adapters import FINDING_COLUMNS, DuckDBAdapter, PolarsAdapter
from fangfan.engine.rules.adapters.polars_adapter import round_series, translate_condition
from fangfan.engine.screen import policy_year_for
from fangfan.engine.snapshot import Snapshot, SnapshotStore
from fangfan.engine.synth import generate_dataset
from fangfan.engine.wide import build_wide_tables

AS_OF = dt.date(2026, 10, 31)


def _test_screen() -> ModuleType:
    path = Path(__file__).with_name("test_screen.py")
    spec = importlib.util.spec_from_file_location("fangfan_cast_of_test_screen", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def named_cast(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    snapshot: Snapshot = _test_screen().write_cast(tmp_path_factory.mktemp("cast") / "snapshots")
    return snapshot


@pytest.fixture(scope="module")
def generated_city(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    root = tmp_path_factory.mktemp("polars_city")
    generate_dataset(root / "csv", 3000, 2020, as_of=AS_OF)
    store = SnapshotStore(root / "home" / "snapshots")
    return import_directory(root / "csv", store=store, as_of=AS_OF).snapshot


def both_adapters(snapshot: Snapshot) -> tuple[pl.DataFrame, pl.DataFrame]:
    catalogue = load_catalogue(policy_year_for(snapshot))
    tables = build_wide_tables(snapshot, catalogue.policy).as_dict()
    return PolarsAdapter().run(tables, catalogue), DuckDBAdapter().run(tables, catalogue)


def in_one_order(findings: pl.DataFrame) -> pl.DataFrame:
    return findings.select(FINDING_COLUMNS).sort(
        ["rule_code", "household_id", "id_number", "message", "evidence"], nulls_last=True
    )


def assert_same_findings_for_every_rule(snapshot: Snapshot) -> None:
    polars_findings, duckdb_findings = both_adapters(snapshot)
    assert polars_findings.schema == duckdb_findings.schema
    for rule in load_catalogue(policy_year_for(snapshot)):
        mine = in_one_order(polars_findings.filter(pl.col("rule_code") == rule.code))
        theirs = in_one_order(duckdb_findings.filter(pl.col("rule_code") == rule.code))
        only_polars = mine.join(theirs, on=list(FINDING_COLUMNS), how="anti", nulls_equal=True)
        only_duckdb = theirs.join(mine, on=list(FINDING_COLUMNS), how="anti", nulls_equal=True)
        assert mine.equals(theirs), (
            f"{rule.code}: Polars {mine.height} rows, DuckDB {theirs.height}; "
            f"only Polars {only_polars.head(2)}; only DuckDB {only_duckdb.head(2)}"
        )


def test_every_rule_finds_the_same_in_polars_and_duckdb_on_the_named_cast(named_cast: Snapshot) -> None:
    polars_findings, _ = both_adapters(named_cast)
    assert {"EDU-001", "HOU-001", "INC-003"} <= set(polars_findings["rule_code"])
    assert_same_findings_for_every_rule(named_cast)


def test_every_rule_finds_the_same_in_polars_and_duckdb_on_a_generated_city(generated_city: Snapshot) -> None:
    polars_findings, _ = both_adapters(generated_city)
    assert polars_findings.height > 100
    assert_same_findings_for_every_rule(generated_city)


# --- single expressions against DuckDB, on rows with NULLs -----------------------------

ROWS = pl.DataFrame(
    {
        "age": [None, 5, 10, 15, 70, 10],
        "schooling": [None, "小学", " 七年级 ", "", "非在校生", "高中"],
        "health": ["残疾", None, "健康", "残疾", None, "健康"],
        "has_safety_net_measure": [None, True, False, None, True, False],
        "employment_monthly_income": [None, 1234.125, 7695.915, -0.125, 2.675, 0.0],
        "birth_date": [None, dt.date(2010, 1, 1), dt.date(2016, 5, 5), None, dt.date(1956, 2, 2), None],
        "head_birth_date": [dt.date(1980, 1, 1), None, dt.date(1990, 1, 1), None, dt.date(1950, 1, 1), None],
    },
    schema_overrides={"age": pl.Int64},
)
EXPRESSIONS = [
    "age > 7",
    "NOT age > 7",
    "NOT (age > 7 AND schooling = '小学')",
    "age > 7 OR schooling = '小学'",
    "age > 7 AND schooling = '小学'",
    "NOT has_safety_net_measure",
    "NOT COALESCE(has_safety_net_measure, FALSE)",
    "schooling IN ('小学', '高中')",
    "NOT schooling IN ('小学', '高中')",
    "schooling NOT IN ('小学', '高中')",
    "schooling IN ('小学', NULL)",
    "age IN (5, 70)",
    "age BETWEEN 6 AND 15",
    "age NOT BETWEEN 6 AND 15",
    "schooling IS NULL",
    "schooling IS NOT NULL",
    "has_safety_net_measure IS TRUE",
    "has_safety_net_measure IS NOT FALSE",
    "age IS DISTINCT FROM 10",
    "CASE WHEN age < 6 THEN '学前' WHEN age <= 15 THEN '义务' END = '义务'",
    "CASE schooling WHEN '小学' THEN 1 WHEN '高中' THEN 3 ELSE 0 END > 0",
    "IF(age > 7, 1, 0) = 1",
    "age * 2 - 1 > 10",
    "age / 4 > 2",
    "-age < -7",
    "COALESCE(age, 0) = 0",
    "ABS(employment_monthly_income) > 1",
    "ROUND(employment_monthly_income, 2) = 7695.91",
    "ROUND(employment_monthly_income, 2) = 1234.13",
    "ROUND(employment_monthly_income, 2) = 2.68",
    "ROUND(employment_monthly_income) = 1234",
    "ROUND(age, 1) = 10",
    "GREATEST(age, 8) = 8",
    "LEAST(age, 8) = 8",
    "NULLIF(schooling, '') IS NULL",
    "TRIM(schooling) = '七年级'",
    "LENGTH(schooling) = 2",
    "UPPER(schooling) = LOWER(schooling)",
    "YEAR(birth_date) >= 2010",
    "birth_date < head_birth_date",
    "birth_date > '2015-01-01'",
    "CAST(age AS VARCHAR) = '10'",
    "CAST(employment_monthly_income AS INTEGER) = 1234",
    "CAST(employment_monthly_income AS INTEGER) = -0",
    "schooling LIKE '%年级%'",
    "schooling || '班' = '小学班'",
]


@pytest.mark.parametrize("condition", EXPRESSIONS)
def test_a_condition_is_true_false_or_null_on_exactly_the_rows_duckdb_says(condition: str) -> None:
    import duckdb

    connection = duckdb.connect()
    connection.register("person_wide", ROWS.to_arrow())
    expected = connection.sql(f"SELECT ({condition}) AS value FROM person_wide").pl()["value"]
    tree = sqlglot.parse_one(condition, read="duckdb")
    actual = ROWS.select(translate_condition(tree, "person_wide").alias("value"))["value"]
    assert actual.to_list() == expected.to_list()


def test_a_null_condition_does_not_fire_and_not_null_stays_null() -> None:
    frame = pl.DataFrame(
        {"has_safety_net_measure": [None, True, False]}, schema={"has_safety_net_measure": pl.Boolean}
    )
    tree = sqlglot.parse_one("NOT has_safety_net_measure", read="duckdb")
    value = frame.select(translate_condition(tree, "person_wide"))["has_safety_net_measure"]
    assert value.to_list() == [None, False, True]
    assert frame.filter(translate_condition(tree, "person_wide")).height == 1


def test_money_is_rounded_exactly_as_duckdb_rounds_it_and_nulls_stay_null() -> None:
    values = pl.Series([7695.915, 7647.545, 2.675, 0.125, -0.125, None, 8130.605000000001, 1.0])
    assert round_series(values, 2).to_list() == [7695.91, 7647.55, 2.67, 0.13, -0.13, None, 8130.61, 1.0]


# --- refused at compile time -----------------------------------------------------------

UNTRANSLATABLE = """
[[rule]]
code = "TST-009"
name = "日期相减的测试规则"
category = "EDUCATION"
severity = "high"
level = "person"
standard = "测试"
message = "{name}测试"
condition = "birth_date - head_birth_date > 30"
"""


def test_a_condition_polars_cannot_translate_is_refused_naming_the_rule() -> None:
    # The catalogue check refuses it already (Spark could not run it either: rules.check).
    with pytest.raises(RuleError, match=r"TST-009（日期相减的测试规则）.*(Polars|Spark)"):
        PolarsAdapter().compile(build_catalogue(parse_rules(UNTRANSLATABLE, "test.toml"), 2025))


OFFICE_AMOUNT = re.compile(r"^\d{1,3}(,\d{3})*(\.\d[1-9]|\.[1-9]0)?$")  # 4,652 or 4,652.50, never 4652.0


def test_both_adapters_write_money_in_messages_with_thousands_separators_and_no_trailing_zero(
    generated_city: Snapshot,
) -> None:
    for findings in both_adapters(generated_city):
        messages = findings.filter(pl.col("rule_code") == "INC-001")["message"].to_list()
        assert messages, "the generated city has households under the monitoring line"
        for message in messages:
            income, threshold = re.search(
                r"人均纯收入([-\d,.]+)元，低于监测标准([\d,.]+)元", message
            ).groups()  # type: ignore[union-attr]
            assert OFFICE_AMOUNT.match(income.lstrip("-")), message
            assert OFFICE_AMOUNT.match(threshold) and "," in threshold, message

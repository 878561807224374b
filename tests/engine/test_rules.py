"""The rule catalogue: every rule is checked before a run, compiles, and is documented."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from fangfan.engine.policy import load_policy, policy_years
from fangfan.engine.rules import RuleError, build_catalogue, load_catalogue, parse_rules
from fangfan.engine.rules.adapters import DuckDBAdapter, PolarsAdapter, SparkAdapter
from fangfan.engine.rules.check import check_rule
from fangfan.engine.rules.columns import COLUMNS
from fangfan.engine.rules.model import CATEGORIES, builtin_rules

DOCS = Path(__file__).resolve().parents[2] / "docs" / "indicators.md"
GROUND_TRUTH = Path(__file__).resolve().parents[2] / "docs" / "ground_truth.md"

RULE = """
[[rule]]
code = "TST-001"
name = "测试规则"
category = "EDUCATION"
severity = "high"
level = "person"
standard = "测试"
message = "{name}测试"
condition = "{condition}"
"""


def rule_with(condition: str, **changes: str) -> str:
    text = RULE.replace("{condition}", condition)
    for key, value in changes.items():
        text = re.sub(rf"^{key} = .*$", f"{key} = {value}", text, flags=re.M)
    return text


def check(text: str, year: int = 2025) -> None:
    build_catalogue(parse_rules(text, "test.toml"), year)


@pytest.mark.parametrize("year", policy_years())
def test_the_catalogue_loads_and_checks_for_every_policy_year(year: int) -> None:
    catalogue = load_catalogue(year)
    assert len(catalogue) >= 40
    assert {rule.category for rule in catalogue} <= set(CATEGORIES)


def test_rule_codes_are_unique_and_every_rule_cites_a_standard() -> None:
    codes = [rule.code for rule in builtin_rules()]
    assert len(codes) == len(set(codes))
    assert all(rule.standard and rule.message for rule in builtin_rules())


def test_every_kind_a_rule_covers_is_a_ground_truth_kind() -> None:
    documented = set(re.findall(r"^\| ([A-Z_]+) \|", GROUND_TRUTH.read_text("utf-8"), flags=re.M))
    covered = {kind for rule in builtin_rules() for kind in rule.kinds}
    assert covered <= documented


def test_a_rule_using_an_unknown_column_is_rejected_naming_the_rule() -> None:
    with pytest.raises(RuleError, match=r"TST-001.*没有的字段 shoe_size"):
        check(rule_with("shoe_size > 40"))


def test_a_rule_using_an_unknown_parameter_is_rejected_naming_the_rule() -> None:
    with pytest.raises(RuleError, match=r"TST-001.*未知参数 :education.max_shoe"):
        check(rule_with("age > :education.max_shoe"))


def test_a_rule_using_a_function_outside_the_whitelist_is_rejected() -> None:
    with pytest.raises(RuleError, match=r"TST-001.*不允许的函数 READ_CSV"):
        check(rule_with("read_csv('x') IS NOT NULL"))


def test_a_rule_with_a_subquery_is_rejected() -> None:
    with pytest.raises(RuleError, match=r"TST-001.*查询或表"):
        check(rule_with("age IN (SELECT age FROM person_wide)"))


def test_a_rule_that_does_not_parse_is_rejected() -> None:
    with pytest.raises(RuleError, match=r"TST-001.*无法解析"):
        check(rule_with("age >>> 3 AND ("))


def test_a_message_naming_an_unknown_column_is_rejected() -> None:
    text = rule_with("age > 3").replace('"{name}测试"', '"{nickname}测试"')
    with pytest.raises(RuleError, match=r"TST-001.*提示语.*nickname"):
        check(text)


def test_a_rule_with_an_unknown_category_is_rejected() -> None:
    with pytest.raises(RuleError, match=r"TST-001.*category"):
        check(rule_with("age > 3", category='"SHOES"'))


def test_a_rule_outside_its_years_is_left_out() -> None:
    text = rule_with("age > 3") + "years = [2021, 2022]\n"
    assert len(build_catalogue(parse_rules(text), 2021)) == 1
    assert len(build_catalogue(parse_rules(text), 2025)) == 0


def test_parameters_are_bound_from_the_policy_year() -> None:
    rule = load_catalogue(2024).rule("INC-001")
    sql = DuckDBAdapter().condition_sql(check_rule(rule, load_policy(2024)), load_policy(2024))
    assert sql == "net_income_per_capita < 7800"


def test_list_parameters_expand_inside_in() -> None:
    policy = load_policy(2025)
    sql = DuckDBAdapter().condition_sql(check_rule(load_catalogue(2025).rule("HOU-002"), policy), policy)
    assert "house_grade IN ('A', 'B')" in sql


def test_rules_compile_to_duckdb_and_spark_sql() -> None:
    catalogue = load_catalogue(2025)
    checked = [check_rule(rule, catalogue.policy) for rule in catalogue.for_table("person_wide")]
    duckdb_sql = DuckDBAdapter().table_query(checked, catalogue.policy)
    spark_sql = SparkAdapter().compile(catalogue)["person_wide"].match
    assert duckdb_sql.count("UNION ALL") == len(checked) - 1
    assert "JSON_OBJECT(" in duckdb_sql and spark_sql.count("CASE WHEN") >= len(checked)


def test_spark_is_not_imported_to_build_spark_sql() -> None:
    import subprocess
    import sys

    # In a fresh interpreter: another test module of this worker may have started Spark.
    script = (
        "import sys\n"
        "from fangfan.engine.rules import load_catalogue\n"
        "from fangfan.engine.rules.adapters import SparkAdapter\n"
        "assert SparkAdapter().compile(load_catalogue(2025))\n"
        "assert 'pyspark' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True)


def test_docs_list_every_rule_with_its_code_and_name() -> None:
    text = DOCS.read_text("utf-8")
    for rule in builtin_rules():
        assert re.search(rf"\| {re.escape(rule.code)} \| {re.escape(rule.name)} \|", text), rule.code


# --- the reconciliation rules on hand-made wide rows, through both adapters ------------

WIDE_TYPES = {
    "text": pl.String,
    "integer": pl.Int32,
    "number": pl.Float64,
    "date": pl.Date,
    "boolean": pl.Boolean,
}


def wide_frame(table: str, rows: list[dict[str, object]]) -> pl.DataFrame:
    columns = COLUMNS[table]
    base = {"village_code": "621226100201", "income_year": 2025, "head_name": "户主", "name": "某人"}
    return pl.DataFrame(
        [{name: {**base, **row}.get(name) for name in columns} for row in rows],
        schema={name: WIDE_TYPES[column.dtype] for name, column in columns.items()},
    )


def fired_on(
    person: list[dict[str, object]], household: list[dict[str, object]], codes: set[str]
) -> set[tuple[str, str]]:
    """(rule, household) of the findings of `codes`, the same through Polars and DuckDB."""
    catalogue = load_catalogue(2025)
    tables = {
        "person_wide": wide_frame("person_wide", person),
        "household_wide": wide_frame("household_wide", household),
    }
    found = []
    for adapter in (PolarsAdapter(), DuckDBAdapter()):
        findings = adapter.run(tables, catalogue).filter(pl.col("rule_code").is_in(list(codes)))
        found.append(set(findings.select("rule_code", "household_id").iter_rows()))
    assert found[0] == found[1]
    return found[0]


def test_insurance_in_the_roll_turns_a_registered_non_insured_member_from_med_001_to_med_005() -> None:
    people = [
        {"household_id": "P1", "id_number": "1", "medical_insured": "未参加", "insurance_status": "参保"},
        {"household_id": "P2", "id_number": "2", "medical_insured": "未参加", "insurance_status": "未参保"},
        {"household_id": "P3", "id_number": "3", "medical_insured": "未参加", "insurance_status": "无记录"},
        {"household_id": "P4", "id_number": "4", "medical_insured": "未参加", "insurance_status": None},
        {
            "household_id": "P5",
            "id_number": "5",
            "medical_insured": "城乡居民基本医疗保险",
            "insurance_status": "参保",
        },
        {
            "household_id": "P6",
            "id_number": "6",
            "medical_insured": "城乡居民基本医疗保险",
            "insurance_status": "停保",
        },
    ]
    fired = fired_on(people, [], {"MED-001", "MED-002", "MED-005"})
    assert fired == {
        ("MED-005", "P1"),
        ("MED-001", "P2"),
        ("MED-001", "P3"),
        ("MED-001", "P4"),
        ("MED-002", "P6"),
    }


def test_emp_003_needs_the_feed_to_exceed_wage_income_by_both_margins() -> None:
    policy = load_policy(2025)
    gap = policy.number("employment.wage_gap_yuan")
    share = policy.number("employment.wage_gap_share")
    wage = 20_000.0
    by_yuan = wage + gap  # exactly the yuan margin: not more
    large = gap / share * 2  # the yuan margin is small against this wage, the share is not
    households = [
        {"household_id": "H1", "employment_annual_wage": 2 * wage, "wage_income": wage},
        {
            "household_id": "H2",
            "employment_annual_wage": max(by_yuan, wage * (1 + share)),
            "wage_income": wage,
        },
        {
            "household_id": "H3",
            "employment_annual_wage": max(by_yuan, wage * (1 + share)) + 1,
            "wage_income": wage,
        },
        {"household_id": "H4", "employment_annual_wage": large * (1 + share) - 1, "wage_income": large},
        {"household_id": "H5", "employment_annual_wage": 8000.0, "wage_income": None},
        {"household_id": "H6", "employment_annual_wage": 0.0, "wage_income": 0.0},
        {"household_id": "H7", "employment_annual_wage": None, "wage_income": 1000.0},
    ]
    assert large * (1 + share) - 1 - large > gap  # H4 passes the yuan margin, fails the share
    assert fired_on([], households, {"EMP-003"}) == {("EMP-003", "H1"), ("EMP-003", "H3")}


def test_hou_004_fires_on_severe_disaster_damage_where_the_registry_says_safe() -> None:
    def house(hid: str, damage: str | None, grade: str, renovated: str) -> dict[str, object]:
        return {
            "household_id": hid,
            "disaster_damage": damage,
            "house_grade": grade,
            "house_renovated": renovated,
        }

    households = [
        house("H1", "倒塌", "A", "否"),
        house("H2", "严重损坏", "C", "是"),
        house("H3", "严重损坏", "D", "否"),  # already unsafe in the registry: HOU-001, not a conflict
        house("H4", "一般损坏", "A", "否"),
        house("H5", None, "B", "否"),
    ]
    fired = fired_on([], households, {"HOU-004", "MON-001", "HOU-001"})
    assert {f for f in fired if f[0] == "HOU-004"} == {("HOU-004", "H1"), ("HOU-004", "H2")}
    assert {f for f in fired if f[0] == "MON-001"} == {("MON-001", h) for h in ("H1", "H2", "H3")}
    assert load_catalogue(2025).rule("HOU-004").warning

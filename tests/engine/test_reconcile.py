"""Comparison and warning lists cut from the findings by the rules' own metadata."""

from __future__ import annotations

import json

import polars as pl
import pytest

from cast import LI_HAO
from fangfan.engine.reconcile import (
    comparison_rows,
    comparison_rules,
    split_evidence,
    warning_codes,
    warning_rows,
)
from fangfan.engine.rules.model import RuleError, load_catalogue, parse_rules


@pytest.fixture(scope="module")
def catalogue():  # type: ignore[no-untyped-def]
    return load_catalogue(2025)


def test_comparison_rules_read_a_registry_and_a_department_column(catalogue) -> None:  # type: ignore[no-untyped-def]
    rules = comparison_rules(catalogue)
    assert rules["HOU-002"].departments == ("住建",)
    assert rules["HOU-002"].feeds == ("housing_appraisal",)
    assert rules["EDU-002"].feeds == ("school_roll",)
    assert rules["WAT-005"].feeds == ("water_supply",)
    # registry only, or department only: not comparisons
    for code in ("FC-001", "HOU-001", "INC-001", "CON-001", "MON-001"):
        assert code not in rules
    # every department of the catalogue is compared somewhere
    departments = {d for rule in rules.values() for d in rule.departments}
    assert {"学籍", "医保参保", "医保结算", "住建", "水务", "民政", "残联", "人社", "公安"} <= departments


def test_warning_rules_are_the_ones_marked_in_the_catalogue(catalogue) -> None:  # type: ignore[no-untyped-def]
    codes = set(warning_codes(catalogue))
    assert {"MED-004", "MON-001", "EDU-002", "IDN-002", "SOC-002"} <= codes
    assert "FC-001" not in codes and "PRO-001" not in codes


def test_warning_must_be_true_or_false() -> None:
    text = """
[[rule]]
code = "X-001"
name = "测试"
category = "MONITORING"
severity = "high"
level = "household"
warning = "是"
condition = "disaster_damage = '倒塌'"
message = "{head_name}"
standard = "test"
"""
    with pytest.raises(RuleError, match="X-001 的 warning"):
        parse_rules(text, "x.toml")


def test_evidence_splits_into_the_registry_side_and_the_department_side() -> None:
    evidence = json.dumps(
        {
            "姓名": {"value": LI_HAO.name, "source": "成员信息"},  # tests/cast.py: 14, left school
            "年龄(截至统计日)": {"value": 14, "source": "计算"},
            "学籍状态": {"value": "辍学", "source": "学籍"},
            "月收入": {"value": 3200.5, "source": "人社"},
            "占位参数 x": {"value": "说明", "source": "2025年度政策参数"},
        },
        ensure_ascii=False,
    )
    registry, department, departments = split_evidence(evidence)
    assert registry == "姓名：李浩；年龄(截至统计日)：14"
    assert department == "学籍·学籍状态：辍学；人社·月收入：3,200.5"
    assert departments == "学籍、人社"
    assert split_evidence("not json") == ("", "", "")
    assert split_evidence(None) == ("", "", "")


FINDINGS = pl.DataFrame(
    {
        "household_id": ["H1", "H1", "H2"],
        "id_number": ["621226201001011234", None, None],
        "rule_code": ["EDU-002", "FC-001", "MED-004"],
        "evidence": [
            json.dumps(
                {
                    "在校生情况": {"value": "八年级", "source": "成员信息"},
                    "学籍状态": {"value": "辍学", "source": "学籍"},
                },
                ensure_ascii=False,
            ),
            "{}",
            json.dumps(
                {
                    "合规自付医疗费用(收入年度合计)": {"value": 9000.0, "source": "医保结算"},
                    "家庭纯收入(按分项重算)": {"value": 12000.0, "source": "计算"},
                },
                ensure_ascii=False,
            ),
        ],
    }
)
LINKS = pl.DataFrame(
    {
        "feed": ["school_roll", "medical_claims", "medical_claims", "school_roll"],
        "_file": ["学籍信息.xlsx", "医疗费用结算.csv", "医疗费用结算.csv", "学籍信息.xlsx"],
        "_sheet": ["Sheet1", None, None, "Sheet1"],
        "_row": [12, 40, 41, 13],
        "id_as_written": ["621226201001012134", "621226195001011111", "621226195001011111", "x"],
        "name": ["张小军", "张建国", "张建国", "李四"],
        "linked_id_number": ["621226201001011234", "621226195001011112", "621226195001011112", None],
        "linked_household_id": ["H1", "H2", "H2", None],
        "method": ["probabilistic", "exact", "probabilistic", "none"],
        "match_probability": [0.99997, 1.0, 0.9991, None],
        "status": ["linked", "linked", "linked", "unlinked"],
    }
)


def test_comparison_rows_say_how_the_department_row_was_matched(catalogue) -> None:  # type: ignore[no-untyped-def]
    rows = comparison_rows(FINDINGS, catalogue, LINKS)
    assert rows["rule_code"].to_list() == ["EDU-002", "MED-004"]
    school, claims = rows.to_dicts()
    assert school["registry_values"] == "在校生情况：八年级"
    assert school["department_values"] == "学籍·学籍状态：辍学"
    assert "学籍信息.xlsx/Sheet1 第12行" in school["link_note"]
    assert "621226201001012134" in school["link_note"] and "概率匹配（概率 0.9999）" in school["link_note"]
    # household-level: the claims rows of the household's members; exact ones are not noted
    assert "第41行" in claims["link_note"] and "第40行" not in claims["link_note"]
    without = comparison_rows(FINDINGS, catalogue)
    assert without["link_note"].to_list() == ["", ""]
    # A scan of links.parquet (what a run passes) reads the same notes.
    assert comparison_rows(FINDINGS, catalogue, LINKS.lazy()).equals(rows)


def test_warning_rows_keep_only_warning_rules(catalogue) -> None:  # type: ignore[no-untyped-def]
    rows = warning_rows(FINDINGS, catalogue)
    assert rows["rule_code"].to_list() == ["EDU-002", "MED-004"]
    assert rows["departments"].to_list() == ["学籍", "医保结算"]


def test_the_reconciliation_document_lists_every_comparison_and_warning_rule(catalogue) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "reconciliation.md").read_text("utf-8")
    table = {line.split("|")[1].strip(): line for line in text.splitlines() if line.startswith("| ")}
    rules = comparison_rules(catalogue)
    warnings = set(warning_codes(catalogue))
    for code, rule in rules.items():
        assert code in table, f"docs/reconciliation.md 缺少比对规则 {code}"
        assert rule.departments[0] in table[code], code
        assert (table[code].rstrip(" |").endswith("yes")) == (code in warnings), code
    for code in warnings:
        assert code in text, f"docs/reconciliation.md 未提到预警规则 {code}"

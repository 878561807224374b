"""Data reconciliation (数据比对): the findings that set the registry against a department.

The sieve's rules already read department columns beside registry columns (see
`rules.columns`: every wide-table column names its source). Two lists are cut from a
run's findings here, by the rules' own metadata:

- **comparisons** (`comparison_rows`): findings of every rule whose condition reads both
  a registry column and a department column. Each row shows the two sides apart —
  what the registry says, what the department says and which department — and, when
  the department's row reached the registry person only through the linker (a
  mistyped ID, a 15-digit ID, a different name), how it was matched.
- **department warnings** (`warning_rows`, 部门筛查预警): findings of the rules marked
  `warning = true` (medical bills, disasters, deaths, drop-outs, new disability
  certificates): signs of relapse risk from a department, for cadres to verify on
  their next visit.

    comparisons = comparison_rows(findings, catalogue, links)
    warnings = warning_rows(findings, catalogue)
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from fangfan.engine.rules.check import check_rule
from fangfan.engine.rules.columns import COLUMNS, COMPUTED, HOUSEHOLDS, INCOME, MEMBERS
from fangfan.engine.rules.model import Catalogue, Rule
from fangfan.engine.schema import TABLES

REGISTRY_SOURCES = frozenset({HOUSEHOLDS, MEMBERS, INCOME})
NEUTRAL_SOURCES = frozenset({COMPUTED, "导入校验"})  # derived from the registry; shown on its side
# The wide tables' department sources, and the feeds behind each.
FEEDS_OF_SOURCE: dict[str, tuple[str, ...]] = {
    "学籍": ("school_roll",),
    "医保参保": ("medical_insurance",),
    "医保结算": ("medical_claims",),
    "住建": ("housing_appraisal",),
    "水务": ("water_supply",),
    "民政": ("social_assistance",),
    "残联": ("disability",),
    "人社": ("employment",),
    "公安": ("civil_registration",),
    "公安交管": ("vehicles",),
    "市场监管": ("business_registry",),
    "自然资源": ("real_estate",),
    "应急管理": ("disasters",),
}
METHOD_NAMES = {"exact_15_to_18": "15位旧证件号换算", "probabilistic": "概率匹配", "exact": "证件号一致"}
COMPARISON_COLUMNS = (
    "registry_values",
    "department_values",
    "departments",
    "link_note",
)


@dataclass(frozen=True)
class Comparison:
    """What one rule sets against what: the department sources it reads and their feeds."""

    code: str
    departments: tuple[str, ...]
    feeds: tuple[str, ...]


def comparison_rules(catalogue: Catalogue) -> dict[str, Comparison]:
    """The rules whose condition reads a registry column and a department column.

    (A rule that only shows a department's value as context, such as the school roll
    beside a registry drop-out, is a sieve rule, not a comparison.)
    """
    found: dict[str, Comparison] = {}
    for rule in catalogue:
        table = COLUMNS[rule.table]
        read = check_rule(rule, catalogue.policy).columns
        sources = {table[name].source for name in read if name in table}
        departments = tuple(sorted(s for s in sources if s in FEEDS_OF_SOURCE))
        if departments and sources & (REGISTRY_SOURCES | NEUTRAL_SOURCES):
            feeds = tuple(feed for d in departments for feed in FEEDS_OF_SOURCE[d])
            found[rule.code] = Comparison(rule.code, departments, feeds)
    return found


def warning_codes(catalogue: Catalogue | Iterable[Rule]) -> tuple[str, ...]:
    """Codes of the rules marked `warning = true` (部门筛查预警)."""
    return tuple(rule.code for rule in catalogue if rule.warning)


def warning_rows(findings: pl.DataFrame, catalogue: Catalogue) -> pl.DataFrame:
    """The findings of warning rules, with both sides of the data apart as in `comparison_rows`."""
    codes = warning_codes(catalogue)
    return _with_sides(findings.filter(pl.col("rule_code").is_in(codes)))


def comparison_rows(
    findings: pl.DataFrame, catalogue: Catalogue, links: pl.DataFrame | pl.LazyFrame | None = None
) -> pl.DataFrame:
    """Findings of comparison rules with `registry_values`, `department_values`,
    `departments` and `link_note` (how the department rows were matched, when not by an
    identical ID; empty otherwise or without `links`). `links` may be a scan of
    links.parquet: only the rows not linked by an identical ID are read."""
    rules = comparison_rules(catalogue)
    chosen = findings.filter(pl.col("rule_code").is_in(list(rules)))
    framed = _with_sides(chosen)
    if links is None or framed.is_empty():
        return framed.with_columns(pl.lit("", dtype=pl.String).alias("link_note"))
    return _with_link_notes(framed, rules, links)


def _with_sides(findings: pl.DataFrame) -> pl.DataFrame:
    registry: list[str] = []
    department: list[str] = []
    departments: list[str] = []
    for evidence in findings["evidence"].to_list() if findings.height else []:
        sides = split_evidence(evidence)
        registry.append(sides[0])
        department.append(sides[1])
        departments.append(sides[2])
    return findings.with_columns(
        pl.Series("registry_values", registry, dtype=pl.String),
        pl.Series("department_values", department, dtype=pl.String),
        pl.Series("departments", departments, dtype=pl.String),
    )


def split_evidence(evidence: str | None) -> tuple[str, str, str]:
    """(registry side, department side, departments) of one finding's evidence JSON.

    >>> split_evidence('{"住房安全鉴定等级": {"value": "A", "source": "户信息"},'
    ...                ' "鉴定等级": {"value": "D", "source": "住建"}}')
    ('住房安全鉴定等级：A', '住建·鉴定等级：D', '住建')
    """
    try:
        entries = json.loads(evidence or "{}")
    except json.JSONDecodeError:
        return ("", "", "")
    if not isinstance(entries, dict):
        return ("", "", "")
    registry: list[str] = []
    department: list[str] = []
    names: list[str] = []
    for label, entry in entries.items():
        if not isinstance(entry, dict):
            continue
        source, value = str(entry.get("source", "")), _text(entry.get("value"))
        if source in FEEDS_OF_SOURCE:
            department.append(f"{source}·{label}：{value}")
            if source not in names:
                names.append(source)
        elif source in REGISTRY_SOURCES or source in NEUTRAL_SOURCES:
            registry.append(f"{label}：{value}")
    return ("；".join(registry), "；".join(department), "、".join(names))


def _text(value: object) -> str:
    if value is None:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def _with_link_notes(
    framed: pl.DataFrame, rules: dict[str, Comparison], links: pl.DataFrame | pl.LazyFrame
) -> pl.DataFrame:
    """Describe each department row behind a finding that was not matched by an identical ID."""
    rule_feeds = pl.DataFrame(
        [(code, feed) for code, rule in rules.items() for feed in rule.feeds],
        schema={"rule_code": pl.String, "feed": pl.String},
        orient="row",
    )
    matched = (
        links.lazy()
        .filter((pl.col("status") == "linked") & (pl.col("method") != "exact"))
        .select(
            "feed",
            "linked_id_number",
            "linked_household_id",
            pl.concat_str(
                pl.col("feed").replace_strict(_FEED_TITLES, default=pl.col("feed")),
                pl.lit(" "),
                pl.col("_file").fill_null(""),
                pl.when(pl.col("_sheet").fill_null("") != "")
                .then(pl.lit("/") + pl.col("_sheet"))
                .otherwise(pl.lit("")),
                pl.lit(" 第"),
                pl.col("_row").cast(pl.String),
                pl.lit("行：部门所填证件号“"),
                pl.col("id_as_written").fill_null(""),
                pl.lit("”、姓名“"),
                pl.col("name").fill_null(""),
                pl.lit("”，"),
                pl.col("method").replace_strict(METHOD_NAMES, default=pl.col("method")),
                pl.when(pl.col("method") == "probabilistic")
                .then(pl.lit("（概率 ") + _floor4(pl.col("match_probability")) + pl.lit("）"))
                .otherwise(pl.lit("")),
            ).alias("_note"),
        )
        .collect(engine="streaming")
    )
    keyed = framed.with_row_index("_finding").join(rule_feeds, on="rule_code", how="inner")
    by_person = keyed.filter(pl.col("id_number").is_not_null()).join(
        matched, left_on=["feed", "id_number"], right_on=["feed", "linked_id_number"], how="inner"
    )
    by_household = keyed.filter(pl.col("id_number").is_null()).join(
        matched, left_on=["feed", "household_id"], right_on=["feed", "linked_household_id"], how="inner"
    )
    notes = (
        pl.concat([by_person.select("_finding", "_note"), by_household.select("_finding", "_note")])
        .unique()
        .sort("_finding", "_note")
        .group_by("_finding", maintain_order=True)
        .agg(pl.col("_note").str.join("；").alias("link_note"))
    )
    return (
        framed.with_row_index("_finding")
        .join(notes, on="_finding", how="left", maintain_order="left")
        .with_columns(pl.col("link_note").fill_null(""))
        .drop("_finding")
    )


def _floor4(probability: pl.Expr) -> pl.Expr:
    """Four decimals, rounded down: 0.99997 shows as 0.9999, never as a certain 1.0."""
    return ((probability * 10_000).floor() / 10_000).cast(pl.String)


_FEED_TITLES = {name: TABLES[name].title for feed in FEEDS_OF_SOURCE.values() for name in feed}

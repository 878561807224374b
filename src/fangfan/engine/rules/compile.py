"""Compile checked rules to SQL for one engine, and run them: the one adapter layer.

Every rule becomes a SELECT over its wide table that yields finding rows
(household, person, village, rule code, message, evidence JSON); the rules of a
table are joined with UNION ALL into a single query the engine runs in one pass.
The condition comes from sqlglot's tree, so the same rule compiles for any
dialect sqlglot writes; the few pieces that differ by engine (building JSON,
registering tables, running) are methods an adapter overrides.

`DuckDBAdapter` runs in-process. `SparkAdapter` is for a later cluster: it imports
pyspark only when it runs, so nothing here requires Spark.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl
from sqlglot import exp

from fangfan.engine.policy import Policy
from fangfan.engine.rules.check import CheckedRule, bind_parameters, check_rule
from fangfan.engine.rules.columns import COLUMNS, WideColumn
from fangfan.engine.rules.model import Catalogue, Rule

FINDING_COLUMNS = ("household_id", "id_number", "village_code", "rule_code", "message", "evidence")
_TEXT_OF_NULL = "空"
_QUERIES: dict[tuple[object, ...], str | None] = {}


class Adapter:
    """Turns rules into the SQL of one engine and runs it over wide tables."""

    dialect = "duckdb"

    def condition_sql(self, checked: CheckedRule, policy: Policy) -> str:
        return bind_parameters(checked, policy).sql(dialect=self.dialect)

    def rule_select(self, checked: CheckedRule, policy: Policy) -> exp.Select:
        """SELECT of the finding rows of one rule."""
        rule = checked.rule
        id_number: exp.Expression = (
            exp.column("id_number") if rule.level == "person" else exp.cast(exp.Null(), "VARCHAR")
        )
        return (
            exp.select(
                exp.column("household_id"),
                exp.alias_(id_number, "id_number"),
                exp.column("village_code"),
                exp.alias_(exp.Literal.string(rule.code), "rule_code"),
                exp.alias_(self.message_expression(rule, policy), "message"),
                exp.alias_(self.evidence_expression(rule, policy), "evidence"),
            )
            .from_(rule.table)
            .where(bind_parameters(checked, policy))
        )

    def table_query(self, checked: Sequence[CheckedRule], policy: Policy) -> str:
        """One query yielding the findings of all `checked` rules (same wide table)."""
        selects = [self.rule_select(c, policy) for c in checked]
        query: exp.Query = selects[0]
        for select in selects[1:]:
            query = exp.union(query, select, distinct=False)
        return query.sql(dialect=self.dialect)

    def message_expression(self, rule: Rule, policy: Policy) -> exp.Expression:
        parts: list[exp.Expression] = []
        for is_field, piece in _split_template(rule.message):
            if not is_field:
                parts.append(exp.Literal.string(piece))
            elif piece.startswith(":"):
                parts.append(exp.Literal.string(_format_value(policy.value(piece[1:]))))
            else:
                parts.append(self.text_of(COLUMNS[rule.table][piece]))
        return exp.Concat(expressions=parts, safe=True, coalesce=True)

    def text_of(self, column: WideColumn) -> exp.Expression:
        """A column as the text a cadre reads: money with 2 decimals, booleans 是/否."""
        value: exp.Expression = exp.column(column.name)
        if column.dtype == "number":
            value = exp.Round(this=value, decimals=exp.Literal.number(2))
        if column.dtype == "boolean":
            value = exp.If(this=value, true=exp.Literal.string("是"), false=exp.Literal.string("否"))
        text = exp.cast(value, "VARCHAR")
        return exp.Coalesce(this=text, expressions=[exp.Literal.string(_TEXT_OF_NULL)])

    def evidence_expression(self, rule: Rule, policy: Policy) -> exp.Expression:
        """JSON text {label: {value, source}} of the rule's evidence columns."""
        pairs: list[exp.Expression] = []
        for column in rule.evidence_columns():
            inner = exp.JSONObject(
                expressions=[
                    exp.JSONKeyValue(this=exp.Literal.string("value"), expression=exp.column(column.name)),
                    exp.JSONKeyValue(
                        this=exp.Literal.string("source"), expression=exp.Literal.string(column.source)
                    ),
                ]
            )
            pairs.append(exp.JSONKeyValue(this=exp.Literal.string(column.label), expression=inner))
        for label, note in placeholder_notes(rule, policy).items():
            inner = exp.JSONObject(
                expressions=[
                    exp.JSONKeyValue(this=exp.Literal.string("value"), expression=exp.Literal.string(note)),
                    exp.JSONKeyValue(
                        this=exp.Literal.string("source"),
                        expression=exp.Literal.string(_policy_source(policy)),
                    ),
                ]
            )
            pairs.append(exp.JSONKeyValue(this=exp.Literal.string(label), expression=inner))
        return exp.cast(exp.JSONObject(expressions=pairs), "VARCHAR")

    def query_for(self, table: str, catalogue: Catalogue) -> str | None:
        """The compiled query of `table`'s rules (None if it has none), cached per catalogue."""
        key = (type(self), self.dialect, table, catalogue.year, catalogue.rules)
        if key not in _QUERIES:
            checked = [check_rule(rule, catalogue.policy) for rule in catalogue.for_table(table)]
            _QUERIES[key] = self.table_query(checked, catalogue.policy) if checked else None
        return _QUERIES[key]

    def run(self, tables: Mapping[str, pl.DataFrame], catalogue: Catalogue) -> pl.DataFrame:
        """Findings of every rule of `catalogue` over the wide `tables`."""
        raise NotImplementedError


class DuckDBAdapter(Adapter):
    dialect = "duckdb"

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads

    def run(self, tables: Mapping[str, pl.DataFrame], catalogue: Catalogue) -> pl.DataFrame:
        import duckdb

        connection = duckdb.connect()
        if self.threads:
            connection.execute(f"SET threads = {int(self.threads)}")
        frames = [_empty_findings()]
        for name, frame in tables.items():
            query = self.query_for(name, catalogue)
            if query is None:
                continue
            # The newest Arrow layout keeps Polars' string views: no copy of the text columns.
            connection.register(name, frame.to_arrow(compat_level=pl.CompatLevel.newest()))
            result = pl.from_arrow(connection.sql(query).to_arrow_table())
            assert isinstance(result, pl.DataFrame)
            frames.append(result.select(pl.col(c).cast(pl.String) for c in FINDING_COLUMNS))
        connection.close()
        return pl.concat(frames)


class SparkAdapter(Adapter):
    """Runs the same compiled rules on Spark; pyspark is imported only in `run`."""

    dialect = "spark"

    def __init__(self, session: Any = None) -> None:
        self.session = session

    def evidence_expression(self, rule: Rule, policy: Policy) -> exp.Expression:
        pairs: list[exp.Expression] = []
        for column in rule.evidence_columns():
            inner = exp.Anonymous(
                this="named_struct",
                expressions=[
                    exp.Literal.string("value"),
                    exp.column(column.name),
                    exp.Literal.string("source"),
                    exp.Literal.string(column.source),
                ],
            )
            pairs.extend([exp.Literal.string(column.label), inner])
        for label, note in placeholder_notes(rule, policy).items():
            inner = exp.Anonymous(
                this="named_struct",
                expressions=[
                    exp.Literal.string("value"),
                    exp.Literal.string(note),
                    exp.Literal.string("source"),
                    exp.Literal.string(_policy_source(policy)),
                ],
            )
            pairs.extend([exp.Literal.string(label), inner])
        return exp.Anonymous(
            this="to_json", expressions=[exp.Anonymous(this="named_struct", expressions=pairs)]
        )

    def run(self, tables: Mapping[str, pl.DataFrame], catalogue: Catalogue) -> pl.DataFrame:
        from pyspark.sql import SparkSession  # optional engine: imported only here

        session = self.session or SparkSession.builder.getOrCreate()
        frames = [_empty_findings()]
        for name, frame in tables.items():
            query = self.query_for(name, catalogue)
            if query is None:
                continue
            session.createDataFrame(frame.to_pandas()).createOrReplaceTempView(name)
            result = session.sql(query).toPandas()
            frames.append(pl.from_pandas(result).select(pl.col(c).cast(pl.String) for c in FINDING_COLUMNS))
        return pl.concat(frames)


def placeholder_notes(rule: Rule, policy: Policy) -> dict[str, str]:
    """{label: note} for each placeholder parameter the rule depends on."""
    checked = check_rule(rule, policy)
    used = set(checked.parameters) | {f[1:] for f in rule.template_fields() if f.startswith(":")}
    notes: dict[str, str] = {}
    for name in sorted(used):
        if policy.is_placeholder(name):
            note = _parameter_note(policy, name)
            label = f"占位参数 {name}"
            notes[label] = f"{policy.year}年度取值{_format_value(policy.value(name))}为占位值：{note}"
    return notes


def _policy_source(policy: Policy) -> str:
    return f"{policy.year}年度政策参数"


def _parameter_note(policy: Policy, name: str) -> str:
    node: Any = policy.data
    for part in name.split("."):
        node = node.get(part, {}) if isinstance(node, dict) else {}
    return str(node.get("note", "")) if isinstance(node, dict) else ""


def _split_template(template: str) -> list[tuple[bool, str]]:
    """[(is_field, text)] pieces of a message template."""
    pieces: list[tuple[bool, str]] = []
    rest = template
    while "{" in rest:
        before, _, after = rest.partition("{")
        name, _, rest = after.partition("}")
        if before:
            pieces.append((False, before))
        pieces.append((True, name))
    if rest:
        pieces.append((False, rest))
    return pieces


def _format_value(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else str(value)


def _empty_findings() -> pl.DataFrame:
    return pl.DataFrame(schema={c: pl.String for c in FINDING_COLUMNS})

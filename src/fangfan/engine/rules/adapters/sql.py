"""Rules compiled to SQL through sqlglot: the base of the adapters whose engine speaks SQL.

Every rule becomes a SELECT over its wide table that yields finding rows; the rules of
a table are joined with UNION ALL into a single query. The condition comes from
sqlglot's tree, so the same rule compiles for any dialect sqlglot writes; the pieces
that differ by engine (building JSON, registering tables, running) are methods a
subclass overrides (`adapters.duckdb_adapter`, `adapters.spark_adapter`).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlglot import exp

from fangfan.engine.policy import Policy
from fangfan.engine.rules.adapters.base import (
    TEXT_OF_NULL,
    Adapter,
    evidence_entries,
    message_pieces,
)
from fangfan.engine.rules.check import CheckedRule, bind_parameters, check_rule
from fangfan.engine.rules.columns import WideColumn
from fangfan.engine.rules.model import Catalogue, Rule

_QUERIES: dict[tuple[object, ...], str | None] = {}


class SqlAdapter(Adapter):
    """Turns rules into the SQL of one dialect; a subclass compiles and runs it."""

    dialect = "duckdb"

    def condition_sql(self, checked: CheckedRule, policy: Policy) -> str:
        return bind_parameters(checked, policy).sql(dialect=self.dialect)

    def rule_select(
        self, checked: CheckedRule, policy: Policy, source: tuple[str, exp.Expression] | None = None
    ) -> exp.Select:
        """SELECT of the finding rows of one rule (from `source` (table, filter) if given)."""
        rule = checked.rule
        table, where = source or (rule.table, bind_parameters(checked, policy))
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
            .from_(table)
            .where(where)
        )

    def table_query(self, checked: Sequence[CheckedRule], policy: Policy) -> str:
        """One query yielding the findings of all `checked` rules (same wide table)."""
        selects = [self.rule_select(c, policy) for c in checked]
        query: exp.Query = selects[0]
        for select in selects[1:]:
            query = exp.union(query, select, distinct=False)
        return query.sql(dialect=self.dialect)

    def message_expression(self, rule: Rule, policy: Policy) -> exp.Expression:
        parts: list[exp.Expression] = [
            exp.Literal.string(piece) if isinstance(piece, str) else self.text_of(piece)
            for piece in message_pieces(rule, policy)
        ]
        return exp.Concat(expressions=parts, safe=True, coalesce=True)

    def text_of(self, column: WideColumn) -> exp.Expression:
        """A column as the text a cadre reads: money as 4,652 or 4,652.50 (the formatting
        layer's style, `formatting.money_text` without its unit), booleans 是/否."""
        value: exp.Expression = exp.column(column.name)
        if column.dtype == "number":
            value = exp.Round(this=value, decimals=exp.Literal.number(2))
            grouped = exp.Anonymous(this="format", expressions=[exp.Literal.string("{:,.2f}"), value])
            text: exp.Expression = exp.Anonymous(
                this="regexp_replace",
                expressions=[grouped, exp.Literal.string(r"\.00$"), exp.Literal.string("")],
            )
            return exp.Coalesce(this=text, expressions=[exp.Literal.string(TEXT_OF_NULL)])
        if column.dtype == "boolean":
            value = exp.If(this=value, true=exp.Literal.string("是"), false=exp.Literal.string("否"))
        text = exp.cast(value, "VARCHAR")
        return exp.Coalesce(this=text, expressions=[exp.Literal.string(TEXT_OF_NULL)])

    def evidence_expression(self, rule: Rule, policy: Policy) -> exp.Expression:
        """JSON text {label: {value, source}} of the rule's evidence columns."""
        pairs: list[exp.Expression] = []
        for label, value, source in evidence_entries(rule, policy):
            value_sql = exp.Literal.string(value) if isinstance(value, str) else exp.column(value.name)
            inner = exp.JSONObject(
                expressions=[
                    exp.JSONKeyValue(this=exp.Literal.string("value"), expression=value_sql),
                    exp.JSONKeyValue(
                        this=exp.Literal.string("source"), expression=exp.Literal.string(source)
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

"""The Polars adapter, the default: checked rules compiled to Polars expressions and run.

Each rule's condition, already parsed and checked by sqlglot, is translated node
by node into a Polars expression with SQL's NULL semantics: a comparison with NULL
is NULL, AND/OR follow three-valued logic, NOT NULL stays NULL, and a condition
that is NULL does not fire. All conditions of a wide table are evaluated in one
`select` (Polars runs the expressions in parallel) that yields, per rule, the
row numbers where it holds; messages and evidence are then built from those rows
alone, in exactly the text the DuckDB adapter writes.

A construct without a faithful translation is refused when the catalogue is
compiled, naming the rule, rather than evaluated differently:

>>> from fangfan.engine.rules.model import load_catalogue
>>> plans = PolarsAdapter().compile(load_catalogue(2025))
>>> sorted(plans)
['household_wide', 'person_wide']
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlglot import exp

from fangfan.engine.policy import Policy
from fangfan.engine.rules.adapters.base import (
    TEXT_OF_NULL,
    Adapter,
    empty_findings,
    evidence_entries,
    message_pieces,
)
from fangfan.engine.rules.check import CheckedRule, bind_parameters, check_rule
from fangfan.engine.rules.columns import COLUMNS, WIDE_TABLES, WideColumn
from fangfan.engine.rules.model import Catalogue, Rule, RuleError

_PLANS: dict[tuple[object, ...], dict[str, TablePlan]] = {}
_SHORT_IN_LIST = 3
_MAX_DECIMALS = 8  # 10**d times a 26-bit half stays exact in a double up to here


class Untranslatable(Exception):
    """A node of a condition that has no faithful Polars translation."""


@dataclass(frozen=True)
class RulePlan:
    code: str
    condition: pl.Expr
    columns: tuple[str, ...]  # the columns its message and evidence read
    outputs: tuple[pl.Expr, ...]


@dataclass(frozen=True)
class TablePlan:
    """The compiled rules of one wide table."""

    rules: tuple[RulePlan, ...]


class PolarsAdapter(Adapter):
    """Runs the rules as Polars expressions: one select of every condition per table."""

    def compile(self, catalogue: Catalogue) -> dict[str, TablePlan]:
        """{table: its plan} for every wide table with rules; cached per catalogue."""
        key = (type(self), catalogue.year, catalogue.rules)
        if key not in _PLANS:
            plans: dict[str, TablePlan] = {}
            for table in WIDE_TABLES:
                checked = [check_rule(rule, catalogue.policy) for rule in catalogue.for_table(table)]
                if checked:
                    plans[table] = TablePlan(tuple(rule_plan(c, catalogue.policy) for c in checked))
            _PLANS[key] = plans
        return _PLANS[key]

    def run(self, tables: Mapping[str, pl.DataFrame], catalogue: Catalogue) -> pl.DataFrame:
        return self.execute(self.compile(catalogue), tables)

    def execute(self, compiled: Mapping[str, TablePlan], tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
        """Findings of already compiled rules over the wide `tables`."""
        pending: list[pl.LazyFrame] = []
        for name, frame in tables.items():
            plan = compiled.get(name)
            if plan is not None:
                pending.extend(_matched_findings(frame, plan))
        return pl.concat([empty_findings(), *pl.collect_all(pending)])


def _matched_findings(frame: pl.DataFrame, plan: TablePlan) -> list[pl.LazyFrame]:
    # One pass: per rule, the row numbers where its condition is true (NULL is not).
    rows = frame.select(
        rule.condition.arg_true().implode().alias(str(index)) for index, rule in enumerate(plan.rules)
    )
    pending = []
    for index, rule in enumerate(plan.rules):
        matched = rows[str(index)][0]
        if len(matched):
            pending.append(frame.select(rule.columns)[matched].lazy().select(rule.outputs))
    return pending


def rule_plan(checked: CheckedRule, policy: Policy) -> RulePlan:
    """The condition, message and evidence of one rule as Polars expressions."""
    rule = checked.rule
    translator = _Translator(COLUMNS[rule.table])
    try:
        condition = translator.translate(bind_parameters(checked, policy))
    except Untranslatable as error:
        raise RuleError(f"规则 {rule.code}（{rule.name}）的条件无法在 Polars 引擎中执行：{error}") from None
    outputs = finding_outputs(rule, policy)
    columns = {"household_id", "village_code"} | ({"id_number"} if rule.level == "person" else set())
    columns |= {p.name for p in message_pieces(rule, policy) if isinstance(p, WideColumn)}
    columns |= {v.name for _, v, _ in evidence_entries(rule, policy) if isinstance(v, WideColumn)}
    return RulePlan(rule.code, condition, tuple(sorted(columns)), outputs)


def finding_outputs(rule: Rule, policy: Policy) -> tuple[pl.Expr, ...]:
    """The finding columns of one rule, as the DuckDB adapter writes them."""
    message = pl.concat_str(
        [pl.lit(p) if isinstance(p, str) else text_of(p) for p in message_pieces(rule, policy)]
    )
    entries = evidence_entries(rule, policy)
    evidence = (
        pl.struct(
            pl.struct(
                (pl.lit(value) if isinstance(value, str) else pl.col(value.name)).alias("value"),
                pl.lit(source).alias("source"),
            ).alias(label)
            for label, value, source in entries
        ).struct.json_encode()
        if entries
        else pl.lit("{}")
    )
    id_number = pl.col("id_number") if rule.level == "person" else pl.lit(None, dtype=pl.String)
    return (
        pl.col("household_id").cast(pl.String),
        id_number.cast(pl.String).alias("id_number"),
        pl.col("village_code").cast(pl.String),
        pl.lit(rule.code).alias("rule_code"),
        message.alias("message"),
        evidence.alias("evidence"),
    )


def text_of(column: WideColumn) -> pl.Expr:
    """A column as the text a cadre reads: money rounded as DuckDB rounds and written as
    4,652 or 4,652.50 (the DuckDB adapter's `text_of`), booleans 是/否."""
    value = pl.col(column.name)
    if column.dtype == "number":
        return value.map_batches(money_strings, return_dtype=pl.String).fill_null(TEXT_OF_NULL)
    if column.dtype == "boolean":
        value = pl.when(value).then(pl.lit("是")).otherwise(pl.lit("否"))
    return value.cast(pl.String).fill_null(TEXT_OF_NULL)


def round_like_duckdb(values: Any, decimals: int = 2) -> Any:
    """DuckDB's ROUND(x, d) on a numpy array: the exact binary value rounded, ties away from zero.

    Neither Polars' nor numpy's rounding agrees with it on every value (7695.915 is
    7695.91499… in binary: DuckDB gives 7695.91, Polars 7695.92), so x * 10**d is
    computed with its rounding error (Dekker's split) to settle the near-ties.
    """
    import numpy as np

    scale = 10.0**decimals
    scaled = values * scale
    split = values * 134217729.0
    high = split - (split - values)
    error = (high * scale - scaled) + (values - high) * scale
    floor = np.floor(scaled)
    fraction = scaled - floor
    tie_up = (error > 0) | ((error == 0) & (values > 0))
    up = (fraction > 0.5) | ((fraction == 0.5) & tie_up)
    return np.where(up, floor + 1, floor) / scale


def money_strings(series: pl.Series) -> pl.Series:
    """Amounts rounded to the fen as DuckDB rounds, as text with thousands separators and
    no ".00" (4652.0 → "4,652", 4652.5 → "4,652.50"); NULL stays NULL."""
    rounded = round_series(series, 2).cast(pl.Float64)
    return pl.Series(
        [None if v is None else f"{v:,.2f}".removesuffix(".00") for v in rounded.to_list()], dtype=pl.String
    )


def round_series(series: pl.Series, decimals: int) -> pl.Series:
    """ROUND as DuckDB computes it; integers stay as they are, NULL stays NULL."""
    if series.dtype.is_integer():
        return series
    values = series.cast(pl.Float64)
    rounded = pl.Series(round_like_duckdb(values.to_numpy(), decimals), dtype=pl.Float64)
    kept = pl.select(pl.when(pl.lit(values.is_null())).then(None).otherwise(pl.lit(rounded)))
    return kept.to_series().alias(series.name)


_COMPARISONS: dict[type[exp.Expr], Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
    exp.EQ: lambda a, b: a == b,
    exp.NEQ: lambda a, b: a != b,
    exp.GT: lambda a, b: a > b,
    exp.GTE: lambda a, b: a >= b,
    exp.LT: lambda a, b: a < b,
    exp.LTE: lambda a, b: a <= b,
    exp.NullSafeEQ: lambda a, b: a.eq_missing(b),
    exp.NullSafeNEQ: lambda a, b: a.ne_missing(b),
}
_ARITHMETIC: dict[type[exp.Expr], Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
    exp.Add: lambda a, b: a + b,
    exp.Sub: lambda a, b: a - b,
    exp.Mul: lambda a, b: a * b,
    exp.Div: lambda a, b: a / b,
}
_CASTS: dict[str, pl.DataType] = {
    **dict.fromkeys(("VARCHAR", "TEXT", "CHAR", "NCHAR", "NVARCHAR"), pl.String()),
    **dict.fromkeys(("TINYINT", "SMALLINT", "INT", "BIGINT"), pl.Int64()),
    **dict.fromkeys(("DOUBLE", "FLOAT"), pl.Float64()),
    "BOOLEAN": pl.Boolean(),
    "DATE": pl.Date(),
}


class _Translator:
    """sqlglot condition → Polars expression, for the columns of one wide table."""

    def __init__(self, columns: Mapping[str, WideColumn]) -> None:
        self.columns = columns

    def translate(self, node: exp.Expr) -> pl.Expr:
        handler = self._handlers().get(type(node))
        if handler is not None:
            return handler(node)
        for kind, compare in _COMPARISONS.items():
            if type(node) is kind:
                left, right = self._coerced(node.this, node.expression)
                return compare(left, right)
        for kind, operate in _ARITHMETIC.items():
            if type(node) is kind:
                self._refuse_dates(node)
                return operate(self.translate(node.this), self.translate(node.expression))
        raise Untranslatable(f"不支持的写法 {node.sql(dialect='duckdb')[:80]}")

    def _handlers(self) -> dict[type[exp.Expr], Callable[[Any], pl.Expr]]:
        return {
            exp.Column: lambda n: pl.col(n.name),
            exp.Literal: self._literal,
            exp.Boolean: lambda n: pl.lit(bool(n.this), dtype=pl.Boolean),
            exp.Null: lambda n: pl.lit(None),
            exp.Paren: lambda n: self.translate(n.this),
            exp.And: lambda n: self.translate(n.this) & self.translate(n.expression),
            exp.Or: lambda n: self.translate(n.this) | self.translate(n.expression),
            exp.Not: lambda n: ~self.translate(n.this),
            exp.Neg: lambda n: -self.translate(n.this),
            exp.In: self._in,
            exp.Between: self._between,
            exp.Is: self._is,
            exp.Like: lambda n: self._like(n, insensitive=False),
            exp.ILike: lambda n: self._like(n, insensitive=True),
            exp.DPipe: lambda n: pl.concat_str([self.translate(n.this), self.translate(n.expression)]),
            exp.Case: self._case,
            exp.If: self._if,
            exp.Coalesce: lambda n: pl.coalesce(self._all(n)),
            exp.Greatest: lambda n: pl.max_horizontal(self._all(n)),
            exp.Least: lambda n: pl.min_horizontal(self._all(n)),
            exp.Nullif: self._nullif,
            exp.Abs: lambda n: self.translate(n.this).abs(),
            exp.Round: self._round,
            exp.Trim: self._trim,
            exp.Length: lambda n: self.translate(n.this).str.len_chars(),
            exp.Upper: lambda n: self.translate(n.this).str.to_uppercase(),
            exp.Lower: lambda n: self.translate(n.this).str.to_lowercase(),
            exp.Year: lambda n: self.translate(n.this).dt.year(),
            exp.Cast: self._cast,
            exp.TryCast: self._cast,
        }

    def _all(self, node: exp.Expr) -> list[pl.Expr]:
        return [self.translate(node.this), *(self.translate(e) for e in node.expressions)]

    def _literal(self, node: exp.Literal) -> pl.Expr:
        if node.is_string:
            return pl.lit(node.name, dtype=pl.String)
        return pl.lit(_number(node))

    def _is_date(self, node: exp.Expr) -> bool:
        column = self.columns.get(node.name) if isinstance(node, exp.Column) else None
        return column is not None and column.dtype == "date"

    def _coerced(self, left: exp.Expr, right: exp.Expr) -> tuple[pl.Expr, pl.Expr]:
        """Both sides; a text literal compared with a date column is read as a date, as DuckDB does."""
        return self._side(left, right), self._side(right, left)

    def _side(self, node: exp.Expr, other: exp.Expr) -> pl.Expr:
        if isinstance(node, exp.Literal) and node.is_string and self._is_date(other):
            return _date_literal(node)
        return self.translate(node)

    def _refuse_dates(self, node: exp.Expr) -> None:
        # DuckDB's date - date is a number of days; Polars' is a duration.
        if self._is_date(node.this) or self._is_date(node.expression):
            raise Untranslatable(f"日期的算术运算 {node.sql(dialect='duckdb')[:80]}")

    def _in(self, node: exp.In) -> pl.Expr:
        if any(node.args.get(key) for key in ("query", "unnest", "field")) or not node.expressions:
            raise Untranslatable(f"不支持的 IN 写法 {node.sql(dialect='duckdb')[:80]}")
        items = node.expressions
        literals = all(isinstance(i, exp.Literal) and not self._is_date(node.this) for i in items)
        # Hashing each value costs more than a few equalities (2-4 ms against 10-20 ms per
        # million people), so short lists are compared one by one.
        if literals and len(items) > _SHORT_IN_LIST:
            value = self.translate(node.this)
            return value.is_in([i.name if i.is_string else _number(i) for i in items])
        # Otherwise an OR of equalities, which is what SQL's IN means (NULL included).
        result = self._compare_in(node.this, items[0])
        for item in items[1:]:
            result = result | self._compare_in(node.this, item)
        return result

    def _compare_in(self, value: exp.Expr, item: exp.Expr) -> pl.Expr:
        left, right = self._coerced(value, item)
        return left == right

    def _between(self, node: exp.Between) -> pl.Expr:
        if node.args.get("symmetric"):
            raise Untranslatable(f"不支持 BETWEEN SYMMETRIC：{node.sql(dialect='duckdb')[:80]}")
        value, low = self._coerced(node.this, node.args["low"])
        _, high = self._coerced(node.this, node.args["high"])
        return (value >= low) & (value <= high)

    def _is(self, node: exp.Is) -> pl.Expr:
        value = self.translate(node.this)
        target = node.expression
        if isinstance(target, exp.Null):
            return value.is_null()
        if isinstance(target, exp.Boolean):
            return value.eq_missing(pl.lit(bool(target.this)))
        raise Untranslatable(f"不支持的 IS 写法 {node.sql(dialect='duckdb')[:80]}")

    def _like(self, node: exp.Expr, *, insensitive: bool) -> pl.Expr:
        pattern = node.expression
        if not (isinstance(pattern, exp.Literal) and pattern.is_string) or node.args.get("escape"):
            raise Untranslatable(f"LIKE 的模式必须是文字常量：{node.sql(dialect='duckdb')[:80]}")
        regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern.name)
        flags = "(?s" + ("i" if insensitive else "") + ")"
        return self.translate(node.this).str.contains(f"{flags}^{regex}$")

    def _case(self, node: exp.Case) -> pl.Expr:
        subject = node.this
        branches = []
        for branch in node.args.get("ifs") or []:
            condition = (
                self.translate(branch.this) if subject is None else self._compare_in(subject, branch.this)
            )
            branches.append((condition, self.translate(branch.args["true"])))
        if not branches:
            raise Untranslatable(f"CASE 没有 WHEN：{node.sql(dialect='duckdb')[:80]}")
        default = node.args.get("default")
        chain: Any = pl.when(branches[0][0]).then(branches[0][1])
        for condition, value in branches[1:]:
            chain = chain.when(condition).then(value)
        result: pl.Expr = chain.otherwise(self.translate(default) if default is not None else pl.lit(None))
        return result

    def _if(self, node: exp.If) -> pl.Expr:
        otherwise = node.args.get("false")
        return (
            pl.when(self.translate(node.this))
            .then(self.translate(node.args["true"]))
            .otherwise(self.translate(otherwise) if otherwise is not None else pl.lit(None))
        )

    def _nullif(self, node: exp.Nullif) -> pl.Expr:
        value, other = self._coerced(node.this, node.expression)
        return pl.when(value == other).then(pl.lit(None)).otherwise(value)

    def _round(self, node: exp.Round) -> pl.Expr:
        decimals_node = node.args.get("decimals")
        decimals = 0 if decimals_node is None else _small_integer(decimals_node)
        if decimals is None or not 0 <= decimals <= _MAX_DECIMALS:
            raise Untranslatable(f"ROUND 的位数必须是 0 到 {_MAX_DECIMALS} 的整数：{node.sql()[:80]}")
        return self.translate(node.this).map_batches(lambda s: round_series(s, decimals), return_dtype=None)

    def _trim(self, node: exp.Trim) -> pl.Expr:
        value = self.translate(node.this)
        characters = node.expression
        if characters is not None and not (isinstance(characters, exp.Literal) and characters.is_string):
            raise Untranslatable(f"TRIM 去除的字符必须是文字常量：{node.sql()[:80]}")
        # DuckDB's TRIM removes spaces only, not tabs or newlines.
        chars = characters.name if characters is not None else " "
        position = str(node.args.get("position") or "BOTH").upper()
        if position == "LEADING":
            return value.str.strip_chars_start(chars)
        if position == "TRAILING":
            return value.str.strip_chars_end(chars)
        return value.str.strip_chars(chars)

    def _cast(self, node: exp.Cast) -> pl.Expr:
        target = node.to.this.name if node.to is not None else ""
        dtype = _CASTS.get(target)
        if dtype is None or node.to.expressions:
            raise Untranslatable(f"不支持转换为 {node.to.sql() if node.to else '?'}：{node.sql()[:80]}")
        source = node.this
        if isinstance(source, exp.Literal) and source.is_string and dtype == pl.Date():
            return _date_literal(source)
        strict = not isinstance(node, exp.TryCast)
        value = self.translate(source)
        if dtype == pl.Int64():
            # DuckDB rounds a fraction to the nearest integer (ties away); Polars would truncate.
            value = value.map_batches(lambda s: round_series(s, 0) if s.dtype.is_float() else s)
        return value.cast(dtype, strict=strict)


def _date_literal(node: exp.Literal) -> pl.Expr:
    try:
        return pl.lit(dt.date.fromisoformat(node.name))
    except ValueError:
        raise Untranslatable(f"无法识别的日期 {node.sql()}") from None


def _number(node: exp.Literal) -> int | float:
    try:
        return int(node.name)
    except ValueError:
        pass
    try:
        return float(node.name)
    except ValueError:
        raise Untranslatable(f"无法识别的数值 {node.sql()}") from None


def _small_integer(node: exp.Expr) -> int | None:
    if isinstance(node, exp.Literal) and not node.is_string:
        value = _number(node)
        return value if isinstance(value, int) else None
    return None


def translate_condition(condition: exp.Expr, table: str) -> pl.Expr:
    """The Polars expression of a bound condition over `table` (raises Untranslatable)."""
    return _Translator(COLUMNS[table]).translate(condition)

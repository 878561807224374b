"""Evidence and message pieces, written as the sieve writes them.

A signal's evidence is the sieve's JSON object: one entry per value, its Chinese label
as key, `{"value": …, "source": …}` as value, where the source is 户信息, 成员信息,
收入信息, 计算, a department (医保结算, 公安, 应急管理 …) or `<年度>年度政策参数`. A
placeholder parameter adds an entry `占位参数 <name>` that says so, as in the findings.
Numbers in messages read as in the findings (money to two decimals, as DuckDB rounds).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from fangfan.engine.policy import Policy
from fangfan.engine.rules.adapters.polars_adapter import text_of
from fangfan.engine.rules.columns import WideColumn

Entry = tuple[str, pl.Expr, str | pl.Expr]  # (label, value, source)


def evidence_json(entries: Sequence[Entry]) -> pl.Expr:
    """The evidence JSON of each row, from (label, value, source) entries."""
    return pl.struct(
        pl.struct(
            value.alias("value"),
            (pl.lit(source) if isinstance(source, str) else source).alias("source"),
        ).alias(label)
        for label, value, source in entries
    ).struct.json_encode()


def column(wide_column: WideColumn) -> Entry:
    """The entry of a wide-table column: its label, value and source."""
    return (wide_column.label, pl.col(wide_column.name), wide_column.source)


def policy_source(policy: Policy) -> str:
    return f"{policy.year}年度政策参数"


def parameter(policy: Policy, name: str, label: str) -> Entry:
    return (label, pl.lit(policy.number(name)), policy_source(policy))


def placeholders(policy: Policy, names: Sequence[str]) -> list[Entry]:
    """An entry for each placeholder among `names`, worded as the sieve words it."""
    return [
        (
            f"占位参数 {name}",
            pl.lit(f"{policy.year}年度取值{number_text(policy.number(name))}为占位值：{policy.note(name)}"),
            policy_source(policy),
        )
        for name in names
        if policy.is_placeholder(name)
    ]


def text(name: str, dtype: str = "number") -> pl.Expr:
    """A column as a cadre reads it in a message (money to two decimals, dates, 是/否)."""
    return text_of(WideColumn(name, name, "", dtype))


def number_text(value: float) -> str:
    """A policy number as the sieve's messages write it: 7800, not 7800.0; 0.3 stays."""
    return str(int(value)) if float(value).is_integer() else str(value)

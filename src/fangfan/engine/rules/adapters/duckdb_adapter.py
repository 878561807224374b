"""The DuckDB adapter: the rules' SQL run in-process, two passes per wide table.

`fangfan screen --engine duckdb`; gives the same findings as the Polars adapter, byte
for byte (tests/engine/test_rules_polars.py).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlglot import exp

from fangfan.engine.policy import Policy
from fangfan.engine.rules.adapters.base import FINDING_COLUMNS, empty_findings
from fangfan.engine.rules.adapters.sql import SqlAdapter
from fangfan.engine.rules.check import CheckedRule, bind_parameters, check_rule
from fangfan.engine.rules.columns import WIDE_TABLES
from fangfan.engine.rules.model import Catalogue

_COMPILED: dict[tuple[object, ...], dict[str, TwoPassQueries]] = {}
ROW, RULE, MATCHED = "__row", "__rule", "__matched"


@dataclass(frozen=True)
class TwoPassQueries:
    """The two queries of one wide table (see `DuckDBAdapter`)."""

    match: str  # (row, rule) pairs: one pass over the whole table, conditions only
    findings: str  # finding rows from the matched rows alone


class DuckDBAdapter(SqlAdapter):
    """Runs the rules in DuckDB, in two passes per wide table.

    Findings are a small fraction of the rows, so the first pass reads only the
    columns the conditions use and yields the matching (row, rule) pairs; the
    matched rows are then gathered, and messages and evidence are built from them
    alone. Building text in the same pass as the conditions made DuckDB convert
    every message and evidence column of every row (1.4 s against 0.3 s for the
    person table at city scale).
    """

    dialect = "duckdb"

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads

    def compile(self, catalogue: Catalogue) -> dict[str, TwoPassQueries]:
        """{table: its two queries} for every wide table with rules; cached per catalogue."""
        key = (type(self), self.dialect, catalogue.year, catalogue.rules)
        if key not in _COMPILED:
            compiled: dict[str, TwoPassQueries] = {}
            for table in WIDE_TABLES:
                checked = [check_rule(rule, catalogue.policy) for rule in catalogue.for_table(table)]
                if checked:
                    compiled[table] = self.two_pass_queries(table, checked, catalogue.policy)
            _COMPILED[key] = compiled
        return _COMPILED[key]

    def two_pass_queries(self, table: str, checked: Sequence[CheckedRule], policy: Policy) -> TwoPassQueries:
        conditions = [bind_parameters(c, policy) for c in checked]
        # UNNEST of one CASE per rule, on the rows where any rule holds: one scan of the table.
        cases = [
            exp.Case(ifs=[exp.If(this=condition.copy(), true=exp.Literal.number(index))])
            for index, condition in enumerate(conditions)
        ]
        pairs = (
            exp.select(
                exp.column(ROW), exp.alias_(exp.Unnest(expressions=[exp.Array(expressions=cases)]), RULE)
            )
            .from_(table)
            .where(exp.or_(*(exp.paren(c.copy()) for c in conditions)))
        )
        match = (
            exp.select(exp.column(ROW), exp.column(RULE))
            .from_(pairs.subquery("pairs"))
            .where(exp.column(RULE).is_(exp.null()).not_())
        )
        selects = [
            self.rule_select(c, policy, (MATCHED, exp.column(RULE).eq(exp.Literal.number(index))))
            for index, c in enumerate(checked)
        ]
        findings: exp.Query = selects[0]
        for select in selects[1:]:
            findings = exp.union(findings, select, distinct=False)
        return TwoPassQueries(match.sql(dialect=self.dialect), findings.sql(dialect=self.dialect))

    def run(self, tables: Mapping[str, pl.DataFrame], catalogue: Catalogue) -> pl.DataFrame:
        return self.execute(self.compile(catalogue), tables)

    def execute(
        self, compiled: Mapping[str, TwoPassQueries], tables: Mapping[str, pl.DataFrame]
    ) -> pl.DataFrame:
        """Findings of already compiled rules over the wide `tables`."""
        import duckdb

        connection = duckdb.connect()
        if self.threads:
            connection.execute(f"SET threads = {int(self.threads)}")
        frames = [empty_findings()]
        for name, frame in tables.items():
            queries = compiled.get(name)
            if queries is None:
                continue
            frames.append(_two_passes(connection, name, frame, queries))
        connection.close()
        return pl.concat(frames)


def _two_passes(connection: Any, name: str, frame: pl.DataFrame, queries: TwoPassQueries) -> pl.DataFrame:
    # The newest Arrow layout keeps Polars' string views: no copy of the text columns.
    newest = pl.CompatLevel.newest()
    connection.register(name, _with_row_numbers(frame.to_arrow(compat_level=newest)))
    pairs = connection.sql(queries.match).pl()
    connection.unregister(name)
    matched = frame[pairs[ROW]].with_columns(pairs[RULE])
    connection.register(MATCHED, matched.to_arrow(compat_level=newest))
    result: pl.DataFrame = connection.sql(queries.findings).pl()
    connection.unregister(MATCHED)
    return result.select(pl.col(c).cast(pl.String) for c in FINDING_COLUMNS)


def _with_row_numbers(table: Any) -> Any:
    """`table` (Arrow) with a row number column chunked like its other columns.

    Polars' `with_row_index` makes one chunk, and exporting a frame whose columns
    are chunked differently copies every column (0.15 s for the city's people).
    """
    import numpy as np
    import pyarrow as pa

    numbers = np.arange(table.num_rows, dtype=np.uint32)
    bounds = np.cumsum([0, *(len(chunk) for chunk in table.column(0).chunks)])
    chunks = [pa.array(numbers[start:end]) for start, end in itertools.pairwise(bounds)]
    return table.append_column(ROW, pa.chunked_array(chunks, type=pa.uint32()))

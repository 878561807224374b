"""The Spark adapter: the same SQL on a cluster (a sketch until issue 19).

pyspark is imported only in `run`, so a machine without Spark imports everything else.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
from sqlglot import exp

from fangfan.engine.policy import Policy
from fangfan.engine.rules.adapters.base import FINDING_COLUMNS, empty_findings, evidence_entries
from fangfan.engine.rules.adapters.sql import SqlAdapter
from fangfan.engine.rules.model import Catalogue, Rule


class SparkAdapter(SqlAdapter):
    """Runs the same compiled rules on Spark; pyspark is imported only in `run`."""

    dialect = "spark"

    def __init__(self, session: Any = None) -> None:
        self.session = session

    def evidence_expression(self, rule: Rule, policy: Policy) -> exp.Expression:
        pairs: list[exp.Expression] = []
        for label, value, source in evidence_entries(rule, policy):
            value_sql = exp.Literal.string(value) if isinstance(value, str) else exp.column(value.name)
            inner = exp.Anonymous(
                this="named_struct",
                expressions=[
                    exp.Literal.string("value"),
                    value_sql,
                    exp.Literal.string("source"),
                    exp.Literal.string(source),
                ],
            )
            pairs.extend([exp.Literal.string(label), inner])
        return exp.Anonymous(
            this="to_json", expressions=[exp.Anonymous(this="named_struct", expressions=pairs)]
        )

    def run(self, tables: Mapping[str, pl.DataFrame], catalogue: Catalogue) -> pl.DataFrame:
        from pyspark.sql import SparkSession  # optional engine: imported only here

        session = self.session or SparkSession.builder.getOrCreate()
        frames = [empty_findings()]
        for name, frame in tables.items():
            query = self.query_for(name, catalogue)
            if query is None:
                continue
            session.createDataFrame(frame.to_pandas()).createOrReplaceTempView(name)
            result = session.sql(query).toPandas()
            frames.append(pl.from_pandas(result).select(pl.col(c).cast(pl.String) for c in FINDING_COLUMNS))
        return pl.concat(frames)

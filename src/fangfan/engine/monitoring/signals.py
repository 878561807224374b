"""Every monitoring signal of a run: the sieve's findings read as signals, then the events.

A finding of a rule in `catalogue.SIGNAL_OF_RULE` becomes a signal as it is: same
household, person, village, severity, message and evidence, with `rule_code` naming
the rule. Income signals get their risk type from the household's facts
(`facts._income_risk`, `facts._fall_risk`); the others have a fixed one.
"""

from __future__ import annotations

import polars as pl

from fangfan.engine.monitoring import events
from fangfan.engine.monitoring.catalogue import (
    INCOME_BELOW_THRESHOLD,
    INCOME_SHARP_DROP,
    SEVERITY_RANK,
    SIGNAL_COLUMNS,
    SIGNAL_OF_RULE,
)
from fangfan.engine.monitoring.facts import ENGINE, Context


def all_signals(context: Context, facts: pl.DataFrame, findings: pl.DataFrame, run_id: str) -> pl.DataFrame:
    """Every signal of the run, most severe first, then by place and household."""
    parts = [
        finding_signals(findings, facts),
        events.income_fall_since_previous(facts, findings, context),
        events.rigid_spending(facts, context),
        events.member_died(context),
        events.new_serious_illness(context),
    ]
    frames = pl.collect_all([part.select(events.EVENT_COLUMNS) for part in parts], engine=ENGINE)
    signals = pl.concat([frame.cast(dict.fromkeys(events.EVENT_COLUMNS, pl.String)) for frame in frames])
    rank = pl.col("severity").replace_strict(SEVERITY_RANK, default=9, return_dtype=pl.Int8)
    return (
        signals.with_columns(
            pl.lit(run_id).alias("run_id"),
            pl.col("village_code").str.slice(0, 6).alias("county_code"),
            pl.col("village_code").str.slice(0, 9).alias("township_code"),
            pl.lit(context.policy.year, dtype=pl.Int32).alias("policy_year"),
        )
        .sort([rank, "village_code", "household_id", "signal_code", "id_number"], nulls_last=True)
        .select(SIGNAL_COLUMNS)
    )


def finding_signals(findings: pl.DataFrame, facts: pl.DataFrame) -> pl.LazyFrame:
    """The findings of the rules that are monitoring signals, as signals."""
    rules = pl.LazyFrame(
        {
            "rule_code": list(SIGNAL_OF_RULE),
            "signal_code": [s.code for s in SIGNAL_OF_RULE.values()],
            "signal_name": [s.name for s in SIGNAL_OF_RULE.values()],
            "_fixed_risk": [s.risk_type for s in SIGNAL_OF_RULE.values()],
        },
        schema={
            "rule_code": pl.String,
            "signal_code": pl.String,
            "signal_name": pl.String,
            "_fixed_risk": pl.String,
        },
    )
    risks = facts.lazy().select("household_id", "income_risk", "year_fall_risk")
    risk = (
        pl.when(pl.col("signal_code") == INCOME_BELOW_THRESHOLD.code)
        .then(pl.col("income_risk"))
        .when(pl.col("signal_code") == INCOME_SHARP_DROP.code)
        .then(pl.col("year_fall_risk"))
        .otherwise(pl.col("_fixed_risk"))
    )
    return (
        findings.lazy()
        .select("household_id", "id_number", "village_code", "rule_code", "severity", "message", "evidence")
        .join(rules, on="rule_code", how="inner")
        .join(risks, on="household_id", how="left")
        .with_columns(risk.alias("risk_type"))
    )

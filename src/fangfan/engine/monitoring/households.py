"""One row per household: its signals, the category and risk types they suggest, and facts.

- `signals`, `signal_codes`: the household's signals in catalogue order (、 and , separated).
- `severity`: the most severe of them. `at_risk`: a high or medium signal; a low one
  (the death of a member who did not work) is listed but does not count on its own.
- `risk_types`: the standard risk types of its signals (、 separated, standard order),
  plus 缺劳力 when no living member of working age can work; 其他 only when nothing
  more specific is known. `main_risk`: the risk type of the most severe signal.
- `suggested_category`: 脱贫不稳定户 for an exited household (户类型 脱贫户, or a
  脱贫年度) at risk; otherwise 边缘易致贫户 when income is below the threshold, and
  突发严重困难户 when income is above it (or unknown) but something happened.
- `monitoring_status` (监测中 / 风险已消除 / 未纳入监测) and `is_candidate`: at risk
  and not being monitored now — a new identification to check.
- the facts the risk-elimination step needs: income against the threshold, labour
  capacity, 低保/特困, rigid spending and open veto findings.
"""

from __future__ import annotations

import polars as pl

from fangfan.engine.monitoring.catalogue import (
    HOUSEHOLD_COLUMNS,
    INCOME_BELOW_THRESHOLD,
    MONITORED,
    RISK_TYPES,
    SEVERITY_RANK,
    SIGNALS,
)
from fangfan.engine.monitoring.facts import ENGINE

AT_RISK_SEVERITIES = ("high", "medium")  # a low signal alone leaves a household not at risk
LACK_OF_LABOUR = "缺劳力"
OTHER = "其他"


def household_summary(
    facts: pl.DataFrame, signals: pl.DataFrame, findings: pl.DataFrame, *, run_id: str, policy_year: int
) -> pl.DataFrame:
    """`monitoring_households`: every household of `facts`, with or without signals."""
    summary = (
        facts.lazy()
        .join(_with_signals(facts.lazy(), signals.lazy()), on="household_id", how="left")
        .join(_veto_findings(findings.lazy()), on="household_id", how="left")
        .with_columns(
            pl.col("signal_count").fill_null(0),
            pl.col("veto_findings").fill_null(0),
            pl.col("at_risk").fill_null(False),
        )
        .with_columns(
            (pl.col("at_risk") & (pl.col("monitoring_status") != MONITORED)).alias("is_candidate"),
            pl.lit(run_id).alias("run_id"),
            pl.lit(policy_year, dtype=pl.Int32).alias("policy_year"),
        )
    )
    return summary.sort("village_code", "household_id").select(HOUSEHOLD_COLUMNS).collect(engine=ENGINE)


def _with_signals(facts: pl.LazyFrame, signals: pl.LazyFrame) -> pl.LazyFrame:
    """The summary columns of the households with signals (a few per cent of them, so the
    text is built for those alone)."""
    needed = facts.select("household_id", "has_labour_capacity", "exited")
    return (
        _per_household(signals)
        .join(needed, on="household_id", how="left")
        .with_columns(pl.col("has_labour_capacity").fill_null(False), pl.col("exited").fill_null(False))
        .with_columns(_risk_flags())
        .with_columns(
            _joined(_SIGNAL_FLAGS, [s.name for s in SIGNALS]).alias("signals"),
            _joined(_SIGNAL_FLAGS, [s.code for s in SIGNALS], ",").alias("signal_codes"),
            pl.when(pl.col("at_risk")).then(_joined(_RISK_FLAGS, list(RISK_TYPES))).alias("risk_types"),
            _suggested_category().alias("suggested_category"),
        )
        .with_columns(
            pl.when(pl.col("at_risk"))
            .then(pl.coalesce("main_risk", pl.col("risk_types").str.split("、").list.first()))
            .alias("main_risk")
        )
        .select(
            "household_id",
            "signal_count",
            "signals",
            "signal_codes",
            "severity",
            "at_risk",
            "risk_types",
            "main_risk",
            "suggested_category",
        )
    )


_SIGNAL_FLAGS = tuple(f"_signal_{index}" for index in range(len(SIGNALS)))
_RISK_FLAGS = tuple(f"_risk_{index}" for index in range(len(RISK_TYPES)))
_SEVERITY_NAMES = {rank: name for name, rank in SEVERITY_RANK.items()}


def _per_household(signals: pl.LazyFrame) -> pl.LazyFrame:
    severity = pl.col("severity").replace_strict(SEVERITY_RANK, default=9, return_dtype=pl.Int8)
    risk_rank = pl.col("risk_type").replace_strict(
        {t: i for i, t in enumerate(RISK_TYPES)}, default=99, return_dtype=pl.Int8
    )
    return signals.group_by("household_id").agg(
        pl.len().cast(pl.Int32).alias("signal_count"),
        pl.col("severity").is_in(AT_RISK_SEVERITIES).any().alias("at_risk"),
        severity.min()
        .replace_strict(_SEVERITY_NAMES, default=None, return_dtype=pl.String)
        .alias("severity"),
        # 其他 names no cause, so a more specific type of a less severe signal comes first.
        pl.col("risk_type")
        .sort_by(pl.col("risk_type") == OTHER, severity, risk_rank)
        .first()
        .alias("main_risk"),
        *(
            (pl.col("signal_code") == s.code).any().alias(f)
            for s, f in zip(SIGNALS, _SIGNAL_FLAGS, strict=True)
        ),
        *((pl.col("risk_type") == t).any().alias(f) for t, f in zip(RISK_TYPES, _RISK_FLAGS, strict=True)),
    )


def _veto_findings(findings: pl.LazyFrame) -> pl.LazyFrame:
    return (
        findings.filter(pl.col("veto"))
        .group_by("household_id")
        .agg(pl.len().cast(pl.Int32).alias("veto_findings"))
    )


def _risk_flags() -> list[pl.Expr]:
    """缺劳力 for a household at risk with no one able to work; 其他 only when alone."""
    lack = _RISK_FLAGS[RISK_TYPES.index(LACK_OF_LABOUR)]
    other = _RISK_FLAGS[RISK_TYPES.index(OTHER)]
    with_lack = pl.col(lack) | (pl.col("at_risk") & ~pl.col("has_labour_capacity"))
    specific = pl.any_horizontal([pl.col(f) for f in _RISK_FLAGS if f not in (lack, other)]) | with_lack
    return [with_lack.alias(lack), (pl.col(other) & ~specific).alias(other)]


def _joined(flags: tuple[str, ...], names: list[str], separator: str = "、") -> pl.Expr:
    parts = [pl.when(pl.col(flag)).then(pl.lit(name)) for flag, name in zip(flags, names, strict=True)]
    text = pl.concat_str(parts, separator=separator, ignore_nulls=True)
    return pl.when(text != "").then(text)


def _suggested_category() -> pl.Expr:
    below = _SIGNAL_FLAGS[SIGNALS.index(INCOME_BELOW_THRESHOLD)]
    return (
        pl.when(~pl.col("at_risk"))
        .then(pl.lit(None, dtype=pl.String))
        .when(pl.col("exited"))
        .then(pl.lit("脱贫不稳定户"))
        .when(pl.col(below))
        .then(pl.lit("边缘易致贫户"))
        .otherwise(pl.lit("突发严重困难户"))
    )

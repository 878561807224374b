"""New monitoring candidates as rows for the township sheets (`ledger.write_monitoring_lists`).

A candidate is a household at risk that is not being monitored now (`is_candidate`):
never monitored, or monitored once and its risk since eliminated. Each row carries the
names a cadre needs (head, village), the figures behind the suggestion and every
signal's message, most severe first. ID numbers are left out.
"""

from __future__ import annotations

import polars as pl

from fangfan.engine.monitoring.catalogue import SEVERITY_RANK

SEVERITY_NAMES = {"high": "高", "medium": "中", "low": "低"}


def candidate_rows(
    households: pl.DataFrame, signals: pl.DataFrame, registry: pl.DataFrame, villages: pl.DataFrame
) -> pl.DataFrame:
    """The candidates of `households` (monitoring_households) with the text their sheet shows.

    `registry` is the snapshot's households table (for 户主姓名), `villages` its villages.
    """
    rank = pl.col("severity").replace_strict(SEVERITY_RANK, default=9, return_dtype=pl.Int8)
    candidates = households.filter(pl.col("is_candidate"))
    messages = (
        signals.join(candidates.select("household_id"), on="household_id", how="semi")
        .sort(rank, "signal_code", "id_number", nulls_last=True)
        .group_by("household_id")
        .agg(pl.col("message").str.join("；").alias("messages"))
    )
    heads = registry.select("household_id", "head_name").unique("household_id", keep="first")
    names = villages.select("village_code", "village_name").unique("village_code", keep="first")
    return (
        candidates.join(heads, on="household_id", how="left")
        .join(names, on="village_code", how="left")
        .join(messages, on="household_id", how="left")
        .with_columns(
            _yuan("net_income_per_capita").alias("income_text"),
            _yuan("monitoring_threshold").alias("threshold_text"),
            _yes_no("has_labour_capacity").alias("labour_text"),
            _safety_net().alias("safety_net_text"),
            pl.col("severity")
            .replace_strict(SEVERITY_NAMES, default=pl.col("severity"))
            .alias("severity_text"),
            rank.alias("severity_order"),
        )
        .sort("county_code", "township_code", "village_code", "severity_order", "household_id")
    )


def _yuan(name: str) -> pl.Expr:
    return pl.col(name).round(0).cast(pl.Int64).cast(pl.String).fill_null("无收入数据")


def _yes_no(name: str) -> pl.Expr:
    return pl.when(pl.col(name)).then(pl.lit("是")).otherwise(pl.lit("否"))


def _safety_net() -> pl.Expr:
    kinds = [
        pl.when(pl.col("on_dibao")).then(pl.lit("低保")),
        pl.when(pl.col("on_tekun")).then(pl.lit("特困")),
    ]
    text = pl.concat_str(kinds, separator="、", ignore_nulls=True)
    return pl.when(text != "").then(text).otherwise(pl.lit("否"))

"""Household size, measures and the income table, derived from the final member list."""

from __future__ import annotations

import numpy as np
import polars as pl

from fangfan.engine.synth.registry import SAFETY_NET_BIT, measures_text

MEDIAN_PER_CAPITA = 12_300.0
SPREAD = 0.22  # lognormal sigma: a tail of a few per cent falls below the monitoring threshold


def finish_households(households: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """家庭人口数 = members 正常; 兜底保障 for 脱贫/监测 households with someone on 低保/特困."""
    per_household = members.group_by("_hh").agg(
        _size=(pl.col("member_status") == "正常").sum(),
        _net=((pl.col("dibao") == "是") | (pl.col("tekun") == "是")).any(),
    )
    households = households.join(per_household, on="_hh", how="left", maintain_order="left")
    helped = pl.col("household_type").is_in(["脱贫户", "监测户"])
    bits = (
        pl.when(helped & pl.col("_net"))
        .then(pl.col("_measures") | SAFETY_NET_BIT)
        .otherwise(pl.col("_measures"))
    )
    return (
        households.with_columns(household_size=pl.col("_size").cast(pl.Int64), _measures=bits)
        .with_columns(measures=measures_text(pl.col("_measures")))
        .drop("_net")
    )


def build_income(rng: np.random.Generator, households: pl.DataFrame, years: tuple[int, int]) -> pl.DataFrame:
    """One row per household and year; declared totals equal the recomputed ones."""
    count = households.height
    size = households["household_size"].to_numpy()
    base = MEDIAN_PER_CAPITA * np.exp(rng.normal(0.0, SPREAD, count))
    frames = []
    for year, factor in zip(years, (0.95, 1.0), strict=True):
        per_capita = base * factor * np.exp(rng.normal(0.0, 0.04, count))
        frames.append(_components(rng, households, year, per_capita * size))
    return pl.concat(frames).sort("_hh", "year")


def _components(
    rng: np.random.Generator, households: pl.DataFrame, year: int, net: np.ndarray
) -> pl.DataFrame:
    count = len(net)
    wage = net * rng.uniform(0.3, 0.6, count)
    prop = net * rng.uniform(0.01, 0.05, count)
    transfer = net * rng.uniform(0.08, 0.25, count)
    business_net = net - wage - prop - transfer
    cost = business_net * rng.uniform(0.2, 0.5, count)
    frame = pl.DataFrame(
        {
            "_hh": households["_hh"],
            "household_id": households["household_id"],
            "_county": households["county_name"],
            "year": np.full(count, year),
            "wage_income": np.round(wage, 2),
            "business_income": np.round(business_net + cost, 2),
            "property_income": np.round(prop, 2),
            "transfer_income": np.round(transfer, 2),
            "business_cost": np.round(cost, 2),
            "medical_selfpay": np.zeros(count),
            "_size": households["household_size"],
        }
    )
    return declare(frame)


def declare(frame: pl.DataFrame) -> pl.DataFrame:
    """Declared 家庭纯收入 and 人均纯收入 computed exactly from the components and `_size`."""
    net = (
        pl.col("wage_income")
        + pl.col("business_income")
        + pl.col("property_income")
        + pl.col("transfer_income")
        - pl.col("business_cost")
    ).round(2)
    return frame.with_columns(net_income=net).with_columns(
        net_income_per_capita=(pl.col("net_income") / pl.col("_size")).round(2)
    )

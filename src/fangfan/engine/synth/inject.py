"""Problems injected on purpose, and the natural ones, recorded in the ground truth."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from fangfan.engine.policy import load_policy
from fangfan.engine.synth.truth import Truth

Tables = dict[str, pl.DataFrame]


def inject_structure(rng: np.random.Generator, members: pl.DataFrame, truth: Truth) -> pl.DataFrame:
    return members


def natural_income_tail(tables: Tables, newer_year: int, truth: Truth) -> None:
    threshold = load_policy(newer_year).number("income.monitoring_threshold")
    income = tables["income"].filter(pl.col("year") == newer_year)
    below = income.filter(pl.col("net_income") / pl.col("_size") < threshold)
    rows = below.select("household_id", value=pl.col("net_income_per_capita"))
    truth.add(
        "INCOME_BELOW_THRESHOLD",
        rows,
        table="income",
        field_name="net_income_per_capita",
        detail="人均纯收入低于当年监测标准（自然分布）",
        origin="natural",
    )


def inject_rules(
    rng: np.random.Generator, tables: Tables, years: tuple[int, int], as_of: dt.date, truth: Truth
) -> None:
    pass

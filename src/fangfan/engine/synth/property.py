"""Businesses, vehicles, real estate and disasters: what owners and villages hold."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from fangfan.engine.synth.feeds import dates_in_year, days_before, finish, person_base

HELPED = ("脱贫户", "监测户")


def _adults(members: pl.DataFrame) -> pl.DataFrame:
    return members.filter((pl.col("member_status") == "正常") & pl.col("_age").is_between(22, 70))


def business_registry(rng: np.random.Generator, members: pl.DataFrame) -> pl.DataFrame:
    ordinary = _adults(members).filter(~pl.col("_type").is_in(HELPED))
    owners = ordinary.filter(pl.Series(rng.random(ordinary.height) < 0.02))
    count = owners.height
    trade = np.array(["农副产品", "商贸", "养殖", "种植专业合作社", "建材", "餐饮", "运输"])
    frame = owners.select(person_base(members)).with_columns(
        company_name=pl.col("_county")
        + pl.col("name")
        + pl.Series(trade[rng.integers(0, len(trade), count)])
        + "店",
        registration_status=pl.Series(np.where(rng.random(count) < 0.85, "存续", "注销")),
        registered_capital=pl.Series(np.round(rng.lognormal(np.log(20), 1.0, count), 1)),
        role=pl.Series(np.where(rng.random(count) < 0.8, "法定代表人", "股东")),
    )
    return finish("business_registry", frame)


def vehicles(rng: np.random.Generator, members: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    adults = _adults(members)
    owners = adults.filter(pl.Series(rng.random(adults.height) < 0.1))
    count = owners.height
    helped = owners["_type"].is_in(HELPED).to_numpy()
    any_type = rng.choice(
        ["小型轿车", "小型普通客车", "货车", "农用车", "摩托车"], count, p=[0.35, 0.1, 0.1, 0.2, 0.25]
    )
    farm_type = rng.choice(["农用车", "摩托车"], count, p=[0.4, 0.6])
    frame = owners.select(person_base(members)).with_columns(
        vehicle_type=pl.Series(np.where(helped, farm_type, any_type)),
        registration_date=days_before(rng, as_of, count, 30, 4000),
        status=pl.Series(rng.choice(["正常", "注销", "报废", "转出"], count, p=[0.85, 0.05, 0.07, 0.03])),
    )
    return finish("vehicles", frame)


def real_estate(
    rng: np.random.Generator, members: pl.DataFrame, households: pl.DataFrame, as_of: dt.date
) -> pl.DataFrame:
    ordinary = _adults(members).filter(~pl.col("_type").is_in(HELPED))
    owners = ordinary.filter(pl.Series(rng.random(ordinary.height) < 0.03))
    count = owners.height
    frame = owners.select(person_base(members)).with_columns(
        location=pl.col("_county")
        + pl.Series(rng.integers(1, 40, count).astype(str))
        + "号小区"
        + pl.Series(rng.integers(1, 20, count).astype(str))
        + "号楼",
        usage=pl.Series(np.where(rng.random(count) < 0.9, "住宅", "商业")),
        floor_area=pl.Series(np.round(rng.uniform(60, 140, count), 2)),
        registration_date=days_before(rng, as_of, count, 30, 3000),
    )
    return finish("real_estate", frame)


def disasters(
    rng: np.random.Generator, households: pl.DataFrame, years: tuple[int, int], as_of: dt.date
) -> pl.DataFrame:
    hit = households.filter(pl.Series(rng.random(households.height) < 0.012))
    count = hit.height
    frame = hit.select(
        "village_code",
        "head_id_number",
        "head_name",
        "_hh",
        _county=pl.col("county_name"),
        disaster_type=pl.Series(rng.choice(["洪涝", "滑坡", "泥石流", "冰雹", "干旱", "地震"], count)),
        house_damage=pl.Series(np.where(rng.random(count) < 0.6, "无", "一般损坏")),
        direct_loss=pl.Series(np.round(rng.uniform(200, 8000, count), 0)),
    )
    older, newer = dates_in_year(rng, years[0], count, as_of), dates_in_year(rng, years[1], count, as_of)
    frame = frame.with_columns(
        occurred_on=pl.Series(np.where(rng.random(count) < 0.5, older, newer)).cast(pl.Date)
    )
    return finish("disasters", frame)

"""The registry export: 户信息 and 成员信息 with every attribute, before injections.

`build_registry` draws the clean city; `finish_households` derives what depends on the
final member list (household size, 兜底保障 among the measures).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from fangfan.engine.regions import RegionSet
from fangfan.engine.schema import MEASURES, RISK_TYPES
from fangfan.engine.synth import people
from fangfan.engine.synth.members import member_frame
from fangfan.engine.synth.names import masked, person_names, phones
from fangfan.engine.synth.regions import LATE_EXIT_COUNTIES, LONGNAN, place_households


@dataclass
class Registry:
    households: pl.DataFrame
    members: pl.DataFrame
    villages: pl.DataFrame


def build_registry(
    rng: np.random.Generator, count: int, as_of: dt.date, region: RegionSet = LONGNAN, city: str | None = None
) -> Registry:
    placement = place_households(rng, count, region, city)
    villages = placement.villages
    households = _household_frame(rng, villages, placement.village_of_household, as_of)
    _, members = people.compose(rng, count)
    members = member_frame(rng, households, members, as_of)
    households = households.with_columns(
        head_name=_heads(members, "name"), head_id_number=_heads(members, "id_number")
    )
    return Registry(households, members, villages)


def _heads(members: pl.DataFrame, column: str) -> pl.Series:
    return members.filter(pl.col("_slot") == 0).sort("_hh")[column]


def _household_frame(
    rng: np.random.Generator, villages: pl.DataFrame, village_of: np.ndarray, as_of: dt.date
) -> pl.DataFrame:
    count = len(village_of)
    frame = villages[village_of].with_columns(_hh=pl.Series(np.arange(count)))
    sequence = np.arange(count) - np.searchsorted(village_of, village_of)
    frame = frame.with_columns(
        household_id=pl.col("village_code") + pl.Series((sequence + 1).astype(str)).str.zfill(4),
        household_type=pl.Series(rng.choice(["脱贫户", "监测户", "一般农户"], count, p=[0.30, 0.035, 0.665])),
        phone=phones(rng, count),
    )
    county = frame["county_code"].to_numpy()
    frame = frame.with_columns(**_monitoring(rng, frame["household_type"].to_numpy(), county, as_of))
    yes = pl.lit("是")
    frame = frame.with_columns(food_enough=yes, food_protein=yes, seasonal_clothes=yes, winter_bedding=yes)
    frame = frame.with_columns(**_housing(rng, count), **_water(rng, count))
    helped = frame["household_type"].is_in(["脱贫户", "监测户"]).to_numpy()
    helper = person_names(rng, rng.random(count) < 0.6)
    return frame.with_columns(
        farmland_mu=pl.Series(np.round(rng.gamma(2.0, 1.8, count), 1)),
        helper_name=pl.when(pl.Series(helped)).then(helper),
        helper_phone=pl.when(pl.Series(helped)).then(phones(rng, count)),
        _measures=pl.Series(_measure_bits(rng, count) * helped),
    )


def _monitoring(
    rng: np.random.Generator, kind: np.ndarray, county: np.ndarray, as_of: dt.date
) -> dict[str, pl.Series]:
    count = len(kind)
    late = np.isin(county, LATE_EXIT_COUNTIES)
    early_year = rng.choice(np.arange(2014, 2021), count, p=[0.12, 0.18, 0.22, 0.22, 0.16, 0.07, 0.03])
    late_year = rng.choice(np.arange(2016, 2021), count, p=[0.05, 0.1, 0.2, 0.25, 0.4])
    category = rng.choice(["脱贫不稳定户", "边缘易致贫户", "突发严重困难户"], count, p=[0.4, 0.45, 0.15])
    monitored = kind == "监测户"
    exited = (kind == "脱贫户") | (monitored & (category == "脱贫不稳定户"))
    start = np.datetime64("2021-03-01")
    span = int((np.datetime64(as_of) - start).astype(np.int64)) - 200
    since = start + rng.integers(0, max(span, 1), count).astype("timedelta64[D]")
    eliminated = monitored & (rng.random(count) < 0.4)
    room = (np.datetime64(as_of) - since).astype(np.int64) - 180
    eliminated_on = since + (180 + np.floor(rng.random(count) * np.maximum(room, 1))).astype("timedelta64[D]")
    risk = rng.choice(RISK_TYPES, count, p=_risk_shares())
    return {
        "exit_year": pl.Series(np.where(exited, np.where(late, late_year, early_year), np.nan))
        .fill_nan(None)
        .cast(pl.Int64),
        "monitoring_category": masked(monitored, category),
        "monitoring_since": pl.Series(np.where(monitored, since, np.datetime64("NaT"))).cast(pl.Date),
        "risk_eliminated": masked(monitored, np.where(eliminated, "是", "否")),
        "risk_eliminated_on": pl.Series(np.where(eliminated, eliminated_on, np.datetime64("NaT"))).cast(
            pl.Date
        ),
        "main_risk": masked(monitored, risk),
    }


def _risk_shares() -> list[float]:
    weights = np.array([30, 15, 8, 6, 5, 10, 5, 8, 2, 1, 7, 3], dtype=float)
    return list(weights / weights.sum())


def _housing(rng: np.random.Generator, count: int) -> dict[str, pl.Series]:
    draw = rng.random(count)
    renovated = (draw >= 0.437) & (draw < 0.86)
    relocated = draw >= 0.86
    grade = np.where(
        renovated, np.where(rng.random(count) < 0.7, "C", "D"), np.where(rng.random(count) < 0.4, "A", "B")
    )
    return {
        "house_grade": pl.Series(grade),
        "house_renovated": pl.Series(np.where(renovated, "是", "否")),
        "relocated": pl.Series(np.where(relocated, "是", "否")),
        "relocated_moved_in": masked(relocated, "是"),
    }


def _water(rng: np.random.Generator, count: int) -> dict[str, pl.Series]:
    supply = rng.choice(["集中供水入户", "集中供水未入户", "分散供水"], count, p=[0.937, 0.04, 0.023])
    trip = np.where(supply == "集中供水入户", 0, rng.integers(3, 21, count))
    short = np.where(rng.random(count) < 0.93, 0, rng.integers(1, 31, count))
    return {
        "water_supply": pl.Series(supply),
        "water_quantity_ok": pl.Series(["是"] * count, dtype=pl.String),
        "water_quality_ok": pl.Series(["是"] * count, dtype=pl.String),
        "water_trip_minutes": pl.Series(trip),
        "water_short_days": pl.Series(short),
    }


SAFETY_NET_BIT = 1 << MEASURES.index("兜底保障")


def _measure_bits(rng: np.random.Generator, count: int) -> np.ndarray:
    """Each household's measures as bits over MEASURES: one to three, never 兜底保障 (added later)."""
    common = [m for m in MEASURES if m not in ("兜底保障", "其他")]
    bits = np.zeros(count, dtype=np.int64)
    for _ in range(3):
        chosen = rng.choice(len(common), count)
        keep = rng.random(count) < 0.6
        bits |= np.where(keep, 1 << np.array([MEASURES.index(m) for m in common])[chosen], 0)
    first = np.array([MEASURES.index(m) for m in common])[rng.choice(len(common), count)]
    return bits | (1 << first)


def measures_text(bits: pl.Expr) -> pl.Expr:
    """The ；-separated list of the measures whose bits are set."""
    parts = [pl.when((bits // (1 << i)) % 2 == 1).then(pl.lit(m)) for i, m in enumerate(MEASURES)]
    return pl.concat_str(parts, separator="；", ignore_nulls=True).replace("", None)

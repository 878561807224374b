"""Villages for the synthetic city: the real counties and townships, invented villages.

A township gets about one village per 190 households (at least one), each with a
name unique in its township and a 12-digit code: the township's 9 digits + 200+i.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from fangfan.engine.regions import Region, counties, townships
from fangfan.engine.synth.names import village_names

HOUSEHOLDS_PER_VILLAGE = 190

# Share of the city's rural households per county (rough population shares).
COUNTY_SHARE = {
    "621202": 0.235,
    "621221": 0.085,
    "621222": 0.095,
    "621223": 0.12,
    "621224": 0.075,
    "621225": 0.15,
    "621226": 0.18,
    "621227": 0.07,
    "621228": 0.025,
}
# Old (pre-2004) address codes that people born before 2004 mostly carry.
OLD_AREA_CODE = {
    "621202": "622621",
    "621223": "622623",
    "621221": "622624",
    "621224": "622625",
    "621222": "622626",
    "621225": "622627",
    "621226": "622628",
    "621228": "622629",
    "621227": "622630",
}
LATE_EXIT_COUNTIES = ("621223", "621225", "621226")  # 宕昌 西和 礼县 exited in 2020
TIBETAN_COUNTIES = ("621222", "621223")  # 文县 宕昌


@dataclass(frozen=True)
class Placement:
    villages: pl.DataFrame  # village_code, village_name, township_name, county_name, county_code
    village_of_household: np.ndarray  # index into villages, sorted ascending


def place_households(rng: np.random.Generator, households: int) -> Placement:
    """Spread households over townships, make villages, and give each household a village."""
    township_list = sorted(townships().values(), key=lambda r: r.code)
    weights = np.array([COUNTY_SHARE[t.parent_code] for t in township_list])
    per_county = {code: sum(1 for t in township_list if t.parent_code == code) for code in COUNTY_SHARE}
    weights = weights / np.array([per_county[t.parent_code] for t in township_list])
    weights *= rng.gamma(4.0, 0.25, len(township_list))
    township_of = rng.choice(len(township_list), size=households, p=weights / weights.sum())
    per_township = np.bincount(township_of, minlength=len(township_list))
    village_count = np.where(
        per_township > 0, np.maximum(1, np.rint(per_township / HOUSEHOLDS_PER_VILLAGE)), 0
    )
    village_count = village_count.astype(np.int64)
    first_village = np.concatenate([[0], np.cumsum(village_count)[:-1]])
    offset = np.floor(rng.random(households) * village_count[township_of]).astype(np.int64)
    village_of = np.sort(first_village[township_of] + offset)
    return Placement(_village_table(rng, township_list, village_count), village_of)


def _village_table(
    rng: np.random.Generator, township_list: list[Region], village_count: np.ndarray
) -> pl.DataFrame:
    county_names = {code: region.name for code, region in counties().items()}
    rows: dict[str, list[str]] = {
        k: [] for k in ("village_code", "village_name", "township_name", "county_code")
    }
    for township, count in zip(township_list, village_count, strict=True):
        for i, name in enumerate(village_names(rng, int(count))):
            rows["village_code"].append(f"{township.code}{200 + i:03d}")
            rows["village_name"].append(name)
            rows["township_name"].append(township.name)
            rows["county_code"].append(township.parent_code)
    frame = pl.DataFrame(rows)
    return frame.with_columns(county_name=pl.col("county_code").replace_strict(county_names))

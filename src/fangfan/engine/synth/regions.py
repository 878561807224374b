"""Villages for the synthetic city or province: the real counties and townships, invented villages.

Longnan (the default) spreads households over its 9 counties by `COUNTY_SHARE`. Gansu
(`fangfan generate --province gansu`) first over its 14 cities by `CITY_RURAL_PEOPLE`,
a rough rural (resident, non-urban) population of each in 2020, rounded to 10,000 and
written from memory of the census' published urbanisation rates, not a source to quote:
it makes Longnan, Dingxi, Tianshui and Linxia big and Jiayuguan tiny, which is all the
generator needs. Inside a city other than Longnan a county's share is its number of
towns and townships (镇 1xx, 乡 2xx: 街道 0xx, urban sub-districts, do not count), so a
district made only of 街道 gets no households; Longnan's counties keep `COUNTY_SHARE`.
Households live in 街道, 镇 and 乡 alike inside a county; the units coded 4xx (development
zones, state farms, the prison enterprise) get none.

A township gets about one village per 190 households (at least one), each with a
name unique in its township and a 12-digit code: the township's 9 digits + 200+i.
People born before 2004 mostly carry their county's old address code
(reference/old_area_codes.csv: the prefectures that became cities in 1998–2004);
counties of cities that kept their code carry the current one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from fangfan.engine.regions import REGION_SETS, Region, RegionSet
from fangfan.engine.synth.names import village_names

HOUSEHOLDS_PER_VILLAGE = 190
LONGNAN = REGION_SETS["longnan"]
PROVINCES = {"gansu": REGION_SETS["gansu"]}

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
# Rough rural population per city of Gansu, in 10,000 people (see the module's words).
CITY_RURAL_PEOPLE = {
    "620100": 74,  # 兰州市
    "620200": 2,  # 嘉峪关市
    "620300": 10,  # 金昌市
    "620400": 71,  # 白银市
    "620500": 170,  # 天水市
    "620600": 80,  # 武威市
    "620700": 58,  # 张掖市
    "620800": 105,  # 平凉市
    "620900": 39,  # 酒泉市
    "621000": 133,  # 庆阳市
    "621100": 162,  # 定西市
    "621200": 157,  # 陇南市
    "622900": 133,  # 临夏回族自治州
    "623000": 41,  # 甘南藏族自治州
}
# Counties whose last poor households exited in 2020 (Gansu's last eight).
LATE_EXIT_COUNTIES = (
    "621223",  # 宕昌
    "621225",  # 西和
    "621226",  # 礼县
    "621121",  # 通渭
    "621126",  # 岷县
    "621027",  # 镇原
    "622921",  # 临夏县
    "622926",  # 东乡
)
TIBETAN_COUNTIES = ("621222", "621223")  # 文县 宕昌: a few Tibetan households
# Where a minority is a large part of the rural people: ethnicity, share of households.
MAJORITY_MINORITIES = {
    "622926": ("东乡族", 0.85),  # 东乡族自治县
    "622927": ("回族", 0.35),  # 积石山
    "622901": ("回族", 0.30),  # 临夏市
    "622921": ("回族", 0.30),  # 临夏县
    "622922": ("回族", 0.55),  # 康乐
    "622923": ("回族", 0.25),  # 永靖
    "622924": ("回族", 0.55),  # 广河
    "622925": ("回族", 0.50),  # 和政
    "620525": ("回族", 0.65),  # 张家川
    "623001": ("藏族", 0.55),  # 合作
    "623021": ("藏族", 0.25),  # 临潭
    "623022": ("藏族", 0.60),  # 卓尼
    "623023": ("藏族", 0.15),  # 舟曲
    "623024": ("藏族", 0.75),  # 迭部
    "623025": ("藏族", 0.85),  # 玛曲
    "623026": ("藏族", 0.85),  # 碌曲
    "623027": ("藏族", 0.75),  # 夏河
    "620623": ("藏族", 0.30),  # 天祝
    "620721": ("裕固族", 0.25),  # 肃南
}


def region_of(province: str | None) -> RegionSet:
    """The generator's regions: Longnan, or a province of `PROVINCES`."""
    if province is None:
        return LONGNAN
    return PROVINCES[province]


def county_shares(region: RegionSet) -> dict[str, float]:
    """Each county's share of the rural households (summing to 1 over the region)."""
    if region.key == "longnan":
        return COUNTY_SHARE
    total = sum(CITY_RURAL_PEOPLE[city] for city in region.cities())
    rural = [t for t in region.townships().values() if t.code[6] in "12"]  # 镇 1xx, 乡 2xx
    shares: dict[str, float] = {}
    for city in region.cities():
        counties = [c for c in region.counties().values() if c.parent_code == city]
        if city == LONGNAN.code:
            within = COUNTY_SHARE
        else:
            towns = {c.code: sum(1 for t in rural if t.parent_code == c.code) for c in counties}
            within = {code: n / sum(towns.values()) for code, n in towns.items()}
        for county in counties:
            shares[county.code] = CITY_RURAL_PEOPLE[city] / total * within[county.code]
    return shares


def old_area_code(region: RegionSet) -> dict[str, str]:
    """County → the address code most of its people born before 2004 carry (itself if none)."""
    old = {county: code for code, county in region.old_area_codes().items()}
    return {county: old.get(county, county) for county in region.counties()}


def city_of_county_name(region: RegionSet) -> dict[str, str]:
    cities = {code: city.name for code, city in region.cities().items()} or {LONGNAN.code: LONGNAN.name}
    return {county.name: cities[county.parent_code] for county in region.counties().values()}


@dataclass(frozen=True)
class Placement:
    villages: pl.DataFrame  # village_code, village_name, township_name, county_name, county_code
    village_of_household: np.ndarray  # index into villages, sorted ascending


def city_shares(region: RegionSet) -> dict[str, float]:
    """Each city's share of the province's rural households (summing to 1), cities in code order."""
    total = sum(CITY_RURAL_PEOPLE[city] for city in region.cities())
    return {city: CITY_RURAL_PEOPLE[city] / total for city in sorted(region.cities())}


def place_households(
    rng: np.random.Generator, households: int, region: RegionSet = LONGNAN, city: str | None = None
) -> Placement:
    """Spread households over townships, make villages, and give each household a village.

    `city` (a city code of a province) keeps them inside that city: the province is generated
    one city at a time.
    """
    counties = region.counties()
    township_list = sorted(
        (
            t
            for t in region.townships().values()
            if t.code[6] in "012" and (city is None or counties[t.parent_code].parent_code == city)
        ),
        key=lambda r: r.code,
    )
    share = county_shares(region)
    if city is not None:
        share = {code: value for code, value in share.items() if counties[code].parent_code == city}
    weights = np.array([share[t.parent_code] for t in township_list])
    per_county = {code: sum(1 for t in township_list if t.parent_code == code) for code in share}
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
    return Placement(_village_table(rng, region, township_list, village_count), village_of)


def _village_table(
    rng: np.random.Generator, region: RegionSet, township_list: list[Region], village_count: np.ndarray
) -> pl.DataFrame:
    county_names = {code: county.name for code, county in region.counties().items()}
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

"""Households and their members: composition, ages, ID numbers, names.

Everything is drawn per column with numpy; a household's members are consecutive
rows, slot 0 being the head. Hidden columns (`_hh`, `_age`, …) travel with the
frames for the later steps and are dropped by the writers.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from fangfan.engine.idnumber import CHECK_CHARACTERS, WEIGHTS
from fangfan.engine.synth.regions import PROVINCES, old_area_code

SIZE_SHARES = (0.08, 0.15, 0.18, 0.22, 0.18, 0.11, 0.05, 0.03)  # 1..8 people, mean ≈ 4
MALE_RELATIONS = ("户主", "之子", "之孙子", "之父", "之女婿")
OLD_ID_BORN_BEFORE = 1965
OLD_ID_SHARE_OF_OLDER = 0.017  # ≈18% of people are born before 1965: 0.3% of all


def compose(rng: np.random.Generator, households: int) -> tuple[np.ndarray, pl.DataFrame]:
    """Household sizes and one row per member with relation, sex and age in years."""
    size = rng.choice(8, size=households, p=SIZE_SHARES) + 1
    extended = (rng.random(households) < 0.45) & (size >= 3)
    head_age = np.where(
        size == 1,
        rng.integers(40, 89, households),
        np.where(extended, rng.integers(56, 83, households), rng.integers(24, 53, households)),
    )
    second_generation_age = head_age - rng.integers(22, 35, households)
    parents = np.where(size >= 6, 2, np.where((size == 5) & (rng.random(households) < 0.3), 1, 0))
    head_male = rng.random(households) < 0.85
    son_line = rng.random(households) < 0.8
    household = np.repeat(np.arange(households), size)
    slot = np.arange(len(household)) - np.repeat(np.cumsum(size) - size, size)
    relation, age = _relations(
        rng,
        slot,
        size[household],
        extended[household],
        parents[household],
        son_line[household],
        head_age[household],
        second_generation_age[household],
    )
    male = np.isin(relation, MALE_RELATIONS)
    male = np.where(relation == "户主", head_male[household], male)
    male = np.where(relation == "配偶", ~head_male[household], male)
    members = pl.DataFrame(
        {"_hh": household, "_slot": slot, "relation": relation, "_male": male, "_age": age}
    )
    return size, members


def _relations(
    rng: np.random.Generator,
    slot: np.ndarray,
    size: np.ndarray,
    extended: np.ndarray,
    parents: np.ndarray,
    son_line: np.ndarray,
    head_age: np.ndarray,
    second_age: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    count = len(slot)
    child_male = rng.random(count) < 0.52
    child = np.where(child_male, "之子", "之女")
    grandchild = np.where(child_male, "之孙子", "之孙女")
    parent_slot = slot - (size - parents)  # 0 or 1 among the trailing parent slots
    parent = np.where((parents == 2) & (parent_slot == 0), "之父", "之母")
    young = np.where((parents > 0) & (parent_slot >= 0), parent, child)
    old = np.where(
        slot == 2,
        np.where(son_line, "之子", "之女"),
        np.where(slot == 3, np.where(son_line, "之儿媳", "之女婿"), grandchild),
    )
    relation = np.where(slot == 0, "户主", np.where(slot == 1, "配偶", np.where(extended, old, young)))
    spouse_age = np.clip(head_age - rng.integers(-3, 7, count), 20, 95)
    young_child_age = np.clip(head_age - rng.integers(20, 37, count), 0, None)
    parent_age = np.clip(head_age + rng.integers(20, 35, count), None, 99)
    in_law_age = np.clip(second_age + rng.integers(-3, 5, count), 20, None)
    grandchild_age = np.clip(second_age - rng.integers(20, 31, count), 0, None)
    age = np.select(
        [
            slot == 0,
            slot == 1,
            np.isin(relation, ("之父", "之母")),
            extended & (slot == 2),
            extended & (slot == 3),
            extended,
        ],
        [head_age, spouse_age, parent_age, second_age, in_law_age, grandchild_age],
        default=young_child_age,
    )
    return relation, age


def birth_dates(rng: np.random.Generator, age_years: np.ndarray, as_of: dt.date) -> np.ndarray:
    """A birth date (datetime64[D]) that gives roughly `age_years` at `as_of`."""
    days = np.floor(age_years * 365.25 + rng.random(len(age_years)) * 364).astype(np.int64)
    return np.datetime64(as_of, "D") - days


def exact_age(born: pl.Expr, as_of: dt.date) -> pl.Expr:
    """Whole years at `as_of`.

    Polars gives month and day as 8-bit integers: widen before any arithmetic, or
    `month * 100` wraps around and the birthday comparison goes wrong.
    """
    month = born.dt.month().cast(pl.Int32)
    day = born.dt.day().cast(pl.Int32)
    before_birthday = (month * 100 + day) > (as_of.month * 100 + as_of.day)
    return (
        pl.lit(as_of.year, pl.Int32) - born.dt.year().cast(pl.Int32) - before_birthday.cast(pl.Int32)
    ).cast(pl.Int32)


def id_numbers(
    rng: np.random.Generator, county_code: np.ndarray, born: np.ndarray, male: np.ndarray
) -> np.ndarray:
    """Unique ID numbers: 6226xx for most born before 2004, 6212xx after, a few old 15-digit ones.

    The old code of a county is the province's (reference/old_area_codes.csv), whichever
    region is generated: a county that kept its code carries it before 2004 too.
    """
    count = len(born)
    year = born.astype("datetime64[Y]").astype(np.int64) + 1970
    old_codes = old_area_code(PROVINCES["gansu"])
    keys = np.array(sorted(int(k) for k in old_codes))
    olds = np.array([int(old_codes[str(k)]) for k in keys])
    old_code = olds[np.searchsorted(keys, county_code)]
    use_old = (year < 2004) & (rng.random(count) < 0.9)
    area = np.where(use_old, old_code, county_code).astype(np.int64)
    ymd = _yyyymmdd(born)
    sequence = _unique_sequences(rng, area, ymd, male)
    parts = pl.DataFrame(
        {"area": area, "ymd": ymd, "seq": sequence, "check": _check_characters(area, ymd, sequence)}
    )
    # Old 15-digit numbers were never re-issued for some older people: about 0.3% of
    # everyone, all born before 1965 (GB 11643-1999 replaced them from 1999 on).
    short = (year < OLD_ID_BORN_BEFORE) & (rng.random(count) < OLD_ID_SHARE_OF_OLDER)
    numbers = parts.select(
        pl.when(pl.Series(short))
        .then(
            pl.concat_str(
                pl.col("area").cast(pl.String),
                (pl.col("ymd") % 1_000_000).cast(pl.String).str.zfill(6),
                pl.col("seq").cast(pl.String).str.zfill(3),
            )
        )
        .otherwise(
            pl.concat_str(
                pl.col("area").cast(pl.String),
                pl.col("ymd").cast(pl.String),
                pl.col("seq").cast(pl.String).str.zfill(3),
                "check",
            )
        )
        .alias("id")
    )["id"]
    return numbers.to_numpy()


def _yyyymmdd(born: np.ndarray) -> np.ndarray:
    years = born.astype("datetime64[Y]")
    months = born.astype("datetime64[M]")
    day = (born - months).astype(np.int64) + 1
    month = (months - years.astype("datetime64[M]")).astype(np.int64) + 1
    result: np.ndarray = (years.astype(np.int64) + 1970) * 10000 + month * 100 + day
    return result


def _unique_sequences(
    rng: np.random.Generator, area: np.ndarray, ymd: np.ndarray, male: np.ndarray
) -> np.ndarray:
    sequence = rng.integers(0, 500, len(area)) * 2 + male.astype(np.int64)
    key = (area * 10**8 + ymd) * 1000
    for _ in range(50):
        _, first = np.unique(key + sequence, return_index=True)
        clash = np.ones(len(area), dtype=bool)
        clash[first] = False  # the first holder keeps its number
        if not clash.any():
            break
        sequence[clash] = rng.integers(0, 500, int(clash.sum())) * 2 + male[clash].astype(np.int64)
    return sequence


def _check_characters(area: np.ndarray, ymd: np.ndarray, sequence: np.ndarray) -> np.ndarray:
    total = np.zeros(len(area), dtype=np.int64)
    for number, width, offset in ((area, 6, 0), (ymd, 8, 6), (sequence, 3, 14)):
        for position in range(width):
            digit = (number // 10 ** (width - 1 - position)) % 10
            total += digit * WEIGHTS[offset + position]
    return np.array(list(CHECK_CHARACTERS))[total % 11]

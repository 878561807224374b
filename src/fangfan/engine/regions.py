"""The office's regions: a reference set of counties and townships shipped with the package.

Two sets ship: Longnan (the city, 9 counties, 199 townships: the default) and Gansu (the
province, 14 cities, 88 county-level units, about 1,400 townships). The environment's
FANGFAN_REGION (``longnan`` or ``gansu``) chooses the one the engine validates, links,
summarises and keeps ledgers against: `active()` is the only place that reads it, and
`counties()`, `townships()` and `old_area_codes()` answer for the active set.

Villages are not in the reference files: they are learned from imports (a 12-digit
code under a known township is accepted with its name).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

from fangfan.engine.config import ConfigError, env_str

CITY_CODE = "621200"
REGION_VARIABLE = "FANGFAN_REGION"


@dataclass(frozen=True)
class Region:
    level: str  # province | city | county | township | village
    code: str
    name: str
    parent_code: str


@dataclass(frozen=True)
class RegionSet:
    key: str  # longnan | gansu
    file: str
    code: str  # the set's own region: the city 621200 or the province 620000
    name: str  # 陇南市 | 甘肃省

    def regions(self) -> tuple[Region, ...]:
        return _read(self.file)

    def counties(self) -> dict[str, Region]:
        return _level(self.file, "county")

    def townships(self) -> dict[str, Region]:
        return _level(self.file, "township")

    def cities(self) -> dict[str, Region]:
        return _level(self.file, "city")

    def old_area_codes(self) -> dict[str, str]:
        """Pre-2004 address codes still carried in ID numbers → the county each became."""
        return _old_codes(self.file)


REGION_SETS = {
    "longnan": RegionSet("longnan", "longnan_regions.csv", CITY_CODE, "陇南市"),
    "gansu": RegionSet("gansu", "gansu_regions.csv", "620000", "甘肃省"),
}


def region_set(key: str) -> RegionSet:
    try:
        return REGION_SETS[key]
    except KeyError:
        known = "、".join(REGION_SETS)
        raise ConfigError(f"未知的区划范围 {key!r}，应为 {known} 之一") from None


def active() -> RegionSet:
    """The region set this installation works on (FANGFAN_REGION, default longnan)."""
    return region_set(env_str(REGION_VARIABLE, "longnan").strip().lower() or "longnan")


@cache
def _read(file: str) -> tuple[Region, ...]:
    text = resources.files("fangfan.engine.reference").joinpath(file).read_text("utf-8")
    return tuple(Region(**row) for row in csv.DictReader(text.splitlines()))


@cache
def _level(file: str, level: str) -> dict[str, Region]:
    return {r.code: r for r in _read(file) if r.level == level}


# old_area_codes.csv: Longnan's rows are the codes the generator always used; the other former
# prefectures' (定西, 平凉, 庆阳, 天水 …) were written from memory of the pre-2004 code list and
# have not been checked against the official one: check them before relying on a county there.
@cache
def _old_codes(file: str) -> dict[str, str]:
    text = resources.files("fangfan.engine.reference").joinpath("old_area_codes.csv").read_text("utf-8")
    known = _level(file, "county")
    rows = csv.DictReader(text.splitlines())
    return {row["old_code"]: row["county_code"] for row in rows if row["county_code"] in known}


def reference_regions() -> tuple[Region, ...]:
    return active().regions()


def counties() -> dict[str, Region]:
    return active().counties()


def townships() -> dict[str, Region]:
    return active().townships()


def old_area_codes() -> dict[str, str]:
    return active().old_area_codes()


def county_of(code: str) -> str:
    """County code (6 digits) of a township or village code."""
    return code[:6]


def township_of(village_code: str) -> str:
    return village_code[:9]

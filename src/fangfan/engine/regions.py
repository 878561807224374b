"""Longnan's regions: the city, 9 counties and 199 townships shipped as reference data.

Villages are not in the reference file: they are learned from imports (a 12-digit
code under a known township is accepted with its name).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

CITY_CODE = "621200"


@dataclass(frozen=True)
class Region:
    level: str  # city | county | township | village
    code: str
    name: str
    parent_code: str


@cache
def reference_regions() -> tuple[Region, ...]:
    text = resources.files("fangfan.engine.reference").joinpath("longnan_regions.csv").read_text("utf-8")
    return tuple(Region(**row) for row in csv.DictReader(text.splitlines()))


@cache
def counties() -> dict[str, Region]:
    return {r.code: r for r in reference_regions() if r.level == "county"}


@cache
def townships() -> dict[str, Region]:
    return {r.code: r for r in reference_regions() if r.level == "township"}


def county_of(code: str) -> str:
    """County code (6 digits) of a township or village code."""
    return code[:6]


def township_of(village_code: str) -> str:
    return village_code[:9]

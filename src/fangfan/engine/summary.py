"""Per-county summary of a snapshot: households by type, people, import problems.

Import problems are placed in a county through the row they concern: its village
code, its household, or the registry household of the person it names. A problem
on a row that cannot be placed (a file nobody recognised, a row without any usable
identifier) is counted under 未定位.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from fangfan.engine import regions
from fangfan.engine.schema import HOUSEHOLD_TYPES, TABLES
from fangfan.engine.snapshot import Snapshot

UNPLACED = "未定位"


@dataclass(frozen=True)
class CountySummary:
    counties: pl.DataFrame  # one row per county: households by type, people, problems
    problems: pl.DataFrame  # county_name × problem code counts (long form)


def county_summary(snapshot: Snapshot) -> CountySummary:
    households = snapshot.read("households").select("household_id", "village_code", "household_type")
    people = _people_per_household(snapshot)
    by_county = (
        households.join(people, on="household_id", how="left")
        .with_columns(county_code=pl.col("village_code").str.slice(0, 6))
        .group_by("county_code")
        .agg(
            [(pl.col("household_type") == kind).sum().alias(kind) for kind in HOUSEHOLD_TYPES]
            + [pl.len().alias("户数"), pl.col("people").fill_null(0).sum().alias("人数")]
        )
    )
    problems = _problems_by_county(snapshot, households)
    problem_totals = problems.group_by("county_code").agg(pl.col("count").sum().alias("导入问题"))
    counties = (
        _county_frame()
        .join(by_county, on="county_code", how="left")
        .join(problem_totals, on="county_code", how="left")
        .fill_null(0)
        .sort("county_code")
    )
    return CountySummary(counties=counties, problems=problems)


def _county_frame() -> pl.DataFrame:
    counties = regions.counties()
    return pl.DataFrame(
        {"county_code": list(counties), "county_name": [c.name for c in counties.values()]},
        schema={"county_code": pl.String, "county_name": pl.String},
    )


def _people_per_household(snapshot: Snapshot) -> pl.DataFrame:
    members = snapshot.read("members").select("household_id", "member_status")
    return (
        members.filter(pl.col("member_status").is_null() | (pl.col("member_status") == "正常"))
        .group_by("household_id")
        .agg(pl.len().cast(pl.Int64).alias("people"))
    )


def _locator(snapshot: Snapshot, households: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """For each table in the snapshot: (_file, _sheet, _row) → county_code."""
    household_county = households.select(
        "household_id", pl.col("village_code").str.slice(0, 6).alias("county_code")
    )
    person_county = (
        snapshot.read("members")
        .select("id_number", "household_id")
        .join(household_county, on="household_id")
        .unique("id_number", keep="first")
        .select("id_number", "county_code")
    )
    locators: dict[str, pl.DataFrame] = {}
    for table in TABLES.values():
        if not snapshot.has(table.name):
            continue
        frame = snapshot.read(table.name)
        keys = ["_file", "_sheet", "_row"]
        if not set(keys) <= set(frame.columns):
            continue
        if "village_code" in frame.columns:
            located = frame.select(*keys, pl.col("village_code").str.slice(0, 6).alias("county_code"))
        elif "household_id" in frame.columns:
            located = frame.select(*keys, "household_id").join(
                household_county, on="household_id", how="left"
            )
        else:
            person = "id_number" if "id_number" in frame.columns else "head_id_number"
            located = (
                frame.select(*keys, pl.col(person).alias("id_number"))
                .join(person_county, on="id_number", how="left")
                .drop("id_number")
            )
        locators[table.name] = located.select(*keys, "county_code")
    return locators


def _problems_by_county(snapshot: Snapshot, households: pl.DataFrame) -> pl.DataFrame:
    schema = {"county_code": pl.String, "code": pl.String, "count": pl.UInt32}
    if not snapshot.has("problems"):
        return pl.DataFrame(schema=schema)
    problems = snapshot.read("problems")
    if problems.is_empty():
        return pl.DataFrame(schema=schema)
    locators = _locator(snapshot, households)
    located_parts = []
    for table_name, locator in locators.items():
        part = problems.filter(pl.col("table") == table_name).join(
            locator,
            left_on=["file", "sheet", "row"],
            right_on=["_file", "_sheet", "_row"],
            how="left",
            nulls_equal=True,
        )
        located_parts.append(part.select("code", "county_code"))
    unlocated = problems.filter(~pl.col("table").is_in(list(locators)) | pl.col("table").is_null())
    located_parts.append(unlocated.select("code", pl.lit(None, dtype=pl.String).alias("county_code")))
    located = pl.concat(located_parts, how="vertical_relaxed")
    return (
        located.with_columns(pl.col("county_code").fill_null(UNPLACED))
        .group_by("county_code", "code")
        .agg(pl.len().alias("count"))
        .sort("county_code", "code")
    )

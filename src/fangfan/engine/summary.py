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
    """For each table: (_file, _sheet, _row) → county_code, for kept and excluded rows alike."""
    household_county = households.select(
        "household_id", pl.col("village_code").str.slice(0, 6).alias("household_county")
    )
    person_county = (
        snapshot.read("members")
        .select("id_number", "household_id")
        .join(household_county, on="household_id")
        .unique("id_number", keep="first")
        .select(pl.col("id_number").alias("person"), pl.col("household_county").alias("person_county"))
    )
    rejected = snapshot.read("rejected") if snapshot.has("rejected") else None
    locators: dict[str, pl.DataFrame] = {}
    for table in TABLES.values():
        parts = []
        if snapshot.has(table.name):
            parts.append(_identifiers(snapshot.read(table.name)))
        if rejected is not None and "values" in rejected.columns:
            parts.append(_rejected_identifiers(rejected.filter(pl.col("table") == table.name)))
        if not parts:
            continue
        rows = pl.concat(parts, how="vertical_relaxed")
        locators[table.name] = (
            rows.join(household_county, on="household_id", how="left")
            .join(person_county, on="person", how="left")
            .select(
                "_file",
                "_sheet",
                "_row",
                pl.coalesce(
                    pl.col("village_code").str.slice(0, 6), "household_county", "person_county"
                ).alias("county_code"),
            )
        )
    return locators


IDENTIFIERS = ("village_code", "household_id", "person")


def _identifiers(frame: pl.DataFrame) -> pl.DataFrame:
    """The row address plus whatever places the row: village, household or person."""
    person = "id_number" if "id_number" in frame.columns else "head_id_number"
    return frame.select(
        pl.col("_file").cast(pl.String),
        pl.col("_sheet").cast(pl.String),
        pl.col("_row").cast(pl.Int64),
        *(
            (pl.col(source) if source in frame.columns else pl.lit(None)).cast(pl.String).alias(name)
            for name, source in zip(IDENTIFIERS, ("village_code", "household_id", person), strict=True)
        ),
    )


def _rejected_identifiers(rejected: pl.DataFrame) -> pl.DataFrame:
    """The same for excluded rows, whose raw values are kept as JSON text."""
    values = pl.col("values")
    person = pl.coalesce(
        values.str.json_path_match("$.id_number"), values.str.json_path_match("$.head_id_number")
    )
    return rejected.select(
        pl.col("_file").cast(pl.String),
        pl.col("_sheet").cast(pl.String),
        pl.col("_row").cast(pl.Int64),
        values.str.json_path_match("$.village_code").alias("village_code"),
        values.str.json_path_match("$.household_id").alias("household_id"),
        person.alias("person"),
    )


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

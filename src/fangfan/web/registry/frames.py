"""The engine's Parquet shaped into the registry's tables, with Polars (no Django here).

Each function takes engine frames and returns one frame whose columns are the
database columns of one registry model (`publish` loads them in bulk). Money and
counts keep their engine types; JSON columns are JSON text.
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl

from fangfan.engine.schema import TABLES, Kind

NO_PERSON = ""  # a household-level finding's person, as `compare_runs` keys it
FINDING_KEY = ("rule_code", "household_id", "id_number")
LIVING = "正常"
BOOKKEEPING = ("_file", "_sheet", "_row", "_flags")
INCOME_FIELDS = (
    "year",
    "wage_income",
    "business_income",
    "property_income",
    "transfer_income",
    "business_cost",
    "medical_selfpay",
    "net_income",
    "net_income_per_capita",
)


def _text_columns(frame: pl.DataFrame, names: tuple[str, ...]) -> list[pl.Expr]:
    """Text columns with '' for missing (the models keep text NOT NULL, blank allowed)."""
    return [pl.col(name).cast(pl.String).fill_null("") for name in names if name in frame.columns]


def household_frame(
    households: pl.DataFrame, members: pl.DataFrame, income: pl.DataFrame, findings: pl.DataFrame
) -> pl.DataFrame:
    """registry_household rows (without the run columns): the snapshot's households with
    their living members counted, their newest income and every year's, and their findings."""
    people = (
        members.filter(pl.col("member_status").is_null() | (pl.col("member_status") == LIVING))
        .group_by("household_id")
        .agg(pl.len().cast(pl.Int64).alias("people"))
    )
    counts = findings.group_by("household_id").agg(
        pl.len().cast(pl.Int64).alias("open_findings"),
        pl.col("veto").sum().cast(pl.Int64).alias("veto_findings"),
    )
    frame = (
        households.unique("household_id", keep="first", maintain_order=True)
        .join(people, on="household_id", how="left")
        .join(_incomes(income), on="household_id", how="left")
        .join(counts, on="household_id", how="left")
    )
    text = (
        "county_name",
        "township_name",
        "village_name",
        "head_name",
        "head_id_number",
        "household_type",
        "monitoring_category",
        "main_risk",
        "phone",
        "house_grade",
        "water_supply",
        "helper_name",
        "helper_phone",
    )
    return frame.select(
        "household_id",
        "village_code",
        pl.col("village_code").str.slice(0, 9).alias("township_code"),
        pl.col("village_code").str.slice(0, 6).alias("county_code"),
        *_text_columns(frame, text),
        "exit_year",
        "monitoring_since",
        "risk_eliminated",
        "risk_eliminated_on",
        "household_size",
        pl.col("people").fill_null(0),
        "food_enough",
        "food_protein",
        "seasonal_clothes",
        "winter_bedding",
        "house_renovated",
        "relocated",
        "relocated_moved_in",
        "water_quantity_ok",
        "water_quality_ok",
        "water_trip_minutes",
        "water_short_days",
        "farmland_mu",
        pl.col("measures").list.join("；").fill_null("").alias("measures"),
        "income_year",
        "net_income",
        "net_income_per_capita",
        pl.col("incomes").fill_null("[]"),
        pl.col("open_findings").fill_null(0),
        pl.col("veto_findings").fill_null(0),
    )


def _incomes(income: pl.DataFrame) -> pl.DataFrame:
    """Per household: the newest year's net income and per-capita income, and every year as JSON."""
    ordered = income.sort("household_id", "year")
    newest = ordered.unique("household_id", keep="last").select(
        "household_id",
        pl.col("year").alias("income_year"),
        "net_income",
        "net_income_per_capita",
    )
    every_year = ordered.group_by("household_id", maintain_order=True).agg(
        pl.struct(INCOME_FIELDS).struct.json_encode().alias("_year")
    )
    as_json = every_year.select(
        "household_id",
        pl.concat_str(pl.lit("["), pl.col("_year").list.join(","), pl.lit("]")).alias("incomes"),
    )
    return newest.join(as_json, on="household_id", how="left")


def member_frame(members: pl.DataFrame, households: pl.DataFrame) -> pl.DataFrame:
    """registry_member rows: members of known households, one per (household, ID number)."""
    placed = members.with_columns(pl.int_range(pl.len()).over("household_id").alias("position")).join(
        households.select("household_id", "village_code"), on="household_id", how="inner"
    )
    text = (
        "name",
        "relation",
        "sex",
        "ethnicity",
        "schooling",
        "health",
        "disability_grade",
        "labour",
        "work_status",
        "medical_insured",
        "pension_insured",
        "member_status",
    )
    return (
        placed.with_columns(pl.col("id_number").fill_null(NO_PERSON))
        .unique(["household_id", "id_number"], keep="first", maintain_order=True)
        .select(
            pl.col("household_id"),
            "village_code",
            pl.col("position").cast(pl.Int64),
            *_text_columns(placed, text),
            "id_number",
            "id_number_valid",
            "birth_date",
            "work_months",
            "family_doctor",
            "dibao",
            "tekun",
        )
    )


def finding_frame(findings: pl.DataFrame, members: pl.DataFrame, households: pl.DataFrame) -> pl.DataFrame:
    """One row per finding identity (the engine lists veto first, so the first is kept), on a
    known household, with the person's name."""
    names = members.select("household_id", "id_number", pl.col("name").alias("person_name")).unique(
        ["household_id", "id_number"], keep="first"
    )
    keyed = findings.with_columns(pl.col("id_number").fill_null(NO_PERSON)).unique(
        list(FINDING_KEY), keep="first", maintain_order=True
    )
    known = keyed.join(households.select("household_id"), on="household_id", how="semi")
    return known.join(names, on=["household_id", "id_number"], how="left").select(
        *FINDING_KEY,
        pl.col("person_name").fill_null(""),
        "village_code",
        pl.col("village_code").str.slice(0, 9).alias("township_code"),
        pl.col("village_code").str.slice(0, 6).alias("county_code"),
        "rule_name",
        "category",
        "level",
        "veto",
        "severity",
        "message",
        pl.col("evidence").map_elements(evidence_entries, return_dtype=pl.String, skip_nulls=False),
    )


def evidence_entries(text: str | None) -> str:
    """The engine's evidence (a JSON object: label → {value, source}) as a JSON list that keeps
    its order (PostgreSQL's jsonb would sort an object's keys).

    >>> evidence_entries('{"姓名": {"value": "王文宏", "source": "成员信息"}}')
    '[{"label": "姓名", "value": "王文宏", "source": "成员信息"}]'
    """
    entries = []
    for label, item in json.loads(text or "{}").items():
        if isinstance(item, dict) and "value" in item:
            entries.append({"label": label, "value": item["value"], "source": item.get("source", "")})
        else:
            entries.append({"label": label, "value": item, "source": ""})
    return json.dumps(entries, ensure_ascii=False)


def department_frame(links: pl.DataFrame, feeds: dict[str, pl.DataFrame], snapshot_id: str) -> pl.DataFrame:
    """registry_departmentrecord rows: every linked department row with its values as JSON.

    A feed row joins its link through where it came from (file, sheet, row). ID numbers
    stay out of the values: they are the record's own (masked) columns.
    """
    linked = links.filter(
        (pl.col("status") == "linked")
        & (pl.col("linked_household_id").is_not_null() | pl.col("linked_village_code").is_not_null())
    )
    parts = [
        _feed_records(linked.filter(pl.col("feed") == feed), rows, feed)
        for feed, rows in feeds.items()
        if rows.height
    ]
    if not parts:
        return pl.DataFrame(schema=DEPARTMENT_SCHEMA)
    return pl.concat(parts, how="vertical_relaxed").with_columns(pl.lit(snapshot_id).alias("snapshot_id"))


DEPARTMENT_SCHEMA: dict[str, Any] = {
    "feed": pl.String,
    "household_id": pl.String,
    "village_code": pl.String,
    "id_as_written": pl.String,
    "linked_id_number": pl.String,
    "name": pl.String,
    "data": pl.String,
    "method": pl.String,
    "match_probability": pl.Float64,
    "note": pl.String,
    "source_file": pl.String,
    "source_sheet": pl.String,
    "source_row": pl.Int64,
    "snapshot_id": pl.String,
}


def _feed_records(links: pl.DataFrame, rows: pl.DataFrame, feed: str) -> pl.DataFrame:
    table = TABLES[feed]
    value_fields = [f.name for f in table.fields if f.kind is not Kind.ID_NUMBER and f.name in rows.columns]
    address = ["_file", "_sheet", "_row"]
    rows = rows.with_columns(pl.col("_sheet").fill_null(""), pl.col("_file").fill_null(""))
    links = links.with_columns(pl.col("_sheet").fill_null(""), pl.col("_file").fill_null(""))
    joined = links.join(rows.select(*address, *value_fields), on=address, how="inner")
    return joined.select(
        pl.lit(feed).alias("feed"),
        pl.col("linked_household_id").alias("household_id"),
        pl.col("linked_village_code").fill_null("").alias("village_code"),
        pl.col("id_as_written").fill_null(""),
        pl.col("linked_id_number").fill_null(""),
        pl.col("name").fill_null(""),
        pl.struct(value_fields).struct.json_encode().alias("data"),
        pl.col("method").fill_null(""),
        pl.col("match_probability"),
        pl.col("note").fill_null("").str.slice(0, 200),
        pl.col("_file").alias("source_file"),
        pl.col("_sheet").alias("source_sheet"),
        pl.col("_row").cast(pl.Int64).alias("source_row"),
    )


def classify_changes(current: pl.DataFrame, previously_open: pl.DataFrame) -> pl.DataFrame:
    """`current` findings with `change` new / persisting, against the findings open before.

    A finding that was open in the previously published run persists; anything else
    (never seen, or resolved earlier and back now) is new, as `compare_runs` would say.
    """
    before = previously_open.select(*FINDING_KEY).with_columns(pl.lit("persisting").alias("change"))
    return current.join(before, on=list(FINDING_KEY), how="left", maintain_order="left").with_columns(
        pl.col("change").fill_null("new")
    )


def household_run_summaries(households: pl.DataFrame) -> pl.DataFrame:
    """registry_householdrunsummary rows (without the run) from `household_frame`'s output."""
    return households.select(
        "household_id",
        "village_code",
        "household_type",
        "people",
        "net_income_per_capita",
        pl.col("open_findings").alias("findings"),
        "veto_findings",
    )


def village_household_counts(households: pl.DataFrame) -> pl.DataFrame:
    """registry_villagehouseholdcount rows from `household_frame`'s output."""
    return (
        households.group_by("village_code", "township_code", "county_code", "household_type")
        .agg(
            pl.len().cast(pl.Int64).alias("households"),
            pl.col("people").sum().cast(pl.Int64).alias("people"),
            (pl.col("open_findings") > 0).sum().cast(pl.Int64).alias("households_with_findings"),
            (pl.col("veto_findings") > 0).sum().cast(pl.Int64).alias("households_with_veto"),
        )
        .sort("village_code", "household_type")
    )


def village_finding_counts(classified: pl.DataFrame, resolved: pl.DataFrame) -> pl.DataFrame:
    """registry_villagefindingcount rows: findings now, new and persisting among them, and
    those open before that are gone (`resolved`, with village_code, category and veto)."""
    group = ["village_code", "category", "veto"]
    now = classified.group_by(group).agg(
        pl.len().cast(pl.Int64).alias("findings"),
        (pl.col("change") == "new").sum().cast(pl.Int64).alias("new"),
        (pl.col("change") == "persisting").sum().cast(pl.Int64).alias("persisting"),
    )
    gone = resolved.group_by(group).agg(pl.len().cast(pl.Int64).alias("resolved"))
    table = now.join(gone, on=group, how="full", coalesce=True).with_columns(
        pl.col(name).fill_null(0) for name in ("findings", "new", "persisting", "resolved")
    )
    return table.with_columns(
        pl.col("village_code").str.slice(0, 9).alias("township_code"),
        pl.col("village_code").str.slice(0, 6).alias("county_code"),
    ).sort(group)

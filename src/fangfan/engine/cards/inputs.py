"""`CardInputs` read from a snapshot and its links (what `fangfan cards` and the benchmark use).

The web application reads the same inputs from its database (`fangfan.web.cards.policies`).
"""

from __future__ import annotations

import polars as pl

from fangfan.engine.cards.received import CARD_FEEDS, CardInputs, feed_source_expr
from fangfan.engine.snapshot import Snapshot

HOUSEHOLD_COLUMNS = ("household_id", "household_type", "house_renovated", "relocated")
MEMBER_COLUMNS = (
    "household_id",
    "name",
    "id_number",
    "member_status",
    "dibao",
    "tekun",
    "family_doctor",
    "work_status",
    "medical_insured",
    "pension_insured",
    "schooling",
    "disability_grade",
)


def region_households(snapshot: Snapshot, region_code: str) -> pl.DataFrame:
    """The snapshot's households whose village code starts with `region_code` (a village's
    12 digits, a township's 9, a county's 6), in the registry's order."""
    return (
        snapshot.scan("households")
        .filter(pl.col("village_code").str.starts_with(region_code))
        .collect()
        .sort("village_code", "household_id", maintain_order=True)
    )


def snapshot_inputs(
    snapshot: Snapshot, links: pl.DataFrame | pl.LazyFrame | None, households: pl.DataFrame
) -> CardInputs:
    """What `received_policies` reads for `households` (rows of the snapshot's households).

    `links` is the linker's output (`derived/<snapshot>/links.parquet`, scanned or read);
    only the links of these households and the feed rows they point at are read, so a
    township's cards do not read a city's feeds. Without links no department record can be
    placed on a household and only the registry's fields count.
    """
    wanted = households.select("household_id")
    members = (
        snapshot.scan("members")
        .join(wanted.lazy(), on="household_id", how="semi")
        .select(MEMBER_COLUMNS)
        .collect()
    )
    records: dict[str, pl.DataFrame] = {}
    if links is not None:
        placed = (
            links.lazy()
            .filter((pl.col("status") == "linked") & pl.col("feed").is_in(CARD_FEEDS))
            .join(wanted.lazy(), left_on="linked_household_id", right_on="household_id", how="semi")
            .select(
                "feed",
                *ADDRESS,
                pl.col("linked_household_id").alias("household_id"),
                pl.col("linked_id_number").alias("person_id_number"),
            )
            .with_columns(ADDRESS_TYPES)
            .collect()
        )
        for feed in CARD_FEEDS:
            if snapshot.has(feed):
                records[feed] = _feed_records(
                    snapshot, feed, placed.filter(pl.col("feed") == feed).drop("feed")
                )
    return CardInputs(households=households.select(HOUSEHOLD_COLUMNS), members=members, records=records)


ADDRESS = ("_file", "_sheet", "_row")
ADDRESS_TYPES = (
    pl.col("_file").cast(pl.String),
    pl.col("_sheet").cast(pl.String),
    pl.col("_row").cast(pl.Int64),
)


def _feed_records(snapshot: Snapshot, feed: str, placed: pl.DataFrame) -> pl.DataFrame:
    """The rows of `feed` that `placed` (addresses with household and person) points at."""
    rows = snapshot.scan(feed).with_columns(ADDRESS_TYPES)
    if "household_id" in rows.collect_schema().names():
        rows = rows.drop("household_id")
    # In file order, as the web reads its records: a person's sources are listed in that order.
    joined = (
        rows.join(placed.lazy(), on=list(ADDRESS), how="inner", nulls_equal=True)
        .sort(pl.col("_file").fill_null(""), pl.col("_sheet").fill_null(""), "_row")
        .collect()
    )
    name = "head_name" if "head_name" in joined.columns else "name"
    return joined.with_columns(pl.col(name).alias("name"), feed_source_expr(feed).alias("source"))

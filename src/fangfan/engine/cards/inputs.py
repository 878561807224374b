"""`CardInputs` read from a snapshot and its links (what `fangfan cards` and the benchmark use).

The web application reads the same inputs from its database (`fangfan.web.cards.policies`).
"""

from __future__ import annotations

import polars as pl

from fangfan.engine.cards.received import CARD_FEEDS, CardInputs, feed_source_expr
from fangfan.engine.link.resolved import resolved_feed
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


def snapshot_inputs(snapshot: Snapshot, links: pl.DataFrame | None, households: pl.DataFrame) -> CardInputs:
    """What `received_policies` reads for `households` (rows of the snapshot's households).

    `links` is the linker's output (`derived/<snapshot>/links.parquet`); without it, no
    department record can be placed on a household and only the registry's fields count.
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
        for feed in CARD_FEEDS:
            if not snapshot.has(feed):
                continue
            rows = resolved_feed(snapshot, links, feed).join(wanted, on="household_id", how="semi")
            name = "head_name" if "head_name" in rows.columns else "name"
            records[feed] = rows.with_columns(
                pl.col(name).alias("name"), feed_source_expr(feed).alias("source")
            )
    return CardInputs(households=households.select(HOUSEHOLD_COLUMNS), members=members, records=records)

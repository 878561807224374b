"""Deterministic linkage: the same normalised ID number, and villages by code."""

from __future__ import annotations

import polars as pl

from fangfan.engine.link.records import pinyin_of
from fangfan.engine.snapshot import Snapshot

LINK_COLUMNS: dict[str, pl.DataType] = {
    "record_id": pl.Int64(),
    "feed": pl.String(),
    "_file": pl.String(),
    "_sheet": pl.String(),
    "_row": pl.Int64(),
    "id_as_written": pl.String(),
    "name": pl.String(),
    "linked_id_number": pl.String(),
    "linked_household_id": pl.String(),
    "linked_village_code": pl.String(),
    "method": pl.String(),
    "match_probability": pl.Float64(),
    "status": pl.String(),
    "candidates": pl.String(),
    "note": pl.String(),
}


def registry_side(people: pl.DataFrame) -> pl.DataFrame:
    """The registry columns a link carries, keyed by id18 (and unique_id)."""
    return people.select(
        "id18",
        *(["unique_id"] if "unique_id" in people.columns else []),
        pl.col("registry_id_number").alias("linked_id_number"),
        pl.col("household_id").alias("linked_household_id"),
        pl.col("village_code").alias("linked_village_code"),
        pl.col("name_pinyin").alias("registry_pinyin"),
        pl.col("name").alias("registry_name"),
        pl.col("household_ids"),
    )


def exact_links(records: pl.DataFrame, people: pl.DataFrame) -> pl.DataFrame:
    """Records whose ID (15-digit ones through to_18 on both sides) is a registry person's."""
    registry = registry_side(people).filter(pl.col("id18").is_not_null())
    joined = records.filter(pl.col("id18").is_not_null()).join(registry, on="id18", how="inner")
    fifteen = (pl.col("id_written").str.len_chars() == 15) | (
        pl.col("linked_id_number").str.len_chars() == 15
    )
    return (
        joined.with_columns(
            pl.col("name")
            .replace_strict(_pinyin_map(joined), default=None, return_dtype=pl.String)
            .alias("name_pinyin"),
        )
        .with_columns(
            pl.when(fifteen).then(pl.lit("exact_15_to_18")).otherwise(pl.lit("exact")).alias("method"),
            pl.lit(1.0).alias("match_probability"),
            pl.lit("linked").alias("status"),
            pl.lit(None, dtype=pl.String).alias("candidates"),
            link_note(),
        )
        .select(list(LINK_COLUMNS))
    )


def _pinyin_map(joined: pl.DataFrame) -> dict[str, str]:
    # Only names that differ from the registry's need their pinyin for the note.
    differing = joined.filter(pl.col("name") != pl.col("registry_name")).get_column("name").unique()
    return {name: pinyin_of(name) for name in differing.to_list()}


def link_note() -> pl.Expr:
    """Chinese remarks on a link: the person sits in two households, or the names disagree."""
    two = pl.when(pl.col("household_ids").list.len() > 1).then(
        pl.lit("此人同时列在户 ") + pl.col("household_ids").list.join("、")
    )
    other_name = pl.when(
        pl.col("name").is_not_null() & (pl.col("name_pinyin") != pl.col("registry_pinyin"))
    ).then(pl.lit("姓名与建档立卡不一致（") + pl.col("registry_name") + pl.lit("）"))
    return pl.concat_str(two, other_name, separator="；", ignore_nulls=True).alias("note")


def village_links(snapshot: Snapshot) -> pl.DataFrame:
    """Water-supply rows linked to a village the snapshot knows, others unlinked."""
    if not snapshot.has("water_supply"):
        return pl.DataFrame(schema=LINK_COLUMNS)
    known = _known_villages(snapshot)
    frame = snapshot.read("water_supply").select(
        pl.lit("water_supply").alias("feed"),
        pl.col("_file").cast(pl.String),
        pl.col("_sheet").cast(pl.String),
        pl.col("_row").cast(pl.Int64),
        pl.col("village_code").cast(pl.String),
    )
    found = pl.col("village_code").is_in(known.implode())
    return frame.select(
        pl.lit(None, dtype=pl.Int64).alias("record_id"),
        "feed",
        "_file",
        "_sheet",
        "_row",
        pl.col("village_code").alias("id_as_written"),
        pl.lit(None, dtype=pl.String).alias("name"),
        pl.lit(None, dtype=pl.String).alias("linked_id_number"),
        pl.lit(None, dtype=pl.String).alias("linked_household_id"),
        pl.when(found).then(pl.col("village_code")).alias("linked_village_code"),
        pl.when(found).then(pl.lit("exact")).otherwise(pl.lit("none")).alias("method"),
        pl.when(found).then(pl.lit(1.0)).otherwise(pl.lit(0.0)).alias("match_probability"),
        pl.when(found).then(pl.lit("linked")).otherwise(pl.lit("unlinked")).alias("status"),
        pl.lit(None, dtype=pl.String).alias("candidates"),
        pl.when(~found).then(pl.lit("快照中没有这个行政村")).alias("note"),
    )


def _known_villages(snapshot: Snapshot) -> pl.Series:
    codes = [snapshot.read("households").get_column("village_code")]
    if snapshot.has("villages"):
        codes.append(snapshot.read("villages").get_column("village_code"))
    return pl.concat(codes).drop_nulls().unique()

"""Deterministic linkage: the same normalised ID number, and villages by code."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from fangfan.engine.link.records import (
    empty_records,
    feed_rows,
    id_key,
    pinyin_expr,
    with_written,
    written_key,
)
from fangfan.engine.schema import DEPARTMENT_FEEDS
from fangfan.engine.snapshot import Snapshot

# A feed row as it stands in its file: its number across the feeds, where it is, what it says.
# A link starts with these, and so do the keyed rows the Spark engine joins (`link.spark`).
FEED_ROW_COLUMNS: dict[str, pl.DataType] = {
    "record_id": pl.Int64(),
    "feed": pl.String(),
    "_file": pl.String(),
    "_sheet": pl.String(),
    "_row": pl.Int64(),
    "id_as_written": pl.String(),
    "name": pl.String(),
}
LINK_COLUMNS: dict[str, pl.DataType] = {
    **FEED_ROW_COLUMNS,
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


def registry_keys(people: pl.DataFrame) -> pl.DataFrame:
    """The registry side of the exact join: one row per 18-character ID, keyed by `id_key`,
    with what a link carries and the person's own part of the note (two households)."""
    households = pl.col("household_ids")
    return people.filter(pl.col("id18").is_not_null()).select(
        id_key(pl.col("id18")).alias("key"),
        pl.col("registry_id_number").alias("linked_id_number"),
        pl.col("household_id").alias("linked_household_id"),
        pl.col("village_code").alias("linked_village_code"),
        pl.col("name").alias("registry_name"),
        pl.when(households.list.len() > 1)
        .then(pl.lit("此人同时列在户 ") + households.list.join("、"))
        .alias("households_note"),
        (pl.col("registry_id_number").str.len_chars() == 15).alias("registry_15"),
    )


@dataclass
class ExactStep:
    """What the exact step leaves: its links, the rows it could not place, and what the
    probabilistic step needs of the rows it did place (a training sample, the prior)."""

    links: pl.DataFrame | pl.LazyFrame  # LINK_COLUMNS in record order; lazy: a scan of files (Spark's)
    residual: pl.DataFrame  # RECORD_COLUMNS, in record order
    with_id: int  # feed rows with an ID at all
    villages: pl.DataFrame | pl.LazyFrame  # record_id, village_code of the feeds that have one

    @property
    def linked(self) -> int:
        """How many rows the step linked (a scan's count is read from its files' footers)."""
        if isinstance(self.links, pl.DataFrame):
            return self.links.height
        return int(self.links.select(pl.len()).collect().item())


def exact_step(snapshot: Snapshot, people: pl.DataFrame) -> ExactStep:
    """Every person- and household-kept feed row whose ID (15-digit ones through to_18 on
    both sides) is a registry person's, one feed at a time; the rest left over.

    `record_id` numbers the rows across feeds in DEPARTMENT_FEEDS order. An ID already
    in 18-character form is joined as it is (`written_key`); only the others are
    normalised, upgraded and checked (`with_written`), so the join is one hash join on
    one integer per row. The links are in record order (the join keeps the feed's), the
    order Spark's sorted links have too (`link.spark`), so both write the same file.
    """
    registry = registry_keys(people)
    links: list[pl.DataFrame] = []
    residual: list[pl.DataFrame] = []
    villages: list[pl.DataFrame] = []
    with_id = 0
    offset = 0
    for table in DEPARTMENT_FEEDS:
        rows = feed_rows(snapshot, table.name)
        if rows is None:
            continue
        rows = rows.with_row_index("record_id", offset).with_columns(
            pl.col("record_id").cast(pl.Int64), written_key(pl.col("id_as_written")).alias("key")
        )
        offset += rows.height
        if rows.get_column("village_code").null_count() < rows.height:
            villages.append(rows.select("record_id", "village_code"))
        rows = keyed(rows)
        with_id += int(rows.get_column("counted").sum())
        found = rows.join(registry, on="key", how="inner", maintain_order="left")
        links.append(exact_links(found))
        # The rows left over are those the join did not find (the registry's keys are
        # unique): looked up among the found record_ids, not by an anti join, which
        # hashed the registry's 2.4 million keys again for every feed.
        placed = found.get_column("record_id").implode()
        del found
        left = rows.filter(~pl.col("record_id").is_in(placed)).drop("key", *KEYED_FLAGS)
        residual.append(with_written(left))
        del rows
    if not links:
        return ExactStep(pl.DataFrame(schema=LINK_COLUMNS), empty_records(), 0, no_villages())
    return ExactStep(
        pl.concat(links),
        pl.concat(residual).sort("record_id"),
        with_id,
        pl.concat(villages) if villages else no_villages(),
    )


KEYED_FLAGS = ("fifteen", "counted")


def keyed(rows: pl.DataFrame) -> pl.DataFrame:
    """`rows` (record_id, `feed_rows`' columns, key = `written_key`) with the key of every ID
    that was not in 18-character form as written, and per row: `fifteen`, its normalised ID
    had 15 digits; `counted`, how often it counts among the rows with an ID (`with_id`:
    once when keyed, once more when irregular with an ID). Row by row, so Spark runs it
    on its batches too (`link.spark`)."""
    irregular = with_written(rows.filter(pl.col("key").is_null()).drop("key"))
    if irregular.is_empty():
        return rows.with_columns(
            pl.lit(False).alias("fifteen"), pl.col("key").is_not_null().cast(pl.Int64).alias("counted")
        )
    positions = rows.select(pl.arg_where(pl.col("key").is_null())).to_series()
    key = rows.get_column("key").scatter(positions, irregular.select(id_key(pl.col("id18"))).to_series())
    fifteen = pl.repeat(False, rows.height, eager=True).scatter(
        positions, irregular.get_column("id_written").str.len_chars() == 15
    )
    written = pl.repeat(0, rows.height, dtype=pl.Int64, eager=True).scatter(
        positions, irregular.get_column("id_written").is_not_null().cast(pl.Int64)
    )
    return rows.with_columns(
        key,
        fifteen.fill_null(False).alias("fifteen"),
        (key.is_not_null().cast(pl.Int64) + written).alias("counted"),
    )


def exact_links(found: pl.DataFrame) -> pl.DataFrame:
    """LINK_COLUMNS of the joined rows (`keyed` rows with `registry_keys`); the note names a
    second household and a name that differs from the registry's in pinyin (pinyin only for
    the rows whose names differ)."""
    differing = found.filter(pl.col("name") != pl.col("registry_name")).select(
        "record_id", "name", "registry_name"
    )
    other_name = pl.lit(None, dtype=pl.String)
    if not differing.is_empty():
        differing = differing.with_columns(
            name_pinyin=pinyin_expr(differing, "name"),
            registry_pinyin=pinyin_expr(differing, "registry_name"),
        ).filter(pl.col("name_pinyin") != pl.col("registry_pinyin"))
        text = pl.lit("姓名与建档立卡不一致（") + pl.col("registry_name") + pl.lit("）")
        differing = differing.select("record_id", text.alias("text"))
        other_name = pl.col("record_id").replace_strict(
            differing.get_column("record_id"),
            differing.get_column("text"),
            default=None,
            return_dtype=pl.String,
        )
    fifteen_digits = pl.col("registry_15") | pl.col("fifteen")
    return found.select(
        "record_id",
        "feed",
        "_file",
        "_sheet",
        "_row",
        "id_as_written",
        "name",
        "linked_id_number",
        "linked_household_id",
        "linked_village_code",
        pl.when(fifteen_digits).then(pl.lit("exact_15_to_18")).otherwise(pl.lit("exact")).alias("method"),
        pl.lit(1.0).alias("match_probability"),
        pl.lit("linked").alias("status"),
        pl.lit(None, dtype=pl.String).alias("candidates"),
        pl.concat_str("households_note", other_name, separator="；", ignore_nulls=True).alias("note"),
    )


def sample_records(step: ExactStep, size: int, seed: int) -> pl.DataFrame:
    """Records (RECORD_COLUMNS) of `size` exactly linked rows, drawn as
    `records.join(exact, how="semi").sample(size, seed=seed)` would draw them."""
    # Eager operations on the city's links would copy all of them first: a sorted Series
    # and a streaming filter touch only what they need (of a scan, only what they read).
    if isinstance(step.links, pl.DataFrame):
        record_ids = step.links.get_column("record_id")
    else:
        record_ids = step.links.select("record_id").collect(engine="streaming").to_series()
    linked = record_ids.sort().to_frame()
    del record_ids
    chosen = linked.sample(min(linked.height, size), seed=seed)
    wanted = pl.col("record_id").is_in(chosen.get_column("record_id").implode())
    found = step.links.lazy().filter(wanted).select(list(FEED_ROW_COLUMNS)).collect(engine="streaming")
    villages = step.villages.lazy().filter(wanted).collect(engine="streaming")
    rows = chosen.join(found, on="record_id", how="left", maintain_order="left").join(
        villages, on="record_id", how="left", maintain_order="left"
    )
    return with_written(rows)


def no_villages() -> pl.DataFrame:
    """`ExactStep.villages` when no feed has a village code."""
    return pl.DataFrame(schema={"record_id": pl.Int64, "village_code": pl.String})


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
    codes = [snapshot.scan("households").select("village_code").collect().to_series()]
    if snapshot.has("villages"):
        codes.append(snapshot.scan("villages").select("village_code").collect().to_series())
    return pl.concat(codes).drop_nulls().unique()

"""Feed rows with the registry person the linker found, for the wide tables."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from fangfan.engine.link.records import id_column
from fangfan.engine.snapshot import Snapshot
from fangfan.engine.wide import PersonKey


def resolved_feed(snapshot: Snapshot, links: pl.DataFrame, feed_name: str) -> pl.DataFrame:
    """The rows of `feed_name` with `person_id_number` and `household_id` from `links`.

    `person_id_number` is the registry's `members.id_number` of the linked person,
    null when the row is unlinked or ambiguous; `household_id` is the person's
    household (for housing and disasters: the household the person heads). Rows
    are matched on where they came from (`_file`, `_sheet`, `_row`).

    >>> # frame = resolved_feed(snapshot, link_snapshot(snapshot).links, "school_roll")
    """
    frame = snapshot.read(feed_name)
    keys = ["_file", "_sheet", "_row"]
    found = links.filter((pl.col("feed") == feed_name) & (pl.col("status") == "linked")).select(
        pl.col("_file").cast(pl.String),
        pl.col("_sheet").cast(pl.String),
        pl.col("_row").cast(pl.Int64),
        pl.col("linked_id_number").alias("person_id_number"),
        pl.col("linked_household_id").alias("household_id"),
        pl.col("method").alias("link_method"),
    )
    typed = frame.with_columns(
        pl.col("_file").cast(pl.String), pl.col("_sheet").cast(pl.String), pl.col("_row").cast(pl.Int64)
    )
    if "household_id" in typed.columns:
        typed = typed.drop("household_id")
    return typed.join(found, on=keys, how="left", nulls_equal=True, maintain_order="left")


def linked_person_key(snapshot: Snapshot, links: pl.DataFrame | pl.LazyFrame) -> PersonKey:
    """A `person_key` for `wide.build_wide_tables`: the linked registry ID of each feed row.

    Rows the linker could not place keep their own ID (as the exact join did), so
    nothing that matched before is lost. `links` may be a scan of links.parquet
    (`LinkResult.scan`): only the few rows that change a key are read into memory.
    """

    # Only links that change a row's key need joining: an exact link whose registry
    # ID is the ID as written gives the key the row already has. What is left is the
    # mistyped, 15-digit, missing and probabilistic few, so the join stays small at
    # city scale (joining every linked row cost more than the rules themselves).
    changing = (
        links.lazy()
        .filter(
            (pl.col("status") == "linked") & pl.col("linked_id_number").ne_missing(pl.col("id_as_written"))
        )
        .select(
            "feed",
            pl.col("_file").cast(pl.String),
            pl.col("_sheet").cast(pl.String),
            pl.col("_row").cast(pl.Int64),
            pl.col("linked_id_number").alias("_linked"),
        )
        .collect(engine="streaming")
    )
    by_feed = {
        str(feed): rows.drop("feed") for (feed,), rows in changing.partition_by("feed", as_dict=True).items()
    }

    def person_key(feed: str, frame: pl.LazyFrame) -> pl.LazyFrame:
        column = id_column(feed) or "id_number"
        found = by_feed.get(feed)
        if found is None:
            return frame.with_columns(pl.col(column).alias("person_key"))
        where = [
            pl.col("_file").cast(pl.String),
            pl.col("_sheet").cast(pl.String),
            pl.col("_row").cast(pl.Int64),
        ]
        relinked = pl.map_batches(
            [*where, pl.col(column).cast(pl.String)],
            lambda columns: _relinked(columns, found),
            return_dtype=pl.String,
            is_elementwise=True,
        )
        return frame.with_columns(relinked.alias("person_key"))

    return person_key


def _relinked(columns: Sequence[pl.Series], found: pl.DataFrame) -> pl.Series:
    """The IDs (the last column) with the linked ID put in at each row whose `_file`,
    `_sheet`, `_row` (the first three) `found` names.

    The rows are a few in a thousand: only those whose `_row` is one of `found`'s are
    looked up, instead of joining the whole feed on three keys (at city scale that join
    copied a 4.7 million-row feed and kept its year filter from being pushed down).
    """
    file, sheet, row, ids = columns
    at = row.is_in(found.get_column("_row").implode()).arg_true()
    if at.is_empty():
        return ids
    candidates = pl.DataFrame(
        {"_file": file.gather(at), "_sheet": sheet.gather(at), "_row": row.gather(at), "_at": at}
    )
    hits = candidates.join(found, on=["_file", "_sheet", "_row"], how="inner", nulls_equal=True).filter(
        pl.col("_linked").is_not_null()
    )
    return ids.scatter(hits.get_column("_at"), hits.get_column("_linked"))

"""A month's department records that did not change, carried over instead of loaded again.

A new snapshot replaces every department record (each names its snapshot), but from one
month to the next nearly all of them come out the same: the same feed row, linked the
same way. On PostgreSQL a publish loads the records into a table of their own
(`shared.loading.ShadowTable`); COPY parses every row's text and its JSON again, about
three times the work of copying a stored row inside the database. So, per feed:

- each record's address (file, sheet, row) and *fingerprint*: a hash of the feed row's
  values it keeps and of its link's columns, for the new snapshot and for the previous one
  (read from the previous snapshot's Parquet and links, which stay on disk);
- a record whose address and fingerprint are in both is *carried*: copied from the live
  table by one `INSERT … SELECT` (`ShadowTable.carry`) with the new snapshot's id; only
  the others are built and COPY'd.

A record is a function of its feed row and its link (`frames.department_frame`), so equal
inputs give an equal record. Used only when the live table holds what the previous
snapshot's files make (the counts agree); otherwise every record is loaded as before.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
import psycopg

from fangfan.engine.schema import DEPARTMENT_FEEDS, TABLES, Kind
from fangfan.engine.snapshot import MANIFEST, Snapshot
from fangfan.web.shared.loading import ShadowTable

ADDRESS = ("_file", "_sheet", "_row")
# A link's columns that go into its record (besides the address).
LINK_VALUES = (
    "status",
    "linked_household_id",
    "linked_village_code",
    "id_as_written",
    "linked_id_number",
    "name",
    "method",
    "match_probability",
    "note",
)
LINKED = (pl.col("status") == "linked") & (
    pl.col("linked_household_id").is_not_null() | pl.col("linked_village_code").is_not_null()
)


def value_fields(feed: str, available: Sequence[str]) -> list[str]:
    """The feed's columns a record keeps in its values (`frames.department_frame`: no ID numbers)."""
    return [f.name for f in TABLES[feed].fields if f.kind is not Kind.ID_NUMBER and f.name in available]


def _address(frame: pl.LazyFrame) -> pl.LazyFrame:
    return frame.with_columns(
        pl.col("_file").fill_null(""), pl.col("_sheet").fill_null(""), pl.col("_row").cast(pl.Int64)
    )


def fingerprints(rows: pl.LazyFrame, links: pl.LazyFrame, fields: Sequence[str]) -> pl.LazyFrame:
    """The records a feed's rows and linked links make: each one's address, `key` (a hash of
    the address) and `fingerprint` (a hash of the feed row's kept values and of its link's
    columns), with the links' other columns asked for (`position`)."""
    hashed_rows = _address(rows).select(*ADDRESS, pl.struct(list(fields)).hash().alias("row_hash"))
    hashed_links = _address(links.filter(LINKED)).select(
        pl.exclude(LINK_VALUES), pl.struct(list(LINK_VALUES)).hash().alias("link_hash")
    )
    return (
        hashed_links.join(hashed_rows, on=list(ADDRESS), how="inner")
        .with_columns(
            pl.struct(list(ADDRESS)).hash().alias("key"),
            pl.struct("row_hash", "link_hash").hash().alias("fingerprint"),
        )
        .drop("row_hash", "link_hash")
    )


@dataclass
class CarriedRecords:
    """The previous snapshot's records to keep, found a feed at a time (`split`) while the
    new ones are built, then copied in the load's transaction (`carry`)."""

    previous: Snapshot
    previous_links: pl.LazyFrame
    snapshot_id: str
    carried: int = 0
    previous_fingerprints: pl.DataFrame | None = None  # of the feed at hand (`read_previous`)
    feeds: list[str] = field(default_factory=list)
    dropped: list[pl.DataFrame] = field(default_factory=list)

    @classmethod
    def of(cls, snapshot: Snapshot, previous_id: str, previous_records: int) -> CarriedRecords | None:
        """For a publish of `snapshot` over the run of snapshot `previous_id` (whose records the
        table holds, `previous_records` of them): None unless that snapshot and its links are
        on disk and make exactly that many records."""
        folder = snapshot.path.parent / previous_id
        links = snapshot.path.parent.parent / "derived" / previous_id / "links.parquet"
        if previous_id == snapshot.id or not (folder / MANIFEST).exists() or not links.exists():
            return None
        previous = Snapshot(folder, json.loads((folder / MANIFEST).read_text("utf-8")))
        scanned = pl.scan_parquet(links)
        total = 0
        for feed in DEPARTMENT_FEEDS:
            if not previous.has(feed.name):
                continue
            rows = _address(previous.scan(feed.name).select(ADDRESS))
            feed_links = _address(scanned.filter(LINKED & (pl.col("feed") == feed.name)).select(ADDRESS))
            joined = feed_links.join(rows, on=list(ADDRESS), how="inner").select(pl.len())
            total += int(joined.collect(engine="streaming").item())  # a batch at a time
        if total != previous_records:
            return None
        return cls(previous, scanned, snapshot.id)

    def read_previous(self, feed: str, available: Sequence[str]) -> None:
        """The previous snapshot's fingerprints of `feed`'s records (the new feed has the
        `available` columns): read before the new feed's rows, and a batch at a time (the
        streaming engine), so that the old rows' values are never held beside the new ones
        (a city's insurance feed held twice took a month's publish past 4 GB)."""
        fields = value_fields(feed, available)
        self.previous_fingerprints = None
        if not self.previous.has(feed):
            return
        old_rows = self.previous.scan(feed)
        if value_fields(feed, old_rows.collect_schema().names()) != fields:
            return  # the feed's columns changed: every record anew
        self.previous_fingerprints = (
            fingerprints(
                old_rows.select(*ADDRESS, *fields),
                self.previous_links.filter(pl.col("feed") == feed).select(*ADDRESS, *LINK_VALUES),
                fields,
            )
            .select(*ADDRESS, "key", "fingerprint")
            .collect(engine="streaming")
        )

    def split(self, feed: str, rows: pl.DataFrame, links: pl.DataFrame) -> pl.DataFrame:
        """The feed's new links whose records must be built (the rest are carried), against
        the fingerprints `read_previous` read."""
        old, self.previous_fingerprints = self.previous_fingerprints, None
        if old is None:
            return links
        # Two 64-bit hashes a record on the new side, compared with the old side's: the
        # feed's addresses and values are not held twice (a city's insurance feed has 4.7
        # million records).
        positioned = links.lazy().with_row_index("position")
        new = (
            fingerprints(rows.lazy(), positioned, value_fields(feed, rows.columns))
            .select("position", "key", "fingerprint")
            .collect()
        )
        same = ["key", "fingerprint"]
        kept = new.join(old.select(same), on=same, how="semi").select("position")
        if not kept.height:
            return links
        self.feeds.append(feed)
        self.carried += kept.height
        gone = old.join(new.select(same), on=same, how="anti")
        self.dropped.append(
            gone.select(
                pl.lit(feed).alias("feed"),
                pl.col("_file").alias("source_file"),
                pl.col("_sheet").alias("source_sheet"),
                pl.col("_row").alias("source_row"),
            )
        )
        return links.with_row_index("position").join(kept, on="position", how="anti").drop("position")

    def carry(self, shadow: ShadowTable, cursor: psycopg.Cursor[Any]) -> int:
        """Copy the carried records into `shadow`'s next table (inside its load's transaction)."""
        if not self.feeds:
            return 0
        count = shadow.carry(
            cursor,
            "snapshot_id = %s AND feed = ANY(%s)",
            [self.previous.id, self.feeds],
            pl.concat(self.dropped),
            {"snapshot_id": self.snapshot_id},
        )
        if count != self.carried:
            raise RuntimeError(f"carried {count} department records, expected {self.carried}")
        return count

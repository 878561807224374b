"""Linkage on Spark (`fangfan link --engine spark`): the same links as the default engine.

The same steps, with the ID join and Splink on Spark, and no rule written twice:

- The registry's people are built as for the default engine (`records.registry_people`,
  on the driver); their join keys (`exact.registry_keys`) go to Spark as Parquet.
- Each feed's Parquet is read by Spark directly. A row's `record_id` is its feed's offset
  (feeds in DEPARTMENT_FEEDS order) plus its row index in the file (`_metadata.row_index`),
  so it is the default engine's. Its columns, key and flags are made by the default
  engine's own functions (`records.feed_columns`, `records.written_key`, `exact.keyed`)
  run on Spark's Arrow batches (`mapInArrow`), and so are the links' text
  (`exact.exact_links`); the join on the key and the rows it leaves are Spark's.
- The exact links (nearly every feed row: about 39 million at a province) never come to
  the driver's memory: the executors write them sorted by record_id as Parquet, which
  `run._LinksFile` copies into links.parquet a row group at a time, and what later steps
  need of them (their count, the training sample) is read from those files by a scan.
  So are the feeds' village codes. The residual rows (a few in a hundred) come back to
  the driver, where the damaged-ID step and the decision run as for the default engine
  (`run._link`).
- Splink runs on Spark (`SparkBackend`: Splink's SparkAPI, its similarity functions from
  the jar inside the splink wheel, put on the classpath by `engine.spark`), with the same
  comparisons, blocking rules and, when the snapshot has one (`run.MODEL_FILE`), the
  same trained model; without one it trains on Spark and keeps the model. The pairs'
  evidence (ID edits, name similarity) is computed by the same SQL in DuckDB on the
  driver (`model.evidence`), so the decision sees the same numbers on both engines.

links.parquet, the report and the model file are written as by the default engine.
pyspark is imported only inside these functions.
"""

from __future__ import annotations

import functools
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from fangfan.engine.link.exact import (
    FEED_ROW_COLUMNS,
    KEYED_FLAGS,
    LINK_COLUMNS,
    ExactStep,
    exact_links,
    keyed,
    no_villages,
    registry_keys,
)
from fangfan.engine.link.model import evidence, side
from fangfan.engine.link.records import empty_records, feed_columns, id_column, with_written, written_key
from fangfan.engine.progress import Progress
from fangfan.engine.schema import DEPARTMENT_FEEDS
from fangfan.engine.snapshot import Snapshot

if TYPE_CHECKING:
    from fangfan.engine.link.run import _LinksFile

# Spark's types of the Polars types the link frames use.
_SPARK_TYPES = {pl.Int64(): "bigint", pl.String(): "string", pl.Float64(): "double", pl.Boolean(): "boolean"}
# The keyed rows of every feed, as Spark holds them (`exact.keyed`'s columns).
_ROW_TYPES: dict[str, pl.DataType] = {
    **FEED_ROW_COLUMNS,
    "village_code": pl.String(),
    "key": pl.Int64(),
    "fifteen": pl.Boolean(),
    "counted": pl.Int64(),
}


def link_on_spark(
    snapshot: Snapshot, progress: Progress, work_dir: Path | None, written: _LinksFile, session: Any = None
) -> tuple[pl.DataFrame | None, dict[str, float], dict[str, Any]]:
    """`run._link` with the exact step and Splink on Spark (`session`, else `spark_session()`)."""
    from fangfan.engine.link.run import _link, derived_dir

    session = _ready(session)
    parent = work_dir or derived_dir(snapshot)
    parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".spark-link-", dir=parent))
    try:
        return _link(
            snapshot,
            progress,
            work_dir,
            written,
            exact=lambda snap, people: exact_step_on_spark(snap, people, session, scratch),
            backend=lambda: SparkBackend(session, scratch),
        )
    finally:
        written.wait()  # the exact links are copied from scratch's files
        shutil.rmtree(scratch, ignore_errors=True)


def _ready(session: Any) -> Any:
    """The session to use, its Python workers this interpreter when Spark runs locally."""
    if session is None:
        from fangfan.engine.spark import spark_session

        session = spark_session()
    context = session.sparkContext
    if context.master.startswith("local") and context.pythonExec != sys.executable:
        # A local worker is this machine's: it needs this environment's polars and fangfan.
        context.pythonExec = sys.executable
    return session


def _schema(types: dict[str, pl.DataType]) -> str:
    return ", ".join(f"`{name}` {_SPARK_TYPES[dtype]}" for name, dtype in types.items())


def _batches(frame: pl.DataFrame, types: dict[str, pl.DataType]) -> Iterator[Any]:
    """`frame` as the Arrow record batches Spark expects of `types` (plain strings)."""
    import pyarrow as pa

    schema = pa.schema([(name, _arrow_type(dtype)) for name, dtype in types.items()])
    table = frame.select(pl.col(name).cast(dtype) for name, dtype in types.items()).to_arrow()
    yield from table.cast(schema).to_batches()


def _arrow_type(dtype: pl.DataType) -> Any:
    import pyarrow as pa

    return {
        pl.Int64(): pa.int64(),
        pl.String(): pa.string(),
        pl.Float64(): pa.float64(),
        pl.Boolean(): pa.bool_(),
    }[dtype]


def _feed_keyed(feed: str, columns: list[str], offset: int) -> Any:
    """The function Spark runs on a feed's batches: `feed_rows`' columns, record_id, key, flags."""

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        for batch in batches:
            frame = pl.from_arrow(batch)
            assert isinstance(frame, pl.DataFrame)
            rows = frame.select(
                (pl.col("row_index") + offset).cast(pl.Int64).alias("record_id"), *feed_columns(feed, columns)
            ).with_columns(written_key(pl.col("id_as_written")).alias("key"))
            yield from _batches(keyed(rows), _ROW_TYPES)

    return run


def _exact_batches(batches: Iterator[Any]) -> Iterator[Any]:
    for batch in batches:
        found = pl.from_arrow(batch)
        assert isinstance(found, pl.DataFrame)
        yield from _batches(exact_links(found), LINK_COLUMNS)


def exact_step_on_spark(snapshot: Snapshot, people: pl.DataFrame, session: Any, scratch: Path) -> ExactStep:
    """`exact.exact_step` on Spark: the same links, residual, count and villages. The links and
    villages are scans of Parquet files the executors wrote in `scratch` (the links sorted by
    record_id, as the default engine's are); only the residual is read into the driver."""
    from pyspark.sql import functions as F

    session = _ready(session)
    registry_path = scratch / "registry_keys.parquet"
    registry_keys(people).write_parquet(registry_path)
    registry = session.read.parquet(str(registry_path))
    feeds: list[Any] = []
    offset = 0
    for table in DEPARTMENT_FEEDS:
        if id_column(table.name) is None or not snapshot.has(table.name):
            continue
        raw = session.read.parquet(str(snapshot.table_path(table.name)))
        feeds.append(
            raw.select("*", F.col("_metadata.row_index").alias("row_index")).mapInArrow(
                _feed_keyed(table.name, list(raw.columns), offset), _schema(_ROW_TYPES)
            )
        )
        offset += int(snapshot.scan(table.name).select(pl.len()).collect().item())
    if not feeds:
        return ExactStep(pl.LazyFrame(schema=LINK_COLUMNS), empty_records(), 0, no_villages())
    # Every feed in one frame, so each question below is one Spark job, not one a feed.
    rows = functools.reduce(lambda a, b: a.unionByName(b), feeds).persist()
    try:
        with_id = int(rows.agg(F.sum("counted")).collect()[0][0] or 0)
        found = rows.join(registry, on="key", how="inner")
        # Sorted on Spark: a range-partitioned sort writes its parts in order (part-00000 …).
        links = _written(
            found.mapInArrow(_exact_batches, _schema(LINK_COLUMNS)).orderBy("record_id"),
            scratch / "links",
            LINK_COLUMNS,
        )
        left = _collect(
            rows.join(registry.select("key"), on="key", how="left_anti").drop("key", *KEYED_FLAGS),
            scratch / "left",
        )
        villages = _written(
            rows.where(F.col("village_code").isNotNull()).select("record_id", "village_code"),
            scratch / "villages",
            {"record_id": pl.Int64(), "village_code": pl.String()},
        )
    finally:
        rows.unpersist()
    return ExactStep(links, with_written(left).sort("record_id"), with_id, villages)


def _written(frame: Any, folder: Path, types: dict[str, pl.DataType]) -> pl.LazyFrame:
    """A Spark frame written as Parquet to `folder` by the executors, scanned in the order of
    its parts (a sorted frame's order) with `types`; nothing read yet."""
    parts = _write(frame, folder)
    if not parts:
        return pl.LazyFrame(schema=types)
    return pl.scan_parquet(parts).select(pl.col(name).cast(dtype) for name, dtype in types.items())


def _write(frame: Any, folder: Path) -> list[Path]:
    """`frame` written as Parquet to `folder` by the executors: its parts, in order (none, as
    Spark may write for an empty frame)."""
    frame.write.parquet(str(folder))
    return sorted(folder.glob("part-*.parquet"))


def _collect(frame: Any, folder: Path) -> pl.DataFrame:
    """A Spark frame on the driver: written as Parquet to `folder` by the executors and read
    by Polars. Collecting through the driver's JVM (toArrow) is capped by
    spark.driver.maxResultSize (1 GB)."""
    parts = _write(frame, folder)
    if not parts:
        empty = pl.from_arrow(frame.limit(0).toArrow())
        assert isinstance(empty, pl.DataFrame)
        return empty
    collected = pl.read_parquet(parts)
    shutil.rmtree(folder, ignore_errors=True)
    return collected


class SparkBackend:
    """Splink on Spark (SparkAPI); the pairs' evidence by `model.evidence` in DuckDB."""

    dialect = "spark"

    def __init__(self, session: Any, scratch: Path) -> None:
        from splink.backends.spark import SparkAPI

        self.session = session
        self.scratch = scratch
        self.registered: list[str] = []
        partitions = int(session.conf.get("spark.sql.shuffle.partitions", "200"))
        # persist: Splink's intermediate tables stay in Spark's memory (spilling to its
        # local folder), not in a checkpoint folder a cluster would have to share.
        self.api = SparkAPI(  # type: ignore[no-untyped-call]
            spark_session=session, break_lineage_method="persist", num_partitions_on_repartition=partitions
        )

    def table(self, frame: pl.DataFrame, key: str, name: str) -> Any:
        path = self.scratch / f"splink-{name}.parquet"
        import pyarrow.parquet as pq

        pq.write_table(side(frame, key, pl.CompatLevel.oldest()), path)
        self.registered.append(name)
        return self.api.register(self.session.read.parquet(str(path)), dataset_display_name=name)

    def pairs(self, predictions: Any) -> pl.DataFrame:
        import duckdb

        wanted = [
            "source_dataset_l",
            "unique_id_l",
            "unique_id_r",
            "match_probability",
            "match_weight",
            *(f"{column}_{side}" for column in _EVIDENCE for side in ("l", "r")),
        ]
        arrow = predictions.as_spark_dataframe().select(*wanted).toArrow()
        connection = duckdb.connect(":memory:")
        try:
            connection.register("pairs", arrow)
            return evidence(connection, "pairs")
        finally:
            connection.close()

    def close(self) -> None:
        """Drop the views this model made (a cached one is uncached with it)."""
        for table in self.session.catalog.listTables():
            if table.isTemporary and (table.name.startswith("__splink__") or table.name in self.registered):
                self.session.catalog.dropTempView(table.name)


_EVIDENCE = ("id18", "id_prefix", "name_pinyin", "village_code")

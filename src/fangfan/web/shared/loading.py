"""Bulk loading of Polars frames into any app's tables, one way per database (publishing uses it).

- PostgreSQL: `COPY` (psycopg 3 `cursor.copy`) straight into the table (or a staging table);
- anything else (SQLite): one generated `INSERT` run with `executemany` in batches of
  20,000 rows.

For a publish that must not hold the write lock while it loads, `stage` fills a
temporary table (the connection's own: on SQLite its writes take no lock on the
database file) outside any transaction, `mark_changed` flags (still outside) the staged
rows the table does not already hold as they are, and `merge` then moves those into the real
table with one `INSERT … SELECT … ON CONFLICT DO UPDATE` inside the short switching
transaction: only new and changed rows are written while the lock is held.

`insert` runs inside the caller's transaction. A frame's columns are the model's column
names (`household_id` for the `household` foreign key); model fields missing from the
frame get their Python default. The SQL is built from the model's metadata.

A loader's `batch_rows` is how many rows one of the caller's transactions should write
into a live table: on SQLite a writer waits for each, so 20,000; on PostgreSQL inserting
rows nobody sees yet blocks no reader and no writer, so 500,000 (fewer commits, each
one's write-ahead log flushed once). `asynchronous_commits` lets a long load on
PostgreSQL commit without waiting for each flush.
"""

from __future__ import annotations

import functools
import io
import json
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import ExitStack, contextmanager
from typing import Any, Protocol

import polars as pl
import psycopg
from django.db import IntegrityError, OperationalError, connection, models, transaction
from django.db.models import NOT_PROVIDED, Model
from psycopg.copy import QueuedLibpqWriter

BATCH_ROWS = 20_000  # rows per transaction on SQLite (a writer waits for each)
COPY_ROWS = 500_000  # rows per transaction on PostgreSQL (no reader or writer waits)
CSV_ROWS = 100_000  # rows per CSV chunk handed to COPY
Advance = Callable[[int], None]


class Loader(Protocol):
    batch_rows: int

    def insert(self, model: type[Model], frame: pl.DataFrame, advance: Advance | None = None) -> int:
        """Insert every row; returns how many."""

    def stage(self, model: type[Model], frame: pl.DataFrame, advance: Advance | None = None) -> str:
        """Load `frame` into a new temporary table shaped like `model`'s; returns its name."""


def stage_name(model: type[Model]) -> str:
    return f"stage_{model._meta.db_table}"


def drop_stage(model: type[Model]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(stage_name(model))}")


def create_stage(model: type[Model], columns: list[str], empty_clause: str) -> str:
    """A new, empty temporary table with `model`'s `columns` (dropped first if left over);
    `empty_clause` is how the database says "no rows": `WHERE 0`, `WITH NO DATA`."""
    quote = connection.ops.quote_name
    name = stage_name(model)
    drop_stage(model)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE {quote(name)} AS SELECT {', '.join(quote(c) for c in columns)} "
            f"FROM {quote(model._meta.db_table)} {empty_clause}"
        )
    return name


CHANGED = "fangfan_changed"  # the stage's own column: the row is new to the table, or differs


def _same(left: str, right: str) -> str:
    """SQL true when two values are equal or both null."""
    return (
        f"{left} IS NOT DISTINCT FROM {right}" if connection.vendor == "postgresql" else f"{left} IS {right}"
    )


def mark_changed(model: type[Model], unique: Sequence[str], compare: Sequence[str]) -> int | None:
    """Flag the staged rows the table does not already hold with the same `compare` values
    (new keys, changed values), so `merge` moves only those. Reads the table and writes only
    the stage, and of it only the flagged rows: a month's update flags a few thousand of
    2.37 million members, where flagging the unchanged ones rewrote nearly every staged
    row (38–47 s at city scale under load). Run it before the switching transaction.
    Returns how many rows are flagged; None when the table is empty (a first publish:
    every row is new, nothing flagged, `merge` moves them all)."""
    quote = connection.ops.quote_name
    table, stage = quote(model._meta.db_table), quote(stage_name(model))
    match = " AND ".join(_same(f"{table}.{quote(c)}", f"{stage}.{quote(c)}") for c in compare)
    keys = " AND ".join(f"{table}.{quote(c)} = {stage}.{quote(c)}" for c in unique)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")
        if not cursor.fetchone()[0]:
            return None
        cursor.execute(f"ALTER TABLE {stage} ADD COLUMN {CHANGED} boolean NOT NULL DEFAULT false")
        cursor.execute(
            f"UPDATE {stage} SET {CHANGED} = true "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE {keys} AND {match})"
        )
        return int(cursor.rowcount)


def index_stage(model: type[Model], key: Sequence[str]) -> None:
    """Index the staged rows by `key`, for the lookups that compare them with the table."""
    quote = connection.ops.quote_name
    name = stage_name(model)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE INDEX {quote(name + '_key')} ON {quote(name)} ({', '.join(map(quote, key))})")


def insert_staged(model: type[Model]) -> int:
    """Insert every staged row into `model`'s table (one `INSERT … SELECT`)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {quote(stage_name(model))} LIMIT 0")
        columns = ", ".join(quote(column[0]) for column in cursor.description if column[0] != CHANGED)
        table, stage = quote(model._meta.db_table), quote(stage_name(model))
        cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {stage}")
        return int(cursor.rowcount)


def merge(model: type[Model], unique: Sequence[str], update: Sequence[str], compare: Sequence[str]) -> int:
    """Move the staged rows into `model`'s table: new keys inserted; of existing ones, the
    `update` columns rewritten where any `compare` column differs (once `mark_changed` has
    run, only the rows it flagged are looked at); into an empty table, a plain `INSERT … SELECT`.
    Returns rows written."""
    quote = connection.ops.quote_name
    table, stage = quote(model._meta.db_table), quote(stage_name(model))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {stage} LIMIT 0")
        names = [column[0] for column in cursor.description]
        columns = ", ".join(quote(name) for name in names if name != CHANGED)
        skip = CHANGED if CHANGED in names else "true"
        assignments = ", ".join(f"{quote(column)} = excluded.{quote(column)}" for column in update)
        same = " AND ".join(_same(f"{table}.{quote(c)}", f"excluded.{quote(c)}") for c in compare)
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")
        if not cursor.fetchone()[0]:  # an empty table (a first publish): nothing to conflict with
            with keys_checked_at_once(model):
                cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {stage} WHERE {skip}")
                return int(cursor.rowcount)
        # The WHERE before ON CONFLICT is also what SQLite's parser needs there.
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {stage} WHERE {skip} "
            f"ON CONFLICT ({', '.join(quote(column) for column in unique)}) DO UPDATE SET {assignments} "
            f"WHERE NOT ({same})"
        )
        return int(cursor.rowcount)


@contextmanager
def keys_checked_at_once(model: type[Model]) -> Iterator[None]:
    """Around filling `model`'s empty table inside a transaction (a first publish's switch):
    its foreign keys checked once for the whole table, one anti-join each, after the rows are
    in, instead of a trigger per row and key queued to the transaction's commit (a city's
    600,000 households and 106,349 findings: 2.5 million checks, 10–12 s at the switch).

    PostgreSQL only, and only where the database role may set `session_replication_role`
    (a superuser, or `GRANT SET ON PARAMETER session_replication_role`, docs/deploy.md):
    set to `replica` for the statement (transaction-local), which holds the per-row key
    triggers back; the table's keys are then checked here and a violation raises
    `IntegrityError` as the trigger would have. Unique keys are indexes, checked as ever.
    Elsewhere, or without the right, the rows are checked as usual."""
    if connection.vendor != "postgresql" or not connection.in_atomic_block or not _may_hold_triggers():
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        yield  # a failure aborts the transaction, the setting with it
        cursor.execute("SET LOCAL session_replication_role = origin")
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.ForeignKey) or not getattr(field, "db_constraint", True):
                continue
            referenced = field.related_model
            assert isinstance(referenced, type) and issubclass(referenced, Model)
            column, parent = quote(str(field.column)), quote(referenced._meta.db_table)
            key = quote(str(field.target_field.column))
            cursor.execute(
                f"SELECT {column} FROM {table} t WHERE {column} IS NOT NULL "
                f"AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.{key} = t.{column}) LIMIT 1"
            )
            row = cursor.fetchone()
            if row is not None:
                raise IntegrityError(
                    f'insert on table "{model._meta.db_table}" violates foreign key on {field.column}: '
                    f"{row[0]} is not in {referenced._meta.db_table}"
                )


def _may_hold_triggers() -> bool:
    """The role may set `session_replication_role` (PostgreSQL 15 and later ask the parameter's
    privilege; before, only a superuser may)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN current_setting('server_version_num')::int >= 150000 "
            "THEN has_parameter_privilege('session_replication_role', 'SET') "
            "ELSE (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) END"
        )
        return bool(cursor.fetchone()[0])


def shadow_table(model: type[Model]) -> ShadowTable | None:
    """A `ShadowTable` for `model` on PostgreSQL; None elsewhere (SQLite loads in place)."""
    return ShadowTable(model) if connection.vendor == "postgresql" else None


def loader() -> Loader:
    """The bulk loader for the default database."""
    return CopyLoader() if connection.vendor == "postgresql" else BatchLoader()


@contextmanager
def asynchronous_commits() -> Iterator[None]:
    """On PostgreSQL, the connection's commits meanwhile return without waiting for the
    write-ahead log to reach the disk (`synchronous_commit = off`): a load of many
    transactions stops waiting for a flush after each. A crash of the database server
    can lose the last moment's commits, never consistency (what a publish loaded before
    its switch is discarded by the next publish anyway). `durable_commit` makes one
    transaction wait again. Elsewhere (SQLite) it does nothing."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('synchronous_commit'), set_config('synchronous_commit', 'off', false)"
        )
        before = cursor.fetchone()[0]
    try:
        yield
    finally:
        if not connection.in_atomic_block and connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('synchronous_commit', %s, false)", [before])


def analyze(*models: type[Model]) -> None:
    """On PostgreSQL, fresh planner statistics for the models' tables: after a load into
    empty tables the planner would take them for empty until autovacuum comes by."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE " + ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
            )


def analyses(*models: type[Model]) -> list[Callable[[], None]]:
    """`analyze` of each model's table on its own, for `side_by_side`."""
    return [functools.partial(analyze, model) for model in models]


SIDE_BY_SIDE = 3  # statements at once: more than the cores (2) keeps them busy while one waits on the disk


def side_by_side(works: Sequence[Callable[[], None]], at_once: int = SIDE_BY_SIDE) -> None:
    """Run `works` (each a few statements on the default connection) up to `at_once` at a
    time, each on a thread with a connection of its own, and wait for all; the first
    failure is raised. On PostgreSQL the statements after a publish's switch (foreign-key
    validations, statistics) are each one backend's work on one core: side by side they
    finish in the time of the longest instead of their sum. Inside a transaction (which
    another connection would not see into), or on SQLite, one after another here."""
    if connection.vendor != "postgresql" or connection.in_atomic_block or at_once < 2 or len(works) < 2:
        for work in works:
            work()
        return

    def own_connection(work: Callable[[], None]) -> None:
        try:
            with asynchronous_commits():
                work()
        finally:
            connection.close()  # this thread's own

    with ThreadPoolExecutor(max_workers=min(at_once, len(works)), thread_name_prefix="side-by-side") as pool:
        futures = [pool.submit(own_connection, work) for work in works]
        wait(futures)
    for future in futures:
        future.result()


def durable_commit() -> None:
    """Inside a transaction: its commit waits for the disk, whatever `asynchronous_commits` said."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO on")


def _fields(model: type[Model]) -> dict[str, models.Field[Any, Any]]:
    """Concrete fields by column name, except an auto primary key and columns the database computes."""
    return {
        field.column: field
        for field in model._meta.concrete_fields
        if field.column
        and not isinstance(field, models.AutoField | models.BigAutoField | models.GeneratedField)
    }


def with_defaults(model: type[Model], frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with every other column of `model` added: its default, or null.

    Refuses a frame column the model does not have (a typo would lose data silently).
    """
    fields = _fields(model)
    unknown = sorted(set(frame.columns) - set(fields))
    if unknown:
        raise ValueError(f"{model.__name__} has no columns {unknown}")
    missing = []
    for column, field in fields.items():
        if column in frame.columns:
            continue
        default = field.get_default() if field.default is not NOT_PROVIDED else None
        if isinstance(field, models.JSONField):
            default = json.dumps(default)
        missing.append(pl.lit(default).alias(column))
    return frame.with_columns(missing).select(list(fields))


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """`frame` as CSV for COPY (no header), as bytes: Polars writes them twice as fast as a
    `str`, which psycopg would then encode back to bytes (at city scale 10 million rows a
    publish: about 10 s of CPU beside PostgreSQL's own)."""
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False)
    return buffer.getvalue()


def _batches(frame: pl.DataFrame, rows: int = BATCH_ROWS) -> Iterator[pl.DataFrame]:
    for offset in range(0, frame.height, rows):
        yield frame.slice(offset, rows)


class BatchLoader:
    """Batched `executemany` of one generated INSERT (SQLite, or any database without COPY).

    This is what `bulk_create` sends, without building a model instance per row: at
    60,000 households (240,000 members, 790,000 department records) building instances
    made publishing ten times slower.
    """

    batch_rows = BATCH_ROWS

    def insert(self, model: type[Model], frame: pl.DataFrame, advance: Advance | None = None) -> int:
        return self._execute(model, frame, advance)

    def stage(self, model: type[Model], frame: pl.DataFrame, advance: Advance | None = None) -> str:
        frame = with_defaults(model, frame)
        name = create_stage(model, frame.columns, "WHERE 0")
        # One transaction for the whole load, begun DEFERRED: it writes only the temporary
        # table, so it takes no lock on the database file (an IMMEDIATE one would). Progress
        # is told afterwards: its writes (an upload's progress row) must not land inside.
        autocommit = connection.get_autocommit()
        with connection.cursor() as cursor:
            if autocommit:
                cursor.execute("BEGIN DEFERRED")
            try:
                self._execute(model, frame, None, table=name)
            except BaseException:
                if autocommit:
                    cursor.execute("ROLLBACK")
                raise
            if autocommit:
                cursor.execute("COMMIT")
        if advance:
            advance(frame.height)
        return name

    def _execute(
        self,
        model: type[Model],
        frame: pl.DataFrame,
        advance: Advance | None,
        table: str | None = None,
    ) -> int:
        frame = _as_text_dates(with_defaults(model, frame))
        quote = connection.ops.quote_name
        columns = ", ".join(quote(column) for column in frame.columns)
        placeholders = ", ".join(["%s"] * frame.width)
        target = quote(table or model._meta.db_table)
        sql = f"INSERT INTO {target} ({columns}) VALUES ({placeholders})"
        with connection.cursor() as cursor:
            for batch in _batches(frame):
                cursor.executemany(sql, batch.rows())
                if advance:
                    advance(batch.height)
        return frame.height


def _as_text_dates(frame: pl.DataFrame) -> pl.DataFrame:
    """Dates and times as ISO text, the way Django stores them in SQLite."""
    return frame.with_columns(
        pl.col(name).cast(pl.String)
        for name, dtype in frame.schema.items()
        if dtype in (pl.Date, pl.Datetime)
    )


class CopyLoader:
    """PostgreSQL `COPY`, into the table or a staging table."""

    batch_rows = COPY_ROWS

    def insert(self, model: type[Model], frame: pl.DataFrame, advance: Advance | None = None) -> int:
        """One COPY (all rows or none); `advance` told once it is over (`_copy`)."""
        frame = with_defaults(model, frame)
        self._copy(model._meta.db_table, frame.columns, _batches(frame, CSV_ROWS))
        if advance:
            advance(frame.height)
        return frame.height

    def stage(self, model: type[Model], frame: pl.DataFrame, advance: Advance | None = None) -> str:
        """A COPY a chunk, `advance` told between them, so a city's stage shows its progress
        (nothing else sees the connection's own temporary table: were a load to fail
        halfway, the next `create_stage` drops what it left)."""
        frame = with_defaults(model, frame)
        name = create_stage(model, frame.columns, "WITH NO DATA")
        for chunk in _batches(frame, CSV_ROWS):
            self._copy(name, frame.columns, [chunk])
            if advance:
                advance(chunk.height)
        return name

    def _copy(self, table: str, columns: list[str], chunks: Iterable[pl.DataFrame]) -> None:
        """One COPY of every chunk, on the default connection. Never a caller's callback
        inside: psycopg holds the connection's lock while a COPY is open, and a progress
        written meanwhile on the same connection (an upload's `UploadProgress`, this very
        thread's connection) waits for that lock for ever, PostgreSQL waiting for the rest
        of the COPY (`ClientRead`): a city's upload stopped so at 写入农户."""
        # Polars writes the CSV (a null as nothing, an empty text as ""), which is what
        # COPY's CSV format reads; far faster than handing psycopg one row at a time.
        quote = connection.ops.quote_name
        names = ", ".join(quote(column) for column in columns)
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {quote(table)} ({names}) FROM STDIN WITH (FORMAT csv)") as copy:
                for chunk in chunks:
                    copy.write(csv_bytes(chunk))


# Replacing a whole table by another (PostgreSQL) -------------------------------------------

NEXT_SUFFIX = "_next"  # the table being filled
PREVIOUS_SUFFIX = "_previous"  # the replaced table, until `ShadowTable.finish` drops it
SWAP_LOCK_TIMEOUT = "500ms"  # how long the swap may keep a reader waiting before it backs off
SWAP_ATTEMPTS = 20
BUILD_MEMORY = "1GB"  # an index build's sort (one at a time): a city's records sort in memory
# Index builds at once (`ShadowTable.build`): each is parallel within (PostgreSQL's own workers)
# only for its sort; its merge and writing are one backend's, which side by side overlap.
BUILDS_AT_ONCE = 3


class ShadowTable:
    """On PostgreSQL, a table's next contents loaded beside it and swapped in by name.

    For a table nothing references (its rows are replaced whole), loading millions of rows
    into the live table costs an index update and a foreign-key check per row, and the
    old rows a deletion each. Instead:

    1. `create`: an empty `<table>_next` shaped like the table (defaults, checks, identity
       continuing the table's numbering), no index, no foreign key; `copy` fills it;
    2. `build`: the table's indexes and key constraints built on it at once (a sort each,
       not a million insertions); the planner's statistics;
    3. `swap`, inside the caller's switching transaction: its foreign keys added `NOT VALID`
       (rows may name parents the switch has just written), the two tables renamed, under
       a short lock timeout retried, so a reader waits well under a second;
    4. `finish`, after it: `settle` (the old table dropped, the indexes given their own
       names back), then the foreign keys validated (`validations`: reads, nobody waits;
       a publish runs them side by side with its other reads, `side_by_side`).

    `drop` removes what an interrupted load left (`<table>_next`, or a `_previous` whose
    `finish` never ran: then the names are put right too).
    """

    def __init__(self, model: type[Model]) -> None:
        self.model = model
        self.table = model._meta.db_table
        self.next = self.table + NEXT_SUFFIX
        self.previous = self.table + PREVIOUS_SUFFIX

    def create(self) -> None:
        quote = connection.ops.quote_name
        table, pk = quote(self.table), quote(str(self.model._meta.pk.column))
        self.drop()
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE {quote(self.next)} (LIKE {table} INCLUDING DEFAULTS INCLUDING IDENTITY "
                "INCLUDING CONSTRAINTS INCLUDING STORAGE)"
            )
            cursor.execute(f"SELECT coalesce(max({pk}), 0) + 1 FROM {table}")
            start = int(cursor.fetchone()[0])
            if _is_identity(self.next, str(self.model._meta.pk.column)):
                cursor.execute(f"ALTER TABLE {quote(self.next)} ALTER COLUMN {pk} RESTART WITH {start}")

    def copy(self, frame: pl.DataFrame, advance: Advance | None = None) -> int:
        """COPY `frame` (the model's columns, defaults filled) into the next table; autocommit."""
        frame = with_defaults(self.model, frame)
        CopyLoader()._copy(self.next, frame.columns, _batches(frame, CSV_ROWS))
        if advance:
            advance(frame.height)  # after the COPY (`CopyLoader._copy`)
        return frame.height

    def copy_parts(self, parts: Iterable[pl.DataFrame], advance: Advance | None = None) -> int:
        """COPY every part into the next table, emptied first, in one transaction; returns
        how many rows.

        `FREEZE`: rows loaded into a table emptied in the same transaction are written
        frozen and their pages all-visible, so the index builds, the statistics and the
        foreign key's validation that read them next do not each find millions of rows to
        mark (and their pages to write again). The transaction is a connection's of its
        own, so the caller's stays free meanwhile (an upload's progress rows are seen as
        they are written); inside a transaction of the caller's (which alone sees the
        next table) a savepoint of it. The chunks are sent by a thread of psycopg's
        (`QueuedLibpqWriter`) while the next part is built."""
        if connection.in_atomic_block:
            # The caller's connection: its progress told once the COPY is over (`CopyLoader._copy`).
            told: list[int] = []
            with transaction.atomic(), connection.cursor() as cursor:
                count = self._copy_frozen(cursor.cursor, parts, told.append if advance else None)
            for amount in told:
                assert advance is not None
                advance(amount)
            return count
        with psycopg.connect(**connection.get_connection_params(), autocommit=True) as own:
            own.execute("SET synchronous_commit = off")  # as `asynchronous_commits`
            with own.transaction(), own.cursor() as cursor:
                return self._copy_frozen(cursor, parts, advance)

    def _copy_frozen(
        self, cursor: psycopg.Cursor[Any], parts: Iterable[pl.DataFrame], advance: Advance | None
    ) -> int:
        quote = connection.ops.quote_name
        cursor.execute(f"TRUNCATE {quote(self.next)}")
        count = 0
        with ExitStack() as stack:
            copy: psycopg.Copy | None = None
            for part in parts:
                frame = with_defaults(self.model, part)
                if copy is None:
                    names = ", ".join(quote(column) for column in frame.columns)
                    sql = f"COPY {quote(self.next)} ({names}) FROM STDIN WITH (FORMAT csv, FREEZE)"
                    copy = stack.enter_context(cursor.copy(sql, writer=QueuedLibpqWriter(cursor)))
                for chunk in _batches(frame, CSV_ROWS):
                    copy.write(csv_bytes(chunk))
                    if advance:
                        advance(chunk.height)
                count += frame.height
        return count

    def build(self) -> None:
        """The live table's indexes and key constraints on the next table (temporary index
        names); its foreign keys come with `swap`. Takes no lock on any other table, so it
        may run while a transaction writes the tables this one references.

        The indexes are built side by side (`side_by_side`, BUILDS_AT_ONCE), each on a
        connection of its own: a key constraint's unique index first, as a plain `CREATE
        UNIQUE INDEX` (`ALTER TABLE … ADD CONSTRAINT` would lock the others out), made the
        constraint after (`USING INDEX`: a moment)."""
        quote = connection.ops.quote_name
        keys = _key_indexes(self.table)
        builds = [
            _retarget(definition, f"{self.next}_{number}", self.next)
            for number, (_, definition, _) in enumerate(keys)
        ]
        builds += [
            _retarget(definition, f"{self.next}_i{number}", self.next)
            for number, (_, definition) in enumerate(_plain_indexes(self.table))
        ]
        side_by_side([functools.partial(_build_index, sql) for sql in builds], at_once=BUILDS_AT_ONCE)
        with connection.cursor() as cursor:
            for number, (_, _, (kind, deferral)) in enumerate(keys):
                index = quote(f"{self.next}_{number}")
                using = f"{kind} USING INDEX {index}{deferral}"
                cursor.execute(f"ALTER TABLE {quote(self.next)} ADD CONSTRAINT {index} {using}")
            cursor.execute(f"ANALYZE {quote(self.next)}")

    def swap(self) -> None:
        """Inside the switching transaction: the next table takes the table's name."""
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            # The transaction's deferred foreign-key checks (every row the switch wrote) run
            # now, not at its commit: once the lock is held only the commit itself remains.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"SET LOCAL lock_timeout = '{SWAP_LOCK_TIMEOUT}'")
            referencing = _referencing(self.table)
            for attempt in range(SWAP_ATTEMPTS):
                try:
                    with transaction.atomic():  # a savepoint: a lock timed out is retried
                        for table in (self.table, *dict.fromkeys(name for name, _, _ in referencing)):
                            cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
                        # The table's own foreign keys, unchecked (its rows may name parents this
                        # transaction wrote; `finish` checks): each locks the table it references
                        # against writers (readers go on), a moment before the commit.
                        for name, definition, kind in _constraints(self.table):
                            if kind == "f":
                                cursor.execute(
                                    f"ALTER TABLE {quote(self.next)} ADD CONSTRAINT {quote(name)} "
                                    f"{definition} NOT VALID"
                                )
                    break
                except OperationalError:
                    if attempt == SWAP_ATTEMPTS - 1:
                        raise
                    time.sleep(0.2)  # readers that queued behind the attempt go first
            cursor.execute(f"ALTER TABLE {quote(self.table)} RENAME TO {quote(self.previous)}")
            cursor.execute(f"ALTER TABLE {quote(self.next)} RENAME TO {quote(self.table)}")
            # Other tables' foreign keys hold the old table itself, not its name: pointed at
            # the new one, unchecked (their rows reference the old rows' keys; `finish` checks).
            for table, name, definition in referencing:
                cursor.execute(
                    f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}, ADD CONSTRAINT {quote(name)} "
                    f"{definition} NOT VALID"
                )
            cursor.execute("SET LOCAL lock_timeout TO DEFAULT")

    def finish(self) -> None:
        """After the switch: `settle`, then the foreign keys validated (`validations`)."""
        self.settle()
        side_by_side(self.validations(), at_once=1)

    def settle(self) -> None:
        """After the switch: the old table dropped, the indexes' and the sequence's own names
        back (one transaction: an interruption leaves the old names to match them by). Each
        statement takes a strong lock, briefly: run it before any long read of the tables."""
        quote = connection.ops.quote_name
        with transaction.atomic(), connection.cursor() as cursor:
            if not _exists(self.previous):
                return
            canonical = dict(_index_shapes(self.previous))
            sequence = _sequence(self.previous, str(self.model._meta.pk.column))
            cursor.execute(f"DROP TABLE {quote(self.previous)}")
            for name, shape in _index_shapes(self.table):
                if name not in canonical and shape in canonical.values():
                    own = next(old for old, old_shape in canonical.items() if old_shape == shape)
                    canonical.pop(own)
                    cursor.execute(f"ALTER INDEX {quote(name)} RENAME TO {quote(own)}")
            current = _sequence(self.table, str(self.model._meta.pk.column))
            if sequence and current and current != sequence:
                cursor.execute(f"ALTER SEQUENCE {current} RENAME TO {quote(sequence.split('.')[-1])}")

    def validations(self) -> list[Callable[[], None]]:
        """The table's and other tables' foreign keys to it still to validate, one statement
        each: reads (a join each) that keep no reader or writer waiting, so `side_by_side`
        may run them at once."""
        quote = connection.ops.quote_name
        pending = [
            (quote(self.table), name)
            for name, _, kind in _constraints(self.table, validated=False)
            if kind == "f"
        ]
        pending += [(table, name) for table, name, _ in _referencing(self.table, validated=False)]
        return [
            functools.partial(_execute, f"ALTER TABLE {table} VALIDATE CONSTRAINT {quote(name)}")
            for table, name in pending
        ]

    def drop(self) -> None:
        """What an interrupted load left: the next table; the old one, names put right."""
        if _exists(self.previous):
            self.finish()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(self.next)}")


def _execute(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


def _build_index(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET maintenance_work_mem = '{BUILD_MEMORY}'")
        cursor.execute(sql)
        cursor.execute("RESET maintenance_work_mem")


def _exists(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
        return bool(cursor.fetchone()[0])


def _is_identity(table: str, column: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attidentity <> '' FROM pg_attribute WHERE attrelid = %s::regclass AND attname = %s",
            [table, column],
        )
        row = cursor.fetchone()
        return bool(row and row[0])


def _sequence(table: str, column: str) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
        row = cursor.fetchone()
        return str(row[0]) if row and row[0] else None


def _constraints(table: str, validated: bool | None = None) -> list[tuple[str, str, str]]:
    """The table's primary key, unique and foreign-key constraints: (name, definition, kind)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f') "
            "AND (%s::boolean IS NULL OR convalidated = %s::boolean) ORDER BY contype DESC, conname",
            [table, validated, validated],
        )
        return [(str(name), str(definition), str(kind)) for name, definition, kind in cursor.fetchall()]


def _key_indexes(table: str) -> list[tuple[str, str, tuple[str, str]]]:
    """The table's primary key and unique constraints: (name, their index's definition, what
    `ADD CONSTRAINT … USING INDEX` says of them: `PRIMARY KEY` or `UNIQUE`, and whether deferrable)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_indexdef(conindid), contype, condeferrable, condeferred "
            "FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ('p', 'u') "
            "ORDER BY contype DESC, conname",
            [table],
        )
        keys = []
        for name, definition, kind, deferrable, deferred in cursor.fetchall():
            deferral = (
                f" DEFERRABLE INITIALLY {'DEFERRED' if deferred else 'IMMEDIATE'}" if deferrable else ""
            )
            keys.append((str(name), str(definition), ("PRIMARY KEY" if kind == "p" else "UNIQUE", deferral)))
        return keys


def _referencing(table: str, validated: bool | None = None) -> list[tuple[str, str, str]]:
    """Other tables' foreign keys to `table`: (their table, the constraint's name, its definition)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE confrelid = %s::regclass AND conrelid <> confrelid AND contype = 'f' "
            "AND (%s::boolean IS NULL OR convalidated = %s::boolean) ORDER BY 1, 2",
            [table, validated, validated],
        )
        return [(str(other), str(name), str(definition)) for other, name, definition in cursor.fetchall()]


def _plain_indexes(table: str) -> list[tuple[str, str]]:
    """The table's indexes that no constraint owns: (name, definition)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = i.indexrelid) ORDER BY c.relname",
            [table],
        )
        return [(str(name), str(definition)) for name, definition in cursor.fetchall()]


def _index_shapes(table: str) -> list[tuple[str, str]]:
    """Every index of the table: (name, its definition without its name and table)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass ORDER BY c.relname",
            [table],
        )
        return [(str(name), _shape(str(definition))) for name, definition in cursor.fetchall()]


_INDEX_DEFINITION = re.compile(r"^CREATE (UNIQUE )?INDEX (\S+) ON (\S+) (USING .*)$")


def _shape(definition: str) -> str:
    match = _INDEX_DEFINITION.match(definition)
    assert match, definition
    return f"{match.group(1) or ''}{match.group(4)}"


def _retarget(definition: str, name: str, table: str) -> str:
    """An index definition (`pg_get_indexdef`) with another name, on another table."""
    match = _INDEX_DEFINITION.match(definition)
    assert match, definition
    quote = connection.ops.quote_name
    return f"CREATE {match.group(1) or ''}INDEX {quote(name)} ON {quote(table)} {match.group(4)}"

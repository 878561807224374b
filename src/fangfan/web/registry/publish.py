"""The registry's part of publishing an engine run: its tables, as a `Publication`.

The engine writes immutable Parquet (a snapshot, a run's findings and summary, the
snapshot's department links); the office works in the database. `fangfan.web.publishing`
runs a publish and calls each app's step; this module loads the registry's tables in bulk,
in two phases, so that the office keeps working meanwhile and a failed publish leaves the
previous state intact (docs/web.md, Publishing a run):

- *prepare*, holding no lock longer than one batch: the run (not yet published), the
  regions, the new households, members and findings in temporary tables (unchanged rows
  flagged), the new snapshot's department records and the run's history and counts,
  all hidden from the pages until the run is current;
- *switch*, inside the publish's one short transaction: households and members merged in place by their
  registry keys (those the snapshot no longer holds soft-deleted, a trace each; those
  back again restored); findings by identity (rule, household, person): new ones added,
  persisting ones updated (last seen, evidence), vanished ones marked resolved by the
  engine, the office's workflow (status, assignee, deadline, events) never touched except
  for findings closed (已核销) that the run flags again: those reopen as recurring (复发);
  the run made current;
- after it, in batches: the previous snapshot's department records removed.

On PostgreSQL the new snapshot's department records are loaded into a table of their own
instead (`shared.loading.ShadowTable`), by a thread of their own while the rest is prepared,
which takes the old table's name last in the switch; the old table is dropped after it. A
first publish also loads its members into a table of their own.

Publishing a run already published does nothing. A run older than the current one is
refused: history only moves forward. This module imports no other app's publishing step:
the registry knows nothing of monitoring (`fangfan.web.publishing` calls both).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F, Max, Min, Model
from django.utils import timezone

from fangfan.engine.formatting import date_text
from fangfan.engine.progress import Progress
from fangfan.engine.schema import DEPARTMENT_FEEDS, TABLES, Kind
from fangfan.engine.snapshot import MANIFEST, Snapshot
from fangfan.web.accounts.audit import field_values
from fangfan.web.accounts.models import AuditEvent
from fangfan.web.regions.actions import sync_regions
from fangfan.web.registry import frames
from fangfan.web.registry.models import (
    DepartmentRecord,
    Finding,
    FindingEvent,
    Household,
    HouseholdRunSummary,
    Member,
    Run,
    VillageFindingCount,
    VillageHouseholdCount,
)
from fangfan.web.shared.loading import (
    BATCH_ROWS,
    Loader,
    ShadowTable,
    analyses,
    asynchronous_commits,
    drop_stage,
    index_stage,
    insert_staged,
    loader,
    mark_changed,
    merge,
    shadow_table,
    side_by_side,
    stage_name,
)

LINKS_FILE = "links.parquet"
UPDATE, DELETE = "update", "delete"  # AuditEvent.Action
STEP_READ = "读取筛查结果"
STEP_REGIONS = "同步行政区划"
STEP_HOUSEHOLDS = "写入农户"
STEP_MEMBERS = "写入家庭成员"
STEP_DEPARTMENTS = "写入部门记录"
STEP_FINDINGS = "写入问题"
STEP_COUNTS = "写入统计"

# Columns a new run rewrites on an existing row (everything but the key, first_run and deletion).
HOUSEHOLD_UPDATE = tuple(
    column
    for column in (f.column for f in Household._meta.concrete_fields)
    if column and column not in ("household_id", "first_run_id", "deleted_at", "deleted_by_id")
)
MEMBER_UPDATE = tuple(
    column
    for column in (f.column for f in Member._meta.concrete_fields)
    if column and column not in ("id", "household_id", "id_number", "deleted_at", "deleted_by_id")
)
# Compared to decide whether an existing row is rewritten: the values, not the run that saw them.
HOUSEHOLD_COMPARE = (*(c for c in HOUSEHOLD_UPDATE if c != "last_run_id"), "deleted_at")
MEMBER_COMPARE = (*(c for c in MEMBER_UPDATE if c != "last_run_id"), "deleted_at")
# The staged delete AuditEvents (`Publication._stage_deletions`), as the table's columns.
EVENT_SCHEMA = {
    "user_id": pl.Int64,
    "at": pl.String,
    "action": pl.String,
    "content_type_id": pl.Int64,
    "object_id": pl.String,
    "object_repr": pl.String,
    "old": pl.String,
    "new": pl.String,
}
# The publishing lock (`publishing_lock`): PostgreSQL's advisory lock with this key, or a file
# locked beside the SQLite database.
PUBLISH_LOCK_KEY = 620_000_014
BUSY = "另一个发布正在进行，请等它完成后再发布"
# Department records are built this many links at a time (a feed's, or a slice of a big feed's):
# at 250,000 the records' thread, running beside the households' staging, held about 70 MB
# less at the city's peak than at 500,000, at no measurable cost in time.
DEPARTMENT_PART_ROWS = 250_000
# What a record is built from: a feed row's address, and its link's columns.
RECORD_ADDRESS = ("_file", "_sheet", "_row")
LINK_COLUMNS = (
    *RECORD_ADDRESS,
    "feed",
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
_LINKED = (pl.col("status") == "linked") & (
    pl.col("linked_household_id").is_not_null() | pl.col("linked_village_code").is_not_null()
)
# The engine's side of a finding; status, assignee, deadline and first_seen_run stay as they are.
FINDING_UPDATE = (
    "person_name",
    "village_code",
    "township_code",
    "county_code",
    "rule_name",
    "category",
    "level",
    "veto",
    "severity",
    "message",
    "evidence",
    "last_seen_run_id",
    "open_since_run_id",
    "engine_status",
    "resolved_in_run_id",
)


# The staged tables' keys, and what decides whether a row already in the table is rewritten.
STAGED_KEYS: dict[type[Model], list[str]] = {
    Household: ["household_id"],
    Member: ["household_id", "id_number"],
    Finding: list(frames.FINDING_KEY),
}
STAGED_COMPARE: dict[type[Model], tuple[str, ...]] = {
    Household: HOUSEHOLD_COMPARE,
    Member: MEMBER_COMPARE,
    Finding: FINDING_UPDATE,
}


class PublishError(RuntimeError):
    """The run cannot be published (the message says why, in Chinese)."""


@dataclass(frozen=True)
class PublishResult:
    run: Run
    created: bool  # False: the run was published before; nothing changed
    households: int = 0
    members: int = 0
    department_records: int = 0
    findings: int = 0
    new: int = 0
    persisting: int = 0
    resolved: int = 0
    removed_households: int = 0
    seconds: float = 0.0

    def describe(self) -> str:
        """What the publish did, in Chinese, for the command line."""
        run = self.run
        if not self.created:
            return f"筛查批次 {run.run_id} 已于 {run.published_at:%Y-%m-%d %H:%M} 发布过，未做任何更改"
        removed = f"；不再在册的农户 {self.removed_households:,} 户" if self.removed_households else ""
        return (
            f"已发布筛查批次 {run.run_id}（快照 {run.snapshot_id}，用时 {self.seconds:.1f} 秒）：\n"
            f"  农户 {self.households:,} 户，成员 {self.members:,} 人，"
            f"部门记录 {self.department_records:,} 条；\n"
            f"  问题 {self.findings:,} 条，其中新发现 {self.new:,}、持续存在 {self.persisting:,}；"
            f"较上一批次已消除 {self.resolved:,} 条{removed}"
        )


@dataclass(frozen=True)
class EngineRun:
    """What the engine wrote for one run, read from disk (the links scanned, read a feed at a time)."""

    summary: dict[str, Any]
    snapshot: Snapshot
    findings: pl.DataFrame
    links: pl.LazyFrame | None

    @property
    def run_id(self) -> str:
        return str(self.summary["run_id"])


def read_engine_run(run_dir: Path, snapshot_dir: Path, links: Path | pl.DataFrame | None = None) -> EngineRun:
    """The run's summary and findings and its snapshot; links from `links`, else from
    `FANGFAN_HOME/derived/<snapshot>/links.parquet` beside the snapshots (if present)."""
    summary_path = run_dir / "summary.json"
    if not summary_path.exists() or not (run_dir / "findings.parquet").exists():
        raise PublishError(f"{run_dir} 不是完整的筛查批次（缺少 summary.json 或 findings.parquet）")
    if not (snapshot_dir / MANIFEST).exists():
        raise PublishError(f"{snapshot_dir} 不是数据快照（缺少 {MANIFEST}）")
    summary = json.loads(summary_path.read_text("utf-8"))
    snapshot = Snapshot(snapshot_dir, json.loads((snapshot_dir / MANIFEST).read_text("utf-8")))
    if summary.get("snapshot_id") != snapshot.id:
        raise PublishError(
            f"筛查批次 {summary.get('run_id')} 来自快照 {summary.get('snapshot_id')}，不是 {snapshot.id}"
        )
    if links is None:
        default = snapshot_dir.parent.parent / "derived" / snapshot.id / LINKS_FILE
        links = default if default.exists() else None
    scanned = pl.scan_parquet(links) if isinstance(links, Path) else None if links is None else links.lazy()
    return EngineRun(summary, snapshot, pl.read_parquet(run_dir / "findings.parquet"), scanned)


def refuse_older(engine: EngineRun, current: Run | None) -> None:
    screened = _screened_at(engine.summary)
    if current is not None and current.screened_at and screened and screened < current.screened_at:
        raise PublishError(
            f"筛查批次 {engine.run_id} 早于当前已发布的批次 {current.run_id}，不能发布（历史只能向前）"
        )


@contextmanager
def publishing_lock() -> Iterator[None]:
    """Held by the one process publishing into this database, for the whole publish, and let go
    by PostgreSQL or the operating system the moment that process dies (kill -9 included): a
    run left unpublished while nobody holds it was left by a publish that is dead, however
    recent, and one held means a publish is under way, however long it takes. Refused at
    once (`BUSY`) while another process holds it.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [PUBLISH_LOCK_KEY])
            row = cursor.fetchone()
        if not row or not row[0]:
            raise PublishError(BUSY)
        try:
            yield
        finally:
            if connection.is_usable():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [PUBLISH_LOCK_KEY])
        return
    with open(publishing_lock_path(), "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PublishError(BUSY) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def publishing_lock_path() -> Path:
    """SQLite's lock file: beside the database file (an in-memory database, which no other
    process can open, gets one of its own in the temporary folder)."""
    name = str(connection.settings_dict["NAME"])
    if name and ":memory:" not in name and "mode=memory" not in name:
        return Path(name).with_name(Path(name).name + ".publish.lock")
    return Path(tempfile.gettempdir()) / f"fangfan-publish-{os.getpid()}-{abs(hash(name))}.lock"


def clear_unfinished(run_id: str) -> None:
    """Remove what an interrupted publish left (called under `publishing_lock`: no other
    publish is alive, so every unpublished run is one whose publisher died)."""
    for run in Run.objects.filter(published=False):
        _discard_run(run)
    for model in (Member, DepartmentRecord):
        shadow = shadow_table(model)
        if shadow is not None:
            shadow.drop()  # a table half loaded, or one swapped out and never dropped


def _discard_run(run: Run) -> None:
    """Delete a run that never became current and every row prepared for it, in short batches."""
    for rows in (
        HouseholdRunSummary.all_objects.filter(run=run),
        VillageHouseholdCount.objects.filter(run=run),
        VillageFindingCount.objects.filter(run=run),
    ):
        _delete_in_batches(rows)
    current = Run.objects.current()
    if current is None or current.snapshot_id != run.snapshot_id:
        _delete_in_batches(DepartmentRecord.all_objects.filter(snapshot_id=run.snapshot_id))
    Run.objects.filter(pk=run.pk, published=False).delete()


def _delete_in_batches(rows: Any) -> None:
    """Delete `rows` a range of primary keys per transaction, so no writer waits long
    behind the deletion (each range is read through the primary key, not a scan)."""
    bounds = rows.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return
    step = loader().batch_rows
    for start in range(bounds["low"], bounds["high"] + 1, step):
        with transaction.atomic():
            rows.filter(pk__gte=start, pk__lt=start + step)._raw_delete(connection.alias)


def _screened_at(summary: dict[str, Any]) -> dt.datetime | None:
    created = summary.get("created_at")
    if not created:
        return None
    moment = dt.datetime.fromisoformat(str(created))
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class Publication:
    """The registry's tables for one publish: `prepare` (long, no lock held for more than a
    batch), then `switch` (inside the publish's short transaction) and `result` after it,
    then `finish`; `discard` undoes `prepare` if anything failed, `drop_stages` always."""

    def __init__(self, engine: EngineRun, current: Run | None, progress: Progress, load: Loader) -> None:
        self.engine = engine
        self.previous = current
        self.progress = progress
        self.load = load
        self.now = timezone.now()
        self.run_row: Run | None = None
        self.staged: list[type[Model]] = []
        self.departments_started = False
        self.department_later = SpilledRecords()
        self.department_shadow: ShadowTable | None = None  # PostgreSQL: the records' next table
        self.member_shadow: ShadowTable | None = None  # PostgreSQL, first publish: the members'
        self.stopping = threading.Event()  # tells those threads the publish failed
        self.threads: list[Future[int]] = []  # the records' and members' threads: `discard` waits for them
        self.deletions: dict[type[Model], set[Any]] = {}  # what prepare found gone, by model
        snapshot = engine.snapshot
        self.households = snapshot.read("households")
        self.members = snapshot.read("members")
        self.income = (
            snapshot.read("income")
            if snapshot.has("income")
            else pl.DataFrame(
                schema={name: pl.Float64 for name in frames.INCOME_FIELDS} | {"household_id": pl.String}
            )
        )

    # Preparing: everything the new run needs, invisible until the switch --------------

    def prepare(self) -> None:
        """Create the run (not yet published), stage its households, members and findings,
        and write its run-scoped rows and the new snapshot's department records."""
        self.run_row = self._create_run()
        # The records are the longest part of a publish: on PostgreSQL their thread starts
        # first (a feed's rows and a window of links held at a time, not the feed's links
        # whole, which beside the snapshot's frames took a city's publish over 5 GB).
        departments = self._start_department_records() if self._records_threaded() else None
        self._step(STEP_REGIONS, lambda: sync_regions(self.engine.snapshot))
        self.findings = frames.finding_frame(self.engine.findings, self.members, self.households)
        self.household_frame = frames.household_frame(
            self.households, self.members, self.income, self.findings
        )
        self._stage_households()
        self._stage_members()
        for name in ("households", "members", "income"):  # built into the staged frames: let go
            self.__dict__.pop(name, None)
        # A first publish's members go into a table of their own (`_load_member_table`); on
        # PostgreSQL in a thread of their own too, beside the findings' staging and the switch.
        self.members_loaded = self._start(self._load_member_table, "member-table")
        if departments is None:  # here, in this thread: after the snapshot's frames are let go
            departments = self._start_department_records()
        self._stage_findings()
        self._publish_counts(self.household_frame, self.classified, self.resolved)
        # What the tables already hold as staged is left out of the switch.
        for model, key in STAGED_KEYS.items():
            index_stage(model, key)
            mark_changed(model, key, STAGED_COMPARE[model])
        self._stage_deletions()
        self.records_loaded = departments
        if self.previous is not None:
            # A month's update waits for the records here: its switch rewrites rows the office
            # may be editing, whose writers wait for its commit. A first publish (nobody
            # works on an empty database yet) switches while their indexes are still built
            # (`swap_tables` waits for them).
            departments.result()

    def _load_member_table(self) -> int:
        """On PostgreSQL, into an empty member table (a first publish): the members COPY'd
        (frozen, `ShadowTable.copy_parts`) into a table of their own, indexed and keyed after,
        which the switch swaps in instead of inserting millions of rows into seven indexes,
        each row's keys checked one by one at commit. Their stage is left empty
        (`_stage_members`): against an empty table nothing is compared or merged.
        Returns how many members were loaded so (0 when none)."""
        if self.member_shadow is None:
            return 0
        self.member_shadow.create()
        rows = self._run_columns(self.member_frame, "last_run_id")
        count = self.member_shadow.copy_parts([rows], self._advance(STEP_MEMBERS))
        del rows
        if self.stopping.is_set():  # the publish failed meanwhile (`discard`): no builds
            raise PublishError("发布已中止")
        self.member_shadow.build()
        return count

    def _stage(self, model: type[Model], frame: pl.DataFrame, step: str, total: int | None = None) -> None:
        self.progress.start(step, total=frame.height if total is None else total)
        self.staged.append(model)
        self.load.stage(model, frame, self._advance(step))

    def _stage_households(self) -> None:
        self._stage(
            Household, self._run_columns(self.household_frame, "first_run_id", "last_run_id"), STEP_HOUSEHOLDS
        )

    def _stage_members(self) -> None:
        self.member_frame = frames.member_frame(self.members, self.household_frame)
        rows = self._run_columns(self.member_frame, "last_run_id")
        shadow = shadow_table(Member)
        if shadow is not None and not Member._base_manager.exists():
            self.member_shadow = shadow  # `_load_member_table` loads them
            rows = rows.clear()
        self._stage(Member, rows, STEP_MEMBERS, total=self.member_frame.height)

    def _stage_findings(self) -> None:
        before = self._open_findings()
        self.classified = frames.classify_changes(self.findings, before)
        persisting_since = before.select(*frames.FINDING_KEY, "open_since_run_id")
        rows = (
            self.classified.join(persisting_since, on=list(frames.FINDING_KEY), how="left")
            .with_columns(
                pl.col("open_since_run_id").fill_null(self.run.pk),
                pl.lit("open").alias("engine_status"),
                pl.lit(None, dtype=pl.Int64).alias("resolved_in_run_id"),
            )
            .drop("change")
        )
        self.resolved = before.join(
            self.findings.select(frames.FINDING_KEY), on=list(frames.FINDING_KEY), how="anti"
        )
        self._stage(Finding, self._run_columns(rows, "first_seen_run_id", "last_seen_run_id"), STEP_FINDINGS)

    def _records_threaded(self) -> bool:
        return connection.vendor == "postgresql" and not connection.in_atomic_block

    def _start_department_records(self) -> Future[int]:
        """`_prepare_department_records`, whose count the future holds. On PostgreSQL,
        outside a transaction of the caller's, in a thread of its own (its own connections:
        the records go into a table of their own, which nothing else prepared here reads),
        while this thread prepares the rest: PostgreSQL reads the records' COPY and builds
        their indexes while it builds the members' and compares the staged rows. Elsewhere,
        or inside a transaction (which another connection would not see into), right here."""
        return self._start(self._prepare_department_records, "department-records")

    def _start(self, work: Callable[[], int], name: str) -> Future[int]:
        """`work`'s result in a future: on PostgreSQL outside a transaction of the caller's, a
        thread of its own runs it (on connections of its own; its commits asynchronous, as the
        publish's); elsewhere, or inside a transaction (which another connection would not
        see into), it runs right here and the future is done."""
        if not self._records_threaded():
            done: Future[int] = Future()
            done.set_result(work())
            return done
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        future = executor.submit(self._in_thread, work)
        executor.shutdown(wait=False)
        self.threads.append(future)
        return future

    @staticmethod
    def _in_thread(work: Callable[[], int]) -> int:
        try:
            with asynchronous_commits():
                return work()
        finally:
            connection.close()  # this thread's own

    def _prepare_department_records(self) -> int:
        """The new snapshot's records, a feed (or a slice of a big one) at a time: those of
        households already in the database, and the villages' own, written now in batches
        (hidden: not the current snapshot's); those of households new to the database
        (every one in a first publish) put aside on disk for the switch or after it.
        Returns how many records the snapshot has."""
        snapshot = self.engine.snapshot
        if self.previous is not None and self.previous.snapshot_id == snapshot.id:
            return self.previous.department_records  # same snapshot: the records are already there
        if self.engine.links is None:
            return 0
        self.department_shadow = shadow_table(DepartmentRecord)
        if self.department_shadow is not None:
            return self._load_department_table(self.department_shadow)
        known = pl.Series(
            "household_id", list(Household.all_objects.values_list("household_id", flat=True)), pl.String
        ).implode()
        self.progress.start(STEP_DEPARTMENTS, total=self._department_total())
        self.departments_started = True
        count = 0
        for part in self._department_parts():
            count += part.height
            now = part.filter(pl.col("household_id").is_null() | pl.col("household_id").is_in(known))
            self._insert_in_batches(DepartmentRecord, now, STEP_DEPARTMENTS)
            self.department_later.add(part.filter(~pl.col("household_id").is_in(known)))
        return count

    def _load_department_table(self, shadow: ShadowTable) -> int:
        """On PostgreSQL: every record into a table of their own, bare, then its indexes built
        at once; `swap_tables` puts it in place (its foreign key added then, validated after)."""
        self.progress.start(STEP_DEPARTMENTS, total=self._department_total())
        self.departments_started = True
        shadow.create()
        count = shadow.copy_parts(self._department_parts(), self._advance(STEP_DEPARTMENTS))
        shadow.build()
        return count

    def _department_parts(self) -> Iterator[pl.DataFrame]:
        """`frames.department_frame` of the snapshot's feeds, in parts of at most
        DEPARTMENT_PART_ROWS links, in the links' order (the whole never held at once).

        The links are read a window of DEPARTMENT_PART_ROWS at a time, and of each feed they
        name only the rows in the window's range of row numbers (the engine writes the links
        a feed after another, in the feed's order, so a window's rows are a slice of the
        feed's; were they not, the range would only be wider). A feed's links and rows held
        whole (a city's insurance roll: 4.7 million of each, most of a gigabyte) kept the
        records from starting beside the snapshot's frames; joined with every row of the
        feed, each window cost twice the CPU."""
        snapshot, links = self.engine.snapshot, self.engine.links
        assert links is not None
        feeds = [feed.name for feed in DEPARTMENT_FEEDS if snapshot.has(feed.name)]
        total = int(links.select(pl.len()).collect().item())
        for offset in range(0, total, DEPARTMENT_PART_ROWS):
            window = (
                links.slice(offset, DEPARTMENT_PART_ROWS)
                .filter(_LINKED & pl.col("feed").is_in(feeds))
                .select(LINK_COLUMNS)
                .collect()
            )
            by_feed = {str(key[0]): part for key, part in window.partition_by("feed", as_dict=True).items()}
            del window
            for feed in feeds:  # the records in the feeds' order within a window
                if feed not in by_feed:
                    continue
                if self.stopping.is_set():  # the publish failed meanwhile (`discard`)
                    raise PublishError("发布已中止")
                feed_links = by_feed.pop(feed)
                rows = self._feed_rows(feed, feed_links["_row"])
                part = frames.department_frame(feed_links, {feed: rows}, snapshot.id)
                del rows, feed_links
                if part.height:
                    yield part.select(
                        pl.col(name).cast(kind) for name, kind in frames.DEPARTMENT_SCHEMA.items()
                    )

    def _feed_rows(self, feed: str, numbers: pl.Series) -> pl.DataFrame:
        """What a feed's records keep of its rows with these row `numbers`: their address and
        values, not the feed's ID numbers. Read from the snapshot by the numbers' range (the
        Parquet's row groups outside it skipped) and the numbers themselves: the last
        windows hold a few links of every feed (the probabilistic step's), whose range is
        the whole feed."""
        scan = self.engine.snapshot.scan(feed)
        available = scan.collect_schema().names()
        kept = [*RECORD_ADDRESS, *(f.name for f in TABLES[feed].fields if f.kind is not Kind.ID_NUMBER)]
        named = pl.col("_row").is_between(numbers.min(), numbers.max()) & pl.col("_row").is_in(
            numbers.unique().implode()
        )
        return scan.filter(named).select(c for c in dict.fromkeys(kept) if c in available).collect()

    def _department_total(self) -> int:
        """The links that become records (for the progress bar, before they are built)."""
        assert self.engine.links is not None
        feeds = [feed.name for feed in DEPARTMENT_FEEDS if self.engine.snapshot.has(feed.name)]
        linked = self.engine.links.filter(_LINKED & pl.col("feed").is_in(feeds))
        return int(linked.select(pl.len()).collect().item())

    def _insert_in_batches(self, model: type[Model], frame: pl.DataFrame, step: str | None = None) -> None:
        rows = self.load.batch_rows
        for offset in range(0, frame.height, rows):
            with transaction.atomic():
                self.load.insert(model, frame.slice(offset, rows))
            if step:
                self.progress.advance(step, min(rows, frame.height - offset))

    # Switching: one short transaction ----------------------------------------------------

    def switch(self) -> Run:
        """Merge the staged rows, soft-delete what left, resolve what vanished, make the run
        current; returns it. Runs inside the publish's transaction (the caller's), which the
        other apps' steps share."""
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("Publication.switch runs inside the publish's transaction")
        current = Run.objects.select_for_update().filter(is_current=True).first()
        if (current and current.pk) != (self.previous and self.previous.pk):
            raise PublishError("发布期间另一个筛查批次已成为当前批次，请重新发布")
        self.removed = self._publish_households()
        self._publish_members()
        if self.department_later.height <= BATCH_ROWS:
            for part in self.department_later.parts(BATCH_ROWS):
                self.load.insert(DepartmentRecord, part)
            self.department_later.close()
        self._publish_findings()
        self.counts = {
            "households": self.household_frame.height,
            "members": self.member_frame.height,
            "findings": self.classified.height,
            "new_findings": int((self.classified["change"] == "new").sum()),
            "persisting_findings": int((self.classified["change"] == "persisting").sum()),
            "resolved_findings": self.resolved.height,
        }
        Run.objects.filter(pk=self.run.pk).update(**self.counts)
        self._make_current()
        return self.run

    def swap_tables(self) -> None:
        """Last in the switching transaction (its lock is the only one readers wait for), once
        the records are ready: the new snapshot's department records table takes the old
        one's place, and the run its count."""
        if connection.vendor == "postgresql":
            # The switch's deferred key checks (every row it wrote: a first publish's 600,000
            # households) now, while the records' indexes may still be built, not after.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        if self.member_shadow is not None:  # a first publish's member table, built beside the switch
            self.members_loaded.result()
            self.progress.finish(STEP_MEMBERS)
        self.counts["department_records"] = self.records_loaded.result()
        Run.objects.filter(pk=self.run.pk).update(department_records=self.counts["department_records"])
        for shadow in (self.member_shadow, self.department_shadow):
            if shadow is not None:
                shadow.swap()

    def result(self) -> PublishResult:
        """What the switch did (read after its transaction)."""
        counts = self.counts
        return PublishResult(
            run=Run.objects.get(pk=self.run.pk),
            created=True,
            households=counts["households"],
            members=counts["members"],
            department_records=counts["department_records"],
            findings=counts["findings"],
            new=counts["new_findings"],
            persisting=counts["persisting_findings"],
            resolved=counts["resolved_findings"],
            removed_households=self.removed,
        )

    def discard(self) -> None:
        self.stopping.set()
        wait(self.threads)  # the records' thread ends at its next part, the members' after its COPY
        self.department_later.close()
        for shadow in (self.member_shadow, self.department_shadow):
            if shadow is not None:
                shadow.drop()
        if self.run_row is not None:
            _discard_run(self.run_row)

    def drop_stages(self) -> None:
        for model in self.staged:
            drop_stage(model)

    def finish(self) -> None:
        """After the switch, in short batches: the department records of households new to
        the database (too many to write in the switch: a first publish), then the removal
        of the previous snapshot's records."""
        # The run's frames are done with (the switch has counted them): let them go first.
        for name in ("households", "members", "income", "findings", "household_frame", "member_frame"):
            self.__dict__.pop(name, None)
        try:
            for part in self.department_later.parts(self.load.batch_rows):
                self._insert_in_batches(DepartmentRecord, part, STEP_DEPARTMENTS)
        finally:
            self.department_later.close()
        if self.departments_started:
            self.progress.finish(STEP_DEPARTMENTS)
        self._remove_superseded()
        # The swapped tables settled first (each a moment's strong lock), then what only reads
        # them side by side: the foreign keys' validations and, after a first publish (the
        # planner took the tables for empty), the statistics of those loaded in place.
        # The records' validation, the longest, first.
        shadows = [shadow for shadow in (self.department_shadow, self.member_shadow) if shadow is not None]
        for shadow in shadows:
            shadow.settle()
        works = [work for shadow in shadows for work in shadow.validations()]
        if self.previous is None:
            built = {shadow.model for shadow in shadows}  # analysed when built
            works += analyses(
                *(
                    m
                    for m in (Household, Member, Finding, DepartmentRecord, HouseholdRunSummary)
                    if m not in built
                )
            )
        side_by_side(works)

    def _remove_superseded(self) -> None:
        if self.department_shadow is not None:  # the old records go with their table (`finish`)
            return
        if self.previous is not None and self.previous.snapshot_id != self.engine.snapshot.id:
            _delete_in_batches(DepartmentRecord.all_objects.exclude(snapshot_id=self.engine.snapshot.id))

    @property
    def run(self) -> Run:
        assert self.run_row is not None, "prepare() creates the run"
        return self.run_row

    def _step(self, name: str, work: Any, total: int | None = 1) -> Any:
        self.progress.start(name, total=total)
        result = work()
        self.progress.finish(name)
        return result

    def _advance(self, step: str) -> Any:
        return lambda amount: self.progress.advance(step, amount)

    def _create_run(self) -> Run:
        """The run, unpublished; claimed in one transaction, so two publishes at once do
        not both go ahead (the second is refused, as `clear_unfinished` refuses)."""
        summary = self.engine.summary
        with transaction.atomic():
            Run.objects.select_for_update().filter(is_current=True).first()  # serialises on PostgreSQL
            other = Run.objects.filter(published=False).exclude(run_id=self.engine.run_id).first()
            if other is not None:
                raise PublishError(f"筛查批次 {other.run_id} 正在发布，请等它完成后再发布")
            return self._insert_run(summary)

    def _insert_run(self, summary: dict[str, Any]) -> Run:
        return Run.objects.create(
            run_id=self.engine.run_id,
            snapshot_id=self.engine.snapshot.id,
            as_of=self.engine.snapshot.as_of,
            policy_year=int(summary["policy_year"]),
            income_year=summary.get("income_year"),
            screened_at=_screened_at(summary),
            summary=summary,
            previous=self.previous,
            published=False,
        )

    def _run_columns(self, frame: pl.DataFrame, *names: str) -> pl.DataFrame:
        return frame.with_columns(pl.lit(self.run.pk).alias(name) for name in names)

    # Households and members (inside the switch) ------------------------------------------

    def _publish_households(self) -> int:
        keys = set(self.household_frame["household_id"])
        restored = [
            household
            for household in Household.all_objects.filter(deleted_at__isnull=False)
            if household.household_id in keys
        ]
        merge(
            Household, ["household_id"], [*HOUSEHOLD_UPDATE, "deleted_at", "deleted_by_id"], HOUSEHOLD_COMPARE
        )
        _record_restored(restored)
        removed = self._soft_delete_missing(Household)
        self.progress.finish(STEP_HOUSEHOLDS)
        return removed

    def _publish_members(self) -> None:
        restored: list[Member] = []
        if Member.all_objects.filter(deleted_at__isnull=False).exists():
            keys = set(zip(self.member_frame["household_id"], self.member_frame["id_number"], strict=True))
            restored = [
                member
                for member in Member.all_objects.filter(deleted_at__isnull=False)
                if (member.household_id, member.id_number) in keys
            ]
        if self.member_shadow is None:  # else in their own table, swapped in last
            merge(
                Member,
                ["household_id", "id_number"],
                [*MEMBER_UPDATE, "deleted_at", "deleted_by_id"],
                MEMBER_COMPARE,
            )
        _record_restored(restored)
        self._soft_delete_missing(Member)
        if AuditEvent in self.staged:
            insert_staged(AuditEvent)
        if self.member_shadow is None:  # else when their table is built (`swap_tables`)
            self.progress.finish(STEP_MEMBERS)

    def _missing(self, model: type[Model]) -> tuple[str, str]:
        """`model`'s table, and the SQL condition for its live rows the staged snapshot lacks."""
        quote = connection.ops.quote_name
        table, stage = quote(model._meta.db_table), quote(stage_name(model))
        match = " AND ".join(f"{stage}.{quote(c)} = {table}.{quote(c)}" for c in STAGED_KEYS[model])
        return table, f"deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM {stage} WHERE {match})"

    def _missing_keys(self, model: type[Model]) -> list[Any]:
        table, missing = self._missing(model)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {connection.ops.quote_name(str(model._meta.pk.column))} FROM {table} WHERE {missing}"
            )
            return [row[0] for row in cursor.fetchall()]

    def _stage_deletions(self) -> None:
        """The live households and members the snapshot no longer holds, and their delete
        AuditEvents (all their values: the slow part) staged for the switch to insert."""
        events: list[dict[str, Any]] = []
        for model in (Household, Member):
            gone = self._missing_keys(model)
            self.deletions[model] = set(gone)
            content_type = ContentType.objects.get_for_model(model)
            for offset in range(0, len(gone), 5_000):
                for row in model.all_objects.filter(pk__in=gone[offset : offset + 5_000]):
                    events.append(self._deletion_event(content_type.pk, row))
        if events:
            self.staged.append(AuditEvent)
            self.load.stage(AuditEvent, pl.DataFrame(events, schema=EVENT_SCHEMA))

    def _deletion_event(self, content_type_id: int, row: Model) -> dict[str, Any]:
        at = connection.ops.adapt_datetimefield_value(self.now)
        return {
            "user_id": None,
            "at": at if isinstance(at, str) else self.now.isoformat(),
            "action": DELETE,
            "content_type_id": content_type_id,
            "object_id": str(row.pk),
            "object_repr": str(row)[:200],
            "old": json.dumps(field_values(row), cls=DjangoJSONEncoder),
            "new": "{}",
        }

    def _soft_delete_missing(self, model: type[Model]) -> int:
        """Soft-delete the rows the new snapshot no longer holds, each with a delete AuditEvent
        (staged by `_stage_deletions`; written here for any row it could not foresee).

        A row's `last_run` is the run that last wrote its values: a row the new run holds
        unchanged is not rewritten (at city scale that rewrote millions of rows a month),
        and every live row is in the current run, since the rest are deleted here."""
        gone = set(self._missing_keys(model))
        prepared = self.deletions.get(model, set())
        unforeseen = gone - prepared
        if unforeseen:
            _record_events(
                list(model._base_manager.filter(pk__in=unforeseen)),
                DELETE,
                lambda row: (field_values(row), {}),
            )
        if prepared - gone:  # no longer live (deleted by someone meanwhile): no event from us
            content_type = ContentType.objects.get_for_model(model)
            with connection.cursor() as cursor:
                for stale in prepared - gone:
                    cursor.execute(
                        f"DELETE FROM {stage_name(AuditEvent)} WHERE content_type_id = %s AND object_id = %s",
                        [content_type.pk, str(stale)],
                    )
        # By their keys, just read: a second comparison of the whole table with the stage
        # (millions of members) would cost as much again inside the switch.
        keys = sorted(gone)
        for offset in range(0, len(keys), 5_000):
            model._base_manager.filter(pk__in=keys[offset : offset + 5_000]).update(deleted_at=self.now)
        return len(gone)

    # Findings (inside the switch) --------------------------------------------------------

    def _publish_findings(self) -> None:
        """Merge the run's findings; mark those gone resolved, with their audit events."""
        merge(Finding, list(frames.FINDING_KEY), FINDING_UPDATE, FINDING_UPDATE)
        vanished = Finding.all_objects.filter(engine_status=Finding.EngineStatus.OPEN).exclude(
            last_seen_run=self.run
        )
        vanished.update(engine_status=Finding.EngineStatus.RESOLVED, resolved_in_run=self.run)
        self._record_engine_changes()
        self._reopen_recurring()
        self.progress.finish(STEP_FINDINGS)

    def _reopen_recurring(self) -> None:
        """已核销 findings this run flags again: back to 待处理 as 复发, counted, with a
        FindingEvent and an AuditEvent by the system (a close-out on paper cannot stay closed)."""
        recurring = list(
            Finding.all_objects.filter(status=Finding.Status.CLOSED, last_seen_run=self.run).order_by("pk")
        )
        if not recurring:
            return
        as_of = self.run.as_of
        note = f"{date_text(as_of)}数据的筛查仍筛出该问题：已核销的问题复发，重新列为待处理"
        Finding.all_objects.filter(pk__in=[finding.pk for finding in recurring]).update(
            status=Finding.Status.OPEN, assignee=None, deadline=None, recurrences=F("recurrences") + 1
        )
        FindingEvent.objects.bulk_create(
            [
                FindingEvent(
                    finding=finding,
                    user=None,
                    action=FindingEvent.Action.RECUR,
                    note=f"{note}（第{finding.recurrences + 1}次复发）",
                    from_status=Finding.Status.CLOSED,
                    to_status=Finding.Status.OPEN,
                )
                for finding in recurring
            ],
            batch_size=1_000,
        )
        _record_events(
            recurring,
            UPDATE,
            lambda f: (
                {
                    "status": f.status,
                    "assignee": f.assignee_id,
                    "deadline": f.deadline and f.deadline.isoformat(),
                    "recurrences": f.recurrences,
                },
                {"status": "open", "assignee": None, "deadline": None, "recurrences": f.recurrences + 1},
            ),
        )

    def _open_findings(self) -> pl.DataFrame:
        """The findings open before this run (what the previously published run found)."""
        columns = (*frames.FINDING_KEY, "village_code", "category", "veto", "open_since_run_id")
        rows = Finding.all_objects.filter(engine_status=Finding.EngineStatus.OPEN).values_list(
            "rule_code", "household_id", "id_number", "village_code", "category", "veto", "open_since_run_id"
        )
        schema = {name: pl.String for name in columns} | {"veto": pl.Boolean, "open_since_run_id": pl.Int64}
        return pl.DataFrame(list(rows), schema=schema, orient="row")

    def _record_engine_changes(self) -> None:
        """An AuditEvent (by the system) for each finding the engine resolved or found again."""
        gone = list(Finding.all_objects.filter(resolved_in_run=self.run))
        run = self.run.pk
        open_, resolved = "open", "resolved"  # Finding.EngineStatus
        _record_events(
            gone,
            UPDATE,
            lambda f: (
                {"engine_status": open_, "resolved_in_run": None},
                {"engine_status": resolved, "resolved_in_run": run},
            ),
        )
        # Open since this run but first seen earlier: resolved before, found again now.
        back = list(Finding.all_objects.filter(open_since_run=self.run).exclude(first_seen_run=self.run))
        _record_events(
            back,
            UPDATE,
            lambda f: ({"engine_status": resolved}, {"engine_status": open_, "resolved_in_run": None}),
        )

    # History and counts -----------------------------------------------------------------

    def _publish_counts(
        self, households: pl.DataFrame, classified: pl.DataFrame, resolved: pl.DataFrame
    ) -> None:
        """The run's history and per-village counts (hidden until the run is published)."""
        self.progress.start(STEP_COUNTS, total=3)
        self._insert_in_batches(
            HouseholdRunSummary, self._run_columns(frames.household_run_summaries(households), "run_id")
        )
        self.progress.advance(STEP_COUNTS)
        self._insert_in_batches(
            VillageHouseholdCount, self._run_columns(frames.village_household_counts(households), "run_id")
        )
        self.progress.advance(STEP_COUNTS)
        self._insert_in_batches(
            VillageFindingCount,
            self._run_columns(frames.village_finding_counts(classified, resolved), "run_id"),
        )
        self.progress.finish(STEP_COUNTS)

    def _make_current(self) -> None:
        Run.objects.filter(is_current=True).update(is_current=False)
        Run.objects.filter(pk=self.run.pk).update(is_current=True, published=True)


class SpilledRecords:
    """Department records put aside until their households are in the database: appended
    to a Parquet file in a temporary folder (a city's first publish puts aside millions),
    read back in parts, removed by `close`."""

    def __init__(self) -> None:
        self.height = 0
        self.folder: Path | None = None
        self.writer: pq.ParquetWriter | None = None

    def add(self, frame: pl.DataFrame) -> None:
        if not frame.height:
            return
        table = frame.to_arrow()
        if self.writer is None:
            self.folder = Path(tempfile.mkdtemp(prefix="fangfan-publish-"))
            self.writer = pq.ParquetWriter(self.folder / "records.parquet", table.schema)
        self.writer.write_table(table)
        self.height += frame.height

    def parts(self, rows: int) -> Iterator[pl.DataFrame]:
        if self.writer is None or self.folder is None:
            return
        self.writer.close()
        for batch in pq.ParquetFile(self.folder / "records.parquet").iter_batches(batch_size=rows):
            part = pl.from_arrow(batch)
            assert isinstance(part, pl.DataFrame)
            yield part

    def close(self) -> None:
        if self.writer is not None and self.writer.is_open:
            self.writer.close()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
        self.writer, self.folder, self.height = None, None, 0


def _record_events(rows: Sequence[Model], action: str, values: Any) -> None:
    """AuditEvents by the system (user None) for many rows at once; `values(row)` gives (old, new)."""
    if not rows:
        return
    content_type = ContentType.objects.get_for_model(type(rows[0]))
    events = []
    for row in rows:
        old, new = values(row)
        events.append(
            AuditEvent(
                user=None,
                action=action,
                content_type=content_type,
                object_id=str(row.pk),
                object_repr=str(row)[:200],
                old=old,
                new=new,
            )
        )
    AuditEvent.objects.bulk_create(events, batch_size=1_000)


def _record_restored(rows: Sequence[Model]) -> None:
    """Rows the new snapshot holds again after an earlier one had dropped them."""
    _record_events(
        rows,
        UPDATE,
        lambda row: ({"deleted_at": row.deleted_at, "deleted_by": row.deleted_by_id}, {"deleted_at": None}),
    )

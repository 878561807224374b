"""`publish_run`: one engine run into the database, each app's step in its place.

The order, and what runs inside the one short transaction, is the whole design
(docs/web.md, Publishing a run):

1. read the run (refused when incomplete, from another snapshot or older than the current);
2. the registry prepares its tables, holding no lock longer than one batch;
3. one transaction: the registry switches (households, members, findings, the run made
   current), then monitoring loads the run's signals and the monitored households the
   national system lists, so the pages never see the run without them;
4. after it, in batches: the registry's leftover department records.

On PostgreSQL the publish's many transactions commit without waiting for the disk
(`shared.loading.asynchronous_commits`), except the switch's.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import polars as pl
from django.db import transaction

from fangfan.engine.progress import Progress, SilentProgress
from fangfan.web.monitoring.publish import publish_signals
from fangfan.web.monitoring.registry_import import import_registry_monitored
from fangfan.web.registry.models import Run
from fangfan.web.registry.publish import (
    STEP_READ,
    Publication,
    PublishError,
    PublishResult,
    clear_unfinished,
    publishing_lock,
    read_engine_run,
    refuse_older,
)
from fangfan.web.shared.loading import asynchronous_commits, durable_commit, loader

__all__ = [
    "PublishError",
    "PublishResult",
    "latest_run_dir",
    "publish_run",
    "publish_with_snapshot",
    "unapplied_migrations",
]


def publish_run(
    run_dir: Path | str,
    snapshot_dir: Path | str,
    *,
    links: Path | pl.DataFrame | None = None,
    progress: Progress | None = None,
) -> PublishResult:
    """Load the engine run in `run_dir` (screened on the snapshot in `snapshot_dir`) into the
    database and make it the current run. Publishing a run already published does nothing."""
    progress = progress or SilentProgress()
    started = time.perf_counter()
    progress.start(STEP_READ, total=1)
    engine = read_engine_run(Path(run_dir), Path(snapshot_dir), links)
    progress.finish(STEP_READ)
    published = Run.objects.filter(run_id=engine.run_id, published=True).first()
    if published is not None:
        return PublishResult(run=published, created=False)
    with publishing_lock(), asynchronous_commits():
        clear_unfinished(engine.run_id)
        current = Run.objects.current()
        refuse_older(engine, current)
        publication = Publication(engine, current, progress, loader())
        try:
            publication.prepare()
            result = _switch(publication, Path(run_dir))
        except BaseException:
            publication.discard()
            raise
        finally:
            publication.drop_stages()
        publication.finish()
    seconds = round(time.perf_counter() - started, 2)
    Run.objects.filter(pk=result.run.pk).update(seconds=seconds)
    result.run.seconds = seconds
    return PublishResult(**{**result.__dict__, "seconds": seconds})


def _switch(publication: Publication, run_dir: Path) -> PublishResult:
    """The one short transaction: the registry's switch, then monitoring's steps on the run
    it made current (docs/monitoring.md: signals, the national system's monitored households)."""
    with transaction.atomic():
        durable_commit()  # the run made current is on disk when the publish says so
        run = publication.switch()
        publish_signals(run, run_dir)
        import_registry_monitored(run)
        publication.swap_tables()
    return publication.result()


def latest_run_dir(runs_root: Path | None = None) -> Path:
    """The newest complete run under `FANGFAN_HOME/runs` (what `publish_run` defaults to)."""
    from fangfan.engine.rules.compare import previous_run_dir
    from fangfan.engine.screen import runs_dir

    newest = previous_run_dir(runs_root or runs_dir(), exclude="")
    if newest is None:
        raise PublishError(f"{runs_root or runs_dir()} 下还没有筛查批次，请先运行 fangfan screen")
    return newest


def publish_with_snapshot(run_dir: Path, *, progress: Progress | None = None) -> PublishResult:
    """`publish_run` with the snapshot the run names, looked up under `FANGFAN_HOME/snapshots`."""
    from fangfan.engine.snapshot import SnapshotError, SnapshotStore

    summary_path = run_dir / "summary.json"
    if not summary_path.exists():
        raise PublishError(f"{run_dir} 不是完整的筛查批次（缺少 summary.json）")
    snapshot_id = str(json.loads(summary_path.read_text("utf-8")).get("snapshot_id", ""))
    try:
        snapshot = SnapshotStore().get(snapshot_id)
    except SnapshotError as error:
        raise PublishError(str(error)) from None
    return publish_run(run_dir, snapshot.path, progress=progress)


def unapplied_migrations() -> bool:
    """True when the database lacks tables this code needs (`manage.py migrate` not run)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))

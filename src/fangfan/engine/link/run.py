"""`link_snapshot`: the named step between a snapshot and the wide tables."""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from fangfan.engine import config
from fangfan.engine.link.decide import decide
from fangfan.engine.link.exact import LINK_COLUMNS, ExactStep, exact_step, sample_records, village_links
from fangfan.engine.link.fallback import damaged_id_links
from fangfan.engine.link.model import (
    MIN_TRAINING_LINKS,
    PRESET_LEVELS,
    TRAINING_SAMPLE,
    Backend,
    Levels,
    score,
    trained_levels,
)
from fangfan.engine.link.records import registry_people, with_comparison_columns
from fangfan.engine.link.regions import keep_within_regions
from fangfan.engine.link.report import linkage_report
from fangfan.engine.progress import Progress, SilentProgress
from fangfan.engine.snapshot import Snapshot

LINKS_FILE = "links.parquet"
MODEL_FILE = "link_model.json"  # the trained (m, u) of the snapshot, for every engine
ENGINES = ("polars", "duckdb", "spark")  # polars and duckdb link alike (Polars, Splink on DuckDB)
ROW_GROUP = 500_000  # links.parquet's rows per row group
MIN_FOR_MODEL = 1  # with no residual record there is nothing to score


@dataclass(frozen=True)
class LinkResult:
    """The links of a snapshot, kept in `path` (links.parquet), not in memory: the city's
    7.86 million rows are about 1.1 GB as a frame, and every step after linking needs a
    few columns or a few rows of them (`scan`)."""

    report: pl.DataFrame
    path: Path
    reused: bool
    timings: dict[str, float] = field(default_factory=dict)
    model: dict[str, Any] = field(default_factory=dict)

    def scan(self) -> pl.LazyFrame:
        """The links, lazily: select the columns and filter the rows a step needs."""
        return pl.scan_parquet(self.path)

    @property
    def links(self) -> pl.DataFrame:
        """Every link, read whole from `path` on each call (one row per feed row)."""
        return pl.read_parquet(self.path)


def derived_dir(snapshot: Snapshot) -> Path:
    return config.home() / "derived" / snapshot.id


def link_snapshot(
    snapshot: Snapshot,
    *,
    progress: Progress | None = None,
    work_dir: Path | None = None,
    file_regions: Mapping[str, str] | None = None,
    engine: str = "polars",
    session: Any = None,
) -> LinkResult:
    """Link every department-feed row of `snapshot` to the registry (docs/linkage.md).

    Reuses `FANGFAN_HOME/derived/<snapshot_id>/links.parquet` when it exists.
    `file_regions` maps a file's folder (`"upload-12/"`) to the region code prefix its
    sender covers: a row of such a file is never linked to a person outside it
    (`link.regions`). `engine="spark"` joins the IDs and runs Splink on Spark (`session`,
    else the configured one: `link.spark`); the links are the same. The model trained for
    the snapshot is kept beside the links (MODEL_FILE) and used by every later run.
    """
    if engine not in ENGINES:
        raise ValueError(f"未知的计算引擎：{engine}（可用：{'、'.join(ENGINES)}）")
    progress = progress or SilentProgress()
    path = derived_dir(snapshot) / LINKS_FILE
    if path.exists():
        if file_regions:
            links = pl.read_parquet(path)
            kept = keep_within_regions(links, file_regions)
            if not kept.equals(links):
                _write_atomically(kept, path)
            del links, kept
        return LinkResult(linkage_report(pl.scan_parquet(path)), path, reused=True)
    with _LinksFile(path, file_regions) as written:
        if engine == "spark":
            from fangfan.engine.link.spark import link_on_spark

            held, timings, model = link_on_spark(snapshot, progress, work_dir, written, session)
        else:
            held, timings, model = _link(snapshot, progress, work_dir, written)
    # Links the step did not hold (Spark's exact links, copied from its files) are read
    # back from links.parquet, a few columns at a time.
    report = linkage_report(pl.scan_parquet(path) if held is None else held)
    del held
    return LinkResult(report, path, False, timings, model)


class _LinksFile:
    """links.parquet written in parts, in link order, by a thread of its own: the exact
    links (nearly every row) while the probabilistic step runs, the rest after it. A part
    may be a scan (`add_scan`: Spark's exact links, written by its executors), copied a
    row group at a time so the links are never all in memory.

    Splink's training leaves a core idle much of the time (its Python, DuckDB's short
    queries), and writing is compression that releases the GIL: at city scale the
    7.86 million rows took seconds of the link step's wall time when written after it.
    Each part keeps inside its sender's region first (`keep_within_regions`, row by row).
    The parts go to a hidden temporary file, renamed into place only when all are
    written; on an error it is removed and links.parquet is left as it was.
    """

    def __init__(self, path: Path, file_regions: Mapping[str, str] | None) -> None:
        self._path = path
        self._regions = file_regions
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="links-file")
        self._parts: list[Future[None]] = []
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".parquet", dir=path.parent)
        os.close(handle)
        self._temporary = Path(temporary)
        import pyarrow.parquet as pq

        # zstd level 1: about the size of the default level, a fraction of its time.
        self._writer = pq.ParquetWriter(
            self._temporary,
            pl.DataFrame(schema=LINK_COLUMNS).to_arrow().schema,
            compression="zstd",
            compression_level=1,
        )

    def add(self, part: pl.DataFrame) -> pl.DataFrame:
        """Queue `part` (LINK_COLUMNS) for writing after the parts before it; returns it as written."""
        typed = part.select(pl.col(name).cast(dtype) for name, dtype in LINK_COLUMNS.items())
        kept = keep_within_regions(typed, self._regions)
        self._parts.append(self._pool.submit(self._write, kept))
        return kept

    def add_scan(self, part: pl.LazyFrame) -> None:
        """Queue `part` (LINK_COLUMNS, e.g. a scan of Parquet files) to be copied in, ROW_GROUP
        rows at a time; its files must stay until `wait()` returns."""
        self._parts.append(self._pool.submit(self._copy, part))

    def wait(self) -> None:
        """Return when every queued part is written or has failed (`__exit__` raises its error)."""
        futures.wait(self._parts)

    def _copy(self, part: pl.LazyFrame) -> None:
        typed = part.select(pl.col(name).cast(dtype) for name, dtype in LINK_COLUMNS.items())
        start = 0
        while True:
            rows = typed.slice(start, ROW_GROUP).collect()
            if rows.is_empty():
                return
            self._write(keep_within_regions(rows, self._regions))
            start += rows.height

    def _write(self, part: pl.DataFrame) -> None:
        # A row group at a time: Arrow's copy of the strings stays a slice's, not the part's.
        for rows in part.iter_slices(ROW_GROUP):
            self._writer.write_table(rows.to_arrow())

    def __enter__(self) -> _LinksFile:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        try:
            if kind is not None:
                for part in self._parts:
                    part.cancel()
            self._pool.shutdown(wait=True)
            self._writer.close()
            if kind is None:
                for part in self._parts:
                    part.result()  # a part that failed to write fails the step
                os.replace(self._temporary, self._path)
        finally:
            if self._temporary.exists():
                self._temporary.unlink()


def _link(
    snapshot: Snapshot,
    progress: Progress,
    work_dir: Path | None,
    written: _LinksFile,
    *,
    exact: Callable[[Snapshot, pl.DataFrame], ExactStep] = exact_step,
    backend: Callable[[], Backend] | None = None,
) -> tuple[pl.DataFrame | None, dict[str, float], dict[str, Any]]:
    """Every link, in order: exact, damaged-ID, probabilistic, village; each part is handed
    to `written` as soon as it is known. `exact` and `backend` are the engine's (`link.spark`).
    None for the links when the exact step's were a scan (Spark's): they stay in their files
    and links.parquet, not in memory."""
    clock = time.perf_counter()
    progress.start("读取建档立卡与部门数据", total=2)
    people = registry_people(snapshot)
    progress.advance("读取建档立卡与部门数据")
    progress.finish("读取建档立卡与部门数据")
    progress.start("身份证号精确匹配", total=1)
    step = exact(snapshot, people)
    linked = step.linked
    exact_links: pl.DataFrame | None = None
    if isinstance(step.links, pl.DataFrame):
        exact_links = written.add(step.links)
    else:
        written.add_scan(step.links)
    prior = _prior(step.with_id, linked, people.height)
    # Registry people whose own ID is damaged: preset scores, so a township's export works too.
    repaired = damaged_id_links(step.residual, people, prior)
    residual = step.residual.join(repaired.select("record_id"), on="record_id", how="anti")
    progress.finish("身份证号精确匹配")
    timings = {"read": 0.0, "exact": time.perf_counter() - clock}
    stored = derived_dir(snapshot) / MODEL_FILE
    probable, model = _probabilistic(
        residual, step, people, prior, progress, work_dir, timings, stored, backend
    )
    rest = [written.add(part) for part in (repaired, probable, village_links(snapshot))]
    links = None if exact_links is None else pl.concat([exact_links, *rest], how="vertical_relaxed")
    timings["total"] = time.perf_counter() - clock
    return links, timings, model


def _probabilistic(
    residual: pl.DataFrame,
    step: ExactStep,
    people: pl.DataFrame,
    prior: float,
    progress: Progress,
    work_dir: Path | None,
    timings: dict[str, float],
    stored: Path,
    backend: Callable[[], Backend] | None,
) -> tuple[pl.DataFrame, dict[str, Any]]:
    clock = time.perf_counter()
    progress.start("概率匹配", total=5)
    if residual.height < MIN_FOR_MODEL:
        progress.finish("概率匹配")
        return pl.DataFrame(schema=LINK_COLUMNS), {}
    sample = sample_records(step, TRAINING_SAMPLE, seed=7)
    residual = with_comparison_columns(residual)
    training = pl.concat([residual, with_comparison_columns(sample)], how="vertical_relaxed")
    # EM learns nothing from a township's few dozen households: preset m and u instead.
    preset = step.linked < MIN_TRAINING_LINKS
    levels = read_levels(stored) or (PRESET_LEVELS if preset else None)
    scored = score(
        residual,
        training,
        people,
        prior,
        progress=progress,
        work_dir=work_dir,
        levels=levels,
        backend=backend() if backend else None,
    )
    if levels is None:
        write_levels(trained_levels(scored.model), stored)
    decided = decide(residual, scored.pairs, people)
    progress.finish("概率匹配")
    timings["probabilistic"] = time.perf_counter() - clock
    timings["predict"] = scored.seconds_predict
    timings["residual_records"] = float(residual.height)
    return decided, scored.model


def read_levels(path: Path) -> Levels | None:
    """The model trained for a snapshot (MODEL_FILE), or None when there is none yet."""
    if not path.exists():
        return None
    stored = json.loads(path.read_text("utf-8"))
    return {name: tuple((m, u) for m, u in pairs) for name, pairs in stored["levels"].items()}


def write_levels(levels: Levels, path: Path) -> None:
    """Keep the trained model beside the links, written whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        json.dump({"levels": {name: [list(pair) for pair in pairs] for name, pairs in levels.items()}}, file)
    os.replace(temporary, path)


def _prior(with_id: int, exact: int, people: int) -> float:
    """P(a feed record and a random registry person are the same person), from the exact links.

    The share of feed rows (with an ID) that link exactly is the share that has a registry
    person; each has one among all registry people.
    """
    share = min(max(exact / max(with_id, 1), 0.05), 0.99)
    return share / max(people, 1)


def _write_atomically(frame: pl.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".parquet", dir=path.parent)
    os.close(handle)
    try:
        # zstd level 1: the same file size as the default level here, a fifth less time.
        frame.write_parquet(temporary, compression="zstd", compression_level=1)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)

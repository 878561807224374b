"""import → link → screen on a folder of export files: what an upload and the demo both run.

The same steps as `fangfan run` (`fangfan.engine.pipeline.run_monthly`) without the Excel
ledgers, which the web application serves itself. Plain Python: no Django here.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from fangfan.engine.ingest import ImportResult
from fangfan.engine.progress import Progress, SilentProgress
from fangfan.engine.snapshot import Snapshot


@dataclass(frozen=True)
class PipelineResult:
    imported: ImportResult
    run_id: str
    run_dir: Path
    findings: int
    links_path: Path

    @property
    def snapshot(self) -> Snapshot:
        return self.imported.snapshot

    def tables_by_file(self) -> dict[str, list[str]]:
        """The tables the import found in each file (relative paths, as the engine names them)."""
        found: dict[str, set[str]] = defaultdict(set)
        for source in self.imported.sources:
            found[str(source["file"])].add(str(source["table"]))
        return {name: sorted(tables) for name, tables in found.items()}

    def problems_in(self, folder: str) -> pl.DataFrame:
        """The import problems of the files under `folder` (e.g. one upload's)."""
        return self.imported.problems.filter(pl.col("file").str.starts_with(f"{folder}/"))


def import_link_screen(
    input_dir: Path,
    *,
    as_of: dt.date,
    progress: Progress | None = None,
    file_regions: Mapping[str, str] | None = None,
) -> PipelineResult:
    """Import every file under `input_dir` into a snapshot, link the departments, screen.

    `file_regions` (folder → region code prefix) keeps each sender's rows linked inside
    its region (`fangfan.engine.link.regions`).

    Raises `fangfan.engine.ingest.NothingToImport` when the folder has no usable 户信息.
    """
    from fangfan.engine.ingest import import_directory
    from fangfan.engine.link import link_snapshot
    from fangfan.engine.screen import screen_snapshot

    progress = progress or SilentProgress()
    imported = import_directory(input_dir, as_of=as_of, progress=progress)
    linked = link_snapshot(imported.snapshot, progress=progress, file_regions=file_regions)
    screened = screen_snapshot(imported.snapshot, progress=progress, links=linked.links)
    run_dir = screened.paths["summary"].parent
    return PipelineResult(imported, screened.run_id, run_dir, screened.findings.height, linked.path)

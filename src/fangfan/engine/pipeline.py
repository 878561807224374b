"""The monthly run: import → snapshot → link → wide tables → rules → findings → ledgers.

`import_link_screen` is the sequence itself, once: an upload and the demo (through the
web's `imports.processing`) run it and publish; `run_monthly`, what
`fangfan run INPUT_DIR --out OUT_DIR` calls, runs it and writes the office's files. It works on any
folder that holds at least the registry; department feeds that are absent are
listed as absent, not treated as errors. Everything it writes for the office goes
to OUT_DIR:

    findings.csv                  every finding (UTF-8 with BOM, opens in Excel)
    导入问题报告.xlsx              the import error report
    部门数据匹配情况.xlsx          how the department rows were linked, per feed and county, and the
                                  ambiguous, unlinked and probabilistic rows themselves
    台账/<县>问题台账.xlsx          a workbook per county: a sheet per township, and beside it
                                  a 数据比对 sheet (registry against department, both sides)
    部门筛查预警/<县>部门筛查预警清单.xlsx
                                  department warnings for relapse monitoring, a sheet per township
    防返贫监测/<县>防返贫监测候选清单.xlsx
                                  households at risk not being monitored now (new candidates),
                                  a sheet per township (the signals of every household are in
                                  the run folder: monitoring_signals.parquet, monitoring_households.parquet)
    运行摘要.json                  counts, absent feeds, paths, comparison with the last run, and
                                  each step's wall time, CPU time and peak memory ("steps")
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import shutil
from collections import defaultdict
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from fangfan.engine.ledger import (
    LedgerFile,
    prepare_ledger_rows,
    write_ledgers,
    write_monitoring_lists,
    write_warning_lists,
)
from fangfan.engine.progress import Progress, SilentProgress, StepMeter, measured_in_process

if TYPE_CHECKING:
    from fangfan.engine.ingest import ImportResult
    from fangfan.engine.link import LinkResult
    from fangfan.engine.screen import ScreenResult
    from fangfan.engine.snapshot import Snapshot


UNFINISHED = "运行未完成.txt"
UNFINISHED_TEXT = (
    "本目录的月度运行尚未完成（或已中断）：这里的文件可能不全，请勿使用。\n"
    "运行完成时本文件会被删除，并写出 运行摘要.json；运行中断时请重新运行 fangfan run，"
    "用 fangfan status 查看运行记录。\n"
)


@dataclass(frozen=True)
class PipelineResult:
    """What import → link → screen made: the snapshot, its department links, the run.

    `steps` measured them (`StepMeter`: wall time, CPU time, peak memory of each).
    """

    imported: ImportResult
    linked: LinkResult
    screened: ScreenResult
    steps: StepMeter = field(default_factory=StepMeter, compare=False)

    @property
    def snapshot(self) -> Snapshot:
        return self.imported.snapshot

    @property
    def run_id(self) -> str:
        return self.screened.run_id

    @property
    def run_dir(self) -> Path:
        return self.screened.paths["summary"].parent

    @property
    def findings(self) -> int:
        return self.screened.findings.height

    @property
    def links_path(self) -> Path:
        return self.linked.path

    def tables_by_file(self) -> dict[str, list[str]]:
        """The tables the import found in each file (relative paths, as the engine names them)."""
        found: dict[str, set[str]] = defaultdict(set)
        for source in self.imported.sources:
            found[str(source["file"])].add(str(source["table"]))
        return {name: sorted(tables) for name, tables in found.items()}

    def problems_in(self, folder: str) -> pl.DataFrame:
        """The import problems of the files under `folder` (e.g. one upload's)."""
        return self.imported.problems.filter(pl.col("file").str.starts_with(f"{folder}/"))


@dataclass
class MonthlyRunResult:
    snapshot_id: str
    run_id: str
    findings: int
    findings_csv: Path
    import_report: Path
    ledgers: list[LedgerFile]
    absent_tables: list[str]
    summary_path: Path
    linkage_report: Path | None = None
    warning_lists: list[LedgerFile] = field(default_factory=list)
    monitoring_lists: list[LedgerFile] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    steps: dict[str, dict[str, float]] = field(default_factory=dict)


def import_link_screen(
    input_dir: Path,
    *,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
    file_regions: Mapping[str, str] | None = None,
    steps: StepMeter | None = None,
    as_of_source: str | None = None,
    engine: str = "polars",
) -> PipelineResult:
    """Import every file under `input_dir` into a snapshot, link the departments, screen.

    `file_regions` (folder → region code prefix) keeps each sender's rows linked inside
    its region (`fangfan.engine.link.regions`). `engine` names the rule engine
    (`screen.ENGINES`: polars, duckdb, spark; the same findings from each).
    `steps` measures the three as "import",
    "link" and "screen" (`fangfan run` shows them; an upload, which shows its own steps,
    passes none and they are measured quietly).

    Raises `fangfan.engine.ingest.NothingToImport` when the folder has no usable 户信息.
    """
    from fangfan.engine.ingest import import_directory
    from fangfan.engine.link import link_snapshot
    from fangfan.engine.screen import ENGINES, screen_snapshot

    progress = progress or SilentProgress()
    steps = steps or StepMeter()
    with steps.step("import", "导入"):
        imported = import_directory(input_dir, as_of=as_of, progress=progress, as_of_source=as_of_source)
    with steps.step("link", "匹配部门数据"):
        # ANCHOR: spark link — linkage on `engine` ("spark": Splink's Spark backend, `link.spark`).
        linked = link_snapshot(imported.snapshot, progress=progress, file_regions=file_regions, engine=engine)
    with steps.step("screen", "筛查"):
        screened = screen_snapshot(
            imported.snapshot, progress=progress, links=linked.scan(), adapter=ENGINES[engine]()
        )
    return PipelineResult(imported, linked, screened, steps)


def run_monthly(
    input_dir: Path,
    out_dir: Path,
    *,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
    full_id: bool = False,
    as_of_source: str | None = None,
    engine: str = "polars",
) -> MonthlyRunResult:
    """Import, link, screen and write the office's files into `out_dir`.

    `engine` runs the rules (`import_link_screen`); everything written is the same.
    The county workbooks (ledgers, warning and candidate lists) are handed down to
    townships and villages: their ID numbers are masked unless `full_id`.

    Every step is measured (`StepMeter`) and its figures go to the summary's "steps":
    import, link, screen, registry_shown, linkage_report, findings_csv, import_report,
    warning_lists, monitoring_lists, ledgers (written meanwhile by a helper process, which
    measures itself), and the whole run as "total".

    Memory: the links stay in links.parquet (the city's 7.86 million rows are 1.1 GB as a
    frame); screening, the linkage workbook and the link counts each scan the columns and
    rows they need. The registry is read for the households the workbooks list, narrow.
    """
    from fangfan.engine.link.workbook import write_linkage_workbook

    steps = StepMeter(progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    # Until the summary is written the folder says the run is unfinished, and an older
    # summary is gone: a run killed midway never looks complete beside a previous one's files.
    (out_dir / UNFINISHED).write_text(UNFINISHED_TEXT, "utf-8")
    (out_dir / "运行摘要.json").unlink(missing_ok=True)
    # The county ledgers, the largest workbooks, are written by a helper process while
    # this one writes the others: workbook writing is mostly single-threaded Python
    # (xlsxwriter, evidence in words), so the two share the machine's cores. The helper
    # measures its own step (wall, CPU, peak) and the summary records it as "ledgers".
    # It starts first, so that it has imported Polars and the workbook code by the time
    # the ledgers are handed to it (it waits meanwhile). spawn, not fork: Polars' thread
    # pool does not survive a fork.
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=1, mp_context=spawn, initializer=_end_with_parent, initargs=(os.getpid(),)
    ) as helper:
        helper.submit(_ready)
        result = import_link_screen(
            input_dir,
            as_of=as_of,
            progress=progress,
            steps=steps,
            as_of_source=as_of_source,
            engine=engine,
        )
        imported, linked, screened = result.imported, result.linked, result.screened
        findings = screened.findings
        snapshot = imported.snapshot
        with steps.step("registry_shown", "读取清单所列农户"):
            registry = _registry_shown(snapshot, screened)
        steps.progress.start("写出各县问题台账", None)
        ledgers_written = helper.submit(
            measured_in_process,
            write_county_ledgers,
            findings,
            screened.reconciliation,
            registry,
            out_dir / "台账",
            full_id,
        )
        with steps.step("linkage_report", "写出部门数据匹配情况"):
            linkage_report = write_linkage_workbook(
                linked.report, linked.scan(), out_dir / "部门数据匹配情况.xlsx"
            )
        findings_csv = out_dir / "findings.csv"
        with steps.step("findings_csv", "写出问题清单"):
            write_csv_for_excel(findings, findings_csv)
        import_report = out_dir / "导入问题报告.xlsx"
        with steps.step("import_report", "写出导入问题报告"):
            shutil.copyfile(imported.report_path, import_report)
        with steps.step("warning_lists", "写出部门筛查预警清单"):
            warning_lists = write_warning_lists(
                prepare_ledger_rows(screened.warnings, *registry, evidence=False),
                out_dir / "部门筛查预警",
                full_id=full_id,
            )
        with steps.step("monitoring_lists", "写出防返贫监测候选清单"):
            monitoring_lists = _write_monitoring_lists(screened, registry, out_dir / "防返贫监测", full_id)
        ledgers, figures = ledgers_written.result()
        steps.record("ledgers", "写出各县问题台账", figures)
    absent = sorted(set(imported.absent_tables))
    summary_path = out_dir / "运行摘要.json"
    summary = {
        "snapshot_id": snapshot.id,
        "as_of": snapshot.as_of.isoformat(),
        "as_of_source": snapshot.as_of_source,
        "run_id": screened.run_id,
        "findings": findings.height,
        "reconciliation_findings": screened.reconciliation.height,
        "warning_findings": screened.warnings.height,
        "linkage": _linkage_counts(linked.report),
        "absent_tables": absent,
        "ledgers": [str(ledger.path.relative_to(out_dir)) for ledger in ledgers],
        "warning_lists": [str(item.path.relative_to(out_dir)) for item in warning_lists],
        "monitoring": screened.summary.get("monitoring"),
        "policy_warnings": screened.summary.get("policy_warnings", []),
        "monitoring_lists": [str(item.path.relative_to(out_dir)) for item in monitoring_lists],
        "linkage_report": str(linkage_report.relative_to(out_dir)),
        "full_id_numbers": full_id,
        "engine": engine,
        "steps": steps.as_dict(),
    }
    partial = out_dir / ".运行摘要.json.tmp"
    partial.write_text(json.dumps(summary, ensure_ascii=False, indent=2), "utf-8")
    partial.replace(summary_path)  # whole or absent, never half
    (out_dir / UNFINISHED).unlink(missing_ok=True)
    return MonthlyRunResult(
        snapshot_id=snapshot.id,
        run_id=screened.run_id,
        findings=findings.height,
        findings_csv=findings_csv,
        import_report=import_report,
        ledgers=ledgers,
        absent_tables=absent,
        summary_path=summary_path,
        linkage_report=linkage_report,
        warning_lists=warning_lists,
        monitoring_lists=monitoring_lists,
        steps=summary["steps"],
    )


def _ready() -> None:
    """Nothing: handed to the helper process first, so that it imports this module."""


def _end_with_parent(parent: int) -> None:
    """In the helper: exit when the run that started it (`parent`) is gone (killed: kill -9, out
    of memory), instead of idling, or writing ledgers into the office's folder, behind its back."""
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()


def write_county_ledgers(
    findings: pl.DataFrame,
    comparisons: pl.DataFrame,
    registry: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame],
    out_dir: Path,
    full_id: bool,
) -> list[LedgerFile]:
    """台账/<县>问题台账.xlsx: the findings and, beside them, the comparisons (`_registry_shown`'s
    registry rows give the names); top-level so that a helper process can run it."""
    rows = prepare_ledger_rows(findings, *registry)
    compared = prepare_ledger_rows(comparisons, *registry, evidence=False)
    return write_ledgers(rows, out_dir, compared, full_id=full_id)


def _write_monitoring_lists(
    screened: ScreenResult,
    registry: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame],
    out_dir: Path,
    full_id: bool,
) -> list[LedgerFile]:
    from fangfan.engine.monitoring.candidates import candidate_rows

    if screened.monitoring is None:
        return []
    households, _, villages = registry
    monitoring = screened.monitoring
    return write_monitoring_lists(
        candidate_rows(monitoring.households, monitoring.signals, households, villages),
        out_dir,
        full_id=full_id,
    )


def _registry_shown(
    snapshot: Snapshot, screened: ScreenResult
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The registry's households, members and villages as the county workbooks show them.

    Only the columns they show, of only the households they list (findings, comparisons,
    warnings, candidates): a few percent of the city's 600,000 households and 2.4 million
    people. Each keeps the table's own order, so a duplicate resolves as it did when whole.
    """
    listed = [screened.findings, screened.reconciliation, screened.warnings]
    if screened.monitoring is not None:
        listed.append(screened.monitoring.households.filter(pl.col("is_candidate")))
    shown = pl.concat(
        [
            frame.select(pl.col("household_id").cast(pl.String))
            for frame in listed
            if "household_id" in frame.columns
        ]
    )
    wanted = pl.col("household_id").is_in(shown["household_id"].unique().implode())
    return (
        snapshot.scan("households")
        .select("household_id", "head_name", "household_type")
        .filter(wanted)
        .collect(),
        snapshot.scan("members").select("household_id", "id_number", "name").filter(wanted).collect(),
        snapshot.read("villages"),
    )


def _linkage_counts(report: pl.DataFrame) -> dict[str, int]:
    """Feed rows by how they were placed: exact, probabilistic, unlinked, ambiguous.

    Summed from the linkage report (`link.report.linkage_report`, one row per feed and
    county), which counts every link once, instead of reading the links again: an exact or
    probabilistic method is always a linked row's, every other row has method "none".
    """
    columns = ("exact", "probabilistic", "unlinked", "ambiguous")
    sums = report.select(pl.col("total").sum().alias("feed_rows"), *(pl.col(c).sum() for c in columns))
    return {name: int(value or 0) for name, value in sums.row(0, named=True).items()}


def write_csv_for_excel(frame: pl.DataFrame, path: Path) -> None:
    """CSV in UTF-8 with a byte-order mark, so Excel opens Chinese text correctly.

    A text cell that begins with = + - or @ gets a leading tab, which stops
    Excel from evaluating it as a formula (CSV injection).
    """
    guarded = frame.with_columns(
        pl.when(pl.col(name).str.contains(r"^[=+\-@]"))
        .then(pl.lit("\t") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name, dtype in frame.schema.items()
        if dtype == pl.String
    )
    with path.open("wb") as stream:
        stream.write("\ufeff".encode())
        guarded.write_csv(stream)

"""The monthly run: import → snapshot → wide tables → rules → findings → ledgers.

`run_monthly` is what `fangfan run INPUT_DIR --out OUT_DIR` calls. It works on any
folder that holds at least the registry; department feeds that are absent are
listed as absent, not treated as errors. Everything it writes for the office goes
to OUT_DIR:

    findings.csv                  every finding (UTF-8 with BOM, opens in Excel)
    导入问题报告.xlsx              the import error report
    台账/<县>问题台账.xlsx          a workbook per county, a sheet per township
    运行摘要.json                  counts, absent feeds, paths, comparison with the last run
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from fangfan.engine.ledger import LedgerFile, prepare_ledger_rows, write_ledgers
from fangfan.engine.progress import Progress, SilentProgress


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
    extra: dict[str, Any] = field(default_factory=dict)


def run_monthly(
    input_dir: Path,
    out_dir: Path,
    *,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
) -> MonthlyRunResult:
    from fangfan.engine.ingest import import_directory
    from fangfan.engine.screen import screen_snapshot

    progress = progress or SilentProgress()
    out_dir.mkdir(parents=True, exist_ok=True)
    imported = import_directory(input_dir, as_of=as_of, progress=progress)
    screened = screen_snapshot(imported.snapshot, progress=progress)
    findings = screened.findings
    findings_csv = out_dir / "findings.csv"
    write_csv_for_excel(findings, findings_csv)
    import_report = out_dir / "导入问题报告.xlsx"
    shutil.copyfile(imported.report_path, import_report)
    snapshot = imported.snapshot
    progress.start("写出各县问题台账", None)
    rows = prepare_ledger_rows(
        findings,
        snapshot.read("households"),
        snapshot.read("members"),
        snapshot.read("villages"),
    )
    ledgers = write_ledgers(rows, out_dir / "台账")
    progress.finish("写出各县问题台账")
    absent = sorted(set(imported.absent_tables))
    summary_path = out_dir / "运行摘要.json"
    summary = {
        "snapshot_id": snapshot.id,
        "as_of": snapshot.as_of.isoformat(),
        "run_id": screened.run_id,
        "findings": findings.height,
        "absent_tables": absent,
        "ledgers": [str(ledger.path.relative_to(out_dir)) for ledger in ledgers],
    }
    summary_path.write_text(json.dumps(summary, ensure_ascii=False, indent=2), "utf-8")
    return MonthlyRunResult(
        snapshot_id=snapshot.id,
        run_id=screened.run_id,
        findings=findings.height,
        findings_csv=findings_csv,
        import_report=import_report,
        ledgers=ledgers,
        absent_tables=absent,
        summary_path=summary_path,
    )


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

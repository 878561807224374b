"""The household sieve (一户一户过筛子): snapshot → wide tables → rules → findings.

`screen_snapshot` runs every rule of the policy year's catalogue over one
snapshot and writes the findings, a summary and a comparison with the previous
run into `FANGFAN_HOME/runs/<run_id>/`:

    findings.parquet, findings.csv (UTF-8 with BOM), summary.json,
    comparison.parquet (new / persisting / resolved per rule and township),
    resolved.parquet (findings of the previous run that are gone now),
    reconciliation.parquet (findings that set the registry against a department,
        both sides apart; `fangfan.engine.reconcile`),
    warnings.parquet (department warnings for relapse monitoring, 部门筛查预警),
    monitoring_signals.parquet, monitoring_households.parquet (relapse-monitoring
        signals and the household summary; `fangfan.engine.monitoring`)

Veto findings come first in every ordering.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from fangfan.engine import config
from fangfan.engine.link.resolved import linked_person_key
from fangfan.engine.monitoring import MonitoringResult, monitor_households, previous_snapshot
from fangfan.engine.policy import applicable_policy_year, borrowed_year_warning
from fangfan.engine.progress import Progress, SilentProgress
from fangfan.engine.reconcile import comparison_rows, warning_rows
from fangfan.engine.rules.adapters import (
    Adapter,
    DuckDBAdapter,
    PolarsAdapter,
    SparkAdapter,
    placeholder_notes,
)
from fangfan.engine.rules.compare import compare_runs, previous_run_dir
from fangfan.engine.rules.model import Catalogue, load_catalogue
from fangfan.engine.snapshot import Snapshot
from fangfan.engine.wide import WideTables, build_wide_tables, exact_person_key, newer_income_year

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
OUTPUT_COLUMNS = (
    "run_id",
    "household_id",
    "id_number",
    "village_code",
    "county_code",
    "township_code",
    "rule_code",
    "rule_name",
    "category",
    "level",
    "veto",
    "severity",
    "message",
    "evidence",
    "change",
)
STEP_WIDE = "构建宽表"
STEP_RULES = "执行筛查规则"
STEP_MONITORING = "计算防返贫监测信号"
STEP_WRITE = "写出筛查结果"
# Spark (docs/scale.md) starts `engine.spark.spark_session()` when its rules run, not before.
ENGINES: dict[str, type[Adapter]] = {"polars": PolarsAdapter, "duckdb": DuckDBAdapter, "spark": SparkAdapter}
DEFAULT_ENGINE = "polars"


@dataclass(frozen=True)
class ScreenResult:
    run_id: str
    findings: pl.DataFrame
    summary: dict[str, Any]
    comparison: pl.DataFrame
    resolved: pl.DataFrame
    paths: dict[str, Path] = field(default_factory=dict)
    reconciliation: pl.DataFrame = field(default_factory=pl.DataFrame)
    warnings: pl.DataFrame = field(default_factory=pl.DataFrame)
    monitoring: MonitoringResult | None = None


def runs_dir() -> Path:
    return config.home() / "runs"


def policy_year_for(snapshot: Snapshot) -> int:
    """The policy year a snapshot is screened against: that of its newer income year, the
    same answer visits and re-assessments get (`policy.monitoring_threshold_for`).
    A year after the newest policy file borrows the newest (`policy_warnings` says so in
    the run summary); a year before the first is refused (`PolicyError`)."""
    return applicable_policy_year(newer_income_year(snapshot))


def policy_warnings(snapshot: Snapshot, year: int | None) -> list[str]:
    """What the run summary says about the policy file: that the snapshot's income year
    has none of its own and borrows another's (none when the year was chosen)."""
    if year is not None:
        return []
    warning = borrowed_year_warning(newer_income_year(snapshot))
    return [warning] if warning else []


def screen_snapshot(
    snapshot: Snapshot,
    *,
    year: int | None = None,
    runs_root: Path | None = None,
    progress: Progress | None = None,
    adapter: Adapter | None = None,
    links: pl.DataFrame | pl.LazyFrame | None = None,
) -> ScreenResult:
    """Screen every household of `snapshot`; write and return the findings.

    The rules run through `adapter`, by default the Polars one (`ENGINES` names the others).
    With `links` (`link_snapshot(snapshot).scan()`, or the links as a frame) every
    department row joins the registry person the linker found, so a row whose ID was
    mistyped still counts; without, rows join on their ID as written. Only the few links
    that change a row's key, or that the reconciliation describes, are read.
    """
    progress = progress or SilentProgress()
    catalogue = load_catalogue(year or policy_year_for(snapshot))
    timings: dict[str, float] = {}
    person_key = exact_person_key if links is None else linked_person_key(snapshot, links)
    wide = _timed(
        timings,
        "wide_tables",
        progress,
        STEP_WIDE,
        lambda: build_wide_tables(snapshot, catalogue.policy, person_key=person_key),
    )
    raw = _timed(
        timings,
        "rules",
        progress,
        STEP_RULES,
        lambda: (adapter or ENGINES[DEFAULT_ENGINE]()).run(wide.as_dict(), catalogue),
    )
    root = (runs_root or runs_dir()).resolve()
    run_id = _new_run_id(root, snapshot)
    findings = finalise_findings(raw, catalogue, run_id)
    previous = previous_run_dir(root, exclude=run_id)
    findings, comparison, resolved = compare_runs(findings, previous)
    monitoring: MonitoringResult = _timed(
        timings,
        "monitoring",
        progress,
        STEP_MONITORING,
        lambda: monitor_households(
            snapshot,
            wide,
            findings,
            catalogue.policy,
            run_id=run_id,
            person_key=person_key,
            previous=previous_snapshot(snapshot),
        ),
    )
    summary = build_summary(run_id, snapshot, catalogue, wide, findings, comparison, previous, timings)
    reconciliation = comparison_rows(findings, catalogue, links)
    warnings = warning_rows(findings, catalogue)
    summary["linked"] = links is not None
    summary["policy_warnings"] = policy_warnings(snapshot, year)
    summary["reconciliation_findings"] = reconciliation.height
    summary["warning_findings"] = warnings.height
    summary["warning_households"] = warnings["household_id"].n_unique()
    summary["monitoring"] = monitoring.counts()
    progress.start(STEP_WRITE, total=1)
    extra = {"reconciliation": reconciliation, "warnings": warnings, **monitoring.frames()}
    paths = write_run(root / run_id, findings, summary, comparison, resolved, extra)
    progress.finish(STEP_WRITE)
    return ScreenResult(
        run_id,
        findings,
        summary,
        comparison,
        resolved,
        paths,
        reconciliation=reconciliation,
        warnings=warnings,
        monitoring=monitoring,
    )


def _timed(timings: dict[str, float], key: str, progress: Progress, task: str, work: Any) -> Any:
    progress.start(task, total=1)
    started = time.perf_counter()
    result = work()
    timings[key] = round(time.perf_counter() - started, 3)
    progress.finish(task)
    return result


def _new_run_id(root: Path, snapshot: Snapshot) -> str:
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    run_id = f"{stamp}-{snapshot.id}"
    suffix = 1
    while (root / run_id).exists():
        suffix += 1
        run_id = f"{stamp}-{snapshot.id}-{suffix}"
    return run_id


def rule_frame(catalogue: Catalogue) -> pl.DataFrame:
    """Metadata of every rule, one row each, to join onto raw findings."""
    return pl.DataFrame(
        {
            "rule_code": [r.code for r in catalogue],
            "rule_name": [r.name for r in catalogue],
            "category": [r.category for r in catalogue],
            "level": [r.level for r in catalogue],
            "veto": [r.veto for r in catalogue],
            "severity": [r.severity for r in catalogue],
        }
    )


def finalise_findings(raw: pl.DataFrame, catalogue: Catalogue, run_id: str) -> pl.DataFrame:
    """Attach rule metadata and regions; order veto first, then severity and place."""
    frame = raw.join(rule_frame(catalogue), on="rule_code", how="left").with_columns(
        pl.lit(run_id).alias("run_id"),
        pl.col("village_code").str.slice(0, 6).alias("county_code"),
        pl.col("village_code").str.slice(0, 9).alias("township_code"),
        pl.lit("新发现").alias("change"),
    )
    severity_rank = pl.col("severity").replace_strict(SEVERITY_ORDER, default=9, return_dtype=pl.Int8)
    ordered = frame.sort(
        [pl.col("veto").not_(), severity_rank, "village_code", "household_id", "rule_code", "id_number"],
        nulls_last=True,
    )
    return ordered.select(OUTPUT_COLUMNS)


def build_summary(
    run_id: str,
    snapshot: Snapshot,
    catalogue: Catalogue,
    wide: WideTables,
    findings: pl.DataFrame,
    comparison: pl.DataFrame,
    previous: Path | None,
    timings: dict[str, float],
) -> dict[str, Any]:
    per_rule = findings.group_by("rule_code").len().sort("rule_code")
    counts = dict(zip(per_rule["rule_code"].to_list(), per_rule["len"].to_list(), strict=True))
    placeholders = sorted(
        {label for rule in catalogue for label in placeholder_notes(rule, catalogue.policy)}
    )
    return {
        "run_id": run_id,
        "snapshot_id": snapshot.id,
        "as_of": snapshot.as_of.isoformat(),
        "as_of_source": snapshot.as_of_source,
        "policy_year": catalogue.year,
        "income_year": wide.income_year,
        "created_at": dt.datetime.now().isoformat(timespec="seconds"),
        "rules": len(catalogue),
        "households": wide.household_wide.height,
        "persons": wide.person_wide.height,
        "findings": findings.height,
        "veto_findings": int(findings["veto"].sum()),
        "households_with_findings": findings["household_id"].n_unique(),
        "households_with_veto": findings.filter(pl.col("veto"))["household_id"].n_unique(),
        "findings_per_rule": {r.code: counts.get(r.code, 0) for r in catalogue},
        "absent_feeds": list(wide.absent_feeds),
        "placeholder_parameters": placeholders,
        "previous_run_id": previous.name if previous else None,
        "comparison": {c: int(comparison[c].sum()) for c in ("new", "persisting", "resolved")},
        "seconds": timings,
    }


def write_run(
    folder: Path,
    findings: pl.DataFrame,
    summary: dict[str, Any],
    comparison: pl.DataFrame,
    resolved: pl.DataFrame,
    extra: dict[str, pl.DataFrame] | None = None,
) -> dict[str, Path]:
    """Write one run's files; summary.json goes last so a run with it is complete.

    `extra` frames are written as `<name>.parquet`.
    """
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "findings_parquet": folder / "findings.parquet",
        "findings_csv": folder / "findings.csv",
        "comparison": folder / "comparison.parquet",
        "resolved": folder / "resolved.parquet",
        "summary": folder / "summary.json",
    }
    findings.write_parquet(paths["findings_parquet"], compression="zstd")
    findings.write_csv(paths["findings_csv"], include_bom=True)
    comparison.write_parquet(paths["comparison"])
    resolved.write_parquet(paths["resolved"])
    for name, frame in (extra or {}).items():
        paths[name] = folder / f"{name}.parquet"
        frame.write_parquet(paths[name], compression="zstd")
    partial = folder / ".summary.json.tmp"  # renamed into place: a run with summary.json is whole
    partial.write_text(json.dumps(summary, ensure_ascii=False, indent=2), "utf-8")
    partial.replace(paths["summary"])
    return paths

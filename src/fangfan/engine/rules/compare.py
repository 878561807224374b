"""Compare a run's findings with the previous run's: new, persisting, resolved.

A finding is the same finding in two runs when rule code, household and person
agree (`KEY`). Counts are given per rule and township (county follows from it).
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

KEY = ("rule_code", "household_id", "id_number")
GROUP = ("rule_code", "county_code", "township_code")
_NULL_PERSON = ""


def previous_run_dir(root: Path, exclude: str) -> Path | None:
    """The newest complete run under `root` other than `exclude` (by creation time)."""
    if not root.exists():
        return None
    candidates: list[tuple[str, Path]] = []
    for child in root.iterdir():
        summary = child / "summary.json"
        if child.name != exclude and summary.exists() and (child / "findings.parquet").exists():
            created = str(json.loads(summary.read_text("utf-8")).get("created_at", ""))
            candidates.append((created + child.name, child))
    return max(candidates)[1] if candidates else None


def _keyed(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.col("id_number").fill_null(_NULL_PERSON).alias("_person"))


def compare_runs(
    findings: pl.DataFrame, previous: Path | None
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(findings with `change` set, counts per rule and township, resolved findings)."""
    old = findings.clear() if previous is None else pl.read_parquet(previous / "findings.parquet")
    join_on = ["rule_code", "household_id", "_person"]
    current = _keyed(findings)
    before = _keyed(old).select(join_on).unique().with_columns(pl.lit(True).alias("_seen"))
    marked = current.join(before, on=join_on, how="left", maintain_order="left").with_columns(
        pl.when(pl.col("_seen")).then(pl.lit("持续存在")).otherwise(pl.lit("新发现")).alias("change")
    )
    resolved = _keyed(old).join(current.select(join_on).unique(), on=join_on, how="anti").drop("_person")
    return marked.drop("_person", "_seen"), _counts(marked, resolved), resolved


def _counts(marked: pl.DataFrame, resolved: pl.DataFrame) -> pl.DataFrame:
    now = marked.group_by(GROUP).agg(
        (pl.col("change") == "新发现").sum().cast(pl.Int64).alias("new"),
        (pl.col("change") == "持续存在").sum().cast(pl.Int64).alias("persisting"),
    )
    gone = resolved.group_by(GROUP).agg(pl.len().cast(pl.Int64).alias("resolved"))
    table = now.join(gone, on=list(GROUP), how="full", coalesce=True)
    return table.with_columns(pl.col(c).fill_null(0) for c in ("new", "persisting", "resolved")).sort(GROUP)

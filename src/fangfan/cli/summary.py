"""`fangfan summary`: what a snapshot holds, per county (`fangfan demo` prints it too)."""

from __future__ import annotations

import click
import polars as pl
from rich.console import Console
from rich.table import Table

# `fangfan demo` is registered under this module's name; it lives in fangfan.cli.demo.
from fangfan.cli.demo import demo_command  # noqa: F401
from fangfan.engine.problems import PROBLEM_TEXT, Problem
from fangfan.engine.regions import counties
from fangfan.engine.schema import HOUSEHOLD_TYPES
from fangfan.engine.snapshot import Snapshot, SnapshotError, SnapshotStore
from fangfan.engine.summary import UNPLACED, county_summary


def print_summary(snapshot: Snapshot, console: Console) -> None:
    """Two tables: households and people per county, then import problems per county."""
    summary = county_summary(snapshot)
    table = Table(title=f"快照 {snapshot.id}（截至 {snapshot.as_of:%Y年%m月%d日}）按县汇总")
    for header in ("县(区)", *HOUSEHOLD_TYPES, "户数", "人数", "导入问题"):
        table.add_column(header, justify="left" if header == "县(区)" else "right")
    totals = [0] * (len(HOUSEHOLD_TYPES) + 3)
    for row in summary.counties.iter_rows(named=True):
        values = [row[kind] for kind in HOUSEHOLD_TYPES] + [row["户数"], row["人数"], row["导入问题"]]
        totals = [t + v for t, v in zip(totals, values, strict=True)]
        table.add_row(row["county_name"], *(f"{v:,}" for v in values))
    unplaced = int(summary.problems.filter(summary.problems["county_code"] == UNPLACED)["count"].sum())
    if unplaced:
        table.add_row(UNPLACED, *([""] * (len(HOUSEHOLD_TYPES) + 2)), f"{unplaced:,}")
        totals[-1] += unplaced
    table.add_row("合计", *(f"{v:,}" for v in totals), style="bold")
    console.print(table)
    _print_problems(summary.problems, console)


def _print_problems(problems: pl.DataFrame, console: Console) -> None:
    """One row per kind of problem, one column per county that has any."""
    if problems.is_empty():
        console.print("没有导入问题。")
        return
    names = {code: county.name for code, county in counties().items()}
    names[UNPLACED] = UNPLACED
    wide = problems.pivot(on="county_code", index="code", values="count").fill_null(0).sort("code")
    columns = sorted((c for c in wide.columns if c != "code"), key=lambda c: (c == UNPLACED, c))
    table = Table(title="导入问题按类别、按县")
    table.add_column("问题")
    for code in columns:
        table.add_column(names.get(code, code), justify="right")
    table.add_column("合计", justify="right")
    for row in wide.iter_rows(named=True):
        counts = [row[c] for c in columns]
        table.add_row(
            _problem_label(row["code"]), *(f"{n:,}" if n else "" for n in counts), f"{sum(counts):,}"
        )
    console.print(table)


def _problem_label(code: str) -> str:
    try:
        return PROBLEM_TEXT[Problem(code)].split("（")[0].split("，")[0]
    except ValueError:
        return code


@click.command("summary")
@click.argument("snapshot_id", required=False)
def summary_command(snapshot_id: str | None) -> None:
    """按县汇总一个快照（默认最新快照）：户数按户类型、人数、导入问题。"""
    console = Console()
    store = SnapshotStore()
    try:
        snapshot = store.get(snapshot_id) if snapshot_id else store.latest()
    except SnapshotError as error:
        raise click.ClickException(str(error)) from None
    print_summary(snapshot, console)

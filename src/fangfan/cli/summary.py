"""`fangfan summary` and `fangfan demo`: what a snapshot holds, per county."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
import polars as pl
from rich.console import Console
from rich.table import Table

from fangfan.engine import config
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


@click.command("demo")
@click.option("--households", default=60_000, show_default=True, help="合成户数（全市约 600000）")
@click.option("--seed", default=2020, show_default=True, help="随机种子")
@click.option("--messy", is_flag=True, help="按基层实际导出的杂乱格式生成")
def demo_command(households: int, seed: int, messy: bool) -> None:
    """生成一个合成的陇南、导入为快照，并按县汇总。"""
    from fangfan.cli.progress import RichProgress
    from fangfan.engine.ingest import import_directory
    from fangfan.engine.synth import generate_dataset

    console = Console()
    out = config.home() / "demo"
    as_of = _last_day_of_previous_month(dt.date.today())
    console.print(f"[bold]1/3 生成合成数据[/]：{households:,} 户，种子 {seed}，截至 {as_of} → {out}")
    with RichProgress() as progress:
        generate_dataset(out, households, seed, messy=messy, as_of=as_of, progress=progress)
    console.print("[bold]2/3 导入并校验[/]")
    with RichProgress() as progress:
        result = import_directory(Path(out), as_of=as_of, progress=progress)
    state = "新建" if result.created else "内容未变，沿用"
    console.print(f"快照 {result.snapshot.id}（{state}）；导入问题报告：{result.report_path}")
    console.print("[bold]3/3 按县汇总[/]")
    print_summary(result.snapshot, console)


def _last_day_of_previous_month(today: dt.date) -> dt.date:
    return today.replace(day=1) - dt.timedelta(days=1)

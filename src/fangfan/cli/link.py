"""`fangfan link [SNAPSHOT_ID]`: link department feeds to the registry and report how it went."""

from __future__ import annotations

from pathlib import Path

import click
import polars as pl
from rich.console import Console
from rich.table import Table

from fangfan.engine.progress import RichProgress

COUNTS = {
    "exact": "精确匹配",
    "probabilistic": "概率匹配",
    "unlinked": "未匹配",
    "ambiguous": "存疑",
    "total": "合计",
}


@click.command("link")
@click.argument("snapshot_id", required=False)
@click.option("--excel", type=click.Path(dir_okay=False, path_type=Path), help="匹配情况 Excel 的保存位置")
@click.option(
    "--engine",
    type=click.Choice(["polars", "duckdb", "spark"]),
    default="polars",
    show_default=True,
    help="计算引擎：spark 在 Spark 上做证件号码精确匹配和概率匹配（结果与默认引擎相同，见 docs/scale.md）",
)
def link_command(snapshot_id: str | None, excel: Path | None, engine: str) -> None:
    """把部门数据逐条匹配到建档立卡人员（默认最新快照），报告精确、概率、未匹配和存疑的条数。"""
    from fangfan.engine.link import link_snapshot
    from fangfan.engine.link.run import derived_dir
    from fangfan.engine.link.workbook import write_linkage_workbook
    from fangfan.engine.snapshot import SnapshotError, SnapshotStore
    from fangfan.engine.spark import SparkUnavailable  # pyspark itself only when Spark starts

    console = Console()
    try:
        store = SnapshotStore()
        snapshot = store.get(snapshot_id) if snapshot_id else store.latest()
        with RichProgress() as progress:
            result = link_snapshot(snapshot, progress=progress, engine=engine)
    except SnapshotError as error:
        raise click.ClickException(str(error)) from None
    except SparkUnavailable as error:  # what to install, in Chinese
        raise click.ClickException(str(error)) from None
    reused = "（沿用已有结果）" if result.reused else ""
    rows = result.scan().select(pl.len()).collect().item()  # from the file's metadata
    console.print(f"快照 {snapshot.id}：部门数据 {rows:,} 条{reused}")
    console.print(_table(result.report, "department", "部门"))
    console.print(_table(result.report, "county_name", "县区"))
    target = write_linkage_workbook(
        result.report, result.scan(), excel or derived_dir(snapshot) / "部门数据匹配情况.xlsx"
    )
    console.print(f"匹配结果：{result.path}")
    console.print(f"匹配情况表：{target}")


def _table(report: pl.DataFrame, by: str, title: str) -> Table:
    totals = report.group_by(by, maintain_order=True).agg(pl.col(list(COUNTS)).sum())
    table = Table(title, *COUNTS.values())
    for row in totals.iter_rows(named=True):
        table.add_row(str(row[by]), *(f"{row[key]:,}" for key in COUNTS))
    return table

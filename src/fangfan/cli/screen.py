"""`fangfan screen [SNAPSHOT_ID]`: run the household sieve over a snapshot."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from fangfan.engine.progress import RichProgress
from fangfan.engine.schema import TABLES


@click.command("screen")
@click.argument("snapshot_id", required=False)
@click.option("--year", type=int, help="按哪一年度的政策参数筛查（默认：快照的较新收入年度）")
@click.option(
    "--engine",
    type=click.Choice(["polars", "duckdb", "spark"]),
    default="polars",
    show_default=True,
    help="执行规则的引擎（结果相同；polars 单机最快，spark 在本机或 FANGFAN_SPARK_MASTER 所指集群上运行）",
)
@click.option(
    "--link/--no-link",
    default=True,
    show_default=True,
    help="先把部门数据匹配到建档立卡人员（沿用已有匹配结果）；--no-link 只按部门所填证件号关联",
)
def screen_command(snapshot_id: str | None, year: int | None, engine: str, link: bool) -> None:
    """一户一户过筛子：按规则目录筛查快照（默认最新快照），写出问题清单、部门数据比对、部门筛查预警和防返贫监测信号。"""
    from fangfan.engine.link import link_snapshot
    from fangfan.engine.policy import PolicyError
    from fangfan.engine.rules import RuleError
    from fangfan.engine.screen import ENGINES, screen_snapshot
    from fangfan.engine.snapshot import SnapshotError, SnapshotStore
    from fangfan.engine.spark import SparkUnavailable, require_spark

    console = Console()
    try:
        if engine == "spark":
            require_spark()  # before linking and the wide tables, not after
        store = SnapshotStore()
        snapshot = store.get(snapshot_id) if snapshot_id else store.latest()
        with RichProgress() as progress:
            # ANCHOR: spark link — linkage on `engine` ("spark": Splink's Spark backend, `link.spark`).
            # scanned, not read whole: fangfan run's way (3,000,000 households' links are GBs)
            links = link_snapshot(snapshot, progress=progress, engine=engine).scan() if link else None
            result = screen_snapshot(
                snapshot, year=year, progress=progress, adapter=ENGINES[engine](), links=links
            )
    except (SnapshotError, RuleError, PolicyError, SparkUnavailable) as error:
        raise click.ClickException(str(error)) from None
    summary = result.summary
    console.print(
        f"快照 {summary['snapshot_id']}（{summary['policy_year']}年度政策）：{summary['rules']} 条规则，"
        f"问题 {summary['findings']:,} 条，涉及 {summary['households_with_findings']:,} 户，"
        f"其中否决项 {summary['veto_findings']:,} 条"
    )
    console.print(
        f"其中部门数据比对 {summary['reconciliation_findings']:,} 条，"
        f"部门筛查预警 {summary['warning_findings']:,} 条（{summary['warning_households']:,} 户）"
        + ("" if link else "；[yellow]未做部门数据匹配，证件号填错的部门记录未能关联[/]")
    )
    monitoring = summary["monitoring"]
    console.print(
        f"防返贫监测信号 {monitoring['signals']:,} 条，有风险 {monitoring['households_at_risk']:,} 户，"
        f"其中未在监测的候选 {monitoring['candidates']:,} 户"
    )
    console.print(_per_rule_table(summary))
    comparison = summary["comparison"]
    if summary["previous_run_id"]:
        console.print(
            f"与上次筛查 {summary['previous_run_id']} 相比：新发现 {comparison['new']:,}，"
            f"持续存在 {comparison['persisting']:,}，已解决 {comparison['resolved']:,}"
        )
    for warning in summary["policy_warnings"]:
        console.print(f"[yellow]{warning}[/]")
    if summary["absent_feeds"]:
        absent = "、".join(TABLES[name].title for name in summary["absent_feeds"])
        console.print(f"[yellow]快照中没有这些部门数据，相关比对未做：{absent}[/]")
    console.print(f"结果目录：{result.paths['summary'].parent}")


def _per_rule_table(summary: dict[str, object]) -> Table:
    table = Table("规则", "问题数")
    counts = summary["findings_per_rule"]
    assert isinstance(counts, dict)
    for code, count in counts.items():
        if count:
            table.add_row(code, f"{count:,}")
    return table

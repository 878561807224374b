"""`fangfan run`: the one command an office runs each month."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click
from rich.console import Console

from fangfan.engine.progress import RichProgress
from fangfan.engine.schema import TABLES


@click.command("run")
@click.argument("input_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path), help="输出目录"
)
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="数据截止日期，如 2024-06-30（不给时取自数据：标题“截至…”、文件名或数据中最新的日期）",
)
@click.option(
    "--engine",
    type=click.Choice(["polars", "duckdb", "spark"]),
    default="polars",
    show_default=True,
    help="执行规则的引擎（结果相同；spark 按 FANGFAN_SPARK_MASTER 在本机或集群上运行，需 Java 17）",
)
@click.option(
    "--full-id",
    is_flag=True,
    help="台账和清单含完整身份证号（仅供纠正全国系统数据的科室使用，不得下发）；默认脱敏",
)
def run_command(
    input_dir: Path, out_dir: Path, as_of: dt.datetime | None, engine: str, full_id: bool
) -> None:
    """导入、匹配部门数据、筛查，写出问题清单、导入问题报告、匹配情况、各县问题台账、部门筛查预警清单和防返贫监测候选清单。

    各县台账和清单要下发乡镇、村，身份证号默认脱敏（只显示前6位和后4位，出生日期只显示年份）。
    """
    from fangfan.engine import journal
    from fangfan.engine.ingest import NothingToImport
    from fangfan.engine.ingest.asof import GIVEN_ON_COMMAND_LINE
    from fangfan.engine.ingest.headers import SynonymError
    from fangfan.engine.pipeline import run_monthly
    from fangfan.engine.spark import SparkUnavailable, require_spark

    console = Console(soft_wrap=True)  # a path is one line, also in a log file
    if engine == "spark":
        try:
            require_spark()  # before the import and the linkage, not after
        except SparkUnavailable as error:
            Console(stderr=True).print(f"[bold red]运行失败：[/]{error}")
            sys.exit(1)
    journal.sweep()  # a run killed before is marked failed (fangfan status lists it)
    job = journal.begin("run", input_dir=str(input_dir.resolve()), out_dir=str(out_dir.resolve()))
    try:
        with job, RichProgress() as progress:
            result = run_monthly(
                input_dir,
                out_dir,
                as_of=as_of.date() if as_of else None,
                progress=journal.JournalProgress(progress, job),
                full_id=full_id,
                as_of_source=GIVEN_ON_COMMAND_LINE,
                engine=engine,
            )
            job.succeed(snapshot_id=result.snapshot_id, run_id=result.run_id, findings=result.findings)
    except (NothingToImport, SynonymError, SparkUnavailable) as error:
        Console(stderr=True).print(f"[bold red]运行失败：[/]{error}")
        sys.exit(1)
    except Exception as error:
        if not journal.is_disk_full(error):
            raise
        Console(stderr=True).print(f"[bold red]运行失败：[/]{journal.DISK_FULL}")
        sys.exit(1)
    console.print(f"快照 {result.snapshot_id}，筛查批次 {result.run_id}：发现问题 {result.findings:,} 条")
    if full_id:
        console.print("[yellow]各县台账和清单含完整身份证号：仅供纠正全国系统数据使用，不得下发。[/]")
    else:
        console.print("各县台账和清单中的身份证号已脱敏（加 --full-id 可写出完整号码）。")
    console.print(f"问题清单：{result.findings_csv}")
    console.print(f"导入问题报告：{result.import_report}")
    if result.linkage_report:
        console.print(f"部门数据匹配情况：{result.linkage_report}")
    for ledger in result.ledgers:
        console.print(f"  {ledger.county_name}问题台账：{ledger.path}（{ledger.rows:,} 条）")
    for warning_list in result.warning_lists:
        console.print(
            f"  {warning_list.county_name}部门筛查预警清单：{warning_list.path}（{warning_list.rows:,} 条）"
        )
    for candidates in result.monitoring_lists:
        console.print(
            f"  {candidates.county_name}防返贫监测候选清单：{candidates.path}（{candidates.rows:,} 户）"
        )
    if result.absent_tables:
        absent = "、".join(TABLES[name].title for name in result.absent_tables if name in TABLES)
        console.print(f"[yellow]本次未提供的部门数据：{absent}（相关比对未做）[/]")

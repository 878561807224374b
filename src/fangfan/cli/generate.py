"""`fangfan generate`: write a synthetic Longnan (or Gansu, `--province gansu`) with its ground truth."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from rich.console import Console


@click.command("generate")
@click.option("--households", type=click.IntRange(min=1), default=2000, show_default=True, help="户数")
@click.option("--seed", type=int, default=1, show_default=True, help="随机种子（相同种子生成完全相同的文件）")
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True, help="输出目录"
)
@click.option("--messy", is_flag=True, help="按基层实际报表的样子写出（标题行、空行、合计行、同义表头等）")
@click.option("--format", "file_format", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option(
    "--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="数据截止日期"
)
@click.option(
    "--assessment-truth",
    "assessment_truth",
    default=None,
    metavar="default|FILE.toml",
    help="另按给定的真实比例埋入错退、漏评、不认可和不知晓，写出 assessment_truth.csv（default 用内置比例）",
)
@click.option(
    "--province",
    type=click.Choice(["gansu"]),
    default=None,
    help="按全省生成（gansu：甘肃省14个市州、88个县区、约1400个乡镇；导入前设 FANGFAN_REGION=gansu）",
)
def generate(
    households: int,
    seed: int,
    out_dir: Path,
    messy: bool,
    file_format: str,
    as_of: dt.datetime | None,
    assessment_truth: str | None,
    province: str | None,
) -> None:
    """生成模拟的陇南市（或甘肃省）建档立卡数据、行业部门数据和问题清单（ground_truth.csv）。"""
    from fangfan.engine.config import ConfigError
    from fangfan.engine.progress import RichProgress
    from fangfan.engine.synth import generate_dataset

    console = Console()
    if assessment_truth is not None:
        from fangfan.engine.synth.assessment import load_rates

        try:
            load_rates(assessment_truth)  # a bad file fails before an hour of generating
        except ConfigError as error:
            raise click.ClickException(str(error)) from None
    with RichProgress() as progress:
        try:
            result = generate_dataset(
                out_dir,
                households,
                seed,
                messy=messy,
                file_format=file_format,
                as_of=as_of.date() if as_of else None,
                progress=progress,
                assessment_truth=assessment_truth,
                province=province,
            )
        except ConfigError as error:  # the province's limits, before anything is written
            raise click.ClickException(str(error)) from None
    problems = sum(result.kinds.values())
    console.print(
        f"已生成 {result.counts['households']:,} 户、{result.counts['members']:,} 名成员，"
        f"收入年度 {result.income_years[0]}–{result.income_years[1]}，截至 {result.as_of.isoformat()}。"
    )
    console.print(
        f"共 {len(result.files)} 个文件，埋入问题 {problems:,} 条（{len(result.kinds)} 类），"
        f"用时 {result.seconds:.1f} 秒。"
    )
    console.print(f"输出目录：{result.out_dir}")
    if province is not None:
        console.print(f"这是全省数据：导入或运行前请设置环境变量 FANGFAN_REGION={province}。")

"""`fangfan jobs`: public-welfare jobs (公益性岗位) from the command line.

- `fangfan jobs check --month 2026-05 [--region CODE]`: the monthly check (月度资格检查), run now;
- `fangfan jobs paysheet --region CODE --month 2026-05 --out FILE`: the pay sheet as Excel.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import click

CITY = "621200"


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangfan.web.settings")
    import django

    django.setup()


def _month(text: str) -> dt.date:
    from fangfan.engine.fieldwork.jobs import parse_month

    try:
        return parse_month(text)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@click.group("jobs")
def jobs_group() -> None:
    """公益性岗位：月度资格检查、工资发放表。"""


@jobs_group.command("check")
@click.option("--month", required=True, metavar="YYYY-MM", help="检查月份，如 2026-05")
@click.option(
    "--region", default=CITY, show_default=True, metavar="CODE", help="区划代码（市、县区、乡镇或村）"
)
def check_command(month: str, region: str) -> None:
    """月度资格检查：在岗人员是否仍符合条件，同月两份工资，死亡后仍发放。"""
    _django()
    from fangfan.web.jobs.checks import run_check
    from fangfan.web.jobs.models import JobCheck
    from fangfan.web.regions.models import Region

    if not Region.objects.filter(code=region).exists():
        click.echo(f"没有区划代码 {region}", err=True)
        sys.exit(1)
    check = run_check(JobCheck.objects.create(region_code=region, month=_month(month)))
    click.echo(
        f"{check.month:%Y年%m月}资格检查（{region}）：在岗 {check.holders} 人，发现问题 {check.found} 条"
    )
    for finding in check.findings.order_by("village_code", "pk")[:200]:
        click.echo(
            f"  {finding.get_kind_display()}：{finding.name}（{finding.village_code}）{finding.reason}"
        )


@jobs_group.command("paysheet")
@click.option("--region", required=True, metavar="CODE", help="乡镇代码（9 位），或县区、村的代码")
@click.option("--month", required=True, metavar="YYYY-MM", help="发放月份，如 2026-05")
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="输出的 Excel 文件"
)
def paysheet_command(region: str, month: str, out: Path) -> None:
    """工资发放表（Excel，每个乡镇一页，身份证号脱敏，含签字栏和合计）。"""
    _django()
    from fangfan.web.jobs.excel import write_pay_sheet
    from fangfan.web.regions.models import Region

    place = Region.objects.filter(code=region).first()
    if place is None:
        click.echo(f"没有区划代码 {region}", err=True)
        sys.exit(1)
    with out.open("wb") as handle:
        write_pay_sheet(handle, place, _month(month))
    click.echo(f"已写入 {out}")

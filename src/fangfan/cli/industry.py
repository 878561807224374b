"""`fangfan industry import|summary`: industry income (产业收入) lists and summaries.

Both work on the web application's records as a named account, through the same gate and
verbs as its pages: an import loads the whole list or nothing, into households inside the
account's region; a summary holds only the account's region.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click


@click.group("industry")
def industry_group() -> None:
    """产业收入：导入种植、养殖清单；按区划汇总、列出未达标户。"""


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangfan.web.settings")
    import django

    django.setup()


def _account(username: str) -> Any:
    from fangfan.web.accounts.models import User

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None or user.region is None:
        raise click.ClickException(f"没有账号“{username}”，或该账号已停用、未设置所属区划")
    return user


@industry_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--user", "username", required=True, help="以哪个账号导入（各户须在该账号的区划内，记在其名下）"
)
@click.option("--year", type=int, default=None, help="表中未填年度的行的年度")
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="有问题时问题清单写到哪里（默认：清单旁边的“<清单名>-导入问题.xlsx”）",
)
def import_command(file: Path, username: str, year: int | None, report: Path | None) -> None:
    """导入一份产业收入清单（户编号或户主身份证号、户主姓名、类别、作物或畜禽、面积、数量、收入、年度）。

    整表有任何问题则全部不导入，问题清单写成Excel，退出码为 1。
    """
    _django()
    from django.core.files import File

    from fangfan.web.industry.imports import import_list, report_file

    user = _account(username)
    with file.open("rb") as handle:
        outcome = import_list(user, File(handle, name=file.name), default_year=year)
    if not outcome.problems:
        click.echo(f"《{file.name}》已导入 {outcome.loaded} 条记录。")
        return
    target = report or file.with_name(f"{file.stem}-导入问题.xlsx")
    with report_file(user, outcome.token) as kept:
        target.write_bytes(kept.read())
    click.echo(f"《{file.name}》有 {len(outcome.problems)} 处问题，全部未导入。问题清单：{target}", err=True)
    for problem in outcome.problems[:20]:
        where = f"{problem.sheet} 第{problem.row}行 {problem.column}" if problem.row else "文件"
        click.echo(f"  {where}：{problem.message}", err=True)
    sys.exit(1)


@industry_group.command("summary")
@click.option("--user", "username", required=True, help="以哪个账号查看（只含该账号区划内的数据）")
@click.option("--region", "code", default=None, help="区划代码（默认账号所属区划）")
@click.option("--year", type=int, default=None, help="年度（默认今年）")
def summary_command(username: str, code: str | None, year: int | None) -> None:
    """按下一级区划汇总种植户数、面积、收入、每亩收入，养殖户数、数量、收入，以及未达标户数。"""
    _django()
    from django.http import Http404

    from fangfan.engine.fieldwork.industry import share_text
    from fangfan.engine.formatting import money_text, number_text
    from fangfan.web.accounts.access import region_for_user
    from fangfan.web.industry import ledger

    user = _account(username)
    try:
        region = region_for_user(user, code)
    except Http404 as missing:
        raise click.ClickException(f"区划“{code}”不在该账号的区划内") from missing
    year = year or ledger.this_year()
    click.echo(f"{region.name}产业收入汇总（{year}年度）")
    rows = [*ledger.child_summaries(region, year), (region, ledger.region_summary(region, year))]
    for place, found in rows:
        per_mu = money_text(found.per_mu) if found.per_mu is not None else "—"
        click.echo(
            f"{place.name}：种植{found.planting_households}户 {number_text(found.mu)}亩 "
            f"收入{money_text(found.planting_income)} 每亩{per_mu} "
            f"未达标{found.planting_below}户（{share_text(found.planting_below_share)}）；"
            f"养殖{found.livestock_households}户 收入{money_text(found.livestock_income)} "
            f"未达标{found.livestock_below}户（{share_text(found.livestock_below_share)}）"
        )

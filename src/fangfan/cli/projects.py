"""`fangfan projects import|report`: the 衔接资金项目 library from Excel, and a county's report.

Both work on the web application's database as a named account, through the same gate and
verbs as its pages: an import loads the whole workbook or nothing; a report holds only the
account's region.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from fangfan.cli.rectification import _account, _django


@click.group("projects")
def projects_group() -> None:
    """衔接资金项目：导入项目库（含联农带农受益户），导出县区项目报表。"""


@projects_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--user", "username", required=True, help="以哪个账号导入（项目须在该账号的区划内，记在其名下）"
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="有问题时把问题清单写到哪里（默认：文件旁边的“<文件名>-导入问题.xlsx”）",
)
def import_command(file: Path, username: str, report: Path | None) -> None:
    """导入项目库Excel：全部导入，或有任何问题时一个也不导入并写出问题清单（退出码 1）。

    项目编号已在项目库中的行更新该项目。
    """
    _django()
    from django.core.files import File

    from fangfan.engine.fieldwork.project_workbooks import write_problems
    from fangfan.web.projects import imports

    user = _account(username)
    with file.open("rb") as handle:
        outcome = imports.import_projects(user, File(handle, name=file.name))
    if outcome.loaded:
        click.echo(
            f"已导入《{file.name}》：新增 {outcome.created} 个项目，更新 {outcome.updated} 个，"
            f"受益户 {outcome.beneficiaries} 条"
        )
        return
    target = report or file.with_name(f"{file.stem}-导入问题.xlsx")
    write_problems(target, outcome.problems, today=dt.date.today())
    click.echo(
        f"《{file.name}》有 {len(outcome.problems)} 处问题，一个项目也没有导入。问题清单：{target}", err=True
    )
    for problem in outcome.problems[:20]:
        where = f"{problem.sheet} 第{problem.row}行 {problem.column}" if problem.row else "文件"
        click.echo(f"  {where}：{problem.message}", err=True)
    sys.exit(1)


@projects_group.command("report")
@click.option("--county", "county", required=True, help="县区（或乡镇）区划代码")
@click.option(
    "--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="写到哪个.xlsx文件"
)
@click.option("--user", "username", default="", help="以哪个账号导出（默认：该县区的第一个县级账号）")
def report_command(county: str, out: Path, username: str) -> None:
    """导出县区衔接资金项目报表：资金按来源和类别、开工率、支付率、逾期项目、联农带农。"""
    _django()
    from django.http import Http404

    from fangfan.engine.fieldwork.project_workbooks import write_county_report
    from fangfan.web.accounts.access import region_for_user
    from fangfan.web.accounts.models import User
    from fangfan.web.projects.reports import county_report

    if username:
        user = _account(username)
    else:
        user = User.objects.filter(role=User.Role.COUNTY, region__code=county, is_active=True).first()
        if user is None:
            raise click.ClickException(f"区划 {county} 没有县级账号，请用 --user 指定账号")
    try:
        region = region_for_user(user, county)
    except Http404:
        raise click.ClickException(f"区划 {county} 不在账号“{user.username}”的范围内") from None
    today = dt.date.today()
    figures, content = county_report(user, region, today)
    write_county_report(out, content, today=today)
    click.echo(f"已写出 {out}（{region.name}：{figures.projects} 个项目，逾期 {figures.overdue} 个）")

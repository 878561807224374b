"""`fangfan teams import|report`: a roster workbook into the teams, a county's monthly attendance out.

`import` loads an office's roster as a named account, through the same gate, checks and
verbs as the page (all or nothing; the problems are printed and written next to the file).
`report` writes a county's (or any region's) monthly attendance workbook, ID numbers and
phones masked, as the page's Excel.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click


@click.group("teams")
def teams_group() -> None:
    """驻村工作队：导入花名册，导出考勤月报。"""


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangfan.web.settings")
    import django

    django.setup()


@teams_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--user", "username", required=True, help="以哪个账号导入（村须在该账号的区划内，记在其名下）")
def import_command(file: Path, username: str) -> None:
    """导入驻村工作队花名册：全部导入，或有错误时一个也不导入并列出各行的错误。"""
    _django()
    from fangfan.web.accounts.models import User
    from fangfan.web.shared.excel import write_workbook
    from fangfan.web.teams.imports import PROBLEM_COLUMNS, import_roster

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None or user.region is None:
        raise click.ClickException(f"没有账号“{username}”，或该账号已停用、未设置所属区划")
    if user.role not in (User.Role.CITY, User.Role.COUNTY, User.Role.TOWNSHIP):
        raise click.ClickException("只有市、县区、乡镇办公室的账号能导入花名册")
    outcome = import_roster(user, file, file.name)
    if outcome.loaded:
        click.echo(f"已导入《{file.name}》：新建工作队 {outcome.teams} 个，队员 {outcome.members} 人。")
        return
    report = file.with_name(f"{file.stem}-导入问题.xlsx")
    write_workbook(str(report), "导入问题", PROBLEM_COLUMNS, outcome.roster.problems)
    click.echo(
        f"《{file.name}》有 {len(outcome.roster.problems)} 处问题，整份名册未导入。问题清单：{report}",
        err=True,
    )
    for problem in outcome.roster.problems[:20]:
        where = f"{problem.sheet} 第{problem.row}行 {problem.column}" if problem.row else "文件"
        click.echo(f"  {where}：{problem.message}", err=True)
    sys.exit(1)


@teams_group.command("report")
@click.option("--county", "code", required=True, help="县区（或乡镇、村）的行政区划代码，如 621226")
@click.option("--month", required=True, help="月份，如 2026-11")
@click.option(
    "--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="写到哪个 .xlsx 文件"
)
def report_command(code: str, month: str, out: Path) -> None:
    """导出一个县区某月的驻村考勤表（各村、各人；身份证号和电话隐藏部分数字）。"""
    from fangfan.engine.fieldwork.attendance import parse_month

    try:
        first = parse_month(month)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--month") from None
    _django()
    from django.utils import timezone

    from fangfan.web.regions.models import Region
    from fangfan.web.shared.excel import Sheet, write_sheets
    from fangfan.web.teams import columns, reports

    region = Region.objects.filter(code=code).first()
    if region is None:
        raise click.BadParameter(f"没有行政区划代码为 {code} 的区划", param_hint="--county")
    rows = reports.attendance(None, region, first, timezone.localdate())
    villages, total = reports.by_village(rows)
    write_sheets(
        str(out),
        [
            Sheet("各村", columns.VILLAGE_COLUMNS, [*villages, total]),
            Sheet("各人", columns.PERSON_COLUMNS, rows),
        ],
    )
    click.echo(
        f"已写出{region.name}{first:%Y年%m月}驻村考勤：{total.members} 人，达标 {total.met} 人。文件：{out}"
    )

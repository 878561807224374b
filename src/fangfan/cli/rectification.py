"""`fangfan rectification check|import|export`: feedback lists and the 整改台账 workbooks.

`check` reads a feedback list on its own (the engine alone, no database) and writes the
report an office fixes the list by. `import` and `export` work on the web application's
ledger as a named account, through the same gate and verbs as its pages: an import loads
the whole list or nothing; an export holds only the account's region.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any

import click

from fangfan.cli.importing import _parse_date

EXPORT_KINDS = ("three-lists", "ledger", "progress")


@click.group("rectification")
def rectification_group() -> None:
    """整改销号：检查、导入反馈问题清单；导出整改三清单、整改台账和整改进度报表。"""


@rectification_group.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--received", callback=_parse_date, help="收到清单的日期，如 2021-01-05（默认今天；立行立改以此为时限）"
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="导入检查报告写到哪里（默认：清单旁边的“<清单名>-导入检查.xlsx”）",
)
def check_command(file: Path, received: dt.date | None, report: Path | None) -> None:
    """检查一份反馈问题清单能否导入，写出逐行的检查报告；有错误时退出码为 1。

    检查每一行能否落到县区、乡镇、村，整改措施、责任单位、责任人、整改时限是否齐全。
    """
    from fangfan.engine.rectification.feedback import read_feedback
    from fangfan.engine.rectification.workbooks import write_feedback_report

    today = dt.date.today()
    # As the ledger's import checks it: every problem with its measures, unit, person and date.
    feedback = read_feedback(file, received=received or today, complete=True)
    target = report or file.with_name(f"{file.stem}-导入检查.xlsx")
    write_feedback_report(target, feedback, today=today)
    warnings = feedback.problems.height - feedback.errors.height
    if feedback.loadable:
        click.echo(
            f"《{file.name}》可以导入：{feedback.rows.height} 个问题，{warnings} 条提示。报告：{target}"
        )
        return
    click.echo(
        f"《{file.name}》有 {feedback.errors.height} 处错误，整个清单不能导入。报告：{target}", err=True
    )
    for error in feedback.errors.head(20).iter_rows(named=True):
        where = f"{error['sheet']} 第{error['row']}行 {error['column']}" if error["row"] else "文件"
        click.echo(f"  {where}：{error['message']}", err=True)
    sys.exit(1)


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangfan.web.settings")
    import django

    django.setup()


def _choices(choices: list[tuple[str, str]]) -> str:
    return "、".join(f"{code}（{label}）" for code, label in choices)


def _account(username: str) -> Any:
    from fangfan.web.accounts.models import User

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None or user.region is None:
        raise click.ClickException(f"没有账号“{username}”，或该账号已停用、未设置所属区划")
    return user


@rectification_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--user", "username", required=True, help="以哪个账号导入（问题落在该账号的区划内，记在其名下）"
)
@click.option(
    "--source", required=True, help="问题来源代码，如 cross_province（省际交叉考核）、audit（审计）"
)
@click.option("--category", required=True, help="清单中未写类别的问题的类别代码，如 POLICY（政策落实）")
@click.option("--batch", default="", help="批次（默认用清单的标题）")
@click.option("--received", callback=_parse_date, help="收到清单的日期（默认今天）")
def import_command(
    file: Path, username: str, source: str, category: str, batch: str, received: dt.date | None
) -> None:
    """把反馈问题清单导入整改台账：全部导入，或有错误时一个也不导入并列出各行的错误。"""
    _django()
    from django.core.files import File

    from fangfan.web.rectification import imports
    from fangfan.web.rectification.models import CATEGORY_CHOICES, Source

    if source not in Source.values:
        raise click.BadParameter(f"可用的来源：{_choices(Source.choices)}", param_hint="--source")
    if category not in dict(CATEGORY_CHOICES):
        raise click.BadParameter(f"可用的类别：{_choices(CATEGORY_CHOICES)}", param_hint="--category")
    user = _account(username)
    with file.open("rb") as handle:
        outcome = imports.import_feedback(
            user,
            File(handle, name=file.name),
            source=source,
            batch=batch,
            category=category,
            received=received or dt.date.today(),
        )
    if outcome.loaded:
        click.echo(f"已导入 {len(outcome.problems)} 个整改问题（批次：{outcome.problems[0].batch}）")
        return
    click.echo(f"《{file.name}》有 {len(outcome.errors)} 处错误，一个问题也没有导入：", err=True)
    for error in outcome.errors[:20]:
        click.echo(f"  {error['sheet']} 第{error['row']}行 {error['column']}：{error['message']}", err=True)
    sys.exit(1)


@rectification_group.command("export")
@click.argument("kind", type=click.Choice(EXPORT_KINDS))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--user", "username", required=True, help="以哪个账号导出（只含该账号区划内的问题）")
@click.option("--region", default=None, help="区划代码（默认：账号的区划；整改台账按它出表）")
@click.option(
    "--by", type=click.Choice(("source", "township")), default="source", help="整改台账按来源还是按乡镇分表"
)
def export_command(kind: str, out: Path, username: str, region: str | None, by: str) -> None:
    """导出整改三清单（three-lists）、整改台账（ledger）或整改进度报表（progress）。"""
    _django()
    from django.http import Http404

    from fangfan.web.accounts.access import region_for_user, scope, within_region
    from fangfan.web.rectification import exports
    from fangfan.web.rectification.models import Problem

    user = _account(username)
    try:
        place = region_for_user(user, region)
    except Http404:
        raise click.ClickException(f"区划 {region} 不在账号“{username}”的范围内") from None
    problems = scope(Problem.objects.filter(within_region("region_code", place)), user)
    if kind == "three-lists":
        write = exports.three_lists(problems, place.name)
    elif kind == "ledger":
        write = exports.region_ledger(problems, place, by)
    else:
        write = exports.progress_report(problems, place, place.name)
    with out.open("wb") as handle:
        write(handle)
    click.echo(f"已写出 {out}（{problems.count()} 个问题）")

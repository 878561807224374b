"""`fangfan odk form|import`: a village's offline visit form, and an export of submissions loaded.

Both work on the web application's data as a named account, through the same gate and
verbs as its pages (`fangfan.web.odk`): `form` writes the village's XLSForm and its
households.csv (masked, no phones); `import` records each row that can be placed as a
visit through `record_visit`, skips submissions imported before, and writes the rows
that cannot be placed to an Excel report beside the file.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click


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


@click.group("odk")
def odk_group() -> None:
    """离线走访（ODK Collect / KoboToolbox）：导出村的走访表单和农户名单；导入提交数据。"""


@odk_group.command("form")
@click.option("--user", "username", required=True, help="以哪个账号导出（行政村须在该账号的区划内）")
@click.option("--village", "village_code", required=True, help="行政村的12位区划代码")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="写到哪个文件夹",
)
def form_command(username: str, village_code: str, out: Path) -> None:
    """写出行政村的走访表单（XLSForm）和农户名单 households.csv（证件号码已遮挡，不含电话）。"""
    _django()
    from django.http import Http404

    from fangfan.engine.odk.preload import PRELOAD_FILE
    from fangfan.engine.odk.xlsform import write_xlsform
    from fangfan.web.accounts.access import region_for_user, scope, within_region
    from fangfan.web.odk.preload import village_preload
    from fangfan.web.odk.schema import visit_form_spec
    from fangfan.web.regions.models import Region
    from fangfan.web.registry.models import Household

    user = _account(username)
    try:
        village = region_for_user(user, village_code)
    except Http404:
        raise click.ClickException(f"区划 {village_code} 不在账号“{username}”的范围内") from None
    if village.level != Region.Level.VILLAGE:
        raise click.BadParameter(f"{village_code} 不是行政村的代码", param_hint="--village")
    out.mkdir(parents=True, exist_ok=True)
    form_path = out / f"{village.name}入户走访表单-{village.code}.xlsx"
    with form_path.open("wb") as handle:
        write_xlsform(visit_form_spec(village.code, village.name), handle)
    households = scope(Household.objects.filter(within_region("village_code", village)), user)
    (out / PRELOAD_FILE).write_text(village_preload(households), encoding="utf-8")
    click.echo(f"已写出 {form_path} 和 {out / PRELOAD_FILE}（{households.count()} 户）")


@odk_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--user", "username", required=True, help="以哪个账号导入（走访记在其名下，农户须在其区划内）")
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="未能导入的行写到哪里（默认：文件旁边的“<文件名>-导入报告.xlsx”）",
)
def import_command(file: Path, username: str, report: Path | None) -> None:
    """导入 ODK Central 的 CSV 或 KoboToolbox 的 XLSX：能落到农户的记为走访，重复提交忽略。

    不能导入的行写入导入报告；整个文件不能导入时退出码为 1。
    """
    _django()
    from django.core.files import File

    from fangfan.web.odk.imports import import_submissions
    from fangfan.web.odk.report import report_sheets
    from fangfan.web.shared.excel import write_sheets

    user = _account(username)
    with file.open("rb") as handle:
        batch = import_submissions(user, File(handle, name=file.name))
    if batch.refused:
        click.echo(f"整个文件未能导入：{batch.refused}", err=True)
        sys.exit(1)
    click.echo(
        f"《{file.name}》（{batch.source}）：提交记录 {batch.rows} 条，新增走访 {batch.created} 条，"
        f"生成发现线索 {batch.leads} 条，重复提交已忽略 {batch.duplicates} 条，"
        f"未能导入 {batch.unplaced_count} 条"
    )
    if batch.unplaced:
        target = report or file.with_name(f"{file.stem}-导入报告.xlsx")
        with target.open("wb") as out:
            write_sheets(out, report_sheets(batch))
        click.echo(f"未能导入的行及原因：{target}")

"""`fangfan publish [RUN_DIR]`: load a screening run into the web application's database."""

from __future__ import annotations

import os
from pathlib import Path

import click

INTERRUPTED_BY_DATABASE = (
    "与数据库的连接中断（数据库重启或网络故障），本次发布没有完成；网页系统仍显示原来的批次。"
    "请确认数据库已恢复后重新运行 fangfan publish"
)


@click.command("publish")
@click.argument("run_dir", required=False, type=click.Path(file_okay=False, exists=True, path_type=Path))
def publish_command(run_dir: Path | None) -> None:
    """把筛查批次发布到网页系统（默认：最新的批次）：农户、成员、部门记录、问题及其变化；同一批次重复发布不做更改。"""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangfan.web.settings")
    import django

    django.setup()
    from django.db import InterfaceError, OperationalError

    from fangfan.engine import journal
    from fangfan.engine.progress import RichProgress
    from fangfan.web.publishing import (
        PublishError,
        latest_run_dir,
        publish_with_snapshot,
        unapplied_migrations,
    )

    journal.sweep()  # a publish or run killed before is marked failed (fangfan status lists it)
    try:
        if unapplied_migrations():
            raise PublishError("网页系统的数据库尚未建好或不是最新，请先运行 python manage.py migrate")
        target = run_dir or latest_run_dir()
        with journal.begin("publish", run_dir=str(target.resolve())) as job, RichProgress() as progress:
            result = publish_with_snapshot(target, progress=journal.JournalProgress(progress, job))
            job.succeed(run_id=result.run.run_id, findings=result.run.findings)
    except PublishError as error:
        raise click.ClickException(str(error)) from None
    except (OperationalError, InterfaceError):  # the database restarted or went away midway
        raise click.ClickException(INTERRUPTED_BY_DATABASE) from None
    click.echo(result.describe())

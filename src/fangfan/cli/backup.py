"""`fangfan backup DEST` and `fangfan restore SRC`: the whole installation, kept and brought back.

What is kept and how (the database, FANGFAN_HOME's folders, media, the manifest) is in
`fangfan.web.backup`; these commands read the site's settings and report in Chinese.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from fangfan.web.backup import BackupError, Database, Place, create_backup, restore_backup


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangfan.web.settings")
    import django

    django.setup()


def place_from_settings() -> Place:
    """The configured installation: FANGFAN_HOME, MEDIA_ROOT and the default database."""
    from django.conf import settings

    return Place(
        home=Path(settings.DATA_DIR),
        media=Path(settings.MEDIA_ROOT),
        database=Database.from_settings(settings.DATABASES["default"]),
    )


def known_migrations() -> dict[str, set[str]]:
    """Every migration this code ships, per app."""
    from django.db.migrations.loader import MigrationLoader

    known: dict[str, set[str]] = {}
    for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations:
        known.setdefault(app, set()).add(name)
    return known


def _key_from_environment() -> bool:
    return bool(os.environ.get("FANGFAN_SECRET_KEY"))


@click.command("backup")
@click.argument("destination", type=click.Path(path_type=Path))
def backup_command(destination: Path) -> None:
    """备份数据库、快照、筛查批次、上传文件和佐证资料到一个新目录，附清单（迁移、文件校验值、各表行数）。"""
    _setup()
    from fangfan.engine.progress import RichProgress

    place = place_from_settings()
    try:
        with RichProgress() as progress:
            manifest = create_backup(
                destination, place, secret_key_from_environment=_key_from_environment(), progress=progress
            )
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    size = sum(int(entry["size"]) for entry in manifest.files)
    click.echo(
        f"已备份到 {destination}：{place.database.describe()}（{len(manifest.tables)} 张表，"
        f"{sum(manifest.tables.values()):,} 行），"
        f"{len(manifest.files):,} 个文件，共 {size / 1024**2:,.1f} MB。"
    )
    if manifest.secret_key == "environment":
        click.echo("密钥来自环境变量 FANGFAN_SECRET_KEY，未写入备份：请另行妥善保存。")


@click.command("restore")
@click.argument("source", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--force", is_flag=True, help="目标数据目录或数据库不为空时仍然恢复（覆盖现有数据）。")
def restore_command(source: Path, force: bool) -> None:
    """从备份目录恢复到本机配置的数据目录和数据库：先核对校验值和数据库版本，恢复后核对行数和校验值。"""
    _setup()
    from fangfan.engine.progress import RichProgress

    place = place_from_settings()
    try:
        with RichProgress() as progress:
            result = restore_backup(
                source,
                place,
                known_migrations=known_migrations(),
                force=force,
                secret_key_from_environment=_key_from_environment(),
                progress=progress,
            )
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(result.describe())

"""Backup and restore of an installation (issue 20): the database, snapshots, runs and media.

A backup is one folder:

    <DEST>/manifest.json                  what the backup holds (below), written last
    <DEST>/database/fangfan.sqlite3       SQLite: a copy made with the online backup API
    <DEST>/database/fangfan.pgdump        PostgreSQL: `pg_dump -Fc` of the configured database
    <DEST>/home/snapshots/…, runs/…, derived/…, reports/…, inputs/…, cards/…, secret_key
    <DEST>/media/…                        uploaded originals and evidence files (MEDIA_ROOT)

The manifest records the schema (the migrations applied, per app), every file with its
size and SHA-256, the row count of every table, the fangfan version and when it was made.
The database copy, its counts and its migrations are read at one moment: SQLite's backup
is read back for them; PostgreSQL's are read in a repeatable-read transaction whose
snapshot `pg_dump --snapshot` uses, so a site at work changes none of it.

Nothing half-written looks complete: a backup is built in a hidden `.<name>.partial-<pid>`
folder and renamed to DEST at the end; a restore copies each folder under a hidden name
and renames it into place, the database last (SQLite: a file renamed over; PostgreSQL:
`pg_restore --single-transaction`), and keeps a `.restore-incomplete` mark in the data
folder until everything is compared against the manifest.

The module never starts Django: `fangfan.cli.backup` passes the settings in.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from fangfan.engine.progress import Progress, SilentProgress

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database/fangfan.sqlite3"
PGDUMP_FILE = "database/fangfan.pgdump"
# FANGFAN_HOME's folders worth keeping; logs, cache, static files and the demo's generated
# exports are left out (recreated, or not the office's data).
HOME_FOLDERS = ("snapshots", "runs", "derived", "reports", "inputs", "cards")
# Signs the policy cards' QR codes: printed cards verify only with the same key.
SECRET_KEY_FILE = "secret_key"
INCOMPLETE_MARK = ".restore-incomplete"
CHUNK = 1024 * 1024
SHA256_TEXT = re.compile(r"[0-9a-f]{64}")
PR_SET_PDEATHSIG = 1  # prctl(2)


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is Chinese and names the cause."""


@dataclass(frozen=True)
class Database:
    """The database of one installation, from Django's settings (`DATABASES["default"]`)."""

    vendor: str  # "sqlite" or "postgresql"
    name: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Database:
        engine = str(settings.get("ENGINE", ""))
        if engine.endswith("sqlite3"):
            return cls("sqlite", str(settings["NAME"]))
        if "postgresql" in engine:
            return cls(
                "postgresql",
                str(settings["NAME"]),
                str(settings.get("HOST") or ""),
                str(settings.get("PORT") or ""),
                str(settings.get("USER") or ""),
                str(settings.get("PASSWORD") or ""),
            )
        raise BackupError(f"不支持备份这种数据库：{engine}（只支持 SQLite 和 PostgreSQL）")

    def describe(self) -> str:
        if self.vendor == "sqlite":
            return f"SQLite 数据库 {self.name}"
        return f"PostgreSQL 数据库 {self.name}（{self.host or 'localhost'}:{self.port or 5432}）"


@dataclass(frozen=True)
class Place:
    """Where an installation keeps its data: FANGFAN_HOME, MEDIA_ROOT and the database."""

    home: Path
    media: Path
    database: Database


@dataclass
class Manifest:
    created_at: str
    fangfan_version: str
    database: dict[str, str]
    migrations: dict[str, list[str]]
    tables: dict[str, int]
    files: list[dict[str, Any]] = field(default_factory=list)
    secret_key: str = "none"  # "file": in home/secret_key; "environment": FANGFAN_SECRET_KEY
    format: int = FORMAT

    def as_json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False, indent=2)

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        path = folder / MANIFEST
        if not path.is_file():
            raise BackupError(f"{folder} 不是 fangfan 备份：没有 {MANIFEST}（备份未完成或不是备份目录）")
        try:
            raw = json.loads(path.read_text("utf-8"))
            manifest = cls(**raw)
        except (ValueError, TypeError) as error:
            raise BackupError(f"{path} 已损坏，无法读取：{error}") from None
        if manifest.format > FORMAT:
            raise BackupError(
                f"{folder} 的备份格式为第 {manifest.format} 版，本程序只认识第 {FORMAT} 版：请先升级 fangfan"
            )
        return manifest


@dataclass(frozen=True)
class RestoreResult:
    tables: int
    rows: int
    files: int
    bytes: int
    missing_migrations: list[str]  # the code's migrations the backup has not applied
    warnings: list[str]

    def describe(self) -> str:
        lines = [
            f"恢复完成并已核对：{self.tables} 张表共 {self.rows:,} 行与备份清单一致，"
            f"{self.files:,} 个文件（{self.bytes / 1024**2:,.1f} MB）校验值一致。"
        ]
        if self.missing_migrations:
            lines.append(
                f"备份来自较早的版本，还有 {len(self.missing_migrations)} 个数据库迁移未执行："
                "请运行 python manage.py migrate"
            )
        lines.extend(self.warnings)
        return "\n".join(lines)


# ---------------------------------------------------------------- backup


def create_backup(
    destination: Path,
    place: Place,
    *,
    secret_key_from_environment: bool = False,
    progress: Progress | None = None,
) -> Manifest:
    """Write a backup of `place` to the folder `destination` (absent or empty)."""
    progress = progress or SilentProgress()
    destination = destination.absolute()
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise BackupError(f"备份目标 {destination} 已存在且不为空：请换一个新目录")
    if destination == place.home or place.home in destination.parents:
        raise BackupError(f"备份目标 {destination} 在数据目录 {place.home} 之内：请放到数据目录以外")
    destination.parent.mkdir(parents=True, exist_ok=True)
    sources = list(_sources(place))
    _require_space(destination.parent, sum(path.stat().st_size for _, path in sources))
    _remove_abandoned(destination.parent)
    partial = destination.parent / f".{destination.name}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    # Only its owner may read a backup: its database holds whole ID numbers, whatever the umask.
    partial.mkdir(mode=0o700)
    partial.chmod(0o700)
    try:
        manifest = _fill(partial, place, sources, progress)
        manifest.secret_key = (
            "environment"
            if secret_key_from_environment
            else ("file" if (place.home / SECRET_KEY_FILE).is_file() else "none")
        )
        _write_file(partial / MANIFEST, manifest.as_json().encode("utf-8"))
        _fsync_directory(partial)
        if destination.exists():
            destination.rmdir()
        os.rename(partial, destination)
        _fsync_directory(destination.parent)
    except OSError as error:
        shutil.rmtree(partial, ignore_errors=True)
        raise BackupError(f"备份写入 {destination} 失败，未留下不完整的备份：{_os_reason(error)}") from None
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return manifest


def _remove_abandoned(folder: Path, pattern: str = ".*.partial-*") -> None:
    """What a backup or restore killed before it finished left under a hidden name (its process gone)."""
    for leftover in folder.glob(pattern):
        pid = leftover.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            _remove(leftover)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fill(partial: Path, place: Place, sources: list[tuple[str, Path]], progress: Progress) -> Manifest:
    progress.start("备份数据库", total=1)
    (partial / "database").mkdir()
    if place.database.vendor == "sqlite":
        database_file, info = SQLITE_FILE, _backup_sqlite(place.database, partial / SQLITE_FILE)
        migrations, tables = _read_sqlite_state(partial / SQLITE_FILE)
    else:
        database_file = PGDUMP_FILE
        info, migrations, tables = _backup_postgresql(place.database, partial / PGDUMP_FILE)
    progress.finish("备份数据库")
    manifest = Manifest(
        created_at=dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds"),
        fangfan_version=_version(),
        database={"vendor": place.database.vendor, "file": database_file, **info},
        migrations=migrations,
        tables=tables,
    )
    manifest.files.append(_entry(database_file, partial / database_file))
    progress.start("复制文件", total=len(sources))
    for relative, source in sources:
        digest = _copy(source, partial / relative)
        manifest.files.append({"path": relative, "size": source.stat().st_size, "sha256": digest})
        progress.advance("复制文件")
    progress.finish("复制文件")
    return manifest


def _sources(place: Place) -> Iterator[tuple[str, Path]]:
    """Every file to keep, as (path inside the backup, path now); hidden entries (an import's
    `.tmp-*` staging folder, a file being written) are left out."""
    for folder in HOME_FOLDERS:
        yield from _walk(place.home / folder, f"home/{folder}")
    key = place.home / SECRET_KEY_FILE
    if key.is_file():
        yield f"home/{SECRET_KEY_FILE}", key
    yield from _walk(place.media, "media")


def _walk(root: Path, prefix: str) -> Iterator[tuple[str, Path]]:
    if not root.is_dir():
        return
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(name for name in subdirectories if not name.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = Path(directory) / name
            if path.is_file():
                yield f"{prefix}/{path.relative_to(root).as_posix()}", path


def _backup_sqlite(database: Database, target: Path) -> dict[str, str]:
    """SQLite's online backup: a consistent copy while the site writes (WAL)."""
    if not _is_memory(database.name) and not Path(database.name).is_file():
        raise BackupError(f"找不到 {database.describe()}：请检查 FANGFAN_HOME 或 DATABASE_URL")
    source = _sqlite_connect(database.name)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        # A copy that reads without leaving -wal and -shm files beside it (the site turns WAL on again).
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()
        source.close()
    return {"sqlite_version": sqlite3.sqlite_version}


def _read_sqlite_state(path: Path) -> tuple[dict[str, list[str]], dict[str, int]]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master"
                " WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return _migrations(connection, names), _counts(connection, names, '"{}"')
    finally:
        connection.close()


def _backup_postgresql(
    database: Database, target: Path
) -> tuple[dict[str, str], dict[str, list[str]], dict[str, int]]:
    """`pg_dump -Fc` of the database at the moment its counts and migrations are read."""
    import psycopg

    client = _client_version("pg_dump")
    try:
        connection = psycopg.connect(**_connect_arguments(database))
    except psycopg.Error as error:
        raise BackupError(f"连接不上 {database.describe()}：{error}") from None
    with connection:
        server = connection.info.server_version // 10000
        if client < server:
            raise BackupError(
                f"pg_dump 的版本 {client} 低于数据库服务器的版本 {server}："
                f"请安装 postgresql-client-{server}（apt-get install postgresql-client-{server}）"
            )
        connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot_row = connection.execute("SELECT pg_export_snapshot()").fetchone()
        assert snapshot_row is not None
        names = [
            row[0]
            for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
            )
        ]
        migrations, tables = _migrations(connection, names), _counts(connection, names, '"{}"')
        _run(
            [
                "pg_dump",
                "-Fc",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot_row[0]}",
                *_pg_arguments(database),
                "-f",
                str(target),
            ],
            database,
            "pg_dump",
        )
        connection.execute("ROLLBACK")
    return {"server_version": str(server), "pg_dump_version": str(client)}, migrations, tables


def _migrations(connection: Any, tables: list[str]) -> dict[str, list[str]]:
    if "django_migrations" not in tables:
        return {}
    applied: dict[str, list[str]] = {}
    for app, name in connection.execute("SELECT app, name FROM django_migrations ORDER BY app, name"):
        applied.setdefault(app, []).append(name)
    return applied


def _counts(connection: Any, tables: list[str], quote: str) -> dict[str, int]:
    counts = {}
    for name in tables:
        row = connection.execute(f"SELECT COUNT(*) FROM {quote.format(name)}").fetchone()
        counts[name] = int(row[0])
    return counts


# ---------------------------------------------------------------- restore


def restore_backup(
    source: Path,
    place: Place,
    *,
    known_migrations: Mapping[str, set[str]],
    force: bool = False,
    secret_key_from_environment: bool = False,
    progress: Progress | None = None,
) -> RestoreResult:
    """Restore the backup in `source` into `place` (empty unless `force`), then compare it."""
    progress = progress or SilentProgress()
    manifest = Manifest.read(source)
    if manifest.database.get("vendor") != place.database.vendor:
        raise BackupError(
            f"备份中的数据库是 {_vendor_name(manifest.database.get('vendor', ''))}，"
            f"而本机配置的是 {_vendor_name(place.database.vendor)}：请设置相应的 DATABASE_URL 后再恢复"
        )
    check_entries(manifest)
    verify_files(source, manifest, progress=progress)
    missing = refuse_newer_schema(manifest, known_migrations)
    if not force:
        _require_empty(place)
    _require_restore_space(place, manifest)
    mark = place.home / INCOMPLETE_MARK
    place.home.mkdir(parents=True, exist_ok=True)
    _write_file(mark, json.dumps({"source": str(source), "started_at": _now()}).encode("utf-8"))
    try:
        _restore_files(source, manifest, place, progress)
        if place.database.vendor == "sqlite":
            _restore_sqlite(source / SQLITE_FILE, Path(place.database.name))
        else:
            _restore_postgresql(source / PGDUMP_FILE, place.database, force=force)
        compared = compare(place, manifest, progress=progress)
    except OSError as error:
        raise BackupError(
            f"恢复中断：{_os_reason(error)}。数据目录中留有未完成标记 {INCOMPLETE_MARK}，"
            "请处理后加 --force 重新恢复"
        ) from None
    mark.unlink()
    warnings = []
    if manifest.secret_key == "environment" and not secret_key_from_environment:
        warnings.append(
            "备份时密钥来自环境变量 FANGFAN_SECRET_KEY：请在本机设置同一个值，"
            "否则已打印的明白卡二维码无法核验"
        )
    return RestoreResult(
        tables=len(manifest.tables),
        rows=sum(manifest.tables.values()),
        files=compared,
        bytes=sum(int(entry["size"]) for entry in manifest.files),
        missing_migrations=missing,
        warnings=warnings,
    )


def check_entries(manifest: Manifest) -> None:
    """Every entry of the manifest is a file this module writes: a path under database/, one of
    home's folders (or its key) or media/, without "..", "." or an empty part, with a size and a
    SHA-256; the database file is among them. Else a BackupError naming the entry.

    A restore replaces the folder each path is under (`_top`) and writes the file where the path
    says (`_placed`): a path such as home/../media/x would make it remove the folder above the
    data folder, so the manifest is read as untrusted input.
    """
    if not isinstance(manifest.files, list):
        raise BackupError(f"备份清单 {MANIFEST} 中的文件列表无效：清单已被改动，拒绝恢复")
    listed: set[str] = set()
    for entry in manifest.files:
        relative = entry.get("path") if isinstance(entry, dict) else None
        if not isinstance(relative, str):
            raise BackupError(
                f"备份清单 {MANIFEST} 中有一项没有文件路径（{str(entry)[:80]}）：清单已被改动，拒绝恢复"
            )
        size, digest = entry.get("size"), entry.get("sha256")
        if (
            not isinstance(size, int)
            or isinstance(size, bool)
            or size < 0
            or not isinstance(digest, str)
            or not SHA256_TEXT.fullmatch(digest)
        ):
            raise BackupError(
                f"备份清单 {MANIFEST} 中文件 {relative} 的大小或 SHA-256 校验值无效：清单已被改动，拒绝恢复"
            )
        if not _backup_path(relative):
            raise BackupError(
                f"备份清单中的路径 {relative} 不是备份会写出的位置（只能在 database/、home/ 的数据文件夹"
                "和 media/ 之下，不能含“..”）：清单已被改动，拒绝恢复"
            )
        if relative in listed:
            raise BackupError(f"备份清单中的文件 {relative} 出现了两次：清单已被改动，拒绝恢复")
        listed.add(relative)
    database_file = SQLITE_FILE if manifest.database.get("vendor") == "sqlite" else PGDUMP_FILE
    if database_file not in listed:
        raise BackupError(f"备份清单中没有数据库文件 {database_file}：备份不完整或清单已被改动，拒绝恢复")


def _backup_path(relative: str) -> bool:
    """Whether `relative` is a path a backup writes (see `check_entries`)."""
    parts = relative.split("/")
    if "\x00" in relative or any(part in ("", ".", "..") for part in parts):
        return False
    if parts[0] == "database":
        return relative in (SQLITE_FILE, PGDUMP_FILE)
    if parts[0] == "home":
        return parts[1:] == [SECRET_KEY_FILE] or (len(parts) >= 3 and parts[1] in HOME_FOLDERS)
    return parts[0] == "media" and len(parts) >= 2


def verify_files(source: Path, manifest: Manifest, *, progress: Progress | None = None) -> None:
    """Every file the manifest lists is there with its size and SHA-256; else a BackupError naming it."""
    progress = progress or SilentProgress()
    progress.start("核对备份文件", total=len(manifest.files))
    for entry in manifest.files:
        relative = str(entry["path"])
        path = source / relative
        if not _inside(path, source):
            raise BackupError(f"备份清单中的路径 {relative} 不在备份目录之内：清单已被改动，拒绝恢复")
        if not path.is_file():
            raise BackupError(f"备份不完整：缺少文件 {relative}，拒绝恢复")
        if path.stat().st_size != int(entry["size"]):
            raise BackupError(
                f"备份文件 {relative} 已损坏：大小为 {path.stat().st_size:,} 字节，"
                f"清单记录为 {int(entry['size']):,} 字节，拒绝恢复"
            )
        if _sha256(path) != entry["sha256"]:
            raise BackupError(f"备份文件 {relative} 已损坏：SHA-256 校验值与清单不符，拒绝恢复")
        progress.advance("核对备份文件")
    progress.finish("核对备份文件")


def refuse_newer_schema(manifest: Manifest, known: Mapping[str, set[str]]) -> list[str]:
    """Refuse a backup with a migration this code does not know; returns the code's migrations
    the backup lacks (a restore of an older backup needs `migrate` afterwards)."""
    unknown = [
        f"{app}.{name}"
        for app, names in sorted(manifest.migrations.items())
        for name in names
        if name not in known.get(app, set())
    ]
    if unknown:
        listed = "、".join(unknown[:5]) + (f" 等 {len(unknown)} 个" if len(unknown) > 5 else "")
        raise BackupError(
            f"备份来自较新的 fangfan（{manifest.fangfan_version}，{manifest.created_at}）："
            f"其数据库含本程序不认识的迁移 {listed}。请先把本机的 fangfan 升级到同一版本或更新的版本，再恢复"
        )
    applied = {(app, name) for app, names in manifest.migrations.items() for name in names}
    return sorted(
        f"{app}.{name}" for app, names in known.items() for name in names if (app, name) not in applied
    )


def compare(place: Place, manifest: Manifest, *, progress: Progress | None = None) -> int:
    """The restored place against the manifest: every table's rows, the migrations, every file's
    SHA-256. Returns the number of files compared; a difference is a BackupError naming it."""
    progress = progress or SilentProgress()
    migrations, tables = read_database_state(place.database)
    if migrations != manifest.migrations:
        raise BackupError("恢复后的数据库迁移记录与备份清单不一致")
    for name, rows in sorted(manifest.tables.items()):
        if tables.get(name) != rows:
            raise BackupError(f"恢复后的表 {name} 有 {tables.get(name, 0):,} 行，备份清单记录为 {rows:,} 行")
    files = [entry for entry in manifest.files if not str(entry["path"]).startswith("database/")]
    progress.start("核对恢复的文件", total=len(files))
    for entry in files:
        path = _placed(place, str(entry["path"]))
        if not path.is_file() or _sha256(path) != entry["sha256"]:
            raise BackupError(f"恢复后的文件 {path} 与备份清单不符")
        progress.advance("核对恢复的文件")
    progress.finish("核对恢复的文件")
    return len(files)


def read_database_state(database: Database) -> tuple[dict[str, list[str]], dict[str, int]]:
    """The migrations applied and every table's row count, read from the database itself."""
    if database.vendor == "sqlite":
        return _read_sqlite_state(Path(database.name))
    import psycopg

    with psycopg.connect(**_connect_arguments(database)) as connection:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
            )
        ]
        return _migrations(connection, names), _counts(connection, names, '"{}"')


def _require_empty(place: Place) -> None:
    if (place.home / INCOMPLETE_MARK).exists():
        raise BackupError(
            f"数据目录 {place.home} 中有一次未完成的恢复（{INCOMPLETE_MARK}）：请加 --force 重新恢复"
        )
    for folder in (*(place.home / name for name in HOME_FOLDERS), place.media):
        if folder.is_dir() and any(folder.iterdir()):
            raise BackupError(
                f"恢复目标不是空的：{folder} 中已有文件。恢复只写入空的数据目录和空的数据库；"
                "确认要覆盖现有数据时请加 --force"
            )
    if _database_has_tables(place.database):
        raise BackupError(
            f"恢复目标不是空的：{place.database.describe()} 中已有数据表。恢复只写入空的数据库；"
            "确认要覆盖现有数据时请加 --force"
        )


def _require_restore_space(place: Place, manifest: Manifest) -> None:
    """Room for every file where it is restored (copied beside what it replaces, which stays
    until its copy is whole), checked before anything is written: a disk filling halfway
    would leave some folders restored and others not."""
    needed: dict[int, tuple[Path, int]] = {}
    for entry in manifest.files:
        relative = str(entry["path"])
        if relative == PGDUMP_FILE:
            continue  # restored into the database server, not onto this disk
        target = Path(place.database.name) if relative == SQLITE_FILE else _placed(place, relative)
        folder = _existing_ancestor(target.parent)
        device = folder.stat().st_dev
        known, total = needed.get(device, (folder, 0))
        needed[device] = (known, total + int(entry["size"]))
    for folder, total in needed.values():
        free = shutil.disk_usage(folder).free
        if free < total * 1.05:
            raise BackupError(
                f"{folder} 所在磁盘剩余 {free / 1024**3:,.1f} GB，恢复需要约 {total / 1024**3:,.1f} GB，"
                "拒绝恢复（未写入任何数据）：请先清理或扩容"
            )


def _existing_ancestor(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _database_has_tables(database: Database) -> bool:
    if database.vendor == "sqlite":
        path = Path(database.name)
        if not path.is_file() or path.stat().st_size == 0:
            return False
        return bool(_read_sqlite_state(path)[1])
    import psycopg

    try:
        with psycopg.connect(**_connect_arguments(database)) as connection:
            row = connection.execute(
                "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema()"
            ).fetchone()
    except psycopg.Error as error:
        raise BackupError(f"连接不上 {database.describe()}：{error}（请先建好空数据库）") from None
    return bool(row and row[0])


def _restore_files(source: Path, manifest: Manifest, place: Place, progress: Progress) -> None:
    """Each top folder copied under a hidden name beside its place, then renamed into it."""
    groups: dict[Path, list[str]] = {}
    for entry in manifest.files:
        relative = str(entry["path"])
        if relative.startswith("database/"):
            continue
        groups.setdefault(_top(place, relative), []).append(relative)
    progress.start("恢复文件", total=sum(len(paths) for paths in groups.values()))
    for final, paths in groups.items():
        staging = final.parent / f".{final.name}.restore-{os.getpid()}"
        _remove_abandoned(final.parent, f".{final.name}.restore-*")
        _remove(staging)
        final.parent.mkdir(parents=True, exist_ok=True)
        for relative in paths:
            placed = _placed(place, relative)
            _copy(source / relative, staging if placed == final else staging / placed.relative_to(final))
            progress.advance("恢复文件")
        _remove(final)
        os.rename(staging, final)
        if final.name == SECRET_KEY_FILE:
            final.chmod(0o600)
    progress.finish("恢复文件")


def _top(place: Place, relative: str) -> Path:
    """The folder (or lone file) a backup path is restored as a whole with."""
    parts = relative.split("/")
    if parts[0] == "media":
        return place.media
    if parts[1] == SECRET_KEY_FILE:
        return place.home / SECRET_KEY_FILE
    return place.home / parts[1]


def _placed(place: Place, relative: str) -> Path:
    """Where a backup path lives in the place restored."""
    parts = relative.split("/")
    if parts[0] == "media":
        return place.media.joinpath(*parts[1:])
    return place.home.joinpath(*parts[1:])


def _restore_sqlite(backup: Path, target: Path) -> None:
    """The copy renamed over the target; the target's old WAL and shared-memory files go first,
    or SQLite would replay them onto the restored file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.restore-{os.getpid()}")
    _remove_abandoned(target.parent, f".{target.name}.restore-*")
    _copy(backup, staging)
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    os.replace(staging, target)
    _fsync_directory(target.parent)


def _restore_postgresql(backup: Path, database: Database, *, force: bool) -> None:
    """`pg_restore` in one transaction: the database gets all of it or none."""
    _client_version("pg_restore")
    arguments = ["pg_restore", "--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges"]
    if force:
        arguments += ["--clean", "--if-exists"]
    _run([*arguments, *_pg_arguments(database), str(backup)], database, "pg_restore")


# ---------------------------------------------------------------- helpers


def _copy(source: Path, target: Path) -> str:
    """Copy and return the SHA-256 of what was copied; the copy is flushed to disk."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with source.open("rb") as reader, target.open("wb") as writer:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
            writer.write(chunk)
        writer.flush()
        os.fsync(writer.fileno())
    shutil.copymode(source, target)
    return digest.hexdigest()


def _entry(relative: str, path: Path) -> dict[str, Any]:
    return {"path": relative, "size": path.stat().st_size, "sha256": _sha256(path)}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as reader:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _write_file(path: Path, content: bytes) -> None:
    with path.open("wb") as writer:
        writer.write(content)
        writer.flush()
        os.fsync(writer.fileno())


def _fsync_directory(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _inside(path: Path, root: Path) -> bool:
    resolved, base = path.resolve(), root.resolve()
    return resolved == base or base in resolved.parents


def _require_space(folder: Path, needed: int) -> None:
    free = shutil.disk_usage(folder).free
    # The database copy is not counted in `needed`: keep a tenth more as its margin.
    if free < needed * 1.1:
        raise BackupError(
            f"{folder} 所在磁盘剩余 {free / 1024**3:,.1f} GB，备份的文件约需 {needed / 1024**3:,.1f} GB"
            "（另加数据库）：请换一个空间足够的位置"
        )


def _os_reason(error: OSError) -> str:
    if error.errno == 28:
        return "磁盘空间已满"
    if error.errno == 13:
        return f"没有写入权限（{error.filename}）"
    return f"{error.strerror or error}（{error.filename or ''}）"


def _is_memory(name: str) -> bool:
    return name == ":memory:" or name.startswith("file:")


def _sqlite_connect(name: str) -> sqlite3.Connection:
    # pytest-django's SQLite test database is a shared in-memory one named by URI.
    return sqlite3.connect(name, uri=name.startswith("file:"))


def _connect_arguments(database: Database) -> dict[str, Any]:
    arguments: dict[str, Any] = {"dbname": database.name, "autocommit": True}
    for key, value in (("host", database.host), ("port", database.port), ("user", database.user)):
        if value:
            arguments[key] = value
    if database.password:
        arguments["password"] = database.password
    return arguments


def _pg_arguments(database: Database) -> list[str]:
    arguments = ["--dbname", database.name]
    if database.host:
        arguments += ["--host", database.host]
    if database.port:
        arguments += ["--port", database.port]
    if database.user:
        arguments += ["--username", database.user]
    return [*arguments, "--no-password"]


def _run(arguments: list[str], database: Database, tool: str) -> None:
    environment = dict(os.environ)
    if database.password:
        environment["PGPASSWORD"] = database.password
    result = subprocess.run(
        arguments, capture_output=True, text=True, env=environment, check=False, preexec_fn=_die_with_parent
    )
    if result.returncode != 0:
        raise BackupError(f"{tool} 失败（{database.describe()}）：{result.stderr.strip()[-800:]}")


def _die_with_parent() -> None:
    """Linux: pg_dump or pg_restore is killed when the backup or restore is (kill -9 of fangfan),
    rather than writing on into an abandoned folder or restoring unwatched."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _client_version(tool: str) -> int:
    """The major version of Debian's PostgreSQL client tool, e.g. 15."""
    try:
        output = subprocess.run([tool, "--version"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        raise BackupError(
            f"找不到 {tool}：请安装与数据库服务器同版本的 PostgreSQL 客户端"
            "（apt-get install postgresql-client-15）"
        ) from None
    found = re.search(r"(\d+)(?:\.\d+)?", output)
    if found is None:
        raise BackupError(f"读不出 {tool} 的版本：{output.strip()}")
    return int(found.group(1))


def _vendor_name(vendor: str) -> str:
    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(vendor, vendor or "未知")


def _version() -> str:
    try:
        return metadata.version("fangfan")
    except metadata.PackageNotFoundError:
        return "unknown"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")

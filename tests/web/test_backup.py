"""`fangfan backup` and `fangfan restore` (issue 20): everything comes back, or nothing is touched.

The office's installation: a small synthetic city (60 households) imported, screened and
published, so the database holds households, members and findings and FANGFAN_HOME holds
the snapshot and the run; the 石桥村 team's account and a completion photo filed on a
household's page (an evidence file under MEDIA_ROOT). A backup of it is restored into an
empty data folder and an empty database (a second SQLite file, or on PostgreSQL a second
database created for the test and dropped after): every table's rows and every file's
bytes are compared with the installation itself, not only with the manifest.

Then three backups that must be refused before anything is written: one from a newer
fangfan (a migration this code does not know), one with a damaged file, and one restored
over a place that already holds data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from django.db import connection

from fangfan.cli import main
from fangfan.cli.backup import known_migrations
from fangfan.web.backup import BackupError, Database, Manifest, Place, read_database_state, restore_backup

AS_OF = dt.date(2026, 10, 31)


@dataclass(frozen=True)
class City:
    home: Path
    run_dir: Path
    snapshot_dir: Path


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> City:
    """60 households generated, imported and screened (no linking: not what is tested here)."""
    from fangfan.engine.ingest import import_directory
    from fangfan.engine.screen import screen_snapshot
    from fangfan.engine.snapshot import SnapshotStore
    from fangfan.engine.synth import generate_dataset

    home = tmp_path_factory.mktemp("installation")
    exports = tmp_path_factory.mktemp("exports")
    generate_dataset(exports, 60, 5, as_of=AS_OF)
    snapshot = import_directory(exports, store=SnapshotStore(home / "snapshots")).snapshot
    run = screen_snapshot(snapshot, runs_root=home / "runs")
    return City(home=home, run_dir=home / "runs" / run.run_id, snapshot_dir=snapshot.path)


@pytest.fixture
def bare_installation(city: City, transactional_db: None, settings: Any, tmp_path: Path) -> Place:
    """The city's files with a database holding only its schema: enough for the refusals."""
    settings.DATA_DIR = city.home
    settings.MEDIA_ROOT = tmp_path / "media"
    (city.home / "secret_key").write_text("密钥" * 30, "utf-8")  # as settings keep one: it signs the cards
    return Place(city.home, settings.MEDIA_ROOT, Database.from_settings(connection.settings_dict))


@pytest.fixture
def installation(bare_installation: Place, city: City) -> Place:
    """The city published, an account and an evidence photo: committed, as pg_dump must see them."""
    from fangfan.web.accounts.testing import make_user
    from fangfan.web.evidence.testing import make_evidence
    from fangfan.web.publishing import publish_run
    from fangfan.web.registry.models import Finding, Household

    publish_run(city.run_dir, city.snapshot_dir)
    assert Finding.objects.exists()
    household = Household.objects.filter(house_renovated=True).order_by("household_id").first()
    assert household is not None, "the synthetic city has a renovated house to photograph"
    team = make_user("village", household.village_code, username="石桥村工作队")
    make_evidence(team, household)
    return bare_installation


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[Database]:
    """An empty database beside the test's: a new SQLite file, or a PostgreSQL database made here."""
    if connection.vendor == "sqlite":
        yield Database("sqlite", str(tmp_path / "restored" / "fangfan.sqlite3"))
        return
    import psycopg

    source = Database.from_settings(connection.settings_dict)
    target = Database(
        "postgresql", f"{source.name}_restored", source.host, source.port, source.user, source.password
    )
    arguments = {"host": source.host or None, "port": source.port or None, "user": source.user or None}
    with psycopg.connect(
        dbname="postgres", password=source.password or None, autocommit=True, **arguments
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{target.name}"')
        admin.execute(f'CREATE DATABASE "{target.name}"')
    try:
        yield target
    finally:
        with psycopg.connect(
            dbname="postgres", password=source.password or None, autocommit=True, **arguments
        ) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{target.name}" WITH (FORCE)')


def _backup(destination: Path) -> None:
    result = CliRunner().invoke(main, ["backup", str(destination)])
    assert result.exit_code == 0, result.output
    assert "已备份到" in result.output


def _rows_now() -> dict[str, int]:
    """Every table's rows in the test's own database, counted through Django."""
    with connection.cursor() as cursor:
        names = connection.introspection.table_names(cursor)
        counts = {}
        for name in names:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(name)}")
            counts[name] = cursor.fetchone()[0]
    return counts


def _digests(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in root.rglob("*")
        if path.is_file()
    }


def test_a_backup_restored_into_an_empty_place_has_every_row_and_file(
    installation: Place, empty_database: Database, tmp_path: Path
) -> None:
    from fangfan.web.evidence.models import StoredFile

    _backup(tmp_path / "备份")
    rows = _rows_now()
    assert rows["registry_household"] == 60 and rows["registry_finding"] > 0
    assert rows["evidence_storedfile"] == 1

    target = Place(tmp_path / "new_home", tmp_path / "new_home" / "media", empty_database)
    result = restore_backup(tmp_path / "备份", target, known_migrations=known_migrations())

    migrations, restored_rows = read_database_state(empty_database)
    assert restored_rows == rows
    assert result.rows == sum(rows.values()) and not result.missing_migrations
    assert sum(len(names) for names in migrations.values()) == sum(
        len(names) for names in known_migrations().values()
    )
    for folder in ("snapshots", "runs"):
        assert _digests(target.home / folder) == _digests(installation.home / folder)
        assert _digests(target.home / folder)
    photo = StoredFile.objects.get().stored_name
    assert (target.media / photo).read_bytes() == (installation.media / photo).read_bytes()
    assert _digests(target.media) == _digests(installation.media)
    assert (target.home / "secret_key").read_text() == (installation.home / "secret_key").read_text()
    assert not (target.home / ".restore-incomplete").exists()

    (target.home / "runs" / "误放的文件.txt").write_text("x", "utf-8")
    restore_backup(tmp_path / "备份", target, known_migrations=known_migrations(), force=True)
    assert read_database_state(empty_database)[1] == rows
    assert _digests(target.home / "runs") == _digests(installation.home / "runs")


def test_a_backup_from_a_newer_fangfan_is_refused_naming_the_migration(
    bare_installation: Place, tmp_path: Path, settings: Any
) -> None:
    _backup(tmp_path / "备份")
    manifest_path = tmp_path / "备份" / "manifest.json"
    manifest = json.loads(manifest_path.read_text("utf-8"))
    manifest["migrations"]["registry"].append("0999_from_a_newer_version")
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    settings.DATA_DIR, settings.MEDIA_ROOT = tmp_path / "new_home", tmp_path / "new_home" / "media"

    result = CliRunner().invoke(main, ["restore", str(tmp_path / "备份")])

    assert result.exit_code == 1
    assert "较新的 fangfan" in result.output and "registry.0999_from_a_newer_version" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "new_home").exists()


def test_a_damaged_file_in_a_backup_is_refused_before_anything_is_written(
    bare_installation: Place, tmp_path: Path, settings: Any
) -> None:
    _backup(tmp_path / "备份")
    manifest = Manifest.read(tmp_path / "备份")
    parquet = next(entry["path"] for entry in manifest.files if str(entry["path"]).endswith(".parquet"))
    damaged = bytearray((tmp_path / "备份" / parquet).read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    (tmp_path / "备份" / parquet).write_bytes(bytes(damaged))
    settings.DATA_DIR, settings.MEDIA_ROOT = tmp_path / "new_home", tmp_path / "new_home" / "media"
    rows = _rows_now()

    result = CliRunner().invoke(main, ["restore", str(tmp_path / "备份")])

    assert result.exit_code == 1
    assert f"备份文件 {parquet} 已损坏" in result.output and "拒绝恢复" in result.output
    assert not (tmp_path / "new_home").exists()
    assert _rows_now() == rows


def test_a_restore_over_data_is_refused_without_force(bare_installation: Place, tmp_path: Path) -> None:
    """The configured place is the installation itself: its files and database stay as they are."""
    _backup(tmp_path / "备份")
    before = _digests(bare_installation.home / "runs")

    result = CliRunner().invoke(main, ["restore", str(tmp_path / "备份")])

    assert result.exit_code == 1
    assert "恢复目标不是空的" in result.output and "--force" in result.output
    assert _digests(bare_installation.home / "runs") == before
    assert not (bare_installation.home / ".restore-incomplete").exists()


def test_a_backup_is_never_written_into_a_folder_that_holds_files(
    bare_installation: Place, tmp_path: Path
) -> None:
    (tmp_path / "旧备份").mkdir()
    (tmp_path / "旧备份" / "说明.txt").write_text("上个月的备份", "utf-8")

    result = CliRunner().invoke(main, ["backup", str(tmp_path / "旧备份")])

    assert result.exit_code == 1 and "已存在且不为空" in result.output
    assert [path.name for path in (tmp_path / "旧备份").iterdir()] == ["说明.txt"]
    assert not [path for path in tmp_path.iterdir() if ".partial-" in path.name]


def test_restoring_into_the_wrong_kind_of_database_is_refused(
    bare_installation: Place, tmp_path: Path
) -> None:
    _backup(tmp_path / "备份")
    other = Database("postgresql" if connection.vendor == "sqlite" else "sqlite", str(tmp_path / "x"))
    with pytest.raises(BackupError, match="请设置相应的 DATABASE_URL"):
        restore_backup(
            tmp_path / "备份",
            Place(tmp_path / "h", tmp_path / "m", other),
            known_migrations=known_migrations(),
        )


def test_a_backup_cut_short_by_a_full_disk_leaves_nothing_that_looks_complete(
    bare_installation: Place, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fangfan.web import backup

    copied = []
    real_copy = backup._copy

    def copy_until_the_disk_is_full(source: Path, target: Path) -> str:
        if copied:
            raise OSError(28, "No space left on device", str(target))
        copied.append(source)
        return real_copy(source, target)

    monkeypatch.setattr(backup, "_copy", copy_until_the_disk_is_full)

    result = CliRunner().invoke(main, ["backup", str(tmp_path / "备份")])

    assert result.exit_code == 1 and "磁盘空间已满" in result.output and "未留下不完整的备份" in result.output
    assert copied and not (tmp_path / "备份").exists()
    assert not [path for path in tmp_path.iterdir() if ".partial-" in path.name]


def test_a_backup_clears_what_a_killed_backup_left_beside_it(
    bare_installation: Place, tmp_path: Path
) -> None:
    ended = subprocess.Popen(["true"])  # a process that has ended: nothing works in its folder
    ended.wait()
    abandoned = tmp_path / f".昨天.partial-{ended.pid}"
    (abandoned / "database").mkdir(parents=True)
    running = tmp_path / f".今天.partial-{os.getpid()}"  # this very process: still at work
    running.mkdir()

    _backup(tmp_path / "备份")

    assert not abandoned.exists() and running.exists()
    assert (tmp_path / "备份" / "manifest.json").is_file()


def test_an_older_backup_is_restored_and_names_the_migrations_still_to_run() -> None:
    from fangfan.web.backup import RestoreResult, refuse_newer_schema

    older = Manifest(
        created_at="2026-11-01T02:30:00+08:00",
        fangfan_version="0.1.0",
        database={"vendor": "sqlite"},
        migrations={"registry": ["0001_initial"]},
        tables={},
    )
    known = {"registry": {"0001_initial", "0002_run_published"}, "jobs": {"0001_initial"}}

    missing = refuse_newer_schema(older, known)

    assert missing == ["jobs.0001_initial", "registry.0002_run_published"]
    described = RestoreResult(1, 10, 2, 100, missing, []).describe()
    assert "还有 2 个数据库迁移未执行" in described and "python manage.py migrate" in described

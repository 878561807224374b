"""A crafted backup (issue 20, review): a manifest is untrusted input, refused before anything is written.

Each backup here is made by hand, the way someone who can edit a backup folder would: the
files' sizes and SHA-256 in the manifest match the files, so only the paths (or the entries
themselves) are wrong. A restore must refuse each with a Chinese message naming the entry,
and leave the data folder, the folder around it and the database as they were. No Django
database is needed: `restore_backup` is given the place directly.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from fangfan.web.backup import BackupError, Database, Place, restore_backup

DATABASE = "database/fangfan.sqlite3"


def _files(folder: Path, files: dict[str, bytes]) -> Path:
    """The backup folder `folder` holding a snapshot file and `files`."""
    for relative, content in {"home/snapshots/s.parquet": b"snapshot", **files}.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(content)
    return folder


def _crafted(folder: Path, entries: list[dict[str, Any]]) -> Path:
    """The backup folder with its database and a manifest listing the database and `entries`."""
    (folder / "database").mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(folder / DATABASE) as database:
        database.execute("CREATE TABLE registry_household (id INTEGER)")
    listed = [_entry(folder, DATABASE), *entries]
    manifest = {
        "created_at": "2026-12-01T02:00:00+08:00",
        "fangfan_version": "0.1.0",
        "database": {"vendor": "sqlite", "file": DATABASE},
        "migrations": {},
        "tables": {"registry_household": 0},
        "files": listed,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    return folder


def _entry(folder: Path, relative: str, *, stored_at: str | None = None) -> dict[str, Any]:
    content = (folder / (stored_at or relative)).read_bytes()
    return {"path": relative, "size": len(content), "sha256": hashlib.sha256(content).hexdigest()}


@pytest.fixture
def site(tmp_path: Path) -> Place:
    """An office's server folder: the data folder (empty, as a restore wants) beside other data."""
    (tmp_path / "site" / "home").mkdir(parents=True)
    (tmp_path / "site" / "其他单位的数据.txt").write_text("不能被删", "utf-8")
    return Place(
        tmp_path / "site" / "home",
        tmp_path / "site" / "media",
        Database("sqlite", str(tmp_path / "site" / "fangfan.sqlite3")),
    )


def _listing(root: Path) -> list[str]:
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*"))


def _refused(backup: Path, site: Place, match: str) -> None:
    root = site.home.parent
    before = _listing(root)
    with pytest.raises(BackupError, match=match) as refusal:
        restore_backup(backup, site, known_migrations={})
    assert "拒绝恢复" in str(refusal.value)
    assert _listing(root) == before, "a refused restore wrote or removed nothing"


@pytest.mark.parametrize(
    "path",
    [
        "home/../media/x.txt",  # its top folder would be home/.. : the folder above the data folder
        "media/../home/../media/x.txt",
        "home/snapshots/../../media/x.txt",
        "home/./snapshots/x.txt",
    ],
)
def test_a_path_with_dots_is_refused_and_nothing_beside_the_data_folder_is_removed(
    path: str, site: Place, tmp_path: Path
) -> None:
    folder = tmp_path / "备份"
    _files(folder, {"media/x.txt": b"x"})
    backup = _crafted(folder, [_entry(folder, path, stored_at="media/x.txt")])

    _refused(backup, site, f"路径 {path.replace('.', '[.]')} 不是备份会写出的位置")

    assert (site.home.parent / "其他单位的数据.txt").read_text("utf-8") == "不能被删"


@pytest.mark.parametrize("path", ["home/logs/x.txt", "home/fangfan.sqlite3", "home", "other/x.txt"])
def test_a_path_outside_the_backup_layout_is_refused(path: str, site: Place, tmp_path: Path) -> None:
    folder = tmp_path / "备份"
    _files(folder, {"media/x.txt": b"x"} if path == "home" else {"media/x.txt": b"x", path: b"x"})
    backup = _crafted(folder, [_entry(folder, path, stored_at="media/x.txt")])

    _refused(backup, site, f"路径 {path} 不是备份会写出的位置")


def test_an_absolute_path_is_refused(site: Place, tmp_path: Path) -> None:
    folder = tmp_path / "备份"
    absolute = str(folder / "media" / "x.txt")
    _files(folder, {"media/x.txt": b"x"})
    backup = _crafted(folder, [_entry(folder, absolute)])

    _refused(backup, site, "不是备份会写出的位置")


@pytest.mark.parametrize(
    "change",
    [
        {"size": "很大"},
        {"size": -1},
        {"sha256": None},
        {"sha256": "0" * 10},
    ],
)
def test_an_entry_without_a_size_or_checksum_is_refused_in_chinese(
    change: dict[str, Any], site: Place, tmp_path: Path
) -> None:
    folder = tmp_path / "备份"
    _files(folder, {"media/x.txt": b"x"})
    backup = _crafted(folder, [{**_entry(folder, "media/x.txt"), **change}])

    _refused(backup, site, "media/x.txt 的大小或 SHA-256 校验值无效")


def test_an_entry_that_is_not_a_file_entry_is_refused(site: Place, tmp_path: Path) -> None:
    folder = tmp_path / "备份"
    backup = _crafted(_files(folder, {}), [])
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    manifest["files"].append("media/x.txt")
    (folder / "manifest.json").write_text(json.dumps(manifest), "utf-8")

    _refused(backup, site, "没有文件路径")


def test_a_manifest_without_its_database_file_is_refused(site: Place, tmp_path: Path) -> None:
    """The database would be restored unchecked: only its row counts compared afterwards."""
    folder = tmp_path / "备份"
    backup = _crafted(_files(folder, {}), [])
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    manifest["files"] = [entry for entry in manifest["files"] if entry["path"] != DATABASE]
    (folder / "manifest.json").write_text(json.dumps(manifest), "utf-8")

    _refused(backup, site, f"没有数据库文件 {DATABASE}")


def test_a_sound_crafted_backup_is_restored(site: Place, tmp_path: Path) -> None:
    """The same hand-made backup with honest paths restores: the checks refuse only what they should."""
    folder = tmp_path / "备份"
    _files(folder, {"media/evidence/照片.jpg": b"jpeg", "home/secret_key": b"key"})
    listed = ("home/snapshots/s.parquet", "media/evidence/照片.jpg", "home/secret_key")
    backup = _crafted(folder, [_entry(folder, path) for path in listed])

    result = restore_backup(backup, site, known_migrations={})

    assert result.files == 3
    assert (site.media / "evidence" / "照片.jpg").read_bytes() == b"jpeg"
    assert (site.home / "snapshots" / "s.parquet").read_bytes() == b"snapshot"
    assert (site.home.parent / "其他单位的数据.txt").read_text("utf-8") == "不能被删"


def test_a_backup_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    """The database copy holds whole ID numbers: other accounts on the backup disk cannot open it
    (before, the folder took the umask, 0755, and the copy 0644)."""
    import os
    import stat

    from fangfan.web.backup import create_backup

    (tmp_path / "home" / "snapshots").mkdir(parents=True)
    (tmp_path / "home" / "snapshots" / "s.parquet").write_bytes(b"snapshot")
    with sqlite3.connect(tmp_path / "home" / "fangfan.sqlite3") as database:
        database.execute("CREATE TABLE registry_member (id_number TEXT)")
        database.execute("INSERT INTO registry_member VALUES ('622621196407250124')")
    place = Place(
        tmp_path / "home", tmp_path / "media", Database("sqlite", str(tmp_path / "home" / "fangfan.sqlite3"))
    )
    previous = os.umask(0o022)
    try:
        create_backup(tmp_path / "备份", place)
    finally:
        os.umask(previous)

    assert stat.S_IMODE((tmp_path / "备份").stat().st_mode) == 0o700
    assert (tmp_path / "备份" / DATABASE).is_file()


def test_a_restore_the_disk_cannot_hold_is_refused_before_anything_is_written(
    site: Place, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before, the files were copied folder by folder until the disk filled: some replaced, some not."""
    from types import SimpleNamespace

    from fangfan.web import backup as module

    folder = tmp_path / "备份"
    _files(folder, {"media/evidence/照片.jpg": b"j" * 5000})
    listed = ("home/snapshots/s.parquet", "media/evidence/照片.jpg")
    backup = _crafted(folder, [_entry(folder, path) for path in listed])
    monkeypatch.setattr(module.shutil, "disk_usage", lambda path: SimpleNamespace(free=4000))

    _refused(backup, site, r"恢复需要约 .* GB，拒绝恢复（未写入任何数据）")

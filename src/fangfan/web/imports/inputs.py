"""The office's current set of export files: the newest file for each table, per region.

The engine imports a whole folder, so each upload is run together with the files the
office already has. The set lives under `FANGFAN_HOME/inputs/`::

    current/                    what the last successful run imported
      .index.json               each file: the tables in it, whose region it covers, its label
      demo/户信息.csv            the synthetic city `fangfan demo` seeded
      upload-12/学籍信息.xlsx     an upload, under its own folder so its name is kept
    .staging-*/                 a candidate set being tried (gone after the try)
    .lock                       held while a set is tried, so two runs never overlap

A candidate set is the current one with the new file added and the files it replaces
left out (hard links, so nothing is copied); it becomes current in one rename once the
import has accepted it, and a refused file leaves `current/` untouched.

A file replaces another when they share a table and the new file's region covers the
old one's: the city's school roll replaces every earlier school roll, a county's replaces
only that county's. Plain Python: no Django here.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from fangfan.engine import config

INDEX = ".index.json"


class InputConflict(ValueError):
    """The new file cannot replace what is there without losing a table (message in Chinese)."""


@dataclass(frozen=True)
class InputFile:
    """One file of the set."""

    path: str  # relative to the set, e.g. "upload-12/学籍信息.xlsx"
    region_prefix: str  # the code prefix of the region the file covers: "6212", "621226"
    tables: tuple[str, ...]  # the tables the engine recognised in it
    label: str  # how the office knows it: the file name as uploaded
    upload_id: int | None = None

    def covers(self, other: InputFile) -> bool:
        """Whether this file's region includes the other's (the city covers its counties)."""
        return other.region_prefix.startswith(self.region_prefix)


@dataclass
class Candidate:
    """A set being tried: a folder to import, and what adopting it would change."""

    folder: Path
    files: list[InputFile]
    replaced: list[InputFile]
    as_of: dt.date
    notes: list[str] = field(default_factory=list)


class InputSet:
    """The office's current inputs under `root` (default `FANGFAN_HOME/inputs`)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = (root or config.home() / "inputs").resolve()
        self.current = self.root / "current"

    def files(self) -> list[InputFile]:
        index = self._index()
        return [_input_file(item) for item in index.get("files", [])]

    def as_of(self) -> dt.date | None:
        """The data date of the current set, None before the first run."""
        value = self._index().get("as_of")
        return dt.date.fromisoformat(value) if value else None

    def snapshot_id(self) -> str:
        """The snapshot the current set was imported into ("" before the first run)."""
        return str(self._index().get("snapshot_id", ""))

    def tables(self) -> set[str]:
        return {table for item in self.files() for table in item.tables}

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the set while a candidate is tried; a second run waits for the first."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                self._recover()
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def candidate(self, new: InputFile, source: Path, *, as_of: dt.date | None = None) -> Candidate:
        """The current set with `source` added as `new` and the files it replaces left out.

        Raises InputConflict when a file to be replaced also holds a table the new
        file does not bring (the office would lose that table).
        """
        current = self.files()
        replaced = [old for old in current if set(old.tables) & set(new.tables) and new.covers(old)]
        for old in replaced:
            lost = [table for table in old.tables if table not in new.tables]
            if lost:
                raise InputConflict(
                    f"在用的文件「{old.label}」同时含有{_tables_text(lost)}，"
                    f"本次上传的文件没有这些表；请把它们放在同一个文件里一起上传。"
                )
        kept = [old for old in current if old not in replaced]
        notes = [
            f"在用的文件「{old.label}」也含有{_tables_text(set(old.tables) & set(new.tables))}，"
            f"且覆盖更大的范围，它仍会一起导入；重复的记录会在问题报告中列出。"
            for old in kept
            if set(old.tables) & set(new.tables)
        ]
        folder = self._stage(kept)
        target = folder / new.path
        target.parent.mkdir(parents=True, exist_ok=True)
        _link_or_copy(source, target)
        when = as_of or self.as_of() or dt.date.today()
        return Candidate(folder, [*kept, new], replaced, when, notes)

    def candidate_from_folder(
        self, source: Path, files: Iterable[Path], *, region_prefix: str, label: str, as_of: dt.date
    ) -> Candidate:
        """A whole new set: `files` (under `source`) replace everything (the demo seeds this way)."""
        folder = self._stage([])
        added = []
        for path in files:
            relative = Path(label) / path.relative_to(source)
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            _link_or_copy(path, folder / relative)
            added.append(InputFile(relative.as_posix(), region_prefix, (), path.name))
        return Candidate(folder, added, self.files(), as_of)

    def adopt(
        self, candidate: Candidate, tables_by_file: Mapping[str, Iterable[str]], *, snapshot_id: str = ""
    ) -> None:
        """Make the candidate current, recording the tables the import found in each file.

        A file in which the import found no table is dropped from the index but kept
        on disk until the set next changes; it is not a table file the engine will read.
        """
        files = [
            replace(item, tables=tuple(sorted(set(tables_by_file.get(item.path, ())))))
            for item in candidate.files
        ]
        index = {
            "as_of": candidate.as_of.isoformat(),
            "snapshot_id": snapshot_id,
            "files": [asdict(item) for item in files if item.tables],
        }
        (candidate.folder / INDEX).write_text(json.dumps(index, ensure_ascii=False, indent=2), "utf-8")
        retired = self.root / f".retired-{os.getpid()}"
        if self.current.exists():
            os.rename(self.current, retired)
        os.rename(candidate.folder, self.current)
        shutil.rmtree(retired, ignore_errors=True)

    def discard(self, candidate: Candidate) -> None:
        shutil.rmtree(candidate.folder, ignore_errors=True)

    def _index(self) -> dict[str, Any]:
        path = self.current / INDEX
        if not path.exists():
            return {}
        data: dict[str, Any] = json.loads(path.read_text("utf-8"))
        return data

    def _stage(self, kept: list[InputFile]) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.root))
        for item in kept:
            target = folder / item.path
            target.parent.mkdir(parents=True, exist_ok=True)
            _link_or_copy(self.current / item.path, target)
        return folder

    def _recover(self) -> None:
        """Undo what a killed run left: a retired set without a current one, stale staging."""
        retired = sorted(self.root.glob(".retired-*"))
        if retired and not self.current.exists():
            os.rename(retired[-1], self.current)
        for leftover in [*self.root.glob(".retired-*"), *self.root.glob(".staging-*")]:
            shutil.rmtree(leftover, ignore_errors=True)


def _input_file(item: Mapping[str, Any]) -> InputFile:
    return InputFile(
        path=str(item["path"]),
        region_prefix=str(item["region_prefix"]),
        tables=tuple(item.get("tables", ())),
        label=str(item.get("label", item["path"])),
        upload_id=item.get("upload_id"),
    )


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link (files in a set are never changed in place), else a copy across devices."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _tables_text(tables: Iterable[str]) -> str:
    from fangfan.engine.schema import TABLES

    return "、".join(f"「{TABLES[name].title if name in TABLES else name}」" for name in sorted(tables))

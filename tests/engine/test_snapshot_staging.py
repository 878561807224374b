"""Staged tables are written on a thread of their own: the same snapshot, and a failed write fails it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from fangfan.engine.snapshot import SnapshotStore

AS_OF = dt.date(2026, 10, 31)


def _tables() -> dict[str, pl.DataFrame]:
    return {
        "households": pl.DataFrame({"household_id": [f"H{i:05d}" for i in range(5000)]}),
        "members": pl.DataFrame(
            {"id_number": [f"{i:018d}" for i in range(20000)], "age": list(range(20000))}
        ),
        "problems": pl.DataFrame({"code": ["DUPLICATE_KEY"] * 3}),
    }


def test_tables_staged_one_by_one_are_all_in_the_snapshot_with_the_id_of_one_write(tmp_path: Path) -> None:
    tables = _tables()
    written, _ = SnapshotStore(tmp_path / "a").write(tables, {}, AS_OF)
    store = SnapshotStore(tmp_path / "b")
    with store.stage() as staging:
        for name, frame in tables.items():
            staging.add(name, frame)
        staged, created = staging.commit({}, AS_OF)
    assert created
    assert staged.id == written.id
    assert staged.manifest["tables"] == {name: frame.height for name, frame in sorted(tables.items())}
    for name, frame in tables.items():
        assert staged.read(name).equals(frame)


def test_a_table_that_cannot_be_written_fails_the_commit_and_leaves_nothing(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path / "snapshots")
    unwritable = pl.DataFrame({"value": pl.Series([object()], dtype=pl.Object)})
    with pytest.raises(pl.exceptions.ComputeError), store.stage() as staging:
        staging.add("households", _tables()["households"])
        staging.add("broken", unwritable)
        staging.commit({}, AS_OF)
    assert list(store) == []
    assert [path.name for path in store.root.iterdir()] == []

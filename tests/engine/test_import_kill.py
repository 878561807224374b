"""An import killed at any moment leaves the previous snapshot whole and no partial one visible."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from fangfan.engine import idnumber
from fangfan.engine.schema import HOUSEHOLDS, INCOME, MEMBERS
from fangfan.engine.snapshot import MANIFEST, SnapshotStore

pytestmark = pytest.mark.slow


def write_csv_dataset(folder: Path, households: int, seed: int) -> Path:
    """The registry (households, members, income) as CSV, big enough that an import takes seconds."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    household_rows, member_rows, income_rows = [], [], []
    for index in range(households):
        born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20000))
        head = idnumber.make("621226", born, rng.randrange(500) * 2 + 1)
        values = {
            "household_id": f"H{index:07d}",
            "village_code": "621226100201",
            "village_name": "东关村",
            "head_name": "王某",
            "head_id_number": head,
            "household_type": "脱贫户",
            "household_size": "1",
        }
        household_rows.append([values.get(f.name, "") for f in HOUSEHOLDS.fields])
        member = {
            "household_id": values["household_id"],
            "name": "王某",
            "id_number": head,
            "relation": "户主",
            "sex": "男",
            "birth_date": born.isoformat(),
            "member_status": "正常",
        }
        member_rows.append([member.get(f.name, "") for f in MEMBERS.fields])
        income = {"household_id": values["household_id"], "year": "2023", "net_income_per_capita": "9800"}
        income_rows.append([income.get(f.name, "") for f in INCOME.fields])
    for name, table, rows in (
        ("户信息.csv", HOUSEHOLDS, household_rows),
        ("成员信息.csv", MEMBERS, member_rows),
        ("收入信息.csv", INCOME, income_rows),
    ):
        frame = pl.DataFrame(rows, schema=[f.header for f in table.fields], orient="row")
        frame.write_csv(folder / name)
    return folder


def _run_import(folder: Path, home: Path) -> subprocess.Popen[bytes]:
    environment = {**os.environ, "FANGFAN_HOME": str(home)}
    arguments = ["import", str(folder), "--as-of", "2024-06-30"]
    return subprocess.Popen(
        [sys.executable, "-c", "from fangfan.cli import main; main()", *arguments],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _assert_consistent(home: Path, previous_id: str) -> None:
    store = SnapshotStore(home / "snapshots")
    latest = store.latest()
    for snapshot in store:
        for name in snapshot.manifest["tables"]:
            assert snapshot.read(name).height == snapshot.manifest["tables"][name]
    visible = [p for p in store.root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    for folder in visible:
        assert (folder / MANIFEST).exists(), f"partial snapshot visible: {folder}"
        json.loads((folder / MANIFEST).read_text("utf-8"))
    assert store.get(previous_id).read("households").height > 0
    assert latest.id in {p.name for p in visible}
    reports = home / "reports"
    # A report being written is a hidden .tmp- file until it is renamed into place.
    for report in reports.glob("*.xlsx") if reports.exists() else []:
        assert report.name.startswith(("导入问题报告-", ".tmp-")), report.name


def test_an_import_killed_midway_leaves_the_previous_snapshot_intact(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = write_csv_dataset(tmp_path / "first", 2_000, seed=1)
    process = _run_import(first, home)
    assert process.wait(timeout=300) == 0
    previous = SnapshotStore(home / "snapshots").latest().id
    second = write_csv_dataset(tmp_path / "second", 60_000, seed=2)
    started = time.monotonic()
    assert _run_import(second, home).wait(timeout=600) == 0
    duration = time.monotonic() - started
    new_id = SnapshotStore(home / "snapshots").latest().id
    # Start again from only the first snapshot, then kill imports of the second dataset.
    shutil.rmtree(home / "snapshots" / new_id)
    (home / "snapshots" / "LATEST").write_text(previous + "\n", "utf-8")
    rng = random.Random(5)
    for _ in range(6):
        process = _run_import(second, home)
        time.sleep(rng.uniform(0.2, duration))
        process.send_signal(signal.SIGKILL)
        process.wait()
        _assert_consistent(home, previous)
    assert _run_import(second, home).wait(timeout=600) == 0
    store = SnapshotStore(home / "snapshots")
    assert store.latest().id == new_id
    assert not any(p.name.startswith(".tmp-") for p in store.root.iterdir())
    assert not any(p.name.startswith(".tmp-") for p in (home / "reports").iterdir())
    assert store.latest().read("members").height == 60_000

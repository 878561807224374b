"""Faults (issue 20): `fangfan run` killed (SIGKILL) at import, link, screen and ledger writing;
a full disk while a snapshot is written.

After each kill: the snapshots and runs before it are whole and no half one is visible, the output
folder does not look complete, the journal marks the killed job 失败 with 进程中断 and its step
(`fangfan status` shows it), and the next run succeeds with the same findings, none twice.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner

from fangfan.cli import main
from fangfan.engine import journal
from fangfan.engine.pipeline import UNFINISHED
from fangfan.engine.rules.compare import KEY, previous_run_dir
from fangfan.engine.snapshot import LATEST, MANIFEST, SnapshotStore, Staging

AS_OF = "2026-10-31"
# The tasks each step announces (its progress lines), and the task that starts it.
STAGES: dict[str, tuple[str, set[str]]] = {
    "import": ("读取文件", {"导入", "读取文件", "校验数据", "写入快照", "生成问题报告"}),
    "link": ("概率匹配", {"匹配部门数据", "读取建档立卡与部门数据", "身份证号精确匹配", "概率匹配"}),
    "screen": ("构建宽表", {"筛查", "构建宽表", "执行筛查规则", "计算防返贫监测信号", "写出筛查结果"}),
    "ledgers": (
        "写出各县问题台账",
        {
            "写出各县问题台账",
            "写出部门数据匹配情况",
            "写出问题清单",
            "写出导入问题报告",
            "写出部门筛查预警清单",
            "写出防返贫监测候选清单",
        },
    ),
}


def _run(data: Path, out: Path, home: Path) -> subprocess.Popen[bytes]:
    environment = {**os.environ, "FANGFAN_HOME": str(home)}
    return subprocess.Popen(
        [sys.executable, "-m", "fangfan.cli", "run", str(data), "--out", str(out), "--as-of", AS_OF],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: the ledger helper can be found after
    )


def _journal_entry(home: Path, pid: int) -> dict[str, Any] | None:
    for path in (home / "journal").glob(f"*-run-{pid}.json"):
        try:
            return dict(json.loads(path.read_text("utf-8")))
        except ValueError:
            return None
    return None


def _kill_at(process: subprocess.Popen[bytes], home: Path, trigger: str, delay: float) -> None:
    """SIGKILL the run `delay` seconds after it starts the task `trigger`."""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        entry = _journal_entry(home, process.pid)
        if entry and trigger in entry.get("steps", []):
            break
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        time.sleep(0.02)
    else:
        pytest.fail(f"the run never reached {trigger}")
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()
    # What the run started (the ledger helper) ends with it, not writing on behind its back.
    for _ in range(100):
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail("a process of the killed run lived on")


def _snapshot_state(home: Path) -> dict[str, dict[str, int]]:
    """Every visible snapshot with its tables' rows; none may be partial."""
    store = SnapshotStore(home / "snapshots")
    visible = [p for p in store.root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    for folder in visible:
        assert (folder / MANIFEST).exists(), f"a half snapshot is visible: {folder.name}"
    state = {}
    for snapshot in store:
        tables = {name: snapshot.read(name).height for name in snapshot.manifest["tables"]}
        assert tables == snapshot.manifest["tables"]
        state[snapshot.id] = tables
    assert store.latest().id in state
    return state


def _complete_runs(home: Path) -> dict[str, int]:
    """Every run with a summary: its findings file whole and as many rows as the summary says."""
    runs = {}
    for folder in (home / "runs").iterdir():
        summary = folder / "summary.json"
        if summary.exists():
            findings = pl.read_parquet(folder / "findings.parquet")
            assert findings.height == json.loads(summary.read_text("utf-8"))["findings"]
            runs[folder.name] = findings.height
    return runs


@pytest.mark.slow
def test_a_run_killed_at_each_step_leaves_the_data_whole_and_is_marked_failed(tmp_path: Path) -> None:
    from fangfan.engine.synth import generate_dataset

    data, out, home = tmp_path / "data", tmp_path / "out", tmp_path / "home"
    generate_dataset(data, 800, 3, as_of=dt.date.fromisoformat(AS_OF))
    first = _run(data, out, home)
    assert first.wait(timeout=300) == 0, first.stderr.read().decode() if first.stderr else ""
    snapshots = _snapshot_state(home)
    runs = _complete_runs(home)
    summary = json.loads((out / "运行摘要.json").read_text("utf-8"))
    assert not (out / UNFINISHED).exists()

    delays = {"import": 0.3, "link": 1.0, "screen": 0.05, "ledgers": 0.3}
    for stage, (trigger, tasks) in STAGES.items():
        if stage == "link":  # links are kept per snapshot (derived/): gone, so the run links again
            shutil.rmtree(home / "derived")
        process = _run(data, out, home)
        _kill_at(process, home, trigger, delays[stage])
        # The snapshots and complete runs before it are all there, unchanged; nothing half is seen.
        after = _snapshot_state(home)
        assert {key: after[key] for key in snapshots} == snapshots
        assert len(after) == 1  # the same files make the same snapshot, never a second
        completed = _complete_runs(home)
        assert {key: completed[key] for key in runs} == runs
        # The office's folder says it is unfinished, and shows no summary of an older run.
        assert (out / UNFINISHED).exists() and not (out / "运行摘要.json").exists()
        # The next look marks the killed job failed, at its step.
        status = subprocess.run(
            [sys.executable, "-m", "fangfan.cli", "status"],
            env={**os.environ, "FANGFAN_HOME": str(home), "COLUMNS": "200"},
            capture_output=True,
            check=True,
        )
        entry = _journal_entry(home, process.pid)
        assert entry is not None and entry["status"] == journal.FAILED
        assert entry["reason"].startswith(journal.INTERRUPTED), entry
        assert entry["step"] in tasks, (stage, entry["step"])
        assert "进程中断" in status.stdout.decode()
        runs = completed  # a kill after the screen wrote its run leaves that run, whole
        if stage == "link":  # the links being written are a hidden file, never taken as done
            assert not list((home / "derived").rglob("links.parquet"))

    last = _run(data, out, home)
    assert last.wait(timeout=300) == 0, last.stderr.read().decode() if last.stderr else ""
    again = json.loads((out / "运行摘要.json").read_text("utf-8"))
    assert not (out / UNFINISHED).exists()
    assert again["snapshot_id"] == summary["snapshot_id"]
    assert again["findings"] == summary["findings"]
    findings = pl.read_csv(out / "findings.csv", infer_schema=False)
    assert findings.height == summary["findings"]
    assert findings.select(KEY).unique().height == findings.height  # no finding twice
    # Compared with the run before it (the first or one a kill left whole): nothing new, none gone.
    run_dir = home / "runs" / again["run_id"]
    compared = json.loads((run_dir / "summary.json").read_text("utf-8"))["comparison"]
    assert compared["new"] == 0 and compared["resolved"] == 0
    assert previous_run_dir(home / "runs", exclude="") == run_dir
    entries = [entry for entry in journal.jobs(home / "journal")]
    assert [entry.status for entry in entries] == [journal.DONE, *[journal.FAILED] * 4, journal.DONE]


# A full disk (ENOSPC) while a snapshot is written, simulated: the real one is bench/faults_disk.py.


def _full_disk_after(tables: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the snapshot writer fail as a full disk does, once `tables` tables are written."""
    original = Staging._write
    written: list[str] = []

    def write(self: Staging, name: str, frame: pl.DataFrame) -> None:
        if len(written) >= tables:
            partial = self.path / f"{name}.parquet"
            partial.write_bytes(b"PAR1")  # what a writer leaves when the disk fills mid-file
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(partial))
        written.append(name)
        original(self, name, frame)

    monkeypatch.setattr(Staging, "_write", write)


def _store_files(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()
    }


def test_a_full_disk_while_importing_keeps_the_previous_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fangfan.engine.synth import generate_dataset

    first, second = tmp_path / "first", tmp_path / "second"
    generate_dataset(first, 150, 1, as_of=dt.date(2026, 9, 30))
    generate_dataset(second, 160, 2, as_of=dt.date(2026, 10, 31))
    monkeypatch.setenv("FANGFAN_HOME", str(tmp_path / "home"))
    runner = CliRunner()
    assert runner.invoke(main, ["import", str(first), "--as-of", "2026-09-30"]).exit_code == 0
    root = tmp_path / "home" / "snapshots"
    before = _store_files(root)
    previous = SnapshotStore(root).latest()

    _full_disk_after(2, monkeypatch)
    result = runner.invoke(main, ["import", str(second), "--as-of", "2026-10-31"])
    assert result.exit_code == 1
    assert "磁盘空间不足" in result.output and "Traceback" not in result.output
    assert _store_files(root) == before  # nothing added, nothing half left, LATEST unmoved
    assert SnapshotStore(root).latest().id == previous.id
    assert (root / LATEST).read_text("utf-8").strip() == previous.id

    monkeypatch.undo()
    monkeypatch.setenv("FANGFAN_HOME", str(tmp_path / "home"))
    assert runner.invoke(main, ["import", str(second), "--as-of", "2026-10-31"]).exit_code == 0
    assert SnapshotStore(root).latest().id != previous.id
    assert SnapshotStore(root).get(previous.id).read("households").height == 150


def test_a_full_disk_during_a_run_is_said_and_marked_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fangfan.engine.pipeline as pipeline

    monkeypatch.setenv("FANGFAN_HOME", str(tmp_path / "home"))
    (tmp_path / "in").mkdir()

    def full(*args: object, **kwargs: object) -> None:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as error:  # as Polars reports it: its own error, the OSError its cause
            raise pl.exceptions.ComputeError("failed to write parquet") from error

    monkeypatch.setattr(pipeline, "run_monthly", full)
    result = CliRunner().invoke(main, ["run", str(tmp_path / "in"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "磁盘空间不足" in result.output and "Traceback" not in result.output
    (entry,) = journal.jobs(tmp_path / "home" / "journal")
    assert entry.status == journal.FAILED and entry.reason == journal.DISK_FULL


def test_the_journal_fails_only_jobs_whose_process_is_gone(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    # A job of a live process (this one's child, holding its lock) is left running.
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from fangfan.engine import journal; job = journal.begin('run');"
            " job.at('筛查'); print(job.id, flush=True); time.sleep(60)",
        ],
        env={**os.environ, "FANGFAN_HOME": str(tmp_path)},
        stdout=subprocess.PIPE,
    )
    try:
        assert child.stdout is not None
        job_id = child.stdout.readline().decode().strip()
        assert journal.sweep(folder) == []
        (running,) = journal.jobs(folder)
        assert running.id == job_id and running.status == journal.RUNNING
        child.send_signal(signal.SIGKILL)
        child.wait()
        (failed,) = journal.sweep(folder)
        assert failed.id == job_id and failed.reason == "进程中断，中断于“筛查”步骤"
        assert journal.sweep(folder) == []  # once
        (stored,) = journal.jobs(folder)
        assert stored.status == journal.FAILED
    finally:
        child.kill()
        child.wait()

"""The job journal: every `fangfan run` and `fangfan publish`, started, finished or failed.

A job that is killed (kill -9, a power cut, the machine out of memory) cannot say so
itself. So a job writes its entry when it starts and holds a lock on it while it lives:

    FANGFAN_HOME/journal/<job_id>.json   kind, status, the step it is at, times, reason
    FANGFAN_HOME/journal/<job_id>.lock   locked (flock) by the job's process for its life

An entry still 运行中 whose lock nobody holds belongs to a process that is gone:
`sweep` (called by the next `fangfan run`, `fangfan publish` and by `fangfan status`)
marks it 失败 with the reason 进程中断 and the step it was at. The lock, not a time limit,
tells a dead job from a slow one, so a city's run of many minutes is never failed while it
works, and a killed one is failed at the next look. The kernel releases the lock when the
process dies however it dies; jobs and the office's commands run on one machine (as the
input set's lock already requires: `fangfan.web.imports.inputs`).

Each entry is replaced atomically (a temporary file renamed), so a reader never sees half.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import socket
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from fangfan.engine import config
from fangfan.engine.progress import Progress, StepFigures

RUNNING = "运行中"
DONE = "完成"
FAILED = "失败"
INTERRUPTED = "进程中断"
KINDS = {"run": "月度运行", "publish": "发布到网页系统"}


def journal_dir() -> Path:
    return config.home() / "journal"


def _now() -> str:
    """UTC, so that entries of processes in different time zones (Django sets its own) sort."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def local_time(stamp: str) -> str:
    """An entry's time as the office reads it, on this machine's clock: 2026-12-06 14:30:05."""
    try:
        moment = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    return (moment.astimezone() if moment.tzinfo else moment).strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class Job:
    """One job's entry; `begin` makes it and holds its lock until `succeed` or `fail`."""

    path: Path
    data: dict[str, Any]
    _lock: IO[str] | None = field(default=None, repr=False)

    @property
    def id(self) -> str:
        return str(self.data["job_id"])

    @property
    def status(self) -> str:
        return str(self.data.get("status", ""))

    @property
    def step(self) -> str:
        return str(self.data.get("step", ""))

    @property
    def reason(self) -> str:
        return str(self.data.get("reason", ""))

    def at(self, step: str) -> None:
        """The job has reached `step` (a progress task's Chinese name)."""
        if step != self.data.get("step"):
            self.data["step"] = step
            self.data.setdefault("steps", []).append(step)
            self._save()

    def succeed(self, **details: Any) -> None:
        self.data.update(details, status=DONE, finished_at=_now())
        self._save()
        self._release()

    def fail(self, reason: str) -> None:
        self.data.update(status=FAILED, finished_at=_now(), reason=reason)
        with contextlib.suppress(OSError):  # a full disk: the next sweep fails it once unlocked
            self._save()
        self._release()

    def __enter__(self) -> Job:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        """Leaving with an error fails the job with its message; a job left running is a bug."""
        if self.status != RUNNING:
            return
        if value is None:
            self.succeed()
        elif isinstance(value, KeyboardInterrupt):
            self.fail("被操作人员中止（Ctrl+C）")
        elif isinstance(value, SystemExit):
            self.fail("运行失败，原因见命令输出")
        else:
            self.fail(describe_error(value))

    def _save(self) -> None:
        _write_atomically(self.path, json.dumps(self.data, ensure_ascii=False, indent=2))

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.close()  # closing the descriptor releases the flock
            self._lock = None
            self.path.with_suffix(".lock").unlink(missing_ok=True)


def begin(kind: str, **details: Any) -> Job:
    """Write a new 运行中 entry for a job of `kind` ("run", "publish") and lock it for this process."""
    folder = journal_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    job_id = f"{stamp}-{kind}-{os.getpid()}"
    lock = (folder / f"{job_id}.lock").open("w")
    fcntl.flock(lock, fcntl.LOCK_EX)  # locked before the entry exists: a sweep never sees it unlocked
    data = {
        "job_id": job_id,
        "kind": kind,
        "title": KINDS.get(kind, kind),
        "status": RUNNING,
        "step": "",
        "started_at": _now(),
        "finished_at": None,
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "reason": "",
        **details,
    }
    job = Job(folder / f"{job_id}.json", data, lock)
    job._save()
    return job


def jobs(folder: Path | None = None) -> list[Job]:
    """Every entry, newest first (an entry that cannot be read is skipped)."""
    folder = folder or journal_dir()
    found: list[Job] = []
    if not folder.exists():
        return found
    for path in folder.glob("*.json"):
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        found.append(Job(path, data))
    return sorted(found, key=lambda job: (str(job.data.get("started_at", "")), job.id), reverse=True)


def sweep(folder: Path | None = None) -> list[Job]:
    """Mark 失败（进程中断）every 运行中 job whose process is gone; returns them."""
    failed = []
    for job in jobs(folder):
        if job.status == RUNNING and _mark_if_dead(job):
            failed.append(job)
    return failed


def _mark_if_dead(job: Job) -> bool:
    """Fail `job` if no process holds its lock; the entry is read again under the lock, since
    a job that finished meanwhile saved its outcome before letting the lock go."""
    if job.data.get("host") not in (None, socket.gethostname()):
        return False  # another machine's job: its lock cannot be seen from here
    lock_path = job.path.with_suffix(".lock")
    try:
        handle = lock_path.open("a")
    except OSError:
        return False
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # alive
        try:
            job.data = json.loads(job.path.read_text("utf-8"))
        except (OSError, ValueError):
            return False
        if job.status != RUNNING:
            return False
        where = f"，中断于“{job.step}”步骤" if job.step else ""
        job.data.update(status=FAILED, finished_at=_now(), reason=f"{INTERRUPTED}{where}")
        job._save()
        lock_path.unlink(missing_ok=True)
    return True


class JournalProgress:
    """A `Progress` that also records in the job's entry each task as it starts."""

    def __init__(self, inner: Progress, job: Job) -> None:
        self.inner = inner
        self.job = job

    def start(self, task: str, total: int | None = None) -> None:
        self.job.at(task)
        self.inner.start(task, total)

    def advance(self, task: str, amount: int = 1) -> None:
        self.inner.advance(task, amount)

    def finish(self, task: str) -> None:
        self.inner.finish(task)

    def measured(self, task: str, figures: StepFigures) -> None:
        """A measured step's figures (`StepMeter`) go on to a progress that shows them."""
        measured = getattr(self.inner, "measured", None)
        if measured is not None:
            measured(task, figures)
        else:
            self.inner.finish(task)


def describe_error(error: BaseException) -> str:
    """An error as the office reads it: a full disk named as such, else its own message."""
    if is_disk_full(error):
        return DISK_FULL
    if type(error).__name__ in ("OperationalError", "InterfaceError"):  # the database, e.g. restarted
        return "与数据库的连接中断（数据库重启或网络故障），未完成"
    text = str(error).strip()
    if any("\u4e00" <= character <= "\u9fff" for character in text):
        return text[:300]  # the project's own errors speak Chinese already
    return f"系统错误（{type(error).__name__}: {text[:200]}），详情见命令输出或日志"


DISK_FULL = "磁盘空间不足，写入中止；已有的数据快照和筛查批次没有改变。请清理磁盘或扩容后重新运行"


def is_disk_full(error: BaseException | None) -> bool:
    """Whether `error`, or an error it came from, is the disk (or quota) being full."""
    import errno

    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if "No space left on device" in str(error) or "Disk quota exceeded" in str(error):
            return True  # Polars and others wrap the OSError in their own error types
        error = error.__cause__ or error.__context__
        seen += 1
    return False


def _write_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    os.replace(temporary, path)


def recent(limit: int = 20, folder: Path | None = None) -> Iterator[Job]:
    """The newest `limit` jobs."""
    yield from jobs(folder)[:limit]

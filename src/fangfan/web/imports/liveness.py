"""Whether an upload 运行中 still has a worker: the worker holds a lock on the upload while it works.

    with working_on(upload.pk):        # the background worker, around the whole processing
        ...
    fail_abandoned()                   # the upload pages and each worker: kill -9 leaves 运行中

A worker killed however it is (kill -9, the machine out of memory, a restart) cannot mark
its upload failed; the kernel lets its lock go instead. An upload 运行中 whose lock nobody
holds was abandoned, and is failed at once with the reason, the office's data unchanged
(the candidate set and the run never became current; `processing` docstring). The lock,
not a time limit, tells a dead worker from a slow one: a city's upload takes many minutes.
Workers and the web run on one machine (as the input set's own lock already requires).
"""

from __future__ import annotations

import fcntl
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from fangfan.engine import config

INTERRUPTED = "后台处理被中断（处理进程已停止），当前使用的数据没有改变。请重新上传该文件。"


def lock_path(upload_id: int) -> Path:
    return config.home() / "inputs" / ".processing" / f"upload-{upload_id}.lock"


@contextmanager
def working_on(upload_id: int) -> Iterator[None]:
    """Hold the upload's lock while processing it (taken before it is claimed, let go after)."""
    handle = _lock(lock_path(upload_id), wait=True)
    assert handle is not None
    with handle:
        handle.truncate()
        handle.write(socket.gethostname())
        handle.flush()
        try:
            yield
        finally:
            lock_path(upload_id).unlink(missing_ok=True)  # while still locked: nobody holds a stale one


@contextmanager
def abandoned(upload_id: int) -> Iterator[bool]:
    """True inside when no worker on this machine holds the upload's lock (kept held meanwhile,
    so the caller may read the upload again and fail it without a worker slipping in)."""
    handle = _lock(lock_path(upload_id), wait=False)
    if handle is None:
        yield False
        return
    with handle:
        yield handle.read().strip() in ("", socket.gethostname())


def _lock(path: Path, *, wait: bool) -> IO[str] | None:
    """The file at `path`, opened and locked (None when held and not `wait`); the file locked
    is the one at the path now, not one a finishing worker removed meanwhile."""
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        handle = path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return None
        try:
            same = os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino
        except FileNotFoundError:
            same = False
        if same:
            handle.seek(0)
            return handle
        handle.close()


def fail_abandoned() -> int:
    """Fail every upload 运行中 that no worker holds; returns how many."""
    from fangfan.web.imports import actions
    from fangfan.web.imports.models import Upload

    failed = 0
    for upload_id in Upload.objects.filter(status=Upload.Status.RUNNING).values_list("pk", flat=True):
        with abandoned(upload_id) as gone:
            if gone and actions.fail_running(upload_id, INTERRUPTED):
                failed += 1
    return failed

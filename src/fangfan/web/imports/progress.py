"""An upload's progress as the page shows it: the engine's `Progress`, written to the Upload row."""

from __future__ import annotations

import time

from fangfan.web.imports.models import Upload

# At most one write per interval while a step advances; starts and finishes always write.
WRITE_INTERVAL_SECONDS = 0.5


class UploadProgress:
    """Records the current step (name, done, total) and each finished step's seconds."""

    def __init__(self, upload: Upload) -> None:
        self.upload_id = upload.pk
        self.timings: list[dict[str, object]] = list(upload.timings)
        self._started: dict[str, float] = {}
        self._done: dict[str, int] = {}
        self._totals: dict[str, int | None] = {}
        self._last_write = 0.0

    def start(self, task: str, total: int | None = None) -> None:
        self._started[task] = time.perf_counter()
        self._done[task] = 0
        self._totals[task] = total
        self._write(task, force=True)

    def advance(self, task: str, amount: int = 1) -> None:
        if task not in self._started:
            self.start(task)
        self._done[task] += amount
        self._write(task)

    def finish(self, task: str) -> None:
        started = self._started.pop(task, time.perf_counter())
        self.timings.append({"name": task, "seconds": round(time.perf_counter() - started, 2)})
        total = self._totals.get(task) or 1
        self._done[task] = total
        self._totals[task] = total
        self._write(task, force=True)

    def _write(self, task: str, *, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self._last_write < WRITE_INTERVAL_SECONDS:
            return
        self._last_write = now
        Upload.all_objects.filter(pk=self.upload_id).update(
            step=task[:64],
            step_done=self._done.get(task, 0),
            step_total=self._totals.get(task),
            timings=self.timings,
        )

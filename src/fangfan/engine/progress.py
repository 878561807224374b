"""How long-running engine steps report progress without knowing about terminals.

An engine function takes an optional `Progress`; the CLI and the web's management
commands pass a `RichProgress` (bars on a terminal, plain lines elsewhere), tests pass
nothing. `StepMeter` measures the monthly job's steps (wall time, CPU time, peak memory)
for its summary and its progress lines.
"""

from __future__ import annotations

import os
import resource
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, TextIO


class Progress(Protocol):
    def start(self, task: str, total: int | None = None) -> None:
        """Begin a named task (Chinese, shown to the user)."""

    def advance(self, task: str, amount: int = 1) -> None:
        """Mark `amount` more units of `task` done."""

    def finish(self, task: str) -> None:
        """The task is complete."""


class SilentProgress:
    def start(self, task: str, total: int | None = None) -> None:
        pass

    def advance(self, task: str, amount: int = 1) -> None:
        pass

    def finish(self, task: str) -> None:
        pass


@dataclass(frozen=True)
class StepFigures:
    """One step of a job: wall seconds, CPU seconds (user + system, children included), peak MB."""

    wall_seconds: float
    cpu_seconds: float
    peak_mb: float

    def as_dict(self) -> dict[str, float]:
        return {
            "wall_seconds": round(self.wall_seconds, 2),
            "cpu_seconds": round(self.cpu_seconds, 2),
            "peak_mb": round(self.peak_mb, 1),
        }

    def describe(self) -> str:
        """用时 12.3 秒，CPU 20.1 秒，内存峰值 1,234 MB"""
        return (
            f"用时 {self.wall_seconds:,.1f} 秒，CPU {self.cpu_seconds:,.1f} 秒，"
            f"内存峰值 {self.peak_mb:,.0f} MB"
        )


_STATM = Path("/proc/self/statm")
_PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 1024**2 if hasattr(os, "sysconf") else 0.0
SAMPLE_SECONDS = 0.02


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _resident_mb() -> float | None:
    """The process's resident memory now (Linux, /proc/self/statm); None where there is none."""
    try:
        return int(_STATM.read_text().split()[1]) * _PAGE_MB
    except (OSError, IndexError, ValueError):
        return None


def _lifetime_peak_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024**2 if sys.platform == "darwin" else peak / 1024


class _PeakWatch:
    """The highest resident memory during a step, sampled every SAMPLE_SECONDS by a thread.

    The kernel's own peak (VmHWM, ru_maxrss) is left alone: resetting it through
    /proc/self/clear_refs would also lower what `/usr/bin/time -v` or a parent's wait4
    reports for the whole job. Where /proc is missing it falls back to the process's
    peak so far (ru_maxrss).
    """

    def __init__(self) -> None:
        self.peak = _resident_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="peak-memory", daemon=True)
        if self.peak is not None:
            self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            self._sample()

    def _sample(self) -> None:
        now = _resident_mb()
        if now is not None and self.peak is not None:
            self.peak = max(self.peak, now)

    def stop(self) -> float:
        if self.peak is None:
            return _lifetime_peak_mb()
        self._stop.set()
        self._thread.join()
        self._sample()
        return self.peak


class StepMeter:
    """Measures named steps of a job one after the other and tells the progress about each.

    >>> meter = StepMeter(progress)                            # doctest: +SKIP
    >>> with meter.step("import", "导入"):
    ...     import_directory(folder)
    >>> meter.figures["import"].wall_seconds

    Each step starts and finishes a progress task under its title; a progress that has a
    `measured(task, figures)` method (RichProgress) is told the figures instead of `finish`.
    The peak is the highest resident memory sampled during the step (Linux: every 20 ms
    from /proc/self/statm, `_PeakWatch`), otherwise the process's peak so far.
    """

    def __init__(self, progress: Progress | None = None) -> None:
        self.progress = progress or SilentProgress()
        self.figures: dict[str, StepFigures] = {}
        self._started = time.perf_counter()
        self._cpu = _cpu_seconds()

    @contextmanager
    def step(self, name: str, title: str) -> Iterator[None]:
        self.progress.start(title, None)
        watch = _PeakWatch()
        wall, cpu = time.perf_counter(), _cpu_seconds()
        try:
            yield
        finally:
            peak = watch.stop()
        self.record(name, title, StepFigures(time.perf_counter() - wall, _cpu_seconds() - cpu, peak))

    def record(self, name: str, title: str, figures: StepFigures) -> None:
        """A step is done: keep its figures and tell the progress (also for a step measured
        in another process, `measured_in_process`)."""
        self.figures[name] = figures
        measured = getattr(self.progress, "measured", None)
        if measured is not None:
            measured(title, figures)
        else:
            self.progress.finish(title)

    def total(self) -> StepFigures:
        """The whole job so far: wall and CPU since the meter was made, the process's peak."""
        peaks = [figures.peak_mb for figures in self.figures.values()]
        return StepFigures(
            time.perf_counter() - self._started,
            _cpu_seconds() - self._cpu,
            max([*peaks, _lifetime_peak_mb()]),
        )

    def as_dict(self) -> dict[str, dict[str, float]]:
        """{"import": {"wall_seconds", "cpu_seconds", "peak_mb"}, …, "total": {…}} for a summary."""
        return {name: figures.as_dict() for name, figures in self.figures.items()} | {
            "total": self.total().as_dict()
        }


def measured_in_process(work: Callable[..., Any], *arguments: Any) -> tuple[Any, StepFigures]:
    """`work(*arguments)` and its figures, measured in the process that runs it.

    For a step handed to a helper process: its wall time, its CPU time and its peak
    memory are that process's own, which the parent records (`StepMeter.record`).
    """
    meter = StepMeter()
    with meter.step("work", "work"):
        result = work(*arguments)
    return result, meter.figures["work"]


class RichProgress:
    """Progress for the CLI and `manage.py` commands, on stderr: bars on a terminal, else plain lines.

    >>> with RichProgress() as progress:                      # doctest: +SKIP
    ...     screen(snapshot, progress=progress)

    Where stderr is not a terminal (a log file, a pipe, cron) a live display would print
    truncated lines, so each task prints one full line when it starts and one when it
    finishes, with its time: "导入 完成 用时 12.3 秒".
    """

    def __init__(self, console: Any | None = None) -> None:
        # rich is imported here, not at the top: engine modules import this file and most
        # never draw a bar.
        from rich.console import Console

        self._console = console or Console(stderr=True)
        self._lines = _PlainLines(self._console) if not self._console.is_terminal else None
        self._bars: Any = None if self._lines else _bars(self._console)
        self._tasks: dict[str, Any] = {}  # task name → rich's TaskID

    def __enter__(self) -> RichProgress:
        if self._bars is not None:
            self._bars.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._bars is not None:
            self._bars.stop()

    def start(self, task: str, total: int | None = None) -> None:
        if self._lines is not None:
            self._lines.start(task)
            return
        self._tasks[task] = self._bars.add_task(task, total=total)

    def advance(self, task: str, amount: int = 1) -> None:
        if self._lines is not None:
            self._lines.advance(task)
            return
        if task not in self._tasks:
            self.start(task)
        self._bars.advance(self._tasks[task], amount)

    def finish(self, task: str) -> None:
        if self._lines is not None:
            self._lines.finish(task)
            return
        if task in self._tasks:
            bar = self._tasks[task]
            total = self._bars.tasks[bar].total
            self._bars.update(bar, completed=total if total is not None else 1, total=total or 1)

    def measured(self, task: str, figures: StepFigures) -> None:
        """A measured step of the job is done (`StepMeter`): finish it and say its figures."""
        if self._lines is not None:
            self._lines.finish(task, figures.describe())
            return
        self.finish(task)
        self._bars.console.print(f"{task} 完成 {figures.describe()}")


def _bars(console: Any) -> Any:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.progress import Progress as Bars

    return Bars(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


class _PlainLines:
    """Progress as whole lines, for output that is not a terminal: a start and a finish per task."""

    def __init__(self, console: Any) -> None:
        self._console = console
        self._started: dict[str, float] = {}

    def write(self, line: str) -> None:
        stream: TextIO = self._console.file
        print(line, file=stream, flush=True)

    def start(self, task: str) -> None:
        self._started[task] = time.perf_counter()
        self.write(f"{task} 开始")

    def advance(self, task: str) -> None:
        if task not in self._started:
            self.start(task)

    def finish(self, task: str, figures: str | None = None) -> None:
        """ "导入 完成 用时 12.3 秒", or the measured figures when given ("用时 …，CPU …，内存峰值 …")."""
        started = self._started.pop(task, None)
        if started is None and figures is None:
            return
        seconds = time.perf_counter() - (started if started is not None else time.perf_counter())
        self.write(f"{task} 完成 {figures or f'用时 {seconds:,.1f} 秒'}")

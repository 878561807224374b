"""Rich progress bars for engine steps (the engine's `Progress` protocol)."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)


class RichProgress:
    def __init__(self, console: Console | None = None) -> None:
        self._bars = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console or Console(stderr=True),
            transient=False,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> RichProgress:
        self._bars.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._bars.stop()

    def start(self, task: str, total: int | None = None) -> None:
        self._tasks[task] = self._bars.add_task(task, total=total)

    def advance(self, task: str, amount: int = 1) -> None:
        if task not in self._tasks:
            self.start(task)
        self._bars.advance(self._tasks[task], amount)

    def finish(self, task: str) -> None:
        if task in self._tasks:
            bar = self._tasks[task]
            total = self._bars.tasks[bar].total
            self._bars.update(bar, completed=total if total is not None else 1, total=total or 1)

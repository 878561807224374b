"""How long-running engine steps report progress without knowing about terminals.

An engine function takes an optional `Progress`; the CLI and the web's management
commands pass a `RichProgress` (bars on the terminal), tests pass nothing.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Protocol


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


class RichProgress:
    """Progress bars on the terminal (stderr), one per task, for the CLI and `manage.py` commands.

    >>> with RichProgress() as progress:                      # doctest: +SKIP
    ...     screen(snapshot, progress=progress)
    """

    def __init__(self, console: Any | None = None) -> None:
        # rich is imported here, not at the top: engine modules import this file and most
        # never draw a bar.
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.progress import Progress as Bars

        self._bars = Bars(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console or Console(stderr=True),
            transient=False,
        )
        self._tasks: dict[str, Any] = {}  # task name → rich's TaskID

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

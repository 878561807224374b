"""How long-running engine steps report progress without knowing about terminals.

An engine function takes an optional `Progress`; the CLI passes one that draws
rich progress bars, tests pass nothing.
"""

from __future__ import annotations

from typing import Protocol


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

"""Publishing an engine run to the web application: `publish_run`.

The one module that knows every app's part of a publish. The registry loads its tables
(`registry.publish.Publication`: prepare, switch, finish); inside the switch's one short
transaction, once the run is current, monitoring loads the run's signals
(`monitoring.publish.publish_signals`) and the national system's monitored households
(`monitoring.registry_import.import_registry_monitored`). No app imports this package:
it sits above them (docs/architecture.md).

    >>> publish_run(home / "runs" / run_id, home / "snapshots" / snapshot_id)   # doctest: +SKIP
    PublishResult(run=<Run: …>, created=True, households=60000, …)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fangfan.web.publishing.run import (
        PublishError,
        PublishResult,
        latest_run_dir,
        publish_run,
        publish_with_snapshot,
        unapplied_migrations,
    )

__all__ = [
    "PublishError",
    "PublishResult",
    "latest_run_dir",
    "publish_run",
    "publish_with_snapshot",
    "unapplied_migrations",
]


def __getattr__(name: str) -> Any:
    # Lazily: Django imports this package as an app before the models are ready.
    if name in __all__:
        from fangfan.web.publishing import run

        return getattr(run, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

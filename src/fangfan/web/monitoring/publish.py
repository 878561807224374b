"""The engine's monitoring signals into the database when a run is published.

`fangfan.web.publishing.publish_run` calls `publish_signals` inside its transaction, after
the run's households are in place: the run folder's `monitoring_signals.parquet`
(written by `fangfan.engine.monitoring`) becomes `MonitoringSignal` rows of that run,
loaded in bulk like the findings. A run without the file (screened before the engine
wrote it) publishes no signals.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from fangfan.engine.monitoring import SIGNALS_FILE
from fangfan.web.monitoring.models import MonitoringSignal
from fangfan.web.registry.models import Run
from fangfan.web.shared.loading import Loader, loader

TEXT_COLUMNS = (
    "household_id",
    "id_number",
    "village_code",
    "township_code",
    "county_code",
    "signal_code",
    "signal_name",
    "severity",
    "risk_type",
    "rule_code",
    "message",
)


def signal_frame(signals: pl.DataFrame, run: Run) -> pl.DataFrame:
    """The engine's signal rows as `MonitoringSignal` columns (the run by its key, evidence as JSON)."""
    return signals.select(
        pl.lit(run.pk).alias("run_id"),
        *(pl.col(name).cast(pl.String).fill_null("") for name in TEXT_COLUMNS),
        pl.col("evidence").cast(pl.String).fill_null("{}"),
        pl.col("policy_year").cast(pl.Int64).fill_null(run.policy_year),
    )


def publish_signals(run: Run, run_dir: Path | str, load: Loader | None = None) -> int:
    """Load the run's monitoring signals; returns how many (0 when the run has none)."""
    path = Path(run_dir) / f"{SIGNALS_FILE}.parquet"
    if not path.exists():
        return 0
    frame = signal_frame(pl.read_parquet(path), run)
    return (load or loader()).insert(MonitoringSignal, frame)

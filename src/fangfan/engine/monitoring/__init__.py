"""Relapse-monitoring signals (防返贫监测信号), recomputed with every run (docs/monitoring.md).

After the sieve, `monitor_households` reads the run's wide tables and findings with
the policy year's values and writes two tables into the run folder:

    monitoring_signals.parquet      one row per signal: household, person, village,
                                    signal code and name, severity, risk type, the
                                    sieve rule it is (if any), message, evidence
    monitoring_households.parquet   one row per household: its signals, suggested
                                    category and risk types, monitoring status,
                                    whether it is a new candidate, and the facts
                                    risk elimination needs

    result = monitor_households(
        snapshot, wide, findings, catalogue.policy, run_id=run_id, previous=previous_snapshot(snapshot)
    )
    result.signals, result.households, result.counts()
"""

from __future__ import annotations

from fangfan.engine.monitoring.catalogue import (
    CATEGORIES,
    HOUSEHOLD_COLUMNS,
    RISK_TYPES,
    SIGNAL_COLUMNS,
    SIGNALS,
    Signal,
)
from fangfan.engine.monitoring.facts import previous_snapshot
from fangfan.engine.monitoring.run import HOUSEHOLDS_FILE, SIGNALS_FILE, MonitoringResult, monitor_households

__all__ = [
    "CATEGORIES",
    "HOUSEHOLDS_FILE",
    "HOUSEHOLD_COLUMNS",
    "RISK_TYPES",
    "SIGNALS",
    "SIGNALS_FILE",
    "SIGNAL_COLUMNS",
    "MonitoringResult",
    "Signal",
    "monitor_households",
    "previous_snapshot",
]

"""`monitor_households`: the named step after the rules — signals and the household summary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from fangfan.engine.monitoring.catalogue import CATEGORIES, SIGNALS
from fangfan.engine.monitoring.facts import Context, household_facts
from fangfan.engine.monitoring.households import household_summary
from fangfan.engine.monitoring.signals import all_signals
from fangfan.engine.policy import Policy
from fangfan.engine.snapshot import Snapshot
from fangfan.engine.wide import PersonKey, WideTables, exact_person_key

SIGNALS_FILE = "monitoring_signals"  # written as <name>.parquet into the run folder
HOUSEHOLDS_FILE = "monitoring_households"


@dataclass(frozen=True)
class MonitoringResult:
    signals: pl.DataFrame
    households: pl.DataFrame
    previous_snapshot_id: str | None

    def counts(self) -> dict[str, Any]:
        """The run summary's `monitoring` entry."""
        at_risk = self.households.filter(pl.col("at_risk"))
        candidates = at_risk.filter(pl.col("is_candidate"))
        per_signal = dict(self.signals.group_by("signal_code").len().iter_rows())
        per_category = dict(candidates.group_by("suggested_category").len().iter_rows())
        return {
            "signals": self.signals.height,
            "households_at_risk": at_risk.height,
            "candidates": candidates.height,
            "monitored_at_risk": at_risk.height - candidates.height,
            "signals_per_code": {s.code: int(per_signal.get(s.code, 0)) for s in SIGNALS},
            "candidates_per_category": {c: int(per_category.get(c, 0)) for c in CATEGORIES},
            "previous_snapshot_id": self.previous_snapshot_id,
        }

    def frames(self) -> dict[str, pl.DataFrame]:
        """{file name: frame} for `screen.write_run`'s `extra`."""
        return {SIGNALS_FILE: self.signals, HOUSEHOLDS_FILE: self.households}


def monitor_households(
    snapshot: Snapshot,
    wide: WideTables,
    findings: pl.DataFrame,
    policy: Policy,
    *,
    run_id: str,
    person_key: PersonKey = exact_person_key,
    previous: Snapshot | None = None,
) -> MonitoringResult:
    """Every household's monitoring signals and summary for one screened snapshot.

    `wide` and `findings` are the sieve's, for the same `policy` year; `person_key` is
    the one the wide tables were built with (linked or exact), so the claims and
    disaster rows reach the same people. With `previous` (usually
    `previous_snapshot(snapshot)`), income is also compared with that snapshot's.
    """
    context = Context(snapshot, wide, policy, person_key, previous)
    facts = household_facts(context)
    signals = all_signals(context, facts, findings, run_id)
    households = household_summary(facts, signals, findings, run_id=run_id, policy_year=policy.year)
    return MonitoringResult(signals, households, previous.id if previous else None)

"""The engine's monitoring signals in the web application: published with a run, shown on
the household page, brought into the intake list once.

A city of 150 generated households (seed 7) is imported and screened twice on the same
snapshot, once per module; each run folder has its `monitoring_signals.parquet`.
Publishing the first run loads its signals; the command brings those that no finding
already brought into the townships' lists, as leads of the channel of their data;
publishing the second run loads its own copy of the same signals, and importing again
adds nothing, because each kind of signal on a household and person comes in once.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest
from django.core.management import call_command
from django.urls import reverse

from fangfan.web.accounts.models import User
from fangfan.web.accounts.testing import make_user
from fangfan.web.monitoring.actions.discovery import AT_RISK, SIGNAL_SOURCES, signal_sources
from fangfan.web.monitoring.models import Intake, IntakeSignal, MonitoringSignal
from fangfan.web.publishing import publish_run
from fangfan.web.registry.models import Run

AS_OF = dt.date(2026, 10, 31)


@dataclass(frozen=True)
class Runs:
    first: Path
    second: Path
    snapshot: Path


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    from fangfan.engine.ingest import import_directory
    from fangfan.engine.screen import screen_snapshot
    from fangfan.engine.snapshot import SnapshotStore
    from fangfan.engine.synth import generate_dataset

    home = tmp_path_factory.mktemp("signals_home")
    previous = os.environ.get("FANGFAN_HOME")
    os.environ["FANGFAN_HOME"] = str(home)
    try:
        generate_dataset(home / "exports", 150, 7, as_of=AS_OF)
        snapshot = import_directory(home / "exports", store=SnapshotStore(home / "snapshots")).snapshot
        first = screen_snapshot(snapshot, runs_root=home / "runs")
        time.sleep(1.1)  # run ids have whole seconds
        second = screen_snapshot(snapshot, runs_root=home / "runs")
        yield Runs(home / "runs" / first.run_id, home / "runs" / second.run_id, snapshot.path)
    finally:
        if previous is None:
            os.environ.pop("FANGFAN_HOME", None)
        else:
            os.environ["FANGFAN_HOME"] = previous


def parquet(run_dir: Path) -> pl.DataFrame:
    return pl.read_parquet(run_dir / "monitoring_signals.parquet")


@pytest.mark.django_db
def test_publishing_a_run_loads_its_signals_and_the_household_page_shows_them(runs, client):
    result = publish_run(runs.first, runs.snapshot)
    engine = parquet(runs.first)
    assert engine.height > 0
    signals = MonitoringSignal.objects.filter(run=result.run)
    assert signals.count() == engine.height
    first = engine.row(0, named=True)
    stored = signals.get(
        household_id=first["household_id"],
        signal_code=first["signal_code"],
        id_number=first["id_number"] or "",
    )
    assert (stored.severity, stored.message, stored.rule_code) == (
        first["severity"],
        first["message"],
        first["rule_code"] or "",
    )
    assert stored.evidence_rows and all(label for label, _, _ in stored.evidence_rows)

    county = make_user(User.Role.COUNTY, stored.county_code)
    client.force_login(county)
    page = client.get(reverse("registry:household", args=[stored.household_id])).text
    assert "本批次监测信号" in page and stored.signal_name in page


@pytest.mark.django_db
def test_signals_no_finding_brings_come_into_the_intake_list_once(runs):
    run = publish_run(runs.first, runs.snapshot).run
    sources = signal_sources(run.policy_year)
    wanted = MonitoringSignal.objects.filter(run=run, severity__in=AT_RISK).exclude(
        rule_code__in=list(sources)
    )
    assert wanted.exists(), "the generated city should have signals that are no lead-bringing finding"
    call_command("import_monitoring_findings")
    linked = IntakeSignal.objects.select_related("signal", "intake")
    assert linked.count() == wanted.count()
    for link in linked:
        assert link.intake.household_id == link.signal.household_id
        assert link.intake.source == SIGNAL_SOURCES.get(link.signal.signal_code, "sieve")
        assert link.signal.signal_name in link.intake.description
    leads = Intake.objects.count()

    second = publish_run(runs.second, runs.snapshot).run
    assert Run.objects.current() == second
    assert MonitoringSignal.objects.filter(run=second).count() == parquet(runs.second).height
    call_command("import_monitoring_findings")
    assert Intake.objects.count() == leads and IntakeSignal.objects.count() == linked.count()


@pytest.mark.django_db
def test_an_intake_page_names_the_signals_behind_its_lead(runs, client):
    publish_run(runs.first, runs.snapshot)
    call_command("import_monitoring_findings")
    link = IntakeSignal.objects.select_related("signal", "intake").first()
    assert link is not None
    township = make_user(User.Role.TOWNSHIP, link.signal.township_code)
    client.force_login(township)
    page = client.get(reverse("monitoring:intake", args=[link.intake_id])).text
    assert "监测信号" in page and link.signal.message in page

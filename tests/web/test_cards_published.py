"""The web's policies are the engine's: a generated county of 300 households is imported,
linked, screened and published, and `policies_for_households` over the published registry
lists, for every household, exactly what `received_policies` finds in the snapshot and its
links (the same people, amounts and sources)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from fangfan.engine.cards.catalogue import applicable_catalogue
from fangfan.engine.cards.inputs import region_households, snapshot_inputs
from fangfan.engine.cards.received import received_policies
from fangfan.web.cards.policies import policies_for_households
from fangfan.web.registry.models import Household, Run

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 10, 31)


@pytest.fixture
def published(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[pl.DataFrame, int]]:
    from fangfan.engine.ingest import import_directory
    from fangfan.engine.link import link_snapshot
    from fangfan.engine.screen import screen_snapshot
    from fangfan.engine.snapshot import SnapshotStore
    from fangfan.engine.synth import generate_dataset
    from fangfan.web.publishing import publish_run

    monkeypatch.setenv("FANGFAN_HOME", str(tmp_path))
    generate_dataset(tmp_path / "exports", 300, 5, as_of=AS_OF)
    snapshot = import_directory(tmp_path / "exports", store=SnapshotStore(tmp_path / "snapshots")).snapshot
    links = link_snapshot(snapshot).links
    result = screen_snapshot(snapshot, runs_root=tmp_path / "runs", links=links)
    publish_run(tmp_path / "runs" / result.run_id, snapshot.path)
    run = Run.objects.current()
    assert run is not None
    catalogue = applicable_catalogue(run.policy_year)
    engine = received_policies(snapshot_inputs(snapshot, links, region_households(snapshot, "")), catalogue)
    yield engine, catalogue.year


def _rounded(amount: float | None) -> float | None:
    return None if amount is None else round(amount, 2)


def test_every_households_policies_on_the_web_are_the_engines(published: tuple[pl.DataFrame, int]) -> None:
    engine, year = published
    expected = {
        (row["household_id"], row["key"], row["member_name"], _rounded(row["amount"]), row["source"])
        for row in engine.iter_rows(named=True)
    }
    web = policies_for_households(Household.objects.all(), year=year)
    found = {
        (household_id, p.key, p.member_name, None if p.amount is None else float(p.amount), p.source)
        for household_id, policies in web.items()
        for p in policies
    }
    assert len(web) == 300
    assert len(expected) > 300 and any(amount for _, _, _, amount, _ in expected)
    assert any("民政·社会救助" in source for *_, source in expected)
    assert found == expected

"""Engine data for the registry's tests, built once per session by the engine itself.

A synthetic city of 300 households (seed 7) is generated, imported, linked and screened:
that is the first run. Then a month passes in the exports and they are imported and
screened again (without linking, which is slow), giving the second run:

- the household with the first 不能随时吃肉蛋奶 (FC-002) finding now eats protein food: that
  finding must be resolved by the engine;
- the first household without a finding has moved away: it is gone from 户信息, 成员信息
  and 收入信息, so it leaves the registry;
- the first household that had winter bedding no longer has: a new FC-004 finding.

`published` (module scope) puts the first run in the test database once for a module's
page tests and clears it afterwards; publish tests publish inside each test instead.
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
from django.contrib.contenttypes.models import ContentType

AS_OF = dt.date(2026, 10, 31)
HOUSEHOLDS_FILE = "户信息.csv"


@dataclass(frozen=True)
class EngineData:
    home: Path
    first_run: Path
    first_snapshot: Path
    second_run: Path
    second_snapshot: Path
    fixed_household: str  # its FC-002 finding is resolved in the second run
    moved_household: str  # gone from the registry in the second run
    cold_household: str  # a new FC-004 finding in the second run


@pytest.fixture(scope="session")
def engine_data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineData]:
    from fangfan.engine.ingest import import_directory
    from fangfan.engine.link import link_snapshot
    from fangfan.engine.screen import screen_snapshot
    from fangfan.engine.snapshot import SnapshotStore
    from fangfan.engine.synth import generate_dataset

    home = tmp_path_factory.mktemp("fangfan_home")
    previous_home = os.environ.get("FANGFAN_HOME")
    os.environ["FANGFAN_HOME"] = str(home)  # link_snapshot keeps its links under FANGFAN_HOME/derived
    try:
        exports = home / "exports"
        generate_dataset(exports, 300, 7, as_of=AS_OF)
        store = SnapshotStore(home / "snapshots")
        first = import_directory(exports, store=store).snapshot
        first_run = screen_snapshot(first, runs_root=home / "runs", links=link_snapshot(first).links)
        fixed, moved, cold = _next_month(exports, first_run.findings)
        second = import_directory(exports, store=store).snapshot
        time.sleep(1.1)  # run ids and times have whole seconds: the second run must be later
        second_run = screen_snapshot(second, runs_root=home / "runs")
        yield EngineData(
            home=home,
            first_run=home / "runs" / first_run.run_id,
            first_snapshot=first.path,
            second_run=home / "runs" / second_run.run_id,
            second_snapshot=second.path,
            fixed_household=fixed,
            moved_household=moved,
            cold_household=cold,
        )
    finally:
        if previous_home is None:
            os.environ.pop("FANGFAN_HOME", None)
        else:
            os.environ["FANGFAN_HOME"] = previous_home


def _read(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False)


def _next_month(exports: Path, findings: pl.DataFrame) -> tuple[str, str, str]:
    """Change the exports as the story in the module docstring says; returns the three households."""
    households = _read(exports / HOUSEHOLDS_FILE)
    fixed = findings.filter(pl.col("rule_code") == "FC-002")["household_id"][0]
    with_findings = set(findings["household_id"])
    moved = households.filter(~pl.col("户编号").is_in(list(with_findings)))["户编号"][0]
    bedding = households.filter((pl.col("有御寒被褥") == "是") & ~pl.col("户编号").is_in([fixed, moved]))[
        "户编号"
    ][0]
    households = households.with_columns(
        pl.when(pl.col("户编号") == fixed)
        .then(pl.lit("是"))
        .otherwise(pl.col("随时能吃肉蛋奶或豆制品"))
        .alias("随时能吃肉蛋奶或豆制品"),
        pl.when(pl.col("户编号") == bedding)
        .then(pl.lit("否"))
        .otherwise(pl.col("有御寒被褥"))
        .alias("有御寒被褥"),
    ).filter(pl.col("户编号") != moved)
    households.write_csv(exports / HOUSEHOLDS_FILE)
    for name in ("成员信息.csv", "收入信息.csv"):
        table = _read(exports / name)
        table.filter(pl.col("户编号") != moved).write_csv(exports / name)
    return fixed, moved, bedding


@pytest.fixture(scope="module")
def published(
    engine_data: EngineData, django_db_setup: None, django_db_blocker: pytest.FixtureRequest
) -> Iterator[EngineData]:
    """The first run published once for the module (tests roll back their own changes)."""
    from fangfan.web.publishing import publish_run

    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        publish_run(engine_data.first_run, engine_data.first_snapshot)
        yield engine_data
        wipe_registry()


def wipe_registry() -> None:
    """Remove everything a publish wrote (soft deletion does not apply: this is test cleanup)."""
    from fangfan.web.accounts.models import AuditEvent
    from fangfan.web.monitoring.models import Measure, MonitoredHousehold, MonitoringSignal
    from fangfan.web.regions.models import Region
    from fangfan.web.registry import models

    order = (
        MonitoringSignal,  # published with the run (docs/monitoring.md)
        Measure,  # the registry's 帮扶措施 of the households imported below
        MonitoredHousehold,  # imported from the registry with the run (ditto)
        models.FindingEvent,
        models.Finding,
        models.DepartmentRecord,
        models.Member,
        models.Household,
        models.HouseholdRunSummary,
        models.VillageHouseholdCount,
        models.VillageFindingCount,
    )
    content_types = [ContentType.objects.get_for_model(model) for model in (*order, models.Run)]
    AuditEvent.objects.filter(content_type__in=content_types).delete()
    for model in order:
        model._base_manager.all()._raw_delete(model._base_manager.db)
    models.Run.objects.update(previous=None)
    models.Run.objects.all().delete()
    for level in ("village", "township", "county", "city"):
        Region.objects.filter(level=level).delete()

"""Engine data shared by several test modules, built once per session.

`clean_county`: a county of 20,000 households (seed 2020, clean CSV files, as of
2026-10-31) generated, imported, linked and screened with the links. The linkage
accuracy tests (test_link_accuracy.py) read its links, the sieve's accuracy tests
(test_screen_accuracy.py) its findings; both read the generator's ground truth. Nobody
writes to it. The same county in messy Excel files is built by test_reconcile_accuracy.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

COUNTY_HOUSEHOLDS = 20_000
COUNTY_SEED = 2020
COUNTY_AS_OF = dt.date(2026, 10, 31)


@dataclass(frozen=True)
class CleanCounty:
    data: Path  # the generated files, ground_truth.csv among them
    links: pl.DataFrame
    findings: pl.DataFrame  # screened with the links
    policy_year: int  # the catalogue the run screened against

    def truth(self) -> pl.DataFrame:
        """ground_truth.csv, every stage, every value as text."""
        return pl.read_csv(self.data / "ground_truth.csv", infer_schema=False)


@pytest.fixture(scope="session")
def clean_county(tmp_path_factory: pytest.TempPathFactory) -> CleanCounty:
    from fangfan.engine.ingest import import_directory
    from fangfan.engine.link import link_snapshot
    from fangfan.engine.screen import screen_snapshot
    from fangfan.engine.snapshot import SnapshotStore
    from fangfan.engine.synth import generate_dataset

    root: Path = tmp_path_factory.mktemp("clean_county")
    generate_dataset(root / "data", COUNTY_HOUSEHOLDS, COUNTY_SEED, as_of=COUNTY_AS_OF)
    imported = import_directory(root / "data", store=SnapshotStore(root / "snapshots"), as_of=COUNTY_AS_OF)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FANGFAN_HOME", str(root / "home"))
        links = link_snapshot(imported.snapshot).links
    result = screen_snapshot(imported.snapshot, runs_root=root / "runs", links=links)
    return CleanCounty(root / "data", links, result.findings, int(result.summary["policy_year"]))

"""Engine data shared by several test modules, built once per test run.

`spark`: a local[2] Spark session for one test module (CI fails without Java, elsewhere the
module's tests are skipped).

`clean_county`: a county of 20,000 households (seed 2020, clean CSV files, as of
2026-10-31) generated, imported, linked and screened with the links. The linkage
accuracy tests (test_link_accuracy.py) read its links, the sieve's accuracy tests
(test_screen_accuracy.py) its findings; both read the generator's ground truth. Nobody
writes to it. The same county in messy Excel files is built by test_reconcile_accuracy.py.

The suite runs in two processes (pytest-xdist, pyproject.toml): the first to ask builds
the county in the folder both share, under a lock; the other waits for it and reads it.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import polars as pl
import pytest

COUNTY_HOUSEHOLDS = 20_000
COUNTY_SEED = 2020
COUNTY_AS_OF = dt.date(2026, 10, 31)
BUILT = "built.json"  # written last: the county is complete


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from fangfan.engine.spark import java_problem, spark_session, spark_settings, stop_spark_session

    problem = java_problem()
    if problem:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI 必须能运行 Spark 引擎：{problem}")
        pytest.skip(f"Spark 引擎无法运行：{problem}")
    folder = tmp_path_factory.mktemp("spark")
    settings = replace(
        spark_settings(master="local[2]", driver_memory="2g"), folder=folder, staging=str(folder / "staging")
    )
    stop_spark_session()  # another module's session would carry its own settings
    yield spark_session(settings)
    stop_spark_session()


@dataclass(frozen=True)
class CleanCounty:
    data: Path  # the generated files, ground_truth.csv among them
    links: pl.DataFrame
    findings: pl.DataFrame  # screened with the links
    policy_year: int  # the catalogue the run screened against

    def truth(self) -> pl.DataFrame:
        """ground_truth.csv, every stage, every value as text."""
        return pl.read_csv(self.data / "ground_truth.csv", infer_schema=False)


def shared_folder(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A folder of this test run that every xdist worker sees (the session's own without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / name


def _build_county(root: Path) -> None:
    from fangfan.engine.ingest import import_directory
    from fangfan.engine.link import link_snapshot
    from fangfan.engine.screen import screen_snapshot
    from fangfan.engine.snapshot import SnapshotStore
    from fangfan.engine.synth import generate_dataset

    shutil.rmtree(root, ignore_errors=True)  # a build that failed half-way in this run
    generate_dataset(root / "data", COUNTY_HOUSEHOLDS, COUNTY_SEED, as_of=COUNTY_AS_OF)
    imported = import_directory(root / "data", store=SnapshotStore(root / "snapshots"), as_of=COUNTY_AS_OF)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FANGFAN_HOME", str(root / "home"))
        links = link_snapshot(imported.snapshot).links
    result = screen_snapshot(imported.snapshot, runs_root=root / "runs", links=links)
    links.write_parquet(root / "links.parquet")
    result.findings.write_parquet(root / "findings.parquet")
    (root / BUILT).write_text(json.dumps({"policy_year": int(result.summary["policy_year"])}), "utf-8")


@pytest.fixture(scope="session")
def clean_county(tmp_path_factory: pytest.TempPathFactory) -> CleanCounty:
    root = shared_folder(tmp_path_factory, "clean_county")
    with open(root.with_name("clean_county.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (root / BUILT).exists():
            _build_county(root)
    built = json.loads((root / BUILT).read_text("utf-8"))
    return CleanCounty(
        root / "data",
        pl.read_parquet(root / "links.parquet"),
        pl.read_parquet(root / "findings.parquet"),
        built["policy_year"],
    )

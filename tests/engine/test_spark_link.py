"""Linkage on Spark gives the default engine's links, every row (issue 19).

A generated county (its feeds carry the generator's mistyped IDs: transposed digits,
wrong check characters, lower-case x, full-width digits, 15-digit IDs, homophone names)
is linked by the default engine, which trains the model and keeps it beside the links
(`link.run.MODEL_FILE`); its links are then removed and the snapshot linked again, by
the default engine with the stored model and by `fangfan link --engine spark` (local[2])
with the same model: the three give the same links.parquet rows and the same report.

Spark needs pyspark and Java 17: without them the test is skipped with the reason, except
in CI (CI=true), where it fails.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from fangfan.cli import main
from fangfan.engine.link.exact import LINK_COLUMNS

HOUSEHOLDS = 2_000
SEED = 1919
AS_OF = dt.date(2026, 10, 31)
ORDER = ["feed", "_file", "_sheet", "_row"]


def _spark_or_skip() -> None:
    from fangfan.engine.spark import java_problem

    problem = java_problem()
    if problem is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI 必须能运行 Spark：{problem}")
    pytest.skip(problem)


def _sorted(links: pl.DataFrame) -> pl.DataFrame:
    return links.sort(ORDER, nulls_last=True)


@pytest.mark.slow
def test_spark_links_are_the_default_engines_every_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _spark_or_skip()
    from fangfan.engine.ingest import import_directory
    from fangfan.engine.link import link_snapshot
    from fangfan.engine.link.run import LINKS_FILE, MODEL_FILE, derived_dir
    from fangfan.engine.snapshot import SnapshotStore
    from fangfan.engine.spark import spark_session, spark_settings
    from fangfan.engine.synth import generate_dataset

    monkeypatch.setenv("FANGFAN_HOME", str(tmp_path / "home"))
    generate_dataset(tmp_path / "data", HOUSEHOLDS, SEED, as_of=AS_OF, messy=True)
    snapshot = import_directory(tmp_path / "data", store=SnapshotStore(), as_of=AS_OF).snapshot
    first = link_snapshot(snapshot)
    trained = _sorted(first.links)
    model = derived_dir(snapshot) / MODEL_FILE
    assert model.exists()
    # The generator's typos reach the model: some rows link only probabilistically.
    assert trained.filter(pl.col("method") == "probabilistic").height > 5
    assert trained.filter(pl.col("method") == "exact_15_to_18").height > 0
    assert trained.filter(pl.col("status") == "unlinked").height > 0

    (derived_dir(snapshot) / LINKS_FILE).unlink()
    again = link_snapshot(snapshot)
    assert not again.reused
    assert _sorted(again.links).equals(trained), "the stored model gives other links than its training"

    (derived_dir(snapshot) / LINKS_FILE).unlink()
    spark_session(spark_settings(master="local[2]"))  # the session `fangfan link` will use
    shown = CliRunner().invoke(main, ["link", snapshot.id, "--engine", "spark"], catch_exceptions=False)
    assert shown.exit_code == 0, shown.output
    assert "沿用" not in shown.output and "精确匹配" in shown.output
    on_spark = link_snapshot(snapshot)  # what Spark wrote
    assert on_spark.reused
    links = _sorted(on_spark.links)
    assert links.schema == pl.Schema(LINK_COLUMNS)
    assert links.height == trained.height
    different = links.join(trained, on=ORDER, how="anti", nulls_equal=True)
    assert different.is_empty(), different
    assert links.equals(trained)
    assert on_spark.report.equals(first.report)

"""The link step of `make bench` (bench/bench_link.py) on a small generated city: it links
in a child process, and its figures add up — every feed row of the snapshot is counted
once, by status and by method, and the probabilistic rate is the residual records over
the probabilistic seconds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from bench import bench_link

from fangfan.engine.ingest import import_directory
from fangfan.engine.schema import DEPARTMENT_FEEDS
from fangfan.engine.snapshot import Snapshot, SnapshotStore
from fangfan.engine.synth import generate_dataset


@pytest.fixture(scope="module")
def small_city(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    root = tmp_path_factory.mktemp("bench_link")
    as_of = dt.date(2026, 10, 31)
    generate_dataset(root / "csv", 300, 2020, messy=True, as_of=as_of)
    store = SnapshotStore(root / "home" / "snapshots")
    import_directory(root / "csv", store=store, as_of=as_of)
    return store.latest()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bench_link_home")


@pytest.fixture(scope="module")
def figures(small_city: Snapshot, home: Path) -> dict[str, object]:
    measurement, figures = bench_link.measure(small_city, home, "tiny: link")
    assert measurement.label == "tiny: link"
    assert measurement.seconds == pytest.approx(figures["link_seconds"], abs=0.05)
    return figures


def test_every_feed_row_of_the_snapshot_is_counted_once(small_city: Snapshot, figures: dict) -> None:
    rows = sum(
        pl.scan_parquet(small_city.table_path(feed.name)).select(pl.len()).collect().item()
        for feed in DEPARTMENT_FEEDS
        if small_city.has(feed.name)
    )
    assert rows > 300
    assert figures["feed_rows"] == figures["snapshot_feed_rows"] == rows
    assert figures["feeds"] == sum(small_city.has(feed.name) for feed in DEPARTMENT_FEEDS) == 13
    assert sum(figures["status"].values()) == rows
    assert sum(figures["method"].values()) == rows
    assert sum(row["rows"] for row in figures["method_status"]) == rows
    assert set(figures["status"]) <= {"linked", "ambiguous", "unlinked"}
    assert figures["linked_rows"] == figures["status"]["linked"]
    assert figures["method"]["exact"] > 0.8 * rows  # most feed rows carry a good ID


def test_the_probabilistic_rate_is_residual_records_over_probabilistic_seconds(figures: dict) -> None:
    residual, seconds = figures["residual_records"], figures["probabilistic_seconds"]
    assert 0 < residual < figures["feed_rows"]  # the messy feeds leave some IDs to Splink
    assert figures["method"].get("probabilistic", 0) <= residual
    assert 0 < figures["predict_seconds"] <= seconds
    assert figures["residual_per_minute"] == pytest.approx(residual / seconds * 60, rel=0.01)
    assert figures["residual_over_splink"] == pytest.approx(
        figures["residual_per_minute"] / 1_000_000, rel=0.01
    )
    assert figures["splink_reference_seconds"] == pytest.approx(residual / 1_000_000 * 60, abs=0.01)


def test_time_and_memory_are_measured_and_checked_against_the_targets(figures: dict) -> None:
    assert 0 < figures["exact_seconds"] + figures["probabilistic_seconds"] <= figures["link_seconds"]
    assert figures["link_snapshot_seconds"] <= figures["link_seconds"]
    assert 100 < figures["link_peak_rss_mb"] < 8_000  # Python, Polars, DuckDB and Splink are loaded
    assert figures["meets_seconds"] and figures["meets_memory"]
    text = "\n".join(bench_link.lines("tiny", figures, target=True))
    assert f"{figures['residual_records']:,} residual records" in text
    assert "× Splink's published" in text
    assert "meets the targets" in text


def test_a_second_run_in_the_same_home_measures_nothing_and_is_refused(
    small_city: Snapshot, figures: dict, home: Path
) -> None:
    assert (home / "derived" / small_city.id / "links.parquet").exists()  # the screen step reuses it
    with pytest.raises(RuntimeError, match="failed with exit code"):
        bench_link.measure(small_city, home)

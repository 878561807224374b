"""bench/bench_province.py's check of another engine's screen against the default run's."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from bench.bench_province import COMPARED, _same_frames


def _write(run: Path, findings: pl.DataFrame, run_id: str) -> None:
    run.mkdir(parents=True)
    for name in COMPARED:
        frame = findings if name != "monitoring_households" else findings.drop("change")
        frame.with_columns(run_id=pl.lit(run_id)).write_parquet(run / f"{name}.parquet")


def test_the_same_rows_in_another_order_and_another_change_are_equal_unordered(tmp_path: Path) -> None:
    default = pl.DataFrame({"rule": ["A1", "B2", "C3"], "household": [1, 2, 3], "change": ["新发现"] * 3})
    _write(tmp_path / "default", default, "r1")
    _write(tmp_path / "mine", default.reverse().with_columns(change=pl.lit("持续存在")), "r2")
    compared = _same_frames(tmp_path / "mine", tmp_path / "default")
    assert compared["findings"] == {
        "rows": 3,
        "rows_default": 3,
        "equal": False,
        "equal_unordered": True,
        "persisting": 3,
    }
    assert "persisting" not in compared["monitoring_households"]


def test_a_different_value_is_not_equal_in_any_order(tmp_path: Path) -> None:
    default = pl.DataFrame({"rule": ["A1", "B2"], "household": [1, 2], "change": ["新发现"] * 2})
    _write(tmp_path / "default", default, "r1")
    _write(tmp_path / "mine", default.with_columns(household=pl.Series([1, 5])), "r2")
    compared = _same_frames(tmp_path / "mine", tmp_path / "default")
    assert compared["warnings"]["equal"] is False
    assert compared["warnings"]["equal_unordered"] is False
    assert compared["warnings"]["rows"] == compared["warnings"]["rows_default"] == 2

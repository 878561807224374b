"""bench/bench_engines.py's helpers: the exports it is given, and the scaling table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bench.bench_engines import parse_exports, prepare, scaling


def test_exports_are_scale_equals_folder() -> None:
    assert parse_exports("city=/work/city/csv,county=/tmp/c") == {
        "city": Path("/work/city/csv"),
        "county": Path("/tmp/c"),
    }
    assert parse_exports(None) == {}
    with pytest.raises(SystemExit, match="province"):
        parse_exports("province=/tmp/p")
    with pytest.raises(SystemExit, match="SCALE=FOLDER"):
        parse_exports("/work/city/csv")


def test_exports_of_another_scale_are_refused_before_anything_is_imported(tmp_path: Path) -> None:
    exports = tmp_path / "csv"
    exports.mkdir()
    made = {"households": 2_000, "seed": 2020, "as_of": "2026-10-31"}
    (exports / "generate.json").write_text(json.dumps(made), "utf-8")
    with pytest.raises(SystemExit, match="households': 2000"):
        prepare(tmp_path / "out", 60_000, exports)
    assert not (tmp_path / "out").exists()


def test_the_scaling_table_shows_growth_per_engine(tmp_path: Path) -> None:
    def run(households: int, whole: float) -> dict[str, object]:
        steps = {"rules": {"seconds": whole / 2, "peak_mb": 100.0}}
        return {"households": households, "steps": steps, "whole": {"seconds": whole, "peak_rss_mb": 200.0}}

    for name, scale, households, whole in (("a", "county", 60_000, 8.0), ("b", "city", 600_000, 40.0)):
        saved = {
            "commit": name,
            "scales": {scale: {"spark": run(households, whole * 3), "polars": run(households, whole)}},
        }
        (tmp_path / f"{name}.json").write_text(json.dumps(saved), "utf-8")
    lines = scaling([tmp_path / "b.json", tmp_path / "a.json"])
    body = lines[2:]
    assert [line.split(" | ")[:2] for line in body] == [
        ["| polars", "county (60,000, a)"],
        ["| polars", "city (600,000, b)"],
        ["| spark", "county (60,000, a)"],
        ["| spark", "city (600,000, b)"],
    ]
    assert body[1].endswith("40.0 / 200 (5.0× time for 10× households) |")
    assert "×" not in body[0] and "| 4.0 / 100 |" in body[0]

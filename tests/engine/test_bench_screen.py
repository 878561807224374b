"""The screening benchmark compares like with like: its hand-written Polars, DuckDB SQL
and pandas versions must produce exactly the catalogue's findings — the same rows,
messages and evidence — on a small generated city, so the bench cannot drift from
the catalogue when a rule changes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from bench import bench_screen
from click.testing import CliRunner

from fangfan.cli import main as cli
from fangfan.engine.rules import load_catalogue
from fangfan.engine.screen import policy_year_for
from fangfan.engine.snapshot import Snapshot, SnapshotStore
from fangfan.engine.wide import build_wide_tables


@pytest.fixture(scope="module")
def small_city(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    root = tmp_path_factory.mktemp("bench_screen")
    home, csv = root / "home", root / "csv"
    runner = CliRunner()
    arguments = ["--households", "3000", "--seed", "2020", "--as-of", "2026-10-31", "--out", str(csv)]
    generated = runner.invoke(cli, ["generate", *arguments])
    assert generated.exit_code == 0, generated.output
    imported = runner.invoke(
        cli, ["import", str(csv), "--as-of", "2026-10-31"], env={"FANGFAN_HOME": str(home)}
    )
    assert imported.exit_code == 0, imported.output
    return SnapshotStore(Path(home) / "snapshots").latest()


def test_every_hand_written_version_finds_exactly_what_the_catalogue_finds(small_city: Snapshot) -> None:
    catalogue = load_catalogue(policy_year_for(small_city))
    wide = build_wide_tables(small_city, catalogue.policy)
    prepared = bench_screen.prepare(catalogue)
    outputs = {name: version(wide, prepared) for name, version in bench_screen.VERSIONS.items()}
    assert outputs["catalogue"].height > 0
    assert set(outputs["catalogue"]["rule_code"]) >= {
        "INC-001",
        "EDU-001",
        "WAT-003",
        "MED-005",
        "EMP-003",
        "HOU-004",
    }
    bench_screen.compare(outputs)


def test_a_changed_message_is_caught_by_the_comparison(small_city: Snapshot) -> None:
    catalogue = load_catalogue(policy_year_for(small_city))
    wide = build_wide_tables(small_city, catalogue.policy)
    prepared = bench_screen.prepare(catalogue)
    findings = bench_screen.catalogue_findings(wide, prepared)
    altered = findings.with_columns(pl.col("message").str.replace("。$", "！"))
    with pytest.raises(AssertionError, match="differs from the catalogue"):
        bench_screen.compare({"catalogue": findings, "hand_polars": altered})


def test_money_is_rounded_in_messages_exactly_as_duckdb_rounds_it() -> None:
    import duckdb

    values = np.array([7695.915, 7647.545, 2.675, 0.125, -0.125, 1234.125, 8130.605000000001, 1.0])
    connection = duckdb.connect()
    connection.register("money", pl.DataFrame({"value": values}).to_arrow())
    expected = connection.sql("SELECT CAST(ROUND(value, 2) AS VARCHAR) AS text FROM money").pl()["text"]
    assert pl.Series(bench_screen.round_like_duckdb(values)).cast(pl.String).to_list() == expected.to_list()

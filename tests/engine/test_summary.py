"""`fangfan summary` and `fangfan demo`: what a snapshot holds, per county, through the CLI."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from fangfan.cli import main
from fangfan.engine.ingest import import_directory
from fangfan.engine.snapshot import SnapshotStore
from fangfan.engine.summary import UNPLACED, county_summary
from fangfan.engine.synth import generate_dataset

AS_OF = dt.date(2026, 10, 31)


@pytest.fixture(scope="module")
def messy_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("home")
    generate_dataset(home / "in", 1_500, 4, messy=True, as_of=AS_OF)
    import_directory(home / "in", store=SnapshotStore(home / "snapshots"), as_of=AS_OF)
    return home


def test_every_household_and_every_problem_is_counted_once(messy_home: Path) -> None:
    snapshot = SnapshotStore(messy_home / "snapshots").latest()
    summary = county_summary(snapshot)
    assert summary.counties.height == 9
    assert summary.counties["户数"].sum() == snapshot.read("households").height
    people = snapshot.read("members").filter(pl.col("member_status") == "正常").height
    assert summary.counties["人数"].sum() == people
    assert summary.problems["count"].sum() == snapshot.read("problems").height


def test_problems_on_rows_with_a_place_are_put_in_their_county(messy_home: Path) -> None:
    snapshot = SnapshotStore(messy_home / "snapshots").latest()
    problems = county_summary(snapshot).problems
    placed = problems.filter(pl.col("county_code") != UNPLACED)
    # Sex and birth-date mismatches sit on registry members, duplicates repeat known rows:
    # each of them belongs to a county.
    for code in ("SEX_MISMATCH", "BIRTH_DATE_MISMATCH", "DUPLICATE_KEY"):
        total = problems.filter(pl.col("code") == code)["count"].sum()
        assert total > 0
        assert placed.filter(pl.col("code") == code)["count"].sum() == total


def test_summary_command_prints_counties_in_chinese(messy_home: Path) -> None:
    result = CliRunner().invoke(main, ["summary"], env={"FANGFAN_HOME": str(messy_home), "COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "按县汇总" in result.output
    for county in ("武都区", "礼县", "两当县", "合计"):
        assert county in result.output
    assert "性别与身份证号不一致" in result.output


def test_summary_without_any_snapshot_says_what_to_do(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["summary"], env={"FANGFAN_HOME": str(tmp_path)})
    assert result.exit_code != 0
    assert "fangfan import" in result.output


# The demo now ends in the web application (migrate, publish, accounts, server):
# tests/web/imports/test_demo.py runs it end to end with --no-serve.

"""`fangfan cards`: a village's or township's cards from the newest snapshot, through the CLI.

A small generated county (400 households, seed 17) is imported into its own FANGFAN_HOME;
the command links the department feeds (as `fangfan screen` does) and prints a village's
cards: one page per household, the helper's phone on it, no member's ID number and no
household phone anywhere in the text.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from fangfan.cli import main
from fangfan.engine.snapshot import Snapshot, SnapshotStore

AS_OF = dt.date(2026, 10, 31)
pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from fangfan.engine.ingest import import_directory
    from fangfan.engine.synth import generate_dataset

    root = tmp_path_factory.mktemp("cards_cli")
    generate_dataset(root / "data", 400, 17, as_of=AS_OF)
    import_directory(root / "data", store=SnapshotStore(root / "home" / "snapshots"), as_of=AS_OF)
    return root / "home"


@pytest.fixture
def env(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FANGFAN_HOME", str(home))
    return home


def _snapshot(home: Path) -> Snapshot:
    return SnapshotStore(home / "snapshots").latest()


def _biggest_village(home: Path) -> tuple[str, int]:
    counts = _snapshot(home).read("households").group_by("village_code").len().sort("len", descending=True)
    code, households = counts.row(0)
    return str(code), int(households)


def _text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_a_villages_cards_one_page_per_household_with_helper_phone_and_no_member_ids(env: Path) -> None:
    village, households = _biggest_village(env)
    out = env / "out" / "村.pdf"
    result = CliRunner().invoke(main, ["cards", "--village", village, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"明白卡 {households:,} 张" in result.output
    assert "打印明白卡" in result.output  # the progress lines
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert re.search(rf"^Pages:\s+{households}$", info, re.MULTILINE)
    text = _text(out)
    snapshot = _snapshot(env)
    rows = snapshot.read("households").filter(pl.col("village_code") == village)
    members = snapshot.read("members").join(rows.select("household_id"), on="household_id", how="semi")
    assert text.count("帮扶政策明白卡") == households
    compact = re.sub(r"\s+", "", text)
    for helper_phone in rows["helper_phone"].drop_nulls().to_list()[:5]:
        assert helper_phone in compact
    assert members["name"][0] in compact
    for id_number in members["id_number"].drop_nulls().to_list():
        assert id_number not in compact
    for phone in rows["phone"].drop_nulls().to_list():
        assert phone not in compact
    assert "最低生活保障" in text or "家庭医生签约服务" in text


def test_a_township_batch_goes_to_the_default_file_under_fangfan_home(env: Path) -> None:
    village, _ = _biggest_village(env)
    result = CliRunner().invoke(main, ["cards", "--township", village[:9], "--year", "2026"])
    assert result.exit_code == 0, result.output
    expected = env / "cards" / f"{village[:9]}-2026年度明白卡.pdf"
    assert expected.exists() and "2026年度明白卡" in result.output


def test_village_and_township_together_or_neither_are_refused(env: Path) -> None:
    both = CliRunner().invoke(main, ["cards", "--village", "621226100201", "--township", "621226100"])
    neither = CliRunner().invoke(main, ["cards"])
    assert both.exit_code == neither.exit_code == 2
    assert "请给出 --village 或 --township 之一" in both.output


def test_a_region_without_households_or_a_bad_code_or_year_says_so_in_chinese(env: Path) -> None:
    empty = CliRunner().invoke(main, ["cards", "--village", "621228999999", "--no-link"])
    assert empty.exit_code == 1 and "没有行政村 621228999999 的农户" in empty.output
    bad = CliRunner().invoke(main, ["cards", "--village", "62122", "--no-link"])
    assert bad.exit_code == 1 and "行政村 12 位" in bad.output
    early = CliRunner().invoke(main, ["cards", "--village", "621226100201", "--year", "2019", "--no-link"])
    assert early.exit_code == 1 and "没有2019年度的帮扶政策目录" in early.output
    assert not list((env / "cards").glob(".cards-*")), "no half-written file left"

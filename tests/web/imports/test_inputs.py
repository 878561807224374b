"""The office's input set: which file replaces which, refusals that would lose a table, the swap.

Plain Python, no database: files are tiny text files standing in for exports.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from fangfan.web.imports.inputs import InputConflict, InputFile, InputSet

AS_OF = dt.date(2026, 10, 31)


def _file(folder: Path, name: str, text: str = "x") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, "utf-8")
    return path


def _adopt(inputs: InputSet, new: InputFile, source: Path) -> None:
    candidate = inputs.candidate(new, source, as_of=AS_OF)
    inputs.adopt(candidate, {item.path: item.tables for item in candidate.files}, snapshot_id="s1")


@pytest.fixture
def seeded(tmp_path: Path) -> InputSet:
    """A city set: the registry in one workbook (households and members), a city-wide school roll."""
    inputs = InputSet(tmp_path / "inputs")
    source = tmp_path / "source"
    _file(source, "国扶办.xlsx")
    _file(source, "学籍.csv", "city roll")
    candidate = inputs.candidate_from_folder(
        source, sorted(source.iterdir()), region_prefix="6212", label="demo", as_of=AS_OF
    )
    inputs.adopt(candidate, {"demo/国扶办.xlsx": ["households", "members"], "demo/学籍.csv": ["school_roll"]})
    return inputs


def test_the_adopted_set_records_each_file_with_its_tables(seeded: InputSet) -> None:
    files = {item.path: item.tables for item in seeded.files()}
    assert files == {"demo/国扶办.xlsx": ("households", "members"), "demo/学籍.csv": ("school_roll",)}
    assert seeded.as_of() == AS_OF
    assert (seeded.current / "demo" / "学籍.csv").read_text("utf-8") == "city roll"


def test_a_city_file_replaces_the_earlier_file_of_its_table(seeded: InputSet, tmp_path: Path) -> None:
    new = InputFile("upload-1/学籍信息.xlsx", "6212", ("school_roll",), "学籍信息.xlsx", 1)
    _adopt(seeded, new, _file(tmp_path / "up", "学籍信息.xlsx", "new roll"))
    paths = {item.path for item in seeded.files()}
    assert paths == {"demo/国扶办.xlsx", "upload-1/学籍信息.xlsx"}
    assert not (seeded.current / "demo" / "学籍.csv").exists()
    assert seeded.snapshot_id() == "s1"


def test_a_county_file_keeps_the_city_file_and_says_so(seeded: InputSet, tmp_path: Path) -> None:
    new = InputFile("upload-2/礼县学籍.csv", "621226", ("school_roll",), "礼县学籍.csv", 2)
    candidate = seeded.candidate(new, _file(tmp_path / "up", "礼县学籍.csv"))
    assert [item.path for item in candidate.replaced] == []
    assert len(candidate.notes) == 1 and "学籍.csv" in candidate.notes[0]
    assert (candidate.folder / "demo" / "学籍.csv").exists()
    seeded.discard(candidate)


def test_a_county_file_replaces_that_countys_earlier_file_only(seeded: InputSet, tmp_path: Path) -> None:
    for number, (prefix, name) in enumerate([("621226", "礼县一.csv"), ("621202", "武都.csv")], start=3):
        _adopt(
            seeded,
            InputFile(f"upload-{number}/{name}", prefix, ("school_roll",), name),
            _file(tmp_path / f"up{number}", name),
        )
    later = InputFile("upload-9/礼县二.csv", "621226", ("school_roll",), "礼县二.csv")
    _adopt(seeded, later, _file(tmp_path / "up9", "礼县二.csv"))
    paths = {item.path for item in seeded.files()}
    assert "upload-3/礼县一.csv" not in paths
    assert {"upload-4/武都.csv", "upload-9/礼县二.csv", "demo/学籍.csv"} <= paths


def test_a_file_that_would_lose_a_table_is_refused(seeded: InputSet, tmp_path: Path) -> None:
    households_only = InputFile("upload-5/户信息.csv", "6212", ("households",), "户信息.csv")
    with pytest.raises(InputConflict, match=r"国扶办\.xlsx.*成员信息"):
        seeded.candidate(households_only, _file(tmp_path / "up", "户信息.csv"))
    assert {item.path for item in seeded.files()} == {"demo/国扶办.xlsx", "demo/学籍.csv"}


def test_a_discarded_candidate_leaves_the_current_set_as_it_was(seeded: InputSet, tmp_path: Path) -> None:
    before = sorted(p.relative_to(seeded.current) for p in seeded.current.rglob("*"))
    new = InputFile("upload-6/学籍信息.csv", "6212", ("school_roll",), "学籍信息.csv")
    candidate = seeded.candidate(new, _file(tmp_path / "up", "学籍信息.csv"))
    seeded.discard(candidate)
    assert sorted(p.relative_to(seeded.current) for p in seeded.current.rglob("*")) == before
    assert not candidate.folder.exists()


def test_a_swap_cut_short_is_undone_at_the_next_lock(seeded: InputSet) -> None:
    retired = seeded.root / ".retired-99"
    seeded.current.rename(retired)  # killed between the two renames
    with seeded.lock():
        pass
    assert seeded.current.exists() and not retired.exists()
    assert len(seeded.files()) == 2

"""Wide tables: the canonical person key (old 15-digit IDs, mistyped check characters)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from fangfan.engine import idnumber
from fangfan.engine.wide import canonical_id

AS_OF = dt.date(2026, 10, 31)


def test_canonical_id_widens_old_ids_and_repairs_the_check_character() -> None:
    valid = idnumber.make("621226", dt.date(1988, 3, 9), 123)
    mistyped = valid[:17] + ("0" if valid[17] != "0" else "1")
    old = "622628520714031"
    numbers = [valid, mistyped, old, "6.21226E+17", "", None]
    frame = pl.DataFrame({"id": numbers}, schema={"id": pl.String})
    keys = frame.select(canonical_id(pl.col("id"))).to_series().to_list()
    assert keys == [valid, valid, idnumber.to_18(old), "6.21226E+17", "", None]
    suspect = pl.Series([False, True, True, True, True, True])
    only = frame.select(canonical_id(pl.col("id"), pl.lit(suspect))).to_series().to_list()
    assert only == keys


@pytest.fixture(scope="module")
def small_city(tmp_path_factory: pytest.TempPathFactory) -> tuple[pl.DataFrame, pl.DataFrame]:
    from fangfan.engine.ingest import import_directory
    from fangfan.engine.policy import load_policy
    from fangfan.engine.snapshot import SnapshotStore
    from fangfan.engine.synth import generate_dataset
    from fangfan.engine.wide import build_wide_tables

    root: Path = tmp_path_factory.mktemp("wide")
    generate_dataset(root / "data", 4000, 11, as_of=AS_OF)
    imported = import_directory(root / "data", store=SnapshotStore(root / "snapshots"), as_of=AS_OF)
    wide = build_wide_tables(imported.snapshot, load_policy(AS_OF.year - 1))
    truth = pl.read_csv(root / "data" / "ground_truth.csv", infer_schema=False)
    return wide.person_wide, truth


def test_old_ids_find_their_18_digit_insurance_roll_rows(
    small_city: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    person, truth = small_city
    old = person.filter(pl.col("id_number").str.len_chars() == 15)
    assert old.height > 0
    not_insured = set(
        truth.filter(pl.col("kind").is_in(["MEMBER_NOT_INSURED", "INSURED_NOT_IN_ROLL"]))["id_number"]
    )
    unmatched = old.filter(
        (pl.col("insurance_status") != "参保") & ~pl.col("id_number").is_in(list(not_insured))
    )
    assert unmatched.height == 0, unmatched.select("household_id", "id_number", "insurance_status").to_dicts()


def test_a_mistyped_check_character_still_finds_the_school_roll_row(
    small_city: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    person, truth = small_city
    mistyped = truth.filter((pl.col("kind") == "ID_WRONG_CHECK_DIGIT") & (pl.col("table") == "school_roll"))
    assert mistyped.height > 0
    rows = person.join(mistyped.select("household_id", "id_number"), on=["household_id", "id_number"])
    assert rows.height == mistyped.height
    assert rows.filter(pl.col("enrolment_status") == "无记录").height == 0

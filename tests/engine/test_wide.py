"""Wide tables: the canonical person key (old 15-digit IDs, mistyped check characters), and
the employment feed's paid work per household."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path
from types import ModuleType

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


def test_a_mistyped_check_character_still_finds_the_school_roll_row(tmp_path: Path) -> None:
    """The generator now spreads its check-character typos over twelve feeds, so a small
    city may hold none on the school roll: the cast's roll row is mistyped by hand."""
    from fangfan.engine.policy import load_policy
    from fangfan.engine.wide import build_wide_tables

    cast = _cast_module()
    tables = cast.cast_tables()
    roll = tables["school_roll"]
    valid = roll.filter(pl.col("name") == "孙小雨")["id_number"][0]
    mistyped = valid[:17] + ("0" if valid[17] != "0" else "1")
    roll = roll.with_columns(
        id_number=pl.when(pl.col("name") == "孙小雨").then(pl.lit(mistyped)).otherwise("id_number"),
        id_number_valid=pl.col("name") != "孙小雨",
    )
    wide = build_wide_tables(
        cast.write_cast(tmp_path, {**tables, "school_roll": roll}), load_policy(AS_OF.year - 1)
    )
    row = wide.person_wide.filter(pl.col("id_number") == valid)
    assert row["enrolment_status"].to_list() == ["在读"]


# --- employment_annual_wage: the employment feed's paid work, annualised per household ----


def _cast_module() -> ModuleType:
    path = Path(__file__).with_name("test_screen.py")
    spec = importlib.util.spec_from_file_location("fangfan_cast_for_wide", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_employment_annual_wage_sums_paid_members_and_is_null_without_the_feed(tmp_path: Path) -> None:
    from fangfan.engine.policy import load_policy
    from fangfan.engine.wide import build_wide_tables

    cast = _cast_module()
    tables = cast.cast_tables()
    members = tables["members"]
    extra = [  # a second, smaller job of 周大海 (counts once, at the higher pay), an unpaid row
        {
            "id_number": members.filter(pl.col("name") == "周大海")["id_number"][0],
            "name": "周大海",
            "employment_status": "就业",
            "monthly_income": 1000.0,
        },
        {
            "id_number": members.filter(pl.col("name") == "周妻")["id_number"][0],
            "name": "周妻",
            "employment_status": "失业",
            "monthly_income": 0.0,
        },
    ]
    employment = pl.concat([tables["employment"], cast.frame("employment", extra)])
    policy = load_policy(AS_OF.year - 1)
    with_feed = build_wide_tables(
        cast.write_cast(tmp_path / "a", {**tables, "employment": employment}), policy
    )
    annual = dict(with_feed.household_wide.select("household_id", "employment_annual_wage").iter_rows())
    assert annual["H09"] == 3500.0 * 12 and annual["H08"] == 4000.0 * 12 and annual["H06"] == 0.0
    without = {name: frame for name, frame in tables.items() if name != "employment"}
    no_feed = build_wide_tables(cast.write_cast(tmp_path / "b", without), policy)
    assert no_feed.household_wide["employment_annual_wage"].null_count() == no_feed.household_wide.height
    assert "employment" in no_feed.absent_feeds

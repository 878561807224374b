"""Linkage against the generator's ground truth at county scale (docs/ground_truth.md).

Every ground-truth row of stage `link` is a feed row whose ID or name differs from
the registry's. At least 99% of them must link to the person named in the ground
truth, and no feed row at all may link to a person other than the one its true ID
names (a feed row without a typo must link to its own ID). Clean CSV files: the same
county in messy Excel files (IDs stored as numbers too) is linked, and its figures
checked, in tests/engine/test_reconcile_accuracy.py.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from fangfan.engine.idnumber import normalise, to_18
from fangfan.engine.link.accuracy import truth_with_links

HOUSEHOLDS = 20_000
SEED = 2020
AS_OF = dt.date(2026, 10, 31)


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> tuple[pl.DataFrame, pl.DataFrame]:
    from fangfan.engine.ingest import import_directory
    from fangfan.engine.link import link_snapshot
    from fangfan.engine.snapshot import SnapshotStore
    from fangfan.engine.synth import generate_dataset

    root: Path = tmp_path_factory.mktemp("county")
    generate_dataset(root / "data", HOUSEHOLDS, SEED, as_of=AS_OF)
    imported = import_directory(root / "data", store=SnapshotStore(root / "snapshots"), as_of=AS_OF)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FANGFAN_HOME", str(root / "home"))
        links = link_snapshot(imported.snapshot).links
    truth = pl.read_csv(root / "data" / "ground_truth.csv", infer_schema=False)
    return links, truth.filter(pl.col("stage") == "link")


@pytest.mark.slow
def test_at_least_99_percent_of_id_typos_and_name_variants_link_to_the_right_person(
    county: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    links, truth = county
    matched = truth_with_links(truth, links)
    assert matched.height == truth.height
    right = matched.filter("right").height
    assert right / truth.height >= 0.99, matched.filter(~pl.col("right"))
    assert set(truth.get_column("kind")) >= {
        "ID_WRONG_CHECK_DIGIT",
        "ID_TRANSPOSED",
        "ID_LOWERCASE_X",
        "ID_FULL_WIDTH",
        "NAME_HOMOPHONE",
        "NAME_HOMOPHONE_ID_TYPO",
    }
    assert set(truth.get_column("table")) >= {"housing_appraisal", "disasters"}


@pytest.mark.slow
def test_no_feed_row_links_to_a_different_real_person(county: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    links, truth = county
    matched = truth_with_links(truth, links)
    wrong = matched.filter("wrong")
    assert wrong.is_empty(), wrong
    # Rows without a typo: a valid ID links to that same person (15-digit through to_18).
    linked = links.filter(pl.col("linked_id_number").is_not_null() & (pl.col("method") != "probabilistic"))
    same = linked.with_columns(
        a=pl.col("id_as_written").map_elements(lambda v: to_18(normalise(v)), return_dtype=pl.String),
        b=pl.col("linked_id_number").map_elements(to_18, return_dtype=pl.String),
    )
    assert same.filter(pl.col("a") != pl.col("b")).is_empty()

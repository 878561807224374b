"""Linkage against the generator's ground truth at county scale (docs/ground_truth.md).

Every ground-truth row of stage `link` is a feed row whose ID or name differs from
the registry's. At least 99% of them must link to the person named in the ground
truth, and no feed row at all may link to a person other than the one its true ID
names (a feed row without a typo must link to its own ID). The county (20,000
households, clean CSV files) is built once per session in tests/engine/conftest.py. The same
county in messy Excel files (IDs stored as numbers too) is linked, and its figures
checked, in tests/engine/test_reconcile_accuracy.py.
"""

from __future__ import annotations

import polars as pl
import pytest

from fangfan.engine.idnumber import normalise, to_18
from fangfan.engine.link.accuracy import truth_with_links

from .conftest import CleanCounty


@pytest.fixture(scope="module")
def county(clean_county: CleanCounty) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The session's county (tests/engine/conftest.py): its links and link-stage ground truth."""
    truth = clean_county.truth()
    return clean_county.links, truth.filter(pl.col("stage") == "link")


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

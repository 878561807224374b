"""Linkage against the generator's ground truth at county scale (docs/ground_truth.md).

Every ground-truth row of stage `link` is a feed row whose ID or name differs from
the registry's. At least 99% of them must link to the person named in the ground
truth, and no feed row at all may link to a person other than the one its true ID
names (a feed row without a typo must link to its own ID).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from fangfan.engine.idnumber import normalise, to_18

HOUSEHOLDS = 20_000
SEED = 2020
AS_OF = dt.date(2026, 10, 31)
NAME_FIELDS = ("name", "head_name")  # person feeds; housing appraisal and disasters (kept by head)


def truth_with_links(truth: pl.DataFrame, links: pl.DataFrame) -> pl.DataFrame:
    """Each link-stage truth row with the link of the feed row it describes: one row per
    truth row (kind, id_number, linked_id_number, status, method, right, wrong).

    Rows with a place (file, sheet, row) are found there; ID typos without one by
    the ID as written (a homophone with a mistyped ID too: its value is the ID); homophones
    with an exact ID by the name as written and the true ID. A full-width or lower-case-x
    ID is normalised on import to the true one, so it names every row of that person in
    the feed (two insurance years, several claims): `right` says that all of them link to
    the true person, `wrong` that one links to somebody else.
    """
    truth = truth.with_columns(pl.col("problem_id").cast(pl.Int64))
    links = links.with_columns(pl.col("_sheet").fill_null(""))
    placed = truth.filter(pl.col("row").is_not_null()).with_columns(
        pl.col("row").cast(pl.Int64), pl.col("sheet").fill_null("")
    )
    by_place = placed.join(
        links,
        left_on=["table", "file", "sheet", "row"],
        right_on=["feed", "_file", "_sheet", "_row"],
        how="left",
    )
    loose = truth.filter(pl.col("row").is_null())
    ids = loose.filter(~pl.col("field").is_in(NAME_FIELDS)).with_columns(
        written=pl.col("value").map_elements(normalise, return_dtype=pl.String)
    )
    by_id = ids.join(links, left_on=["table", "written"], right_on=["feed", "id_as_written"], how="left")
    names = loose.filter(pl.col("field").is_in(NAME_FIELDS))
    by_name = names.join(
        links, left_on=["table", "value", "id_number"], right_on=["feed", "name", "id_as_written"], how="left"
    )
    columns = ["problem_id", "kind", "id_number", "linked_id_number", "status", "method"]
    found = pl.concat([by_place.select(columns), by_id.select(columns), by_name.select(columns)])
    linked = pl.col("linked_id_number")
    return (
        found.group_by("problem_id", maintain_order=True)
        .agg(
            pl.col("kind", "id_number").first(),
            linked.first(),
            pl.col("status", "method").first(),
            right=(linked == pl.col("id_number")).fill_null(False).all(),
            wrong=(linked.is_not_null() & (linked != pl.col("id_number"))).any(),
        )
        .sort("problem_id")
    )


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> tuple[pl.DataFrame, pl.DataFrame]:
    from fangfan.engine.ingest import import_directory
    from fangfan.engine.link import link_snapshot
    from fangfan.engine.snapshot import SnapshotStore
    from fangfan.engine.synth import generate_dataset

    root: Path = tmp_path_factory.mktemp("county")
    generate_dataset(root / "data", HOUSEHOLDS, SEED, messy=True, file_format="xlsx", as_of=AS_OF)
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
        "ID_EXCEL_NUMBER",
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

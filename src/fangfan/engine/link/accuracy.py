"""How well the links match a synthetic dataset's link-level ground truth (docs/ground_truth.md).

Every ground-truth row of stage `link` is a feed row whose ID or name differs from
the registry's; `truth_with_links` finds the link of that row and says whether it
links to the person the ground truth names (right) or to somebody else (wrong). Used
by the accuracy tests at county scale.

    truth = pl.read_csv(folder / "ground_truth.csv", infer_schema=False)
    matched = truth_with_links(truth.filter(pl.col("stage") == "link"), result.links)
"""

from __future__ import annotations

import polars as pl

from fangfan.engine.idnumber import normalise

NAME_FIELDS = ("name", "head_name")  # person feeds; housing appraisal and disasters (kept by head)


def truth_with_links(truth: pl.DataFrame, links: pl.DataFrame) -> pl.DataFrame:
    """One row per link-stage truth row: problem_id, kind, table, household_id, id_number,
    linked_id_number, status, method, right, wrong.

    Rows with a place (file, sheet, row: those with an import code) are found there; ID
    typos without one by the ID as written (a homophone with a mistyped ID too: its
    value is the ID); homophones with an exact ID by the name as written and the true
    ID. A full-width or lower-case-x ID is normalised on import to the true one, so it
    names every row of that person in the feed (two insurance years, several claims):
    `right` says that all of them link to the true person, `wrong` that one links to
    somebody else. A truth row whose feed row is not among the links is neither.
    """
    truth = truth.with_columns(pl.col("problem_id").cast(pl.Int64), pl.col("household_id").fill_null(""))
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
    columns = [
        "problem_id",
        "kind",
        "table",
        "household_id",
        "id_number",
        "linked_id_number",
        "status",
        "method",
    ]
    found = pl.concat([by_place.select(columns), by_id.select(columns), by_name.select(columns)])
    linked = pl.col("linked_id_number")
    return (
        found.group_by("problem_id", maintain_order=True)
        .agg(
            pl.col("kind", "table", "household_id", "id_number").first(),
            linked.first(),
            pl.col("status", "method").first(),
            right=(linked == pl.col("id_number")).fill_null(False).all(),
            wrong=(linked.is_not_null() & (linked != pl.col("id_number"))).fill_null(False).any(),
        )
        .sort("problem_id")
    )

"""A sender's rows stay linked inside its region (`fangfan.engine.link.regions`)."""

from __future__ import annotations

import polars as pl

from fangfan.engine.link.exact import LINK_COLUMNS
from fangfan.engine.link.regions import OUTSIDE_NOTE, keep_within_regions


def _links(*rows: tuple[str, str | None, str]) -> pl.DataFrame:
    """(file, linked village, status) per row; the rest filled as the linker would."""
    return pl.DataFrame(
        [
            {
                "record_id": number,
                "feed": "school_roll",
                "_file": file,
                "_sheet": "",
                "_row": number + 2,
                "id_as_written": "x",
                "name": "王小明",
                "linked_id_number": "621226201201011234" if village else None,
                "linked_household_id": "H1" if village else None,
                "linked_village_code": village,
                "method": "probabilistic" if status == "linked" else "none",
                "match_probability": 0.99,
                "status": status,
                "candidates": None,
                "note": None,
            }
            for number, (file, village, status) in enumerate(rows)
        ],
        schema=LINK_COLUMNS,
    )


def test_a_county_files_link_to_a_person_of_another_county_is_undone_with_a_note() -> None:
    links = _links(
        ("upload-3/学籍.csv", "621226100200", "linked"),  # 礼县's own pupil
        ("upload-3/学籍.csv", "621202100200", "linked"),  # 武都区's: undone
        ("upload-4/学籍.csv", "621202100200", "linked"),  # the city's file: any county
        ("upload-3/学籍.csv", None, "unlinked"),
    )
    kept = keep_within_regions(links, {"upload-3/学籍.csv": "621226"})
    assert kept["status"].to_list() == ["linked", "unlinked", "linked", "unlinked"]
    undone = kept.row(1, named=True)
    assert (undone["linked_id_number"], undone["linked_village_code"], undone["method"]) == (
        None,
        None,
        "none",
    )
    assert undone["note"] == OUTSIDE_NOTE
    assert kept.row(0, named=True) == links.row(0, named=True)
    assert kept.row(2, named=True) == links.row(2, named=True)


def test_without_regions_the_links_are_unchanged() -> None:
    links = _links(("a.csv", "621202100200", "linked"))
    assert keep_within_regions(links, None).equals(links)
    assert keep_within_regions(links, {}).equals(links)

"""Links kept inside the region of the office that sent the file.

A county's department clerk may send records of its own county only. Rows that name
another county are refused before the import (the web's upload check places them by
village, household or ID number); a row whose ID number is mistyped places nowhere, and
the probabilistic step could still match it — by name and birth date — to a person in
another county. `keep_within_regions` undoes such a link: the row stays, unlinked, with
a note saying why, so no finding is made outside the sender's region.

>>> # links = keep_within_regions(links, {"upload-12/": "621226"})
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

OUTSIDE_NOTE = "匹配到的人员不在报送单位的区划内，未采用"


def outside_regions(links: pl.DataFrame, file_regions: Mapping[str, str]) -> pl.Expr:
    """True for a linked row whose file has a region and whose person lives outside it."""
    outside = pl.lit(False)
    for folder, prefix in file_regions.items():
        outside = outside | (
            pl.col("_file").str.starts_with(folder)
            & pl.col("linked_village_code").is_not_null()
            & ~pl.col("linked_village_code").str.starts_with(prefix)
        )
    return (pl.col("status") == "linked") & outside


def keep_within_regions(links: pl.DataFrame, file_regions: Mapping[str, str] | None) -> pl.DataFrame:
    """`links` with every link outside its file's region turned into an unlinked row."""
    if not file_regions or links.is_empty():
        return links
    outside = outside_regions(links, file_regions)
    cleared = ("linked_id_number", "linked_household_id", "linked_village_code")
    return links.with_columns(
        *[pl.when(outside).then(None).otherwise(pl.col(name)).alias(name) for name in cleared],
        pl.when(outside).then(pl.lit("none")).otherwise(pl.col("method")).alias("method"),
        pl.when(outside).then(pl.lit("unlinked")).otherwise(pl.col("status")).alias("status"),
        pl.when(outside).then(pl.lit(OUTSIDE_NOTE)).otherwise(pl.col("note")).alias("note"),
    )

"""From scored pairs to one decision per feed record: linked, ambiguous or unlinked.

A pair can link only when it clears the threshold *and* the evidence gate: the
names sound alike (pinyin Jaro-Winkler ≥ `NAME_GATE`) and the ID is at most
`MAX_ID_EDITS` edits away, or (Excel lost digits) its surviving 15 digits are the
true ones rounded, or (no ID at all) the village is the same. A record with a second
candidate that also clears the gate with probability ≥ `AMBIGUOUS_FLOOR` and lies
within `AMBIGUOUS_MARGIN` match-weight bits of the best is ambiguous: both are
reported and neither is chosen. Values are chosen on generated data
(docs/linkage.md).
"""

from __future__ import annotations

import polars as pl

from fangfan.engine.link.exact import LINK_COLUMNS, link_note, registry_side

THRESHOLD = 0.9
AMBIGUOUS_FLOOR = 0.5
AMBIGUOUS_MARGIN = 6.0
NAME_GATE = 0.85
MAX_ID_EDITS = 2
SHOWN_CANDIDATES = 3


def gate(records: pl.DataFrame) -> pl.Expr:
    """True for a pair whose evidence may link (needs the record's `id18`, `id_prefix`)."""
    id_close = pl.col("id_edits").is_not_null() & (pl.col("id_edits") <= MAX_ID_EDITS)
    prefix_only = pl.col("id18").is_null() & pl.col("id_prefix").is_not_null() & pl.col("same_prefix")
    no_id = pl.col("id_prefix").is_null() & pl.col("same_village")
    return (pl.col("name_similarity") >= NAME_GATE) & (id_close | prefix_only | no_id)


def decide(residual: pl.DataFrame, pairs: pl.DataFrame, people: pl.DataFrame) -> pl.DataFrame:
    """One link row per residual record (LINK_COLUMNS)."""
    ranked = _ranked(residual, pairs, people)
    best = ranked.filter(pl.col("rank") == 1)
    rivals = ranked.filter(
        (pl.col("rank") > 1)
        & pl.col("eligible")
        & (pl.col("match_probability") >= AMBIGUOUS_FLOOR)
        & (pl.col("best_weight") - pl.col("match_weight") < AMBIGUOUS_MARGIN)
    )
    status = (
        pl.when(pl.col("record_id").is_in(rivals.get_column("record_id").implode()))
        .then(pl.lit("ambiguous"))
        .when(pl.col("eligible") & (pl.col("match_probability") >= THRESHOLD))
        .then(pl.lit("linked"))
        .otherwise(pl.lit("unlinked"))
    )
    decided = residual.join(best.drop("name", "name_pinyin", strict=False), on="record_id", how="left")
    decided = decided.with_columns(status.alias("status")).join(
        _candidate_text(ranked), on="record_id", how="left"
    )
    return _shape(decided)


def _ranked(residual: pl.DataFrame, pairs: pl.DataFrame, people: pl.DataFrame) -> pl.DataFrame:
    registry = registry_side(people)
    ranked = (
        pairs.join(residual.select("record_id", "id18", "id_prefix"), on="record_id")
        .with_columns(gate(residual).alias("eligible"))
        .drop("id18", "id_prefix")
        .join(registry, on="unique_id")
        .sort(["record_id", "eligible", "match_weight"], descending=[False, True, True])
    )
    return ranked.with_columns(
        pl.int_range(1, pl.len() + 1).over("record_id").alias("rank"),
        pl.col("match_weight").first().over("record_id").alias("best_weight"),
    )


def _candidate_text(ranked: pl.DataFrame) -> pl.DataFrame:
    shown = ranked.filter(pl.col("rank") <= SHOWN_CANDIDATES)
    text = pl.format(
        "{}（{}，户{}，{}）",
        pl.col("linked_id_number"),
        pl.col("registry_name"),
        pl.col("linked_household_id"),
        pl.col("match_probability").round(4),
    )
    return shown.group_by("record_id").agg(text.str.join("；").alias("candidates"))


def _shape(decided: pl.DataFrame) -> pl.DataFrame:
    linked = pl.col("status") == "linked"
    empty_list = pl.lit([], dtype=pl.List(pl.String))
    frame = decided.with_columns(
        pl.col("household_ids").fill_null(empty_list),
        pl.when(linked).then(pl.lit("probabilistic")).otherwise(pl.lit("none")).alias("method"),
        pl.col("match_probability").fill_null(0.0),
    )
    frame = frame.with_columns(
        *[pl.when(linked).then(pl.col(c)).alias(c) for c in _LINKED],
        pl.when(linked).then(link_note()).alias("note"),
    )
    return frame.select(list(LINK_COLUMNS))


_LINKED = ("linked_id_number", "linked_household_id", "linked_village_code")

"""Links for registry people whose own ID is damaged, without training anything.

A member whose registry ID Excel rounded (`6.21226199001011E+17`) or mistyped has no
ID a department row can equal, and a township's export of a few dozen households is
far too small for the model to learn from. Such a person is still found when a
department row that the exact step left over agrees on everything the registry holds
about them:

- the same name;
- the department ID's birth date and sex equal the registry's 出生日期 and 性别;
- the same village, when the department row has one;
- what survives of the damaged ID agrees: Excel's 15 rounded digits are the
  department's first 15 or one more, or a full-length ID is at most two edits away;
- and nobody else: exactly one registry person has that name, birth date and sex
  (a namesake born the same day leaves the row to the model, which does not link it).

The probability is a Fellegi–Sunter score with preset m and u probabilities
(`PRESET`), not trained, so it means the same for 30 households as for 600,000; a
pair links only when it clears `decide.THRESHOLD` too. The link is reported as a
probabilistic one with a note saying how it was made (docs/linkage.md).
"""

from __future__ import annotations

import math

import polars as pl

from fangfan.engine.link.decide import MAX_ID_EDITS, THRESHOLD
from fangfan.engine.link.exact import LINK_COLUMNS, link_note, registry_side

# (m, u): how often the feature agrees for the same person, and for two random people.
PRESET: dict[str, tuple[float, float]] = {
    "name": (0.95, 0.001),  # the same name among a county's people
    "birth_date": (0.97, 1 / 20_000),  # about 55 years of birthdays
    "sex": (0.99, 0.5),
    "village": (0.95, 0.01),
    "id_remains": (0.95, 1e-6),  # the surviving digits of the damaged ID agree
}
NOTE = "建档立卡证件号码有误，按姓名、出生日期、性别{village}与证件号码残存数字唯一匹配（预设参数）"


def damaged_id_links(residual: pl.DataFrame, people: pl.DataFrame, prior: float) -> pl.DataFrame:
    """Links (LINK_COLUMNS) for residual records that name a registry person with a damaged ID."""
    damaged = people.filter(pl.col("id_damaged") & pl.col("birth_date").is_not_null())
    usable = residual.filter(pl.col("id18").is_not_null())
    if damaged.is_empty() or usable.is_empty():
        return pl.DataFrame(schema=LINK_COLUMNS)
    records = usable.with_columns(
        pl.col("id18").str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False).alias("_birth"),
        pl.when(pl.col("id18").str.slice(16, 1).cast(pl.Int32, strict=False) % 2 == 1)
        .then(pl.lit("男"))
        .otherwise(pl.lit("女"))
        .alias("_sex"),
    )
    details = ["name", "_birth", "_sex"]
    namesakes = people.group_by(
        "name", pl.col("birth_date").alias("_birth"), pl.col("sex").alias("_sex")
    ).agg(pl.len().alias("_namesakes"))
    pairs = records.join(
        damaged.select(
            "unique_id",
            "name",
            pl.col("birth_date").alias("_birth"),
            pl.col("sex").alias("_sex"),
            pl.col("village_code").alias("_village"),
            pl.col("registry_id_number").alias("_damaged_id"),
        ),
        on=details,
    ).join(namesakes, on=details, how="left")
    pairs = pairs.with_columns(_remains_agree(), _same_village())
    pairs = pairs.filter(
        (pl.col("_namesakes") == 1)
        & pl.col("_remains")
        & pl.col("_village_ok")
        & (pl.len().over("record_id") == 1)
    )
    pairs = pairs.with_columns(_probability(prior).alias("match_probability")).filter(
        pl.col("match_probability") >= THRESHOLD
    )
    return _shape(pairs, people)


def _remains_agree() -> pl.Expr:
    """What survives of the registry's damaged ID agrees with the department's ID."""
    rounded = pl.col("_damaged_id").str.extract(r"^(\d)\.(\d+)[eE]\+?17$", 1) + pl.col(
        "_damaged_id"
    ).str.extract(r"^(\d)\.(\d+)[eE]\+?17$", 2)
    kept = rounded.str.slice(0, 15).str.pad_end(15, "0")
    gap = kept.cast(pl.Int64, strict=False) - pl.col("id18").str.slice(0, 15).cast(pl.Int64, strict=False)
    edits = pl.col("_damaged_id").str.len_chars() == 18
    close = _edit_distance_at_most(pl.col("_damaged_id"), pl.col("id18"), MAX_ID_EDITS)
    return (
        pl.when(rounded.is_not_null())
        .then(gap.is_in([0, 1]))
        .when(edits)
        .then(close)
        .otherwise(pl.lit(False))
        .fill_null(False)
        .alias("_remains")
    )


def _edit_distance_at_most(left: pl.Expr, right: pl.Expr, limit: int) -> pl.Expr:
    """Same-length IDs: at most `limit` positions differ (an adjacent swap is two)."""
    differing = pl.sum_horizontal(
        [(left.str.slice(i, 1) != right.str.slice(i, 1)).cast(pl.Int32) for i in range(18)]
    )
    return differing <= limit


def _same_village() -> pl.Expr:
    return (pl.col("village_code").is_null() | (pl.col("village_code") == pl.col("_village"))).alias(
        "_village_ok"
    )


def _probability(prior: float) -> pl.Expr:
    def weight(feature: str) -> float:
        m, u = PRESET[feature]
        return math.log2(m / u)

    base = sum(weight(f) for f in ("name", "birth_date", "sex", "id_remains"))
    village = pl.when(pl.col("village_code").is_not_null()).then(pl.lit(weight("village"))).otherwise(0.0)
    prior_weight = math.log2(prior / (1 - prior))
    total = pl.lit(base + prior_weight) + village
    return 1 / (1 + (2 ** (-total)))


def _shape(pairs: pl.DataFrame, people: pl.DataFrame) -> pl.DataFrame:
    registry = registry_side(people).drop("id18")
    # The names are equal, so the registry's pinyin is the record's.
    joined = pairs.join(registry, on="unique_id").with_columns(pl.col("registry_pinyin").alias("name_pinyin"))
    village_word = pl.when(pl.col("village_code").is_not_null()).then(pl.lit("、村")).otherwise(pl.lit(""))
    remarks = link_note()
    note = pl.concat_str(
        pl.when(remarks != "").then(remarks),
        pl.lit(NOTE.split("{village}")[0]) + village_word + pl.lit(NOTE.split("{village}")[1]),
        separator="；",
        ignore_nulls=True,
    )
    return joined.with_columns(
        pl.lit("probabilistic").alias("method"),
        pl.lit("linked").alias("status"),
        pl.lit(None, dtype=pl.String).alias("candidates"),
        note.alias("note"),
    ).select(list(LINK_COLUMNS))

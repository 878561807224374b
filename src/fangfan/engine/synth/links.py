"""Link-level problems: feed rows whose ID or name differs from the registry's.

The ID written is what a department typed; `id_number` in the ground truth stays the
person's true ID. An ID that fails validation gets its import code and its place.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from fangfan.engine.idnumber import IdProblem, normalise, validate
from fangfan.engine.synth.names import homophone
from fangfan.engine.synth.truth import Truth

PERSON_FEEDS = (
    "school_roll",
    "medical_claims",
    "social_assistance",
    "disability",
    "employment",
    "civil_registration",
    "vehicles",
    "real_estate",
    "business_registry",
    "medical_insurance",
)
FULL_WIDTH = str.maketrans({str(i): chr(0xFF10 + i) for i in range(10)})


def wrong_check_digit(number: str, rng: np.random.Generator) -> str:
    choices = [c for c in "0123456789X" if c != number[17]]
    return number[:17] + choices[int(rng.integers(0, len(choices)))]


def transposed(number: str, rng: np.random.Generator) -> str | None:
    for _ in range(10):
        i = int(rng.integers(14, 16))  # sequence digits: the birth date stays a date
        if number[i] != number[i + 1]:
            return number[:i] + number[i + 1] + number[i] + number[i + 2 :]
    return None


def inject_links(rng: np.random.Generator, tables: dict[str, pl.DataFrame], truth: Truth) -> None:
    households = tables["households"].select("_hh", "household_id")
    count = max(4, round(households.height * 0.002))
    makers = {
        "ID_WRONG_CHECK_DIGIT": lambda n: wrong_check_digit(n, rng),
        "ID_TRANSPOSED": lambda n: transposed(n, rng),
        "ID_LOWERCASE_X": lambda n: n[:17] + "x" if n.endswith("X") else None,
        "ID_FULL_WIDTH": lambda n: n.translate(FULL_WIDTH),
    }
    for i, (kind, maker) in enumerate(makers.items()):
        table = PERSON_FEEDS[i % 4]
        _alter(rng, tables, truth, households, kind, table, "id_number", count, maker)
    _alter(rng, tables, truth, households, "NAME_HOMOPHONE", PERSON_FEEDS[4], "name", count, homophone)


def _alter(rng, tables, truth, households, kind, table, column, count, maker) -> None:  # type: ignore[no-untyped-def]
    frame = tables[table].with_row_index("_index")
    # Households with a rule-level problem are left alone: a claim or roll row written
    # under another ID would no longer show the problem its ground-truth row describes.
    open_rows = frame.filter(
        (pl.col("_hh") >= 0)
        & pl.col("_mark").is_null()
        & (pl.col("id_number").str.len_chars() == 18)
        & ~pl.col("_hh").is_in(list(truth.used_households))
    )
    if kind == "ID_LOWERCASE_X":
        open_rows = open_rows.filter(pl.col("id_number").str.ends_with("X"))
    candidates = open_rows.sample(fraction=1.0, shuffle=True, seed=int(rng.integers(0, 2**31)))
    picked: list[tuple[int, str, str, int]] = []
    for index, number, original, hh in candidates.select(
        "_index", "id_number", pl.col(column).alias("_original"), "_hh"
    ).iter_rows():
        written = maker(original)
        if written and written != original:
            picked.append((index, number, written, hh))
        if len(picked) == count:
            break
    if not picked:
        return
    rows = pl.DataFrame(
        picked,
        schema={"_index": pl.UInt32, "id_number": pl.String, "value": pl.String, "_hh": pl.Int64},
        orient="row",
    )
    codes = [validate(normalise(v)).value if column == "id_number" else "ok" for v in rows["value"]]
    rows = rows.with_columns(import_code=pl.Series([c if c != IdProblem.OK.value else "" for c in codes]))
    rows = rows.join(households, on="_hh", how="left", maintain_order="left")
    ids = truth.add(kind, rows, table=table, field_name=column, detail=_DETAIL[kind], wrong_source=table)
    rows = rows.with_columns(_pid=ids, _mark_new=pl.when(pl.col("import_code") != "").then(ids))
    frame = frame.join(
        rows.select("_index", _new="value", _mark_new="_mark_new"),
        on="_index",
        how="left",
        maintain_order="left",
    )
    tables[table] = frame.with_columns(
        pl.coalesce("_new", column).alias(column), _mark=pl.coalesce("_mark_new", "_mark")
    ).drop("_index", "_new", "_mark_new")


_DETAIL = {
    "ID_WRONG_CHECK_DIGIT": "部门数据身份证号校验位错误",
    "ID_TRANSPOSED": "部门数据身份证号相邻两位颠倒",
    "ID_LOWERCASE_X": "部门数据身份证号末位写成小写x",
    "ID_FULL_WIDTH": "部门数据身份证号为全角数字",
    "NAME_HOMOPHONE": "部门数据姓名用了同音字",
}

"""The two sides of linkage as flat frames: registry people and department feed records.

Both sides carry the same comparison columns, built from what a feed has (an ID
number and a name, sometimes a village):

| column | meaning |
|---|---|
| id18 | the 18-character ID (15-digit ones through `to_18`); null when digits were lost |
| id_prefix | first 15 digits: id18's, or the 15 Excel kept (rounded) of `6.21226199001011E+17` |
| area, birth, sequence | address code (6), birth date (8), sequence + check (4); a lost ID keeps 1 |
| birth_year | first four birth digits (a blocking key) |
| name_pinyin | the name in toneless pinyin, so 王秀英 and 王秀莹 agree |
| village_code | where the feed says the household lives (household-kept feeds only) |
"""

from __future__ import annotations

from functools import lru_cache

import polars as pl

from fangfan.engine.idnumber import CHECK_CHARACTERS, WEIGHTS, normalise_expr
from fangfan.engine.schema import DEPARTMENT_FEEDS, Kind
from fangfan.engine.snapshot import Snapshot

_PRECISION_LOST = r"^(\d)\.(\d+)[eE]\+?17$"
_FULL = r"^\d{17}[0-9X]$"
COMPARISON_COLUMNS = (
    "id18",
    "id_prefix",
    "area",
    "birth",
    "birth_year",
    "sequence",
    "name",
    "name_pinyin",
    "village_code",
)


def id_column(feed: str) -> str | None:
    """The ID field of a feed (`id_number` or `head_id_number`), or None for a village feed."""
    table = next(t for t in DEPARTMENT_FEEDS if t.name == feed)
    names = [f.name for f in table.fields if f.kind is Kind.ID_NUMBER]
    return names[0] if names else None


def name_column(feed: str) -> str:
    return "head_name" if id_column(feed) == "head_id_number" else "name"


def to_18_expr(number: pl.Expr) -> pl.Expr:
    """Polars `idnumber.to_18`: a 15-digit number gains 19 and its check character."""
    first17 = pl.concat_str(number.str.slice(0, 6), pl.lit("19"), number.str.slice(6, 9))
    weighted = pl.sum_horizontal(
        [first17.str.slice(i, 1).cast(pl.Int32, strict=False).fill_null(0) * w for i, w in enumerate(WEIGHTS)]
    )
    check = pl.lit(CHECK_CHARACTERS).str.slice((weighted % 11).cast(pl.Int64), 1)
    return pl.when(number.str.contains(r"^\d{15}$")).then(first17 + check).otherwise(number)


def upgraded_ids(frame: pl.DataFrame, source: str, target: str) -> pl.DataFrame:
    """`target`: the IDs of `source` with every 15-digit one through `to_18_expr`.

    The check character is computed once per distinct 15-digit ID (a few in a hundred),
    not for every row; the rest is one hash lookup.
    """
    fifteen = (
        frame.lazy()
        .select(pl.col(source).cast(pl.String))
        .filter(pl.col(source).str.len_bytes() == 15)
        .filter(pl.col(source).str.contains(r"^\d{15}$"))
        .unique()
        .collect()
        .to_series()
    )
    if fifteen.is_empty():
        return frame.with_columns(pl.col(source).alias(target))
    eighteen = fifteen.to_frame("n").select(to_18_expr(pl.col("n"))).to_series()
    return frame.with_columns(pl.col(source).replace(fifteen, eighteen).alias(target))


def _with_id18(frame: pl.DataFrame, written: str) -> pl.DataFrame:
    """`frame` with id18 (as in `with_id_parts`) alone."""
    frame = upgraded_ids(frame, written, "id18")
    return frame.with_columns(pl.when(pl.col("id18").str.contains(_FULL)).then("id18").alias("id18"))


def with_id_parts(frame: pl.DataFrame, written: str) -> pl.DataFrame:
    """`frame` with the comparison columns of the IDs in `written` (already normalised).

    id18, id_prefix, area, birth, birth_year, sequence (module docstring), each computed
    once and in turn from the one before, so no part repeats another's work.
    """
    frame = _with_id18(frame, written)
    lost = pl.col(written).str.extract_groups(_PRECISION_LOST)
    lost_digits = pl.concat_str(lost.struct.field("1"), lost.struct.field("2")).str.slice(0, 15)
    full = pl.col("id18").is_not_null()
    frame = frame.with_columns(
        pl.when(full).then(pl.col("id18").str.slice(0, 15)).otherwise(lost_digits).alias("id_prefix")
    )
    known = pl.col("id_prefix")
    length = known.str.len_chars()
    return frame.with_columns(
        pl.when(length >= 6).then(known.str.slice(0, 6)).alias("area"),
        pl.when(length >= 14).then(known.str.slice(6, 8)).alias("birth"),
        pl.when(length >= 10).then(known.str.slice(6, 4)).alias("birth_year"),
        pl.when(full)
        .then(pl.col("id18").str.slice(14, 4))
        .when(length == 15)
        .then(known.str.slice(14, 1))
        .alias("sequence"),
    )


@lru_cache(maxsize=1_000_000)
def pinyin_of(name: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(name))


@lru_cache(maxsize=1)
def _phrases() -> pl.Series:
    """Every word of pypinyin's phrase dictionary (the only place a reading depends on context)."""
    from pypinyin.constants import PHRASES_DICT

    return pl.Series("phrase", list(PHRASES_DICT), dtype=pl.String)


def pinyin_of_names(names: pl.Series) -> pl.Series:
    """`pinyin_of` for every name in `names`, computed once per distinct character.

    pypinyin reads a character differently only inside a word of its phrase dictionary
    (长 in 长江); a name with no such word reads as its characters one by one, so only
    names containing one (a few in a hundred) go through `pinyin_of` whole.
    """
    names = names.cast(pl.String)
    characters = names.str.split("").explode().drop_nulls().unique()
    by_character = pl.DataFrame(
        {"c": characters, "p": [pinyin_of(c) for c in characters.to_list()]},
        schema={"c": pl.String, "p": pl.String},
    )
    pinyin = (
        names.str.split("")
        .list.eval(pl.element().replace_strict(by_character["c"], by_character["p"], return_dtype=pl.String))
        .list.join("")
    )
    phrase = _contains_phrase(names)
    if phrase.any():
        whole = names.filter(phrase)
        pinyin = pinyin.scatter(
            phrase.arg_true(), pl.Series([pinyin_of(name) for name in whole.to_list()], dtype=pl.String)
        )
    return pinyin.alias(names.name)


def _contains_phrase(names: pl.Series) -> pl.Series:
    """True where a name has two or more characters in a row that form a dictionary word."""
    longest = names.str.len_chars().max()
    found = pl.Series(names.name, [False] * names.len(), dtype=pl.Boolean)
    if not isinstance(longest, int) or longest < 2:
        return found.fill_null(False)
    phrases = _phrases()
    frame = names.to_frame("n")
    checks = [
        pl.col("n").str.slice(start, size).is_in(phrases.implode())
        & (pl.col("n").str.len_chars() >= start + size)
        for size in range(2, longest + 1)
        for start in range(longest - size + 1)
    ]
    return frame.select(pl.any_horizontal(checks).fill_null(False)).to_series()


def pinyin_expr(frame: pl.DataFrame, column: str = "name") -> pl.Series:
    """Toneless pinyin of each name, computed once per distinct name."""
    names = frame.get_column(column).drop_nulls().unique()
    return frame.get_column(column).replace_strict(
        names, pinyin_of_names(names), default=None, return_dtype=pl.String
    )


def registry_people(snapshot: Snapshot) -> pl.DataFrame:
    """One row per person (18-digit ID): name, households, village, whether the ID was 15 digits.

    A person listed in two households stays one person; `household_ids` names both.
    """
    households = (
        snapshot.scan("households").select("household_id", "village_code", "head_id_number").collect()
    )
    heads = households.select(
        pl.col("household_id").alias("headed_household_id"),
        normalise_expr(pl.col("head_id_number")).alias("head"),
    )
    heads = upgraded_ids(heads, "head", "id18").drop("head").unique("id18", keep="first")
    scanned = snapshot.scan("members")
    columns = scanned.collect_schema().names()

    def present(name: str, dtype: pl.DataType) -> pl.Expr:
        column = pl.col(name) if name in columns else pl.lit(None)
        return column.cast(dtype).alias(name)

    members = scanned.select(
        "household_id",
        "name",
        "id_number",
        present("sex", pl.String()),
        present("birth_date", pl.Date()),
        present("id_number_valid", pl.Boolean()).fill_null(True).alias("id_valid"),
    ).collect()
    written = members.with_columns(written=normalise_expr(pl.col("id_number"))).drop("id_number")
    # A member whose own ID is damaged (Excel rounded it, a wrong check digit) is still a
    # person a department row may name: kept under the ID as written, found by `fallback`.
    members = _with_id18(written.filter(pl.col("written") != ""), "written").join(
        households.select("household_id", "village_code"), on="household_id", how="left"
    )
    # Two members whose damaged IDs read alike (cousins' IDs rounded to the same 15 digits)
    # are still two people: without an 18-character ID a person is the ID, household and name.
    damaged_key = pl.concat_str("written", "household_id", "name", separator="|", ignore_nulls=True)
    # Grouped in household order, each person where first listed; only the keys are sorted
    # and grouped, the rest is taken once from each person's first row.
    grouped = (
        members.select(
            pl.int_range(pl.len(), dtype=pl.UInt32).alias("row"),
            "household_id",
            pl.coalesce("id18", damaged_key).alias("person"),
            "id_valid",
        )
        .sort("household_id")
        .group_by("person", maintain_order=True)
        .agg(
            pl.col("row").first(),
            pl.col("household_id").unique(maintain_order=True).alias("household_ids"),
            (~pl.col("id_valid")).any().alias("id_damaged"),
        )
    )
    first = members.select(
        "id18",
        pl.col("written").alias("registry_id_number"),
        "name",
        "village_code",
        "sex",
        "birth_date",
    )[grouped.get_column("row")]
    del members
    people = with_id_parts(
        first.with_columns(grouped.get_column("household_ids"), grouped.get_column("id_damaged")).select(
            "id18",
            "registry_id_number",
            "name",
            "household_ids",
            "village_code",
            "sex",
            "birth_date",
            "id_damaged",
        ),
        "registry_id_number",
    ).join(heads, on="id18", how="left")
    people = people.with_columns(
        pl.coalesce("headed_household_id", pl.col("household_ids").list.first()).alias("household_id"),
        name_pinyin=pinyin_expr(people),
    )
    return people.with_row_index("unique_id").with_columns(pl.col("unique_id").cast(pl.Int64))


RECORD_COLUMNS = (
    "record_id",
    "feed",
    "_file",
    "_sheet",
    "_row",
    "id_as_written",
    "id_written",
    "name",
    "village_code",
    "id18",
)


def id_key(id18: pl.Expr) -> pl.Expr:
    """An 18-character ID (`^\\d{17}[0-9X]$`) as one integer: its 17 digits times 11 plus the
    check character (X is 10). Joining on it hashes one number instead of a string."""
    return id18.str.slice(0, 17).cast(pl.Int64, strict=False) * 11 + _check_value(id18)


def _check_value(number: pl.Expr) -> pl.Expr:
    check = number.str.slice(17, 1)
    digit = check.cast(pl.Int64, strict=False)
    return pl.when(check == "X").then(pl.lit(10, dtype=pl.Int64)).otherwise(digit)


def written_key(written: pl.Expr) -> pl.Expr:
    """`id_key` of an ID as imported that is already an 18-character ID, else null.

    Such an ID is its own normalised form and its own id18: 18 bytes, 17 digits that do
    not start with 0 (so no sign either), then a digit or X. Everything else (15-digit,
    lower-case x, full-width, spaces, damaged) goes through `with_written`.
    """
    first17 = written.str.slice(0, 17).cast(pl.Int64, strict=False)
    regular = (written.str.len_bytes() == 18) & (first17 >= 10**16)
    return pl.when(regular).then(first17 * 11 + _check_value(written))


def feed_rows(snapshot: Snapshot, feed: str) -> pl.DataFrame | None:
    """One person- or household-kept feed: feed, _file, _sheet, _row, id_as_written, name,
    village_code (None for a village feed or a feed the snapshot lacks)."""
    if id_column(feed) is None or not snapshot.has(feed):
        return None
    frame = snapshot.scan(feed)
    return frame.select(feed_columns(feed, frame.collect_schema().names())).collect()


def feed_columns(feed: str, columns: list[str]) -> list[pl.Expr]:
    """`feed_rows`' columns of a person- or household-kept feed whose table has `columns`
    (the same expressions on Spark's batches: `link.spark`)."""
    column = id_column(feed)
    assert column is not None, feed
    village = pl.col("village_code") if "village_code" in columns else pl.lit(None, dtype=pl.String)
    return [
        pl.lit(feed).alias("feed"),
        pl.col("_file").cast(pl.String),
        pl.col("_sheet").cast(pl.String),
        pl.col("_row").cast(pl.Int64),
        pl.col(column).cast(pl.String).alias("id_as_written"),
        pl.col(name_column(feed)).cast(pl.String).alias("name"),
        village.cast(pl.String).alias("village_code"),
    ]


def with_written(rows: pl.DataFrame) -> pl.DataFrame:
    """`rows` (record_id and `feed_rows`' columns) as records: RECORD_COLUMNS.

    `id_written` is the ID as imported, normalised again (in case an older snapshot was
    not), null when empty; `id18` its 18-character form (15-digit IDs through `to_18`),
    null when it is none.
    """
    normal = normalise_expr(pl.col("id_as_written"))
    rows = rows.with_columns(pl.when(normal != "").then(normal).alias("id_written"))
    rows = upgraded_ids(rows, "id_written", "id18")
    rows = rows.with_columns(pl.when(pl.col("id18").str.contains(_FULL)).then("id18"))
    return rows.select(RECORD_COLUMNS)


def empty_records() -> pl.DataFrame:
    schema = {
        "record_id": pl.Int64,
        "feed": pl.String,
        "_file": pl.String,
        "_sheet": pl.String,
        "_row": pl.Int64,
        "id_as_written": pl.String,
        "id_written": pl.String,
        "name": pl.String,
        "village_code": pl.String,
        "id18": pl.String,
    }
    return pl.DataFrame(schema=schema)


def with_comparison_columns(records: pl.DataFrame) -> pl.DataFrame:
    """Add the ID's parts and the name's pinyin (only for the rows the model sees)."""
    records = with_id_parts(records.drop("id18"), "id_written")
    return records.with_columns(name_pinyin=pinyin_expr(records))

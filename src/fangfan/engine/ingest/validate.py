"""Validation of one table, vectorised: typed columns, problems, and the rows left out.

Policy (docs/ground_truth.md, "Import policy"): a row is excluded only when it
cannot be placed — a key field or a required ID/household field is empty or
unreadable, its key repeats an earlier row's, it names a household that is not
in 户信息, or its village code is malformed or under an unknown township. Every
other problem keeps the row: the bad value becomes null and `_flags` names the
code; an ID that fails validation stays as normalised text with `<field>_valid`
false.

Each check writes at most one code per (row, field) into a column `code__<field>`;
the long problems table is an unpivot of those columns, so nothing here loops
over rows in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

import polars as pl

from fangfan.engine import idnumber, regions
from fangfan.engine.ingest import values
from fangfan.engine.problems import ACTION_EXCLUDED, ACTION_KEPT, PROBLEM_TEXT, Problem
from fangfan.engine.schema import Field, Kind, Table

P = Problem
BOOKKEEPING = ("_file", "_sheet", "_row")
PROBLEM_COLUMNS = {
    "file": pl.String,
    "sheet": pl.String,
    "row": pl.Int64,
    "table": pl.String,
    "column": pl.String,
    "field": pl.String,
    "value": pl.String,
    "code": pl.String,
    "message": pl.String,
    "action": pl.String,
}
FIELD_WORKERS = 2
ROW_LEVEL = "_row_"  # pseudo-field for problems about the whole row (duplicate, unknown household)


@dataclass(frozen=True)
class Households:
    """What members and income rows are checked against."""

    accepted: pl.Series  # household_id of imported rows
    excluded: pl.Series  # household_id of 户信息 rows that were not imported


@dataclass(frozen=True)
class TableOutcome:
    data: pl.DataFrame
    problems: pl.DataFrame
    rejected: pl.DataFrame
    excluded_ids: pl.Series  # household_id of excluded rows (households only)


def dtype_of(column: Field) -> pl.DataType:
    """The snapshot dtype of a field's kind."""
    return {
        Kind.DATE: pl.Date(),
        Kind.INTEGER: pl.Int64(),
        Kind.MONEY: pl.Float64(),
        Kind.DECIMAL: pl.Float64(),
        Kind.BOOLEAN: pl.Boolean(),
        Kind.ENUM_LIST: pl.List(pl.String),
    }.get(column.kind, pl.String())


def empty_problems() -> pl.DataFrame:
    return pl.DataFrame(schema=PROBLEM_COLUMNS)


def _t(name: str) -> str:
    return f"t__{name}"


def _v(name: str) -> str:
    return f"v__{name}"


def _c(name: str) -> str:
    return f"code__{name}"


def _text(column: Field) -> pl.Expr:
    cleaned = values.clean(pl.col(column.name))
    if column.kind == Kind.ID_NUMBER:
        return values.id_number(cleaned)
    if column.kind == Kind.VILLAGE_CODE:
        return values.village_code(cleaned)
    if column.kind in (Kind.NAME, Kind.ENUM, Kind.BOOLEAN, Kind.PHONE) or column.name == "household_id":
        return values.compact(cleaned)
    return cleaned


def _parsed(column: Field) -> pl.Expr:
    text = pl.col(_t(column.name))
    parsers = {
        Kind.DATE: values.parse_date,
        Kind.INTEGER: values.parse_integer,
        Kind.MONEY: values.parse_decimal,
        Kind.DECIMAL: values.parse_decimal,
        Kind.BOOLEAN: values.parse_boolean,
        Kind.ENUM_LIST: values.split_list,
    }
    if column.kind in parsers:
        return parsers[column.kind](text)
    if column.kind == Kind.ENUM:
        return pl.when(text.is_in(column.choices)).then(text)
    return text


def _invalid_code(column: Field) -> pl.Expr:
    """Code for text that is present but unusable (null when fine)."""
    text, parsed = pl.col(_t(column.name)), pl.col(_v(column.name))
    unreadable = text.is_not_null() & parsed.is_null()
    if column.kind == Kind.ID_NUMBER:
        code = idnumber.validate_expr(text)
        return pl.when(text.is_not_null() & (code != "ok")).then(code)
    if column.kind == Kind.VILLAGE_CODE:
        township = text.str.slice(0, 9)
        return (
            pl.when(text.is_null())
            .then(None)
            .when(~text.str.contains(r"^\d{12}$"))
            .then(pl.lit(P.VILLAGE_CODE_FORMAT.value))
            .when(~township.is_in(list(regions.townships())))
            .then(pl.lit(P.TOWNSHIP_UNKNOWN.value))
        )
    if column.kind == Kind.ENUM_LIST:
        bad = parsed.list.eval(pl.element().is_in(column.choices).not_()).list.any()
        return pl.when(bad.fill_null(False)).then(pl.lit(P.ENUM_INVALID.value))
    if column.kind in (Kind.ENUM, Kind.BOOLEAN):
        return pl.when(unreadable).then(pl.lit(P.ENUM_INVALID.value))
    if column.kind == Kind.DATE:
        return pl.when(unreadable).then(pl.lit(P.DATE_INVALID.value))
    if column.kind in (Kind.INTEGER, Kind.MONEY, Kind.DECIMAL):
        return (
            pl.when(unreadable)
            .then(pl.lit(P.NUMBER_INVALID.value))
            .when(_out_of_range(column, parsed))
            .then(pl.lit(P.NUMBER_OUT_OF_RANGE.value))
        )
    return pl.lit(None, dtype=pl.String)


def _out_of_range(column: Field, parsed: pl.Expr) -> pl.Expr:
    condition = pl.lit(False)
    if column.minimum is not None:
        condition = condition | (parsed < column.minimum)
    if column.maximum is not None:
        condition = condition | (parsed > column.maximum)
    return condition.fill_null(False)


def _code(column: Field) -> pl.Expr:
    text = pl.col(_t(column.name))
    missing = pl.when(text.is_null()).then(pl.lit(P.REQUIRED_MISSING.value)) if column.required else None
    invalid = _invalid_code(column)
    return (pl.coalesce(missing, invalid) if missing is not None else invalid).cast(pl.String)


def _person_checks(table: Table) -> list[pl.Expr]:
    """Birth date and sex against a valid ID (members)."""
    names = table.field_names
    if not {"id_number", "birth_date", "sex"} <= set(names):
        return []
    number = pl.col(_t("id_number"))
    valid = pl.col(_c("id_number")).is_null() & number.is_not_null()
    birth_mismatch = valid & (pl.col(_v("birth_date")) != idnumber.birth_date_expr(number)).fill_null(False)
    sex_mismatch = valid & (pl.col(_v("sex")) != idnumber.sex_expr(number)).fill_null(False)
    return [
        pl.coalesce(
            pl.col(_c("birth_date")), pl.when(birth_mismatch).then(pl.lit(P.BIRTH_DATE_MISMATCH.value))
        ),
        pl.coalesce(pl.col(_c("sex")), pl.when(sex_mismatch).then(pl.lit(P.SEX_MISMATCH.value))),
    ]


def placing_fields(table: Table) -> list[str]:
    """Fields without which a row cannot be placed: the key, required IDs, the household."""
    names = list(table.key)
    for column in table.fields:
        required_id = column.required and column.kind == Kind.ID_NUMBER
        if (required_id or column.name == "household_id") and column.name not in names:
            names.append(column.name)
    return names


def identity_fields(table: Table) -> list[str]:
    """Fields that are empty on a totals row (used to tell it from a data row)."""
    return placing_fields(table) or [f.name for f in table.fields if f.kind == Kind.VILLAGE_CODE]


def _unplaceable(table: Table) -> pl.Expr:
    """True where the row cannot be placed by its own values."""
    condition = pl.lit(False)
    for name in placing_fields(table):
        condition = condition | pl.col(_t(name)).is_null()
        if name in table.key:
            condition = condition | pl.col(_v(name)).is_null()
    for column in table.fields:
        if column.kind == Kind.VILLAGE_CODE:
            code = pl.col(_c(column.name))
            condition = condition | code.is_in(
                [P.VILLAGE_CODE_FORMAT.value, P.TOWNSHIP_UNKNOWN.value]
            ).fill_null(False)
    return condition


def prepare(table: Table, raw: pl.DataFrame) -> pl.DataFrame:
    """Cleaned text, parsed values and per-field codes for every row of `raw`.

    A field's text, value and code depend on its cell alone, so they are worked out once
    per distinct cell (`field_lookup`) and joined back: a column of a million cells holds
    a few dozen enumeration values, a few thousand dates.
    """
    frame = raw
    # Each field's columns are worked out on two threads (Polars releases the GIL), from
    # its cell column alone, and put beside the frame in field order: one field at a time,
    # a city's validation kept one core busy.
    with ThreadPoolExecutor(max_workers=FIELD_WORKERS) as threads:
        for found in threads.map(partial(_field_columns, raw), table.fields):
            frame = frame.hstack(found.get_columns())
    checks = _person_checks(table)
    if checks:
        frame = frame.with_columns(checks[0].alias(_c("birth_date")), checks[1].alias(_c("sex")))
    frame = frame.with_columns(_unplaceable(table).alias("_excluded"))
    return frame.set_sorted("_rid") if "_rid" in frame.columns else frame


# Kinds whose cells hardly repeat (a city's income table holds 1.2 million rows and about
# as many amounts): their plain cells are worked out in place, not looked up and joined.
MOSTLY_DISTINCT = (Kind.MONEY, Kind.DECIMAL)


def _field_columns(raw: pl.DataFrame, column: Field) -> pl.DataFrame:
    """The field's text, value and code columns (`t__`, `v__`, `code__<field>`) for every row of `raw`."""
    cells = raw.select(column.name)
    if column.kind in MOSTLY_DISTINCT and _all_plain(column, cells.get_column(column.name)):
        # The same columns as looking each distinct cell up (`_plain` is a function of the
        # cell alone), without working out which cells are distinct or joining them back.
        return _plain(column, cells).drop(column.name)
    found = _attach(cells, column, field_lookup(column, cells.get_column(column.name)))
    return found.drop(column.name)


def _all_plain(column: Field, cells: pl.Series) -> bool:
    return cells.null_count() == 0 and bool(cells.str.contains(plain_pattern(column)).all())


def _attach(frame: pl.DataFrame, column: Field, lookup: pl.DataFrame) -> pl.DataFrame:
    """`frame` with the field's text, value and code from `lookup`, joined on the cell.

    What needs no join is not joined: text equal to the cell on every distinct cell is the
    cell's own column, a value equal to the text is the text's column, and a code that is
    null on every distinct cell is a null literal. That keeps a city's clean columns from
    being copied three times over.
    """
    cell, text, value, code = column.name, _t(column.name), _v(column.name), _c(column.name)
    same_text = lookup.get_column(text).equals(lookup.get_column(cell), check_names=False, null_equal=True)
    same_value = lookup.schema[value] == pl.String() and lookup.get_column(value).equals(
        lookup.get_column(text), check_names=False, null_equal=True
    )
    no_code = lookup.get_column(code).null_count() == lookup.height
    joined = [
        name for name, shared in ((text, same_text), (value, same_value), (code, no_code)) if not shared
    ]
    if joined:  # a left join keeps the left order, so `_rid` stays sorted
        # Only the cell column goes through the join and the new columns are put beside the
        # frame: joining the whole frame would copy every column of it once per field.
        found = frame.select(cell).join(
            lookup.select(cell, *joined), on=cell, how="left", nulls_equal=True, maintain_order="left"
        )
        frame = frame.hstack(found.drop(cell).get_columns())
    shared = []
    if same_text:
        shared.append(pl.col(cell).alias(text))
    if no_code:
        shared.append(pl.lit(None, dtype=pl.String).alias(code))
    frame = frame.with_columns(shared) if shared else frame
    return frame.with_columns(pl.col(text).alias(value)) if same_value else frame


def field_lookup(column: Field, cells: pl.Series) -> pl.DataFrame:
    """Text, value and code (`t__`, `v__`, `code__<field>`) of each distinct cell of a field.

    Most cells are already plain (`PLAIN`: 18 ASCII digits for an ID, 1234.50 for money,
    2024-06-30 for a date, words without spaces): cleaning leaves them as they are, so
    they skip it (`_plain`); every other cell goes through the general expressions.
    """
    distinct = cells.unique().to_frame(column.name)
    plain = distinct.get_column(column.name).str.contains(plain_pattern(column)).fill_null(False)
    if not plain.any():
        return _worked_out(column, distinct)
    if plain.all():
        return _plain(column, distinct)
    return pl.concat([_plain(column, distinct.filter(plain)), _worked_out(column, distinct.filter(~plain))])


# Cells that `_text` returns unchanged, by kind. ASCII and the CJK Unified Ideographs
# (U+4E00–U+9FFF) are unchanged by NFKC, and a cell without whitespace is neither
# trimmed nor compacted (tests/engine/test_import_plain.py checks each pattern).
PLAIN_WORDS = r"^[\x21-\x7E\x{4E00}-\x{9FFF}]+$"
PLAIN_ID = r"^[0-9]{17}[0-9X]$"
PLAIN_NUMBER = r"^[0-9]+(?:\.[0-9]+)?$"
PLAIN_DIGITS = r"^[0-9]+$"
PLAIN_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
PLAIN = {
    Kind.ID_NUMBER: PLAIN_ID,
    Kind.MONEY: PLAIN_NUMBER,
    Kind.DECIMAL: PLAIN_NUMBER,
    Kind.INTEGER: PLAIN_DIGITS,
    Kind.DATE: PLAIN_DATE,
    Kind.VILLAGE_CODE: r"^[0-9]{12}$",
    Kind.PHONE: PLAIN_DIGITS,
}


def plain_pattern(column: Field) -> str:
    """The cells of `column` whose cleaned text is the cell itself."""
    return PLAIN.get(column.kind, PLAIN_WORDS)


def _plain(column: Field, distinct: pl.DataFrame) -> pl.DataFrame:
    """`_worked_out` for plain cells: the text is the cell; numbers and dates are parsed directly."""
    cell, text = pl.col(column.name), pl.col(_t(column.name))
    if column.kind in (Kind.MONEY, Kind.DECIMAL):
        value = text.cast(pl.Float64, strict=False)
    elif column.kind == Kind.INTEGER:
        value = text.cast(pl.Float64, strict=False).cast(pl.Int64)
    elif column.kind == Kind.DATE:
        value = text.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    else:
        value = _parsed(column)
    code = _plain_id_codes(text) if column.kind == Kind.ID_NUMBER else _code(column)
    # Lazy, so that a part an expression uses several times is worked out once (an ID's
    # first 17 digits are read as a number for each of the 17 weights: 2.4 times faster).
    return (
        distinct.lazy()
        .with_columns(cell.alias(_t(column.name)))
        .with_columns(value.cast(dtype_of(column)).alias(_v(column.name)))
        .with_columns(code.cast(pl.String).alias(_c(column.name)))
        .collect()
    )


def _worked_out(column: Field, distinct: pl.DataFrame) -> pl.DataFrame:
    return (
        distinct.lazy()
        .with_columns(_text(column).alias(_t(column.name)))
        .with_columns(_parsed(column).cast(dtype_of(column)).alias(_v(column.name)))
        .with_columns(_code(column).alias(_c(column.name)))
        .collect()
    )


def _plain_id_codes(number: pl.Expr) -> pl.Expr:
    """`idnumber.validate_expr`'s code (null for a good ID) for IDs matching PLAIN_ID.

    Such an ID needs no cleaning and is neither 15 digits nor a number Excel shortened, so
    only its date of birth and check character can be wrong; the check sum is integer
    arithmetic on the first 17 digits read as one number.
    """
    first17 = number.str.slice(0, 17).cast(pl.Int64)
    weighted = pl.sum_horizontal(
        [(first17 // 10 ** (16 - i)) % 10 * weight for i, weight in enumerate(idnumber.WEIGHTS)]
    )
    # CHECK_CHARACTERS[k] is the character for weighted % 11 == k; as a number (X = 10) it is (12 - k) % 11.
    expected = (12 - weighted % 11) % 11
    last = number.str.slice(17, 1)
    written = (
        pl.when(last == "X").then(pl.lit(10, dtype=pl.Int64)).otherwise(last.cast(pl.Int64, strict=False))
    )
    born = number.str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False)
    return (
        pl.when(born.is_null())
        .then(pl.lit(idnumber.IdProblem.BIRTH_DATE.value))
        .when(written != expected)
        .then(pl.lit(idnumber.IdProblem.CHECK_DIGIT.value))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def mark_unknown_households(frame: pl.DataFrame, households: Households | None) -> pl.DataFrame:
    """Members and income rows naming a household that was not imported are excluded."""
    if households is None or "household_id" not in frame.columns:
        return frame
    household = pl.col(_t("household_id"))
    unknown = ~pl.col("_excluded") & ~household.is_in(households.accepted.implode()).fill_null(False)
    return frame.with_columns(
        pl.when(unknown)
        .then(
            pl.when(household.is_in(households.excluded.implode()))
            .then(pl.lit("（户信息表中有该户，但那一行有问题未导入），因此本行未导入"))
            .otherwise(pl.lit("，该行未导入"))
        )
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias("_why_household"),
        (pl.col("_excluded") | unknown).alias("_excluded"),
    )


def mark_duplicates(table: Table, frame: pl.DataFrame) -> pl.DataFrame:
    """Among rows still in, a later row whose key repeats an earlier row's is excluded.

    A table without a key treats an exact repeat of every field as a duplicate.
    """
    key_columns = [_t(n) if dtype_of(table.field(n)) == pl.String() else _v(n) for n in table.key]
    if not key_columns:
        key_columns = [_t(f.name) for f in table.fields]
    # A row still in repeats an earlier row still in: its key together with `_excluded`
    # (false) is not the first of its kind. The same as comparing keys within each value of
    # `_excluded`, without a window.
    key = pl.struct([*key_columns, "_excluded"])
    repeated = ~pl.col("_excluded") & ~key.is_first_distinct()
    return frame.with_columns(repeated.alias("_duplicate")).with_columns(
        (pl.col("_excluded") | pl.col("_duplicate")).alias("_excluded")
    )


def validate_table(
    table: Table, raw: pl.DataFrame, headers: pl.DataFrame, households: Households | None = None
) -> TableOutcome:
    """Validate `raw` (one String column per field, plus _src/_file/_sheet/_row in source order).

    `headers` maps (_src, field) to the header as written, for the problems' `column`.
    """
    frame = prepare(table, raw.with_row_index("_rid"))
    frame = mark_unknown_households(frame, households)
    frame = mark_duplicates(table, frame)
    problems = _problems(table, frame, headers)
    # The cells as written are not part of the data: leaving them out before filtering keeps
    # a file whose every row has a problem (each field's text a column of its own) from
    # being copied whole.
    worked = [name for f in table.fields for name in (_t(f.name), _v(f.name), _c(f.name))]
    data = _data(
        table, frame.lazy().filter(~pl.col("_excluded")).select("_rid", *BOOKKEEPING, *worked).collect()
    )
    rejected = _rejected(table, frame.filter(pl.col("_excluded")), problems)
    excluded_ids = (
        frame.filter(pl.col("_excluded")).get_column(_t("household_id")).drop_nulls()
        if table.name == "households"
        else pl.Series([], dtype=pl.String)
    )
    return TableOutcome(data, problems, rejected, excluded_ids)


def _field_problems(table: Table, frame: pl.DataFrame) -> pl.DataFrame:
    """One row per (row, field) with a code: the field's code and its cell as written.

    Each field's flagged cells are taken from that field's own columns: unpivoting every
    field of every flagged row and joining the codes back held five copies of a file whose
    every ID is bad (1.8 million rows: 2.5 GB).
    """
    parts = [
        frame.lazy()
        .filter(pl.col(_c(f.name)).is_not_null())
        .select(
            "_rid",
            pl.lit(f.name).alias("field"),
            pl.col(_c(f.name)).alias("code"),
            pl.col(f.name).alias("value"),
            pl.lit("").alias("detail"),
        )
        for f in table.fields
    ]
    return pl.concat(parts).collect()


def _row_problems(table: Table, frame: pl.DataFrame) -> pl.DataFrame:
    parts: list[pl.DataFrame] = []
    first_key = (table.key or table.field_names)[0]
    duplicates = frame.filter(pl.col("_duplicate")).select(
        "_rid",
        pl.lit(first_key).alias("field"),
        pl.lit(P.DUPLICATE_KEY.value).alias("code"),
        pl.concat_str(
            [pl.col(_t(n)).fill_null("") for n in table.key or table.field_names], separator=" / "
        ).alias("value"),
        pl.lit("").alias("detail"),
    )
    parts.append(duplicates)
    if "_why_household" in frame.columns:
        unknown = frame.filter(pl.col("_why_household").is_not_null()).select(
            "_rid",
            pl.lit("household_id").alias("field"),
            pl.lit(P.UNKNOWN_HOUSEHOLD.value).alias("code"),
            pl.col("household_id").alias("value"),
            pl.col("_why_household").alias("detail"),
        )
        parts.append(unknown)
    return pl.concat(parts)


def _problems(table: Table, frame: pl.DataFrame, headers: pl.DataFrame) -> pl.DataFrame:
    found = pl.concat([_field_problems(table, frame), _row_problems(table, frame)], how="vertical_relaxed")
    where = frame.select("_rid", "_src", "_excluded", *BOOKKEEPING)
    found = found.join(where, on="_rid", how="left").join(headers, on=["_src", "field"], how="left")
    messages = _messages(table)
    return found.sort("_rid", "field").select(
        pl.col("_file").alias("file"),
        pl.col("_sheet").alias("sheet"),
        pl.col("_row").alias("row"),
        pl.lit(table.name).alias("table"),
        pl.col("column").fill_null(""),
        pl.col("field"),
        pl.col("value"),
        pl.col("code"),
        pl.concat_str(
            [
                (pl.col("field") + "|" + pl.col("code")).replace_strict(messages, default=None),
                pl.col("detail").fill_null(""),
            ],
            separator="",
        ).alias("message"),
        pl.when(pl.col("_excluded"))
        .then(pl.lit(ACTION_EXCLUDED))
        .otherwise(pl.lit(ACTION_KEPT))
        .alias("action"),
    )


def _messages(table: Table) -> dict[str, str]:
    """Chinese message for every (field, code) pair a table can produce."""
    messages: dict[str, str] = {}
    for column in (*table.fields, None):
        name = column.name if column else ROW_LEVEL
        for code in Problem:
            text = PROBLEM_TEXT[code]
            if column is not None and code == P.ENUM_INVALID and column.choices:
                text += "（应为：" + "、".join(column.choices) + "）"
            if code == P.REQUIRED_MISSING and column is not None and column.name in placing_fields(table):
                text += "，该行未导入"
            if column is not None and code == P.NUMBER_OUT_OF_RANGE:
                text += f"（合理范围：{_bound(column.minimum)}～{_bound(column.maximum)}）"
            messages[f"{name}|{code.value}"] = text
    if table.key or table.field_names:
        first_key = (table.key or table.field_names)[0]
        headers = "、".join(table.field(n).header for n in table.key) if table.key else "全部字段"
        messages[f"{first_key}|{P.DUPLICATE_KEY.value}"] = (
            f"{PROBLEM_TEXT[P.DUPLICATE_KEY]}（{headers}），该行未导入"
        )
    return messages


def _bound(value: float | None) -> str:
    if value is None:
        return "不限"
    return str(int(value)) if float(value).is_integer() else str(value)


def _data(table: Table, kept: pl.DataFrame) -> pl.DataFrame:
    columns: list[pl.Expr] = []
    valid: list[pl.Expr] = []
    for column in table.fields:
        code = pl.col(_c(column.name))
        if column.kind == Kind.ID_NUMBER:
            columns.append(pl.col(_t(column.name)).alias(column.name))
            valid.append(
                pl.when(pl.col(_t(column.name)).is_null())
                .then(None)
                .otherwise(code.is_null())
                .alias(f"{column.name}_valid")
            )
        elif column.kind == Kind.ENUM_LIST:
            allowed = pl.col(_v(column.name)).list.eval(
                pl.element().filter(pl.element().is_in(column.choices))
            )
            columns.append(allowed.alias(column.name))
        elif kept.get_column(_c(column.name)).null_count() == kept.height:
            columns.append(pl.col(_v(column.name)).alias(column.name))  # the same, without a copy
        else:
            columns.append(pl.when(code.is_null()).then(pl.col(_v(column.name))).alias(column.name))
    kept = kept.sort("_rid")
    return kept.select(*columns, *valid, *BOOKKEEPING).with_columns(_flags(table, kept))


def _flags(table: Table, kept: pl.DataFrame) -> pl.Series:
    """The codes of each row's problems in field order; an empty list on the (many) clean rows.

    Lists are built for the rows with a problem only: building one per row is slow. They
    are split from the codes joined as text (codes have no comma): six times faster than
    dropping the nulls of a list of every field's code, which took 7 s for a file whose
    every row has a problem.
    """
    codes = [pl.col(_c(f.name)) for f in table.fields]
    flagged = kept.filter(pl.any_horizontal(code.is_not_null() for code in codes)).select(
        "_rid", pl.concat_str(codes, separator=",", ignore_nulls=True).str.split(",").alias("_flags")
    )
    placed = kept.select("_rid").join(flagged, on="_rid", how="left", maintain_order="left")
    return placed.get_column("_flags").fill_null(pl.lit([], dtype=pl.List(pl.String)))


def _rejected(table: Table, excluded: pl.DataFrame, problems: pl.DataFrame) -> pl.DataFrame:
    codes = (
        problems.filter(pl.col("action") == ACTION_EXCLUDED)
        .group_by("file", "sheet", "row", maintain_order=True)
        .agg(pl.col("code").unique(maintain_order=True).alias("codes"))
    )
    rows = excluded.sort("_rid").select(
        pl.lit(table.name).alias("table"),
        *BOOKKEEPING,
        pl.struct([pl.col(f.name) for f in table.fields]).struct.json_encode().alias("values"),
    )
    joined = rows.join(codes, left_on=list(BOOKKEEPING), right_on=["file", "sheet", "row"], how="left")
    return joined.select("table", *BOOKKEEPING, "codes", "values")


def rejected_schema() -> dict[str, pl.DataType]:
    return {
        "table": pl.String(),
        "_file": pl.String(),
        "_sheet": pl.String(),
        "_row": pl.Int64(),
        "codes": pl.List(pl.String),
        "values": pl.String(),
    }


def learn_villages(households: pl.DataFrame) -> pl.DataFrame:
    """Villages seen in the imported households, with township and county from the reference."""
    townships = regions.townships()
    counties = regions.counties()
    seen = (
        households.filter(pl.col("village_code").is_not_null())
        .group_by("village_code")
        .agg(pl.col("village_name").drop_nulls().mode().sort().first().alias("village_name"))
        .sort("village_code")
    )
    return seen.select(
        "village_code",
        "village_name",
        pl.col("village_code").str.slice(0, 9).alias("township_code"),
        pl.col("village_code")
        .str.slice(0, 9)
        .replace_strict({c: r.name for c, r in townships.items()}, default=None)
        .alias("township_name"),
        pl.col("village_code").str.slice(0, 6).alias("county_code"),
        pl.col("village_code")
        .str.slice(0, 6)
        .replace_strict({c: r.name for c, r in counties.items()}, default=None)
        .alias("county_name"),
    )


def blank_or_totals(
    table: Table, frame: pl.DataFrame, leading: Sequence[str], others: Sequence[str] = ()
) -> pl.Series:
    """True for layout rows: every field empty, or a totals row with its key fields empty.

    A totals row says 合计/总计/小计 in a leading cell, or has a cell elsewhere (`others`:
    every other cell of the sheet row) that is a totals label as a whole (本村合计). On
    such a row a key cell may hold the totals word itself or a count such as "126条" or
    a bare 35 under the ID column; none of these is a key, so such a cell counts as empty.

    Cleaning every cell of a million rows is slow, so the rows that could be layout are
    found first by cheap tests that never miss one (`_maybe_layout`), and only those are
    judged in full.
    """
    maybe = frame.select(_maybe_layout(table, frame, leading, others).alias("layout")).to_series()
    positions = maybe.arg_true()
    if positions.len() == 0:
        return maybe
    judged = _blank_or_totals(table, frame.filter(maybe), leading, others)
    return pl.repeat(False, frame.height, eager=True).alias("layout").scatter(positions, judged)


def _maybe_layout(
    table: Table, frame: pl.DataFrame, leading: Sequence[str], others: Sequence[str]
) -> pl.Expr:
    """True on every row `_blank_or_totals` may call layout (and on few others).

    A cell cleans to empty exactly when it is null or only whitespace: no character that
    is not whitespace becomes whitespace under NFKC (tests/engine/test_import_fast_paths.py
    checks every code point). So a blank row has that cell in every field, and in the field
    with the fewest nulls in particular: looking at that one field alone costs a city's
    import a regex over one column instead of every field's. A totals label needs 计 after
    NFKC, and no character but 计 itself becomes 计, so a cell without 计 is no totals label
    (nor, in a leading cell, 合计, 总计 or 小计).
    """
    fields = [frame.get_column(f.name) for f in table.fields if f.name in frame.columns]
    fullest = min(fields, key=lambda cells: cells.null_count(), default=None)
    blank = pl.lit(True) if fullest is None else ~pl.col(fullest.name).str.contains(r"\S").fill_null(False)
    words = [pl.col(c).str.contains("计", literal=True).fill_null(False) for c in (*leading, *others)]
    return blank | (pl.any_horizontal(words) if words else pl.lit(False))


def _blank_or_totals(
    table: Table, frame: pl.DataFrame, leading: Sequence[str], others: Sequence[str]
) -> pl.Series:
    cleaned = [values.clean(pl.col(f.name)) for f in table.fields if f.name in frame.columns]
    blank = pl.all_horizontal([c.is_null() for c in cleaned]) if cleaned else pl.lit(True)
    identity = [
        values.clean(pl.col(n)).is_null() | values.is_totals(pl.col(n)) | values.is_count(pl.col(n))
        for n in identity_fields(table)
        if n in frame.columns
    ]
    words = [values.is_totals(pl.col(c)) for c in leading]
    words += [values.is_totals_label(pl.col(c)) for c in others]
    totals_word = pl.any_horizontal(words) if words else pl.lit(False)
    keys_empty = pl.all_horizontal(identity) if identity else pl.lit(True)
    return frame.select((blank | (totals_word & keys_empty)).alias("layout")).to_series()

"""Text to values: the Polars expressions that clean and parse every kind of cell.

Each parser takes cleaned text (`clean`) and returns the typed value, or null when
the text cannot be read; the validator compares the two to find bad values.

Dates arrive as 2024-06-30, 2024/6/30, 2024.6.30, 2024年6月30日, 20240630, an
Excel date number (45473) or a date cell (2024-06-30 00:00:00).
"""

from __future__ import annotations

import polars as pl

from fangfan.engine import idnumber

EXCEL_EPOCH = pl.date(1899, 12, 30)
TOTALS_WORDS = ("合计", "总计", "小计")
LIST_SEPARATORS = r"[;；,，、]"
TRUE_WORDS = ("是", "true", "TRUE", "True")
FALSE_WORDS = ("否", "false", "FALSE", "False")

_YMD = (
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"  # the time of a date cell
)
_COMPACT = r"^(\d{4})(\d{2})(\d{2})$"
_SERIAL = r"^\d{1,5}(?:\.\d+)?$"
_NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"
_INTEGER = r"^[+-]?\d+(?:\.0*)?$"


def clean(column: pl.Expr) -> pl.Expr:
    """NFKC (full-width to half-width), trimmed; empty text becomes null."""
    text = column.cast(pl.String).str.normalize("NFKC").str.strip_chars()
    return pl.when(text == "").then(None).otherwise(text)


def compact(text: pl.Expr) -> pl.Expr:
    """Cleaned text without any inner spaces (codes, enumerations, names)."""
    squeezed = text.str.replace_all(r"\s+", "")
    return pl.when(squeezed == "").then(None).otherwise(squeezed)


def parse_date(text: pl.Expr) -> pl.Expr:
    """A Date from any accepted form, else null."""
    ymd = text.str.extract_groups(_YMD)
    digits = text.str.extract_groups(_COMPACT)
    year = pl.coalesce(ymd.struct.field("1"), digits.struct.field("1"))
    month = pl.coalesce(ymd.struct.field("2"), digits.struct.field("2"))
    day = pl.coalesce(ymd.struct.field("3"), digits.struct.field("3"))
    written = pl.concat_str([year, month.str.zfill(2), day.str.zfill(2)], separator="-").str.strptime(
        pl.Date, "%Y-%m-%d", strict=False
    )
    serial = pl.when(text.str.contains(_SERIAL)).then(
        text.cast(pl.Float64, strict=False).floor().cast(pl.Int64)
    )
    from_serial = pl.when(serial >= 1).then(EXCEL_EPOCH + pl.duration(days=serial))
    return pl.coalesce(written, from_serial)


def _without_separators(text: pl.Expr) -> pl.Expr:
    return text.str.replace_all(r"[,，\s¥￥]", "").str.strip_suffix("元")


def parse_integer(text: pl.Expr) -> pl.Expr:
    """Int64 from text like 1,234 or 12.0, else null."""
    plain = _without_separators(text)
    return pl.when(plain.str.contains(_INTEGER)).then(plain.cast(pl.Float64, strict=False).cast(pl.Int64))


def parse_decimal(text: pl.Expr) -> pl.Expr:
    """Float64 from text like 1,234.50 or ¥300, else null."""
    plain = _without_separators(text)
    return pl.when(plain.str.contains(_NUMBER)).then(plain.cast(pl.Float64, strict=False))


def parse_boolean(text: pl.Expr) -> pl.Expr:
    """是 → true, 否 → false (an Excel TRUE/FALSE cell too), else null."""
    return (
        pl.when(text.is_in(TRUE_WORDS))
        .then(pl.lit(True))
        .when(text.is_in(FALSE_WORDS))
        .then(pl.lit(False))
        .otherwise(pl.lit(None, dtype=pl.Boolean))
    )


def split_list(text: pl.Expr) -> pl.Expr:
    """A list of items separated by ；; ，, or 、, empty items dropped."""
    return (
        text.str.replace_all(LIST_SEPARATORS, ";")
        .str.split(";")
        .list.eval(pl.element().str.strip_chars().filter(pl.element().str.strip_chars() != ""))
    )


def id_number(text: pl.Expr) -> pl.Expr:
    """An ID as a clerk meant it (full-width, spaces and lower-case x fixed)."""
    normal = idnumber.normalise_expr(text)
    return pl.when(normal == "").then(None).otherwise(normal)


def village_code(text: pl.Expr) -> pl.Expr:
    """A region code without spaces and without a trailing .0 left by a number cell."""
    return compact(text).str.replace(r"\.0+$", "")


def is_totals(text: pl.Expr) -> pl.Expr:
    """True where a cell says 合计/总计/小计."""
    return text.str.contains("|".join(TOTALS_WORDS)).fill_null(False)


def is_totals_label(text: pl.Expr) -> pl.Expr:
    """True where a whole cell is a totals label: 合计, 本村合计, 小计：, 合计 126户.

    Stricter than `is_totals`, for cells outside the leading ones, where a note that
    merely mentions 小计 must not make a data row a totals row.
    """
    words = "|".join(TOTALS_WORDS)
    label = rf"^[^\d]{{0,8}}?({words})[:：]?\s*(共?\d[\d,]*\s*[条户人项个家元]?)?$"
    return clean(text).str.contains(label).fill_null(False)


def is_count(text: pl.Expr) -> pl.Expr:
    """True where a cell is a count written on a totals row: 126条, 35户, 共35人, or a bare 35.

    A bare number counts only up to seven digits: an ID or a household number is longer,
    so a real key is never mistaken for a count.
    """
    return clean(text).str.contains(r"^(共)?\d{1,3}(,?\d{3}){0,2}(\.0+)?\s*[条户人项个家]?$").fill_null(False)

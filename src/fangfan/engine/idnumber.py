"""Resident ID numbers (GB 11643-1999): check, normalise, make.

Scalar functions for single values and tests; `validate_expr` is the Polars
version the importer runs over millions of rows. Both agree with
`stdnum.cn.ric` (a test holds them to it).

>>> check_character("62122619900101123")
'4'
>>> validate("621226199001011234")
<IdProblem.OK: 'ok'>
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from enum import StrEnum

import polars as pl

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"
_FULL_WIDTH = str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)} | {"ｘ": "X", "Ｘ": "X"})
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")


class IdProblem(StrEnum):
    OK = "ok"
    FORMAT = "ID_FORMAT"
    PRECISION_LOST = "ID_PRECISION_LOST"
    BIRTH_DATE = "ID_BIRTH_DATE"
    CHECK_DIGIT = "ID_CHECK_DIGIT"


def check_character(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def normalise(raw: object) -> str:
    """Text form of an ID as a clerk meant it: full-width digits, spaces, lower-case x fixed.

    Never repairs lost digits: `6.21226E+17` stays as it is and fails validation.
    """
    if raw is None:
        return ""
    if isinstance(raw, float):
        # A number cell: exact up to 15 digits (old IDs survive), beyond that Excel kept only
        # 15 significant digits, so show it the way Excel does and let validation refuse it.
        return str(int(raw)) if raw.is_integer() and abs(raw) < 1e15 else f"{raw:.14E}"
    text = unicodedata.normalize("NFKC", str(raw)).translate(_FULL_WIDTH)
    return re.sub(r"\s+", "", text).upper()


def birth_date(number: str) -> dt.date | None:
    digits = "19" + number[6:12] if len(number) == 15 else number[6:14]
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def sex(number: str) -> str:
    """男 or 女 from the sequence digit (odd male, even female)."""
    digit = number[16] if len(number) == 18 else number[14]
    return "男" if int(digit) % 2 else "女"


def validate(number: str) -> IdProblem:
    """The first problem of a normalised ID, or OK."""
    if _SCIENTIFIC.match(number):
        return IdProblem.PRECISION_LOST
    if len(number) == 15:
        if not number.isdigit():
            return IdProblem.FORMAT
        return IdProblem.OK if birth_date(number) else IdProblem.BIRTH_DATE
    if len(number) != 18 or not number[:17].isdigit() or number[17] not in "0123456789X":
        return IdProblem.FORMAT
    if birth_date(number) is None:
        return IdProblem.BIRTH_DATE
    if check_character(number[:17]) != number[17]:
        return IdProblem.CHECK_DIGIT
    return IdProblem.OK


def make(area: str, born: dt.date, sequence: int) -> str:
    """A valid 18-digit ID; sequence 0–999, odd for men."""
    first17 = f"{area}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


def to_18(number: str) -> str:
    """The 18-digit form of a valid 15-digit ID (used for linking)."""
    if len(number) != 15:
        return number
    first17 = number[:6] + "19" + number[6:]
    return first17 + check_character(first17)


# ---- vectorised (Polars) -------------------------------------------------------


def normalise_expr(column: pl.Expr) -> pl.Expr:
    """Polars version of `normalise` for text columns."""
    full_width = [chr(0xFF10 + i) for i in range(10)] + ["ｘ", "Ｘ"]
    half_width = [str(i) for i in range(10)] + ["X", "X"]
    return (
        column.cast(pl.String)
        .str.replace_many(full_width, half_width)
        .str.replace_all(r"[\s\u3000]+", "")
        .str.to_uppercase()
        .fill_null("")
    )


def validate_expr(column: pl.Expr) -> pl.Expr:
    """Problem code (IdProblem value) for each normalised ID in `column`."""
    length = column.str.len_chars()
    is18 = (length == 18) & column.str.contains(r"^\d{17}[0-9X]$")
    is15 = (length == 15) & column.str.contains(r"^\d{15}$")
    birth18 = column.str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False)
    birth15 = ("19" + column.str.slice(6, 6)).str.strptime(pl.Date, "%Y%m%d", strict=False)
    weighted = pl.sum_horizontal(
        [column.str.slice(i, 1).cast(pl.Int32, strict=False).fill_null(0) * w for i, w in enumerate(WEIGHTS)]
    )
    expected = pl.lit(CHECK_CHARACTERS).str.slice((weighted % 11).cast(pl.Int64), 1)
    lost = column.str.contains(r"^\d(\.\d+)?[eE]\+?\d+$")
    return (
        pl.when(lost)
        .then(pl.lit(IdProblem.PRECISION_LOST.value))
        .when(is15)
        .then(pl.when(birth15.is_null()).then(pl.lit(IdProblem.BIRTH_DATE.value)).otherwise(pl.lit("ok")))
        .when(~is18)
        .then(pl.lit(IdProblem.FORMAT.value))
        .when(birth18.is_null())
        .then(pl.lit(IdProblem.BIRTH_DATE.value))
        .when(expected != column.str.slice(17, 1))
        .then(pl.lit(IdProblem.CHECK_DIGIT.value))
        .otherwise(pl.lit("ok"))
    )


def birth_date_expr(column: pl.Expr) -> pl.Expr:
    return (
        pl.when(column.str.len_chars() == 15)
        .then(("19" + column.str.slice(6, 6)).str.strptime(pl.Date, "%Y%m%d", strict=False))
        .otherwise(column.str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False))
    )


def sex_expr(column: pl.Expr) -> pl.Expr:
    digit = (
        pl.when(column.str.len_chars() == 15).then(column.str.slice(14, 1)).otherwise(column.str.slice(16, 1))
    ).cast(pl.Int32, strict=False)
    return pl.when(digit.is_null()).then(None).when(digit % 2 == 1).then(pl.lit("男")).otherwise(pl.lit("女"))

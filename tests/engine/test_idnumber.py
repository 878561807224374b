"""Our ID checks agree with python-stdnum on thousands of random valid and broken IDs.

stdnum also checks the birth place against its own location table (with year
ranges), so we compare our verdict on check digit and birth date with
`ric.calc_check_digit` and `ric.get_birth_date`, and the full verdict only on IDs
whose area stdnum accepts.
"""

from __future__ import annotations

import datetime as dt
import random

import polars as pl
import pytest
from stdnum import exceptions
from stdnum.cn import ric

from fangfan.engine import idnumber
from fangfan.engine.idnumber import IdProblem

AREAS = ("621226", "621202", "622621", "622628", "110101", "440305")


def _random_ids(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    numbers: list[str] = []
    for _ in range(count):
        born = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(0, 33_000))
        number = idnumber.make(rng.choice(AREAS), born, rng.randrange(1000))
        numbers.append(_corrupt(number, rng) if rng.random() < 0.5 else number)
    return numbers


def _corrupt(number: str, rng: random.Random) -> str:
    how = rng.randrange(4)
    if how == 0:  # another last character
        return number[:17] + rng.choice([c for c in "0123456789X" if c != number[17]])
    if how == 1:  # two adjacent digits swapped
        i = rng.randrange(6, 16)
        return number[:i] + number[i + 1] + number[i] + number[i + 2 :]
    if how == 2:  # an impossible birth date
        return number[:10] + rng.choice(["13", "00"]) + number[12:]
    i = rng.randrange(17)  # one digit changed
    return number[:i] + str((int(number[i]) + rng.randrange(1, 10)) % 10) + number[i + 1 :]


def _stdnum_verdict(number: str) -> IdProblem:
    try:
        ric.get_birth_date(number)
    except exceptions.ValidationError:
        return IdProblem.BIRTH_DATE
    if ric.calc_check_digit(number) != number[17]:
        return IdProblem.CHECK_DIGIT
    return IdProblem.OK


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_check_digit_and_birth_date_agree_with_stdnum_on_random_ids(seed: int) -> None:
    numbers = _random_ids(2000, seed)
    ours = (
        pl.Series(numbers).to_frame("id").select(idnumber.validate_expr(pl.col("id"))).to_series().to_list()
    )
    for number, vectorised in zip(numbers, ours, strict=True):
        expected = _stdnum_verdict(number)
        assert idnumber.validate(number) == expected, number
        assert vectorised == expected.value, number


def test_full_verdict_agrees_with_stdnum_where_stdnum_knows_the_area() -> None:
    compared = 0
    for number in _random_ids(3000, 7):
        try:
            ric.get_birth_place(number)
        except (exceptions.ValidationError, KeyError):
            continue  # stdnum does not know this area for that birth year (KeyError: a stdnum quirk)
        compared += 1
        assert (idnumber.validate(number) == IdProblem.OK) == ric.is_valid(number), number
    assert compared > 500


def test_normalising_fixes_full_width_digits_spaces_and_lower_case_x() -> None:
    written = " ６２１２２６ 19900101 123x "
    assert idnumber.normalise(written) == "62122619900101123X"
    frame = pl.DataFrame({"id": [written]}).select(idnumber.normalise_expr(pl.col("id")))
    assert frame.item() == "62122619900101123X"


def test_a_long_number_cell_is_never_guessed_back_into_digits() -> None:
    shown = idnumber.normalise(621226199001011234.0)
    assert "E+17" in shown
    assert idnumber.validate(shown) == IdProblem.PRECISION_LOST


def test_a_fifteen_digit_number_cell_is_exact() -> None:
    assert idnumber.normalise(622621850101123.0) == "622621850101123"
    assert idnumber.validate("622621850101123") == IdProblem.OK

"""Masking what people read: nothing in a message or a cell gives an ID number back."""

from __future__ import annotations

import datetime as dt

import pytest

from cast import WANG_XIUYING
from fangfan.engine.masking import birth_year, mask_id, mask_text

WANG_ID = WANG_XIUYING.id_number  # tests/cast.py; born 1968-03-05


def test_a_masked_id_hides_exactly_the_birth_date_digits() -> None:
    assert mask_id(WANG_ID) == WANG_ID[:6] + "********" + WANG_ID[14:]
    old = "621226680305042"  # 15 digits: YYMMDD at 7–12
    assert mask_id(old) == "621226******042"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (f"证件号码{WANG_ID}重复", f"证件号码{WANG_ID[:6]}********{WANG_ID[-4:]}重复"),
        (f"{WANG_ID[:17]}x", f"{WANG_ID[:6]}********{WANG_ID[14:17]}x"),
        ("旧证621226680305042", "旧证621226******042"),
        ("电话13912345678。", "电话139****5678。"),
        ("电话139-1234-5678", "电话139****5678"),
        ("电话 139 1234 5678", "电话 139****5678"),
        ("出生日期1968-03-05，户主出生日期：1940/1/2", "出生日期1968年，户主出生日期：1940年"),
        ('{"label": "出生日期", "value": "1968-03-05"}', '{"label": "出生日期", "value": "1968年"}'),
        ("出生日期1968年3月5日", "出生日期1968年"),
    ],
)
def test_free_text_loses_whole_ids_phones_and_birth_dates(text: str, masked: str) -> None:
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "户编号6212260012000001",  # 16 digits: a household number, not an ID
        "行政区划代码621226100201",
        "人均纯收入8,400元，2026-10-31走访",
        "",
    ],
)
def test_numbers_that_are_not_personal_stay_as_they_are(text: str) -> None:
    assert mask_text(text) == text


def test_a_birth_date_is_shown_as_its_year() -> None:
    assert birth_year(dt.date(1968, 3, 5)) == "1968年"
    assert birth_year("1968-03-05") == "1968年"
    assert birth_year(None) == ""

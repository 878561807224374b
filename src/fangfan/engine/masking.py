"""Masking personal data for what people read: pages, Excel, printed ledgers.

A masked ID number keeps its first 6 and last 4 characters; the 8 hidden digits of an
18-digit number are its holder's birth date. So wherever a masked number is shown, the
full birth date is not: it becomes the year of birth (`birth_year`), and free text loses
every whole ID number, every mobile number and every birth date written after 出生日期
(`mask_text`).

>>> mask_text("张燕萱（证件号码622628199602115241），电话13912345678，出生日期1996-02-11")
'张燕萱（证件号码622628********5241），电话139****5678，出生日期1996年'
"""

from __future__ import annotations

import datetime as dt
import re

# A whole ID number (18 characters, or 15 digits of the old kind) or a mobile number
# standing on its own: not part of a longer run of digits (a household number has 16).
ID_IN_TEXT = re.compile(r"(?<!\d)(\d{17}[\dXx]|\d{15})(?![\dXx])")
PHONE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
# A birth date after its label, in the forms the engine, departments and people write.
BIRTH_DATE_IN_TEXT = re.compile(
    r"(出生日期[^0-9\n]{0,16}?)((?:19|20)\d{2})(?:[-/.](\d{1,2})[-/.](\d{1,2})|年(\d{1,2})月(\d{1,2})日?|(\d{2})(\d{2}))"
)


def mask_id(value: object) -> str:
    """An ID number with only its first 6 and last 4 characters shown: the birth date is hidden.

    An old 15-digit number keeps its last 3 (its birth date, YYMMDD, ends at the 12th).

    >>> mask_id("62122619800101123X")
    '621226********123X'
    >>> mask_id("621226800101123")
    '621226******123'
    """
    text = "" if value is None else str(value).strip()
    if len(text) <= 10:
        return "*" * len(text)
    shown = 3 if len(text) == 15 else 4
    return text[:6] + "*" * (len(text) - 6 - shown) + text[-shown:]


def mask_phone(value: object) -> str:
    """A phone number with its first 3 and last 4 digits shown.

    >>> mask_phone("13812345678")
    '138****5678'
    """
    text = "" if value is None else str(value).strip()
    if len(text) <= 7:
        return "*" * len(text)
    return text[:3] + "*" * (len(text) - 7) + text[-4:]


def mask_text(value: object) -> str:
    """Free text with whole ID numbers, mobile numbers and labelled birth dates masked.

    >>> mask_text("户主出生日期：1960年1月2日")
    '户主出生日期：1960年'
    """
    text = "" if value is None else str(value)
    if not any(character.isdigit() for character in text):
        return text
    text = ID_IN_TEXT.sub(lambda match: mask_id(match.group(1)), text)
    text = PHONE_IN_TEXT.sub(lambda match: f"{match.group(1)}****{match.group(3)}", text)
    return BIRTH_DATE_IN_TEXT.sub(lambda match: f"{match.group(1)}{match.group(2)}年", text)


def birth_year(value: object) -> str:
    """The year of birth of a date (or a date's text): what is shown instead of the date.

    >>> birth_year(dt.date(1968, 3, 5))
    '1968年'
    >>> birth_year("1968-03-05")
    '1968年'
    """
    if value is None or value == "":
        return ""
    if isinstance(value, dt.date):
        return f"{value.year}年"
    match = re.match(r"\s*((?:19|20)\d{2})", str(value))
    return f"{match.group(1)}年" if match else mask_text(value)

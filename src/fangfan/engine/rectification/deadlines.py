"""整改时限 as written, to a date and a kind.

Feedback lists write deadlines every way an office does: a date cell, an Excel date
number, 2021-03-31, 2021年3月31日前, 2021年3月底, 2021年底, 2021年上半年, 立行立改
(at once: due on the day the list is received), 长期坚持 (no date: kept up for good).

>>> read_deadline("2021年3月底", received=dt.date(2021, 1, 5))
Deadline(date=datetime.date(2021, 3, 31), kind='date', text='2021年3月底')
>>> read_deadline("立行立改", received=dt.date(2021, 1, 5)).date
datetime.date(2021, 1, 5)
>>> read_deadline("长期坚持", received=dt.date(2021, 1, 5)).kind
'ongoing'
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

EXCEL_EPOCH = dt.date(1899, 12, 30)
KIND_DATE = "date"
KIND_IMMEDIATE = "immediate"
KIND_ONGOING = "ongoing"
KIND_NONE = "none"
KIND_TEXT = {KIND_DATE: "按期", KIND_IMMEDIATE: "立行立改", KIND_ONGOING: "长期坚持", KIND_NONE: "未定"}
IMMEDIATE_WORDS = ("立行立改", "立即整改", "即知即改", "马上就改", "立整立改")
ONGOING_WORDS = ("长期坚持", "长期", "持续整改", "持续推进", "常态化", "久久为功")
# The words after a date that change nothing: 2021年3月31日前, 2021年3月底前完成.
SEPARATORS = re.compile(r"[,，、;；]|并|且")
TRAILING = re.compile(r"(?:之前|以前|前|完成|整改到位|到位|止)+$")
FULL_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?$"
)
COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*(?:底|末|份|中旬|下旬)?$")
YEAR_END = re.compile(r"^(\d{4})\s*年?\s*(?:年底|底|年末|末|全年)$")
HALF = re.compile(r"^(\d{4})\s*年?\s*(上半年|下半年)(?:末|底)?$")
QUARTER = re.compile(r"^(\d{4})\s*年?\s*(?:第)?([一二三四1-4])季度(?:末|底)?$")
SERIAL = re.compile(r"^\d{4,5}(?:\.\d+)?$")
WITHOUT_YEAR = re.compile(r"^\d{1,2}\s*月")
QUARTER_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}


class DeadlineError(ValueError):
    """A deadline that cannot be read; the Chinese message says why."""


@dataclass(frozen=True)
class Deadline:
    date: dt.date | None
    kind: str  # KIND_DATE | KIND_IMMEDIATE | KIND_ONGOING | KIND_NONE
    text: str  # as written


def read_deadline(text: str | None, *, received: dt.date) -> Deadline:
    """The deadline `text` means for a list received on `received` (see the module's docstring).

    A cell may join several: "2021年底前完成，长期坚持" is due at the end of 2021 (and kept
    up after); "立行立改、长期坚持" is due on `received`.
    """
    written = "" if text is None else str(text).strip()
    plain = re.sub(r"\s+", "", unicodedata.normalize("NFKC", written))
    if not plain:
        return Deadline(None, KIND_NONE, written)
    if any(word in plain for word in IMMEDIATE_WORDS):
        return Deadline(received, KIND_IMMEDIATE, written)
    dates: list[dt.date] = []
    ongoing = False
    for part in (part for part in SEPARATORS.split(plain) if part):
        if any(word in part for word in ONGOING_WORDS):
            ongoing = True
            continue
        date = _date(TRAILING.sub("", part) or part)
        if date is None:
            if WITHOUT_YEAR.match(part):
                raise DeadlineError(f"整改时限“{written}”缺少年份")
            raise DeadlineError(f"整改时限“{written}”无法识别（应为日期、某年某月底、立行立改或长期坚持）")
        dates.append(date)
    if dates:
        return Deadline(min(dates), KIND_DATE, written)
    return Deadline(None, KIND_ONGOING if ongoing else KIND_NONE, written)


def _date(text: str) -> dt.date | None:
    try:
        return _date_or_raise(text)
    except ValueError:  # a month 13 or a 2月30日
        return None


def _date_or_raise(text: str) -> dt.date | None:
    if match := FULL_DATE.match(text) or COMPACT_DATE.match(text):
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    if match := MONTH.match(text):
        return _month_end(int(match[1]), int(match[2]))
    if match := YEAR_END.match(text):
        return dt.date(int(match[1]), 12, 31)
    if match := HALF.match(text):
        return dt.date(int(match[1]), 6, 30) if match[2] == "上半年" else dt.date(int(match[1]), 12, 31)
    if match := QUARTER.match(text):
        return _month_end(int(match[1]), QUARTER_NUMBERS[match[2]] * 3)
    if SERIAL.match(text):  # an Excel date number read as text
        serial = int(float(text))
        return EXCEL_EPOCH + dt.timedelta(days=serial) if 20_000 <= serial <= 80_000 else None
    return None


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])

"""The as-of date of an import: given, stated by the export, or the newest date in it.

An export has its own date, and screening ages people at it: a child born between the
export and the day the job runs must not be screened as older than the data says.
Unless a date is given (`--as-of`), it is taken, in this order, from

1. the registry's own words: a title row above the header (陇南市武都区建档立卡户信息
   （截至2026年10月31日）, 数据截止：2026-10-31) or a date in a registry file's name
   (户信息_20261031.csv);
2. the same in any other table's title or file name;
3. the newest date in the registry's rows (births, 识别监测时间, 风险消除时间), then in
   any table's rows, leaving out dates after today (a typed 2062 is no export date);
4. today, when the data holds no date at all.

`AsOf.source` says which, in Chinese, for the snapshot manifest and the run summary::

    find_as_of(None, assembled, tables).source   # "数据标题（截至2026年10月31日）"
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from fangfan.engine.schema import HOUSEHOLDS, INCOME, MEMBERS, TABLES, Kind

REGISTRY = (HOUSEHOLDS.name, MEMBERS.name, INCOME.name)
GIVEN = "指定日期"
GIVEN_ON_COMMAND_LINE = "命令行 --as-of"
NEWEST_IN_DATA = "数据中最新日期"
TODAY = "运行当天（数据中没有日期）"

_DATE = r"(\d{4})\s*(?:年|[-/.])\s*(\d{1,2})\s*(?:月|[-/.])\s*(\d{1,2})\s*日?|(\d{4})(\d{2})(\d{2})(?!\d)"
_TITLE_DATE = re.compile(r"(?:截至|截止)(?:日期|时间)?\s*[:：]?\s*(?:" + _DATE + ")")
_NAME_DATE = re.compile(r"(?<!\d)(?:" + _DATE + ")")


@dataclass(frozen=True)
class AsOf:
    date: dt.date
    source: str


def find_as_of(
    given: dt.date | None,
    titles: Iterable[Mapping[str, Any]],
    tables: Mapping[str, pl.DataFrame],
    *,
    given_source: str | None = None,
    today: dt.date | None = None,
) -> AsOf:
    """The import's as-of date and where it came from (see the module docstring).

    `titles` has one item per imported sheet: its `file`, `table` and `title` (the text of
    the rows above its header, "" when there are none).
    """
    if given is not None:
        return AsOf(given, given_source or GIVEN)
    today = today or dt.date.today()
    sheets = list(titles)
    for registry_only in (True, False):
        stated = [
            found
            for sheet in sheets
            if not registry_only or sheet["table"] in REGISTRY
            for found in _stated(sheet)
        ]
        if stated:
            best = max(stated, key=lambda item: (item[0], item[1]))
            return AsOf(best[0], best[2])
    for names in (REGISTRY, tuple(tables)):
        newest = _newest(tables, names, today)
        if newest is not None:
            return AsOf(newest, NEWEST_IN_DATA)
    return AsOf(today, TODAY)


def _stated(sheet: Mapping[str, Any]) -> list[tuple[dt.date, int, str]]:
    """(date, priority, source) for each date a sheet's title or its file's name states."""
    found: list[tuple[dt.date, int, str]] = []
    title = unicodedata.normalize("NFKC", str(sheet.get("title") or ""))
    for match in _TITLE_DATE.finditer(title):
        date = _date(match)
        if date is not None:
            found.append((date, 1, f"数据标题（{match.group(0).strip()}）"))
    file_name = str(sheet.get("file") or "").rsplit("/", 1)[-1]
    for match in _NAME_DATE.finditer(unicodedata.normalize("NFKC", file_name)):
        date = _date(match)
        if date is not None:
            found.append((date, 0, f"文件名（{file_name}）"))
    return found


def _date(match: re.Match[str]) -> dt.date | None:
    groups = [g for g in match.groups() if g is not None]
    if len(groups) != 3:
        return None
    try:
        date = dt.date(int(groups[0]), int(groups[1]), int(groups[2]))
    except ValueError:
        return None
    return date if 1990 <= date.year <= 2100 else None


def _newest(tables: Mapping[str, pl.DataFrame], names: Iterable[str], today: dt.date) -> dt.date | None:
    newest: dt.date | None = None
    for name in names:
        frame = tables.get(name)
        if frame is None or name not in TABLES:
            continue
        dates = [f.name for f in TABLES[name].fields if f.kind == Kind.DATE and f.name in frame.columns]
        if not dates:
            continue
        value = frame.select(
            pl.max_horizontal(pl.col(n).filter(pl.col(n) <= today).max() for n in dates)
        ).item()
        if value is not None and (newest is None or value > newest):
            newest = value
    return newest

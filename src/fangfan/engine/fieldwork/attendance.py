"""Village work teams (驻村工作队): monthly attendance and roster warnings, pure functions.

A member's month is counted from three things the web keeps: the days they checked in
from the village, the days covered by an approved leave, and the days they were in post
(joined … left). The rule (`FieldRules.team_min_days_in_village_per_month`) is the days a
full month in post requires; a month joined or left part-way requires its share, rounded up.

Absences without leave are the required days not covered by check-ins or approved leave,
but never more than the days already gone by and not accounted for: on the 5th of a
month, after five check-ins, nobody is absent yet.

>>> from fangfan.engine.fieldwork.rules import field_rules
>>> month = month_attendance(
...     dt.date(2026, 11, 1), today=dt.date(2026, 12, 6), rules=field_rules(2026),
...     check_ins={dt.date(2026, 11, day) for day in range(1, 16)},
...     leaves=[(dt.date(2026, 11, 16), dt.date(2026, 11, 18))],
... )
>>> month.checked_in, month.leave_days, month.absent_without_leave, month.met
(15, 3, 2, False)
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from fangfan.engine.fieldwork.rules import FieldRules

Leave = tuple[dt.date, dt.date]  # first and last day, both included


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(first: dt.date) -> dt.date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def previous_month(day: dt.date) -> dt.date:
    """The first day of the month before `day`'s."""
    return (month_start(day) - dt.timedelta(days=1)).replace(day=1)


def parse_month(text: str) -> dt.date:
    """ "2026-11" → 2026-11-01; ValueError (in Chinese) for anything else."""
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        raise ValueError(f"月份“{text}”应写成 年-月，如 2026-11") from None


def leave_days(start: dt.date, end: dt.date) -> int:
    """Days a leave covers, both ends included."""
    return (end - start).days + 1


@dataclass(frozen=True)
class MonthAttendance:
    """One member's month: what the report shows in a row."""

    month: dt.date
    days_in_post: int  # days of the month between joining and leaving
    days_elapsed: int  # of those, the days up to today
    required: int
    checked_in: int
    leave_days: int
    absent_without_leave: int
    finished: bool  # the month (or the member's time in post) is over

    @property
    def met(self) -> bool | None:
        """Met the rule; None while the month runs and it is not yet met."""
        if self.checked_in + self.leave_days >= self.required:
            return True
        return False if self.finished else None

    @property
    def status(self) -> str:
        return {True: "达标", False: "未达标", None: "本月进行中"}[self.met]


def month_attendance(
    month: dt.date,
    *,
    today: dt.date,
    rules: FieldRules,
    check_ins: Iterable[dt.date],
    leaves: Sequence[Leave] = (),
    joined: dt.date | None = None,
    left: dt.date | None = None,
) -> MonthAttendance:
    """The member's attendance in `month` (any day of it) as of `today`."""
    first, in_post_from, counted_to = _window(month, today, joined, left)
    checked = {day for day in check_ins if in_post_from <= day <= counted_to}
    days_elapsed = max(0, (counted_to - in_post_from).days + 1)
    on_leave = {
        in_post_from + dt.timedelta(days=offset)
        for offset in range(days_elapsed)
        if any(start <= in_post_from + dt.timedelta(days=offset) <= end for start, end in leaves)
    } - checked  # a day checked in counts once, as a day in the village
    return counted_attendance(
        first,
        today=today,
        rules=rules,
        checked_in=len(checked),
        leave_days=len(on_leave),
        joined=joined,
        left=left,
    )


def _window(
    month: dt.date, today: dt.date, joined: dt.date | None, left: dt.date | None
) -> tuple[dt.date, dt.date, dt.date]:
    first, last = month_start(month), month_end(month_start(month))
    in_post_from = max(first, joined) if joined else first
    in_post_to = min(last, left) if left else last
    return first, in_post_from, min(in_post_to, today)


def counted_attendance(
    month: dt.date,
    *,
    today: dt.date,
    rules: FieldRules,
    checked_in: int,
    leave_days: int = 0,
    joined: dt.date | None = None,
    left: dt.date | None = None,
) -> MonthAttendance:
    """`month_attendance` from counts already made (days checked in, leave days not checked in
    on, both within the member's time in post up to today): what a report summed in SQL has."""
    first, in_post_from, counted_to = _window(month, today, joined, left)
    last = month_end(first)
    in_post_to = min(last, left) if left else last
    days_in_post = max(0, (in_post_to - in_post_from).days + 1)
    days_elapsed = max(0, (counted_to - in_post_from).days + 1)
    full_month = (last - first).days + 1
    rule = rules.team_min_days_in_village_per_month
    required = math.ceil(rule * days_in_post / full_month) if days_in_post else 0
    unaccounted = days_elapsed - checked_in - leave_days
    absent = min(max(0, required - checked_in - leave_days), max(0, unaccounted))
    return MonthAttendance(
        month=first,
        days_in_post=days_in_post,
        days_elapsed=days_elapsed,
        required=required,
        checked_in=checked_in,
        leave_days=leave_days,
        absent_without_leave=absent,
        finished=today >= in_post_to,
    )


def leave_approver(days: int, rules: FieldRules) -> str:
    """Who approves a leave of `days`: "township" or "county" (the rule's limit)."""
    return "county" if rules.leave_needs_county(days) else "township"


def term_years(start: dt.date, end: dt.date) -> float:
    return (end - start).days / 365.25


def team_warnings(
    *,
    members: int,
    first_secretaries: int,
    term_start: dt.date,
    term_end: dt.date | None,
    rules: FieldRules,
) -> list[str]:
    """What is wrong with a team's roster, in Chinese, one line each (none: nothing)."""
    warnings = []
    if members < rules.team_min_members:
        warnings.append(f"在岗队员{members}人，少于{rules.team_min_members}人")
    if first_secretaries == 0:
        warnings.append("没有第一书记")
    # A term one day short of whole years, as offices write them (2024-03-01 to 2026-02-28), is whole.
    if term_end is not None and term_years(term_start, term_end + dt.timedelta(days=1)) < (
        rules.team_min_term_years - 0.01
    ):
        warnings.append(f"任期不足{rules.team_min_term_years}年")
    return warnings

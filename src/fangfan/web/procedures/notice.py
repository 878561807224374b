"""The village notice (公示): its national rules and the two verbs that post and close it.

A procedure with a notice declares `Notice()` and keeps on its record `checked_on`,
`reviewed_on`, `review_note`, `notice_start`, `notice_end` and `notice_result`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from fangfan.engine.formatting import date_text as day_text
from fangfan.web.accounts.models import User
from fangfan.web.bounds import today
from fangfan.web.procedures.base import (
    E,
    Procedure,
    R,
    WorkflowError,
    advance,
    begin,
    require,
    require_date,
)

# The village notice stays up at least this many days (national procedure rules, not in
# the yearly policy files).
NOTICE_MIN_DAYS = 5
# A notice is posted within a week of being recorded (recorded late, at most that far
# back) and at most a month ahead; it runs no longer than a month. A notice years ahead
# would hold its record in 公示中 for good.
NOTICE_LATE_DAYS = 7
NOTICE_AHEAD_DAYS = 30
NOTICE_MAX_DAYS = 30


def require_notice(reviewed_on: dt.date, notice_start: dt.date, notice_end: dt.date) -> None:
    """A notice starts on or after the review, at most a few days back or a month ahead,
    and runs NOTICE_MIN_DAYS to NOTICE_MAX_DAYS days."""
    day = today()
    earliest_start = max(reviewed_on, day - dt.timedelta(days=NOTICE_LATE_DAYS))
    require_date(notice_start, earliest_start, day + dt.timedelta(days=NOTICE_AHEAD_DAYS), "公示开始日期")
    earliest_end = notice_start + dt.timedelta(days=NOTICE_MIN_DAYS)
    if notice_end is None or notice_end < earliest_end:
        raise WorkflowError(
            f"公示不少于{NOTICE_MIN_DAYS}天：{day_text(notice_start)}开始的公示最早{day_text(earliest_end)}结束"
        )
    latest_end = notice_start + dt.timedelta(days=NOTICE_MAX_DAYS)
    if notice_end > latest_end:
        raise WorkflowError(
            f"公示期不超过{NOTICE_MAX_DAYS}天：{day_text(notice_start)}开始的公示最晚{day_text(latest_end)}结束"
        )


@transaction.atomic
def post_notice(
    procedure: Procedure[R, E],
    user: User,
    record: R,
    *,
    reviewed_on: dt.date,
    note: str,
    notice_start: dt.date,
    notice_end: dt.date,
    validate: Callable[[], None] | None = None,
    **changes: Any,
) -> E:
    """村级评议并公示: the village review's opinion, then the notice, at least 5 days.

    `validate`: the procedure's own checks, after the dates and before the opinion
    (identification's proposed category and risks); `changes`: what else it records.
    """
    assert procedure.notice is not None
    verb = procedure.notice.post
    record = begin(procedure, user, verb, record)
    fields: Any = record  # the notice's fields are the model's, not every SoftDeleteModel's
    require_date(reviewed_on, fields.checked_on, timezone.localdate(), "村级评议日期")
    require_notice(reviewed_on, notice_start, notice_end)
    if validate is not None:
        validate()
    note = require(note, "请填写村级评议意见")
    return advance(
        procedure,
        user,
        record,
        verb,
        f"{note}（公示 {day_text(notice_start)} 至 {day_text(notice_end)}）",
        reviewed_on=reviewed_on,
        review_note=note,
        **changes,
        notice_start=notice_start,
        notice_end=notice_end,
        notice_result="",
    )


@transaction.atomic
def close_notice(procedure: Procedure[R, E], user: User, record: R, note: str = "") -> E:
    """公示期满: the notice has run its days; what came of it (无异议 unless said).

    Refused before the notice's end, naming the step it then goes to (“期满后才能报乡镇审核”).
    """
    assert procedure.notice is not None
    verb = procedure.notice.close
    record = begin(procedure, user, verb, record)
    fields: Any = record
    start: dt.date | None = fields.notice_start
    end: dt.date | None = fields.notice_end
    assert start is not None and end is not None
    if timezone.localdate() < end:
        raise WorkflowError(
            f"公示期未满：{day_text(start)}至{day_text(end)}，"
            f"不少于{NOTICE_MIN_DAYS}天，期满后才能报{_next_step_name(procedure, verb)}"
        )
    result = note.strip() or "公示期满无异议"
    return advance(procedure, user, record, verb, result, notice_result=result)


def _next_step_name(procedure: Procedure[Any, Any], verb: str) -> str:
    """The name of the step that starts where `verb` ends (乡镇审核, 县级审批)."""
    end = procedure.step(verb).end
    return next(step.name for step in procedure.steps if step.starts == (end,))

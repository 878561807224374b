"""Relapse monitoring's pages: the public report form, the intake list, visits and cases."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from fangfan.web.procedures.notice import NOTICE_MIN_DAYS
from fangfan.web.procedures.pages import user_of as user_of

Data = dict[str, Any]


def initial_notice() -> Data:
    """A village review's defaults: reviewed and posted today, for the minimum notice period."""
    today = timezone.localdate()
    return {
        "reviewed_on": today,
        "notice_start": today,
        "notice_end": today + dt.timedelta(days=NOTICE_MIN_DAYS),
    }

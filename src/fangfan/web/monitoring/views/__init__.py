"""Relapse monitoring's pages: the public report form, the intake list, visits and cases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils import timezone

from fangfan.web.accounts.models import User
from fangfan.web.monitoring.workflow import NOTICE_MIN_DAYS

Data = dict[str, Any]


@dataclass(frozen=True)
class Verb:
    """A step as a case's or an elimination's page offers it: its form (given the record,
    for initial values), what it calls, and whether the form carries files."""

    form: Callable[..., forms.Form]
    perform: Callable[[User, Any, Data], object]
    files: bool = False


def initial_notice() -> Data:
    """A village review's defaults: reviewed and posted today, for the minimum notice period."""
    today = timezone.localdate()
    return {
        "reviewed_on": today,
        "notice_start": today,
        "notice_end": today + dt.timedelta(days=NOTICE_MIN_DAYS),
    }


def user_of(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user

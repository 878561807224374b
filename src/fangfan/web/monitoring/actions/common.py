"""What the verbs share: the refusal they raise, and whether a household is already in hand."""

from __future__ import annotations

import datetime as dt

from fangfan.web.monitoring.models import Case, MonitoredHousehold
from fangfan.web.monitoring.workflow import OPEN_STAGES
from fangfan.web.registry.models import Household


class WorkflowError(Exception):
    """The record is not in a state the verb can start from, or what was sent does not fit;
    the message is for the user."""


def require(text: str, message: str) -> str:
    if not text or not text.strip():
        raise WorkflowError(message)
    return text.strip()


def require_date(value: dt.date | None, earliest: dt.date | None, latest: dt.date | None, name: str) -> None:
    """Refuse a date outside [earliest, latest], saying which bound it broke."""
    if value is None:
        raise WorkflowError(f"请填写{name}")
    if earliest is not None and value < earliest:
        raise WorkflowError(f"{name}不能早于{earliest.year}年{earliest.month}月{earliest.day}日")
    if latest is not None and value > latest:
        raise WorkflowError(f"{name}不能晚于{latest.year}年{latest.month}月{latest.day}日")


def household_in_hand(household: Household | None) -> str:
    """Why a household needs no new case (Chinese), or "": an open case, or it is monitored."""
    if household is None:
        return ""
    open_case = Case.objects.filter(household=household, stage__in=OPEN_STAGES).first()
    if open_case is not None:
        return f"该户已有正在办理的识别认定（{open_case.get_stage_display()}）"
    if MonitoredHousehold.objects.filter(
        household=household, status=MonitoredHousehold.Status.MONITORED
    ).exists():
        return "该户已是监测对象"
    return ""

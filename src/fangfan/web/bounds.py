"""Sane bounds for the dates and sums people type, with the Chinese message a form shows.

Every date a form takes has a range relative to today (a visit is not in the future nor
before 精准扶贫 began; a notice starts within days of today; a deadline within a year),
and every sum of money is between 0 and `MONEY_MAX`. A value outside is a form error in
Chinese, never a 500; the monitoring verbs check the same bounds (`actions.common`) so no other
path can store a date that freezes a record.

>>> message(dt.date(2015, 1, 1), dt.date(2027, 12, 31))
'日期应在 2015年1月1日 至 2027年12月31日 之间'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from fangfan.engine.formatting import date_text as day_text  # the one formatting layer

# 精准扶贫 began in 2013 (建档立卡 2014): nothing the offices record happened before.
EARLIEST_EVENT = dt.date(2013, 1, 1)
# No household income, spending or measure comes near ten million yuan.
MONEY_MAX = Decimal(10_000_000)

Bound = dt.date | Callable[[dt.date], dt.date] | None


def today() -> dt.date:
    return timezone.localdate()


def message(earliest: dt.date | None, latest: dt.date | None, name: str = "日期") -> str:
    """The Chinese sentence for a date outside [earliest, latest]."""
    if earliest is not None and latest is not None:
        return f"{name}应在 {day_text(earliest)} 至 {day_text(latest)} 之间"
    if earliest is not None:
        return f"{name}不能早于{day_text(earliest)}"
    assert latest is not None
    return f"{name}不能晚于{day_text(latest)}"


def days_from_today(days: int) -> Callable[[dt.date], dt.date]:
    """A bound `days` after today (before, when negative), worked out when the form is checked."""
    return lambda day: day + dt.timedelta(days=days)


def up_to_today(day: dt.date) -> dt.date:
    return day


def _resolve(bound: Bound, day: dt.date) -> dt.date | None:
    return bound(day) if callable(bound) else bound


def check_date(value: dt.date, earliest: Bound, latest: Bound, name: str = "日期") -> None:
    """Raise ValidationError (Chinese) when `value` lies outside the bounds."""
    day = today()
    low, high = _resolve(earliest, day), _resolve(latest, day)
    if isinstance(value, dt.datetime):
        # The date as typed, in the page's time zone: converting a year-1 time overflows.
        value = value.date()
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValidationError(message(low, high, name), code="out_of_range")


class BoundedDateField(forms.DateField):
    """A date picker (ISO, as the browser sends it) that refuses dates outside its bounds."""

    def __init__(self, *, earliest: Bound = EARLIEST_EVENT, latest: Bound = up_to_today, **kwargs: Any):
        self.earliest, self.latest = earliest, latest
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
        kwargs.setdefault("error_messages", {}).setdefault("invalid", "请填写正确的日期，如 2026-06-30")
        kwargs["error_messages"].setdefault("required", "请填写日期")
        super().__init__(**kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None:
            check_date(value, self.earliest, self.latest, str(self.label or "日期"))


class BoundedDateTimeField(forms.DateTimeField):
    """A date and time (a call) within bounds on its date, local time."""

    def __init__(self, *, earliest: Bound = EARLIEST_EVENT, latest: Bound = up_to_today, **kwargs: Any):
        self.earliest, self.latest = earliest, latest
        kwargs.setdefault("error_messages", {}).setdefault("invalid", "请填写正确的日期和时间")
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.datetime | None:
        try:
            return super().to_python(value)
        except (OverflowError, ValueError) as error:  # year 1 at +08:00 is before year 1 in UTC
            raise ValidationError(self.error_messages["invalid"], code="invalid") from error

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None:
            check_date(value, self.earliest, self.latest, str(self.label or "日期"))


def date_field(
    label: str, *, earliest: Bound = EARLIEST_EVENT, latest: Bound = up_to_today, **kwargs: Any
) -> BoundedDateField:
    """A date field for `label`: by default a past event, not before 2013 and not after today."""
    return BoundedDateField(label=label, earliest=earliest, latest=latest, **kwargs)


def money_field(label: str, *, maximum: Decimal = MONEY_MAX, **kwargs: Any) -> forms.DecimalField:
    """A sum in yuan, 0 to `maximum`, to the fen."""
    kwargs.setdefault("widget", forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}))
    return forms.DecimalField(
        label=label,
        min_value=0,
        max_value=maximum,
        max_digits=12,
        decimal_places=2,
        error_messages={
            "invalid": "请填写金额数字（元）",
            "min_value": "金额不能为负数",
            "max_value": f"金额不能超过{maximum:,.0f}元",
            "max_digits": "金额位数过多",
            "max_decimal_places": "金额最多精确到分（两位小数）",
            "max_whole_digits": "金额位数过多",
        },
        **kwargs,
    )

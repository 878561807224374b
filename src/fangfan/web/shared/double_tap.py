"""The double-tap guard: the very same row recorded again by the same person a moment later
(a second tap on a slow phone, a second click while the page loaded) is the first one, not
another; it would count a payment or an income twice. The same row later on is a new one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.utils import timezone

from fangfan.web.accounts.models import User

DOUBLE_TAP = dt.timedelta(minutes=2)

RowT = TypeVar("RowT", bound=Model)


def tapped_again(rows: QuerySet[RowT], user: User, **fields: Any) -> RowT | None:
    """The newest of `rows` with these `fields` that `user` recorded within `DOUBLE_TAP`, if any.

    The rows' model has `recorded_by` and `recorded_at`; `fields` are the values as stored::

        again = tapped_again(project.payments.all(), user, paid_on=day, amount_yuan=sum_)
        if again is not None:
            return again
    """
    return (
        rows.filter(recorded_by=user, recorded_at__gte=timezone.now() - DOUBLE_TAP, **fields)
        .order_by("-pk")
        .first()
    )

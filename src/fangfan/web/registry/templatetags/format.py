"""{% load format %}: the engine's formatting layer (`fangfan.engine.formatting`) as filters.

{{ upload.uploaded_at|datetime_text }}   2026年12月5日 05:40 (local time)
{{ run.as_of|date_text }}                2026年12月5日
{{ income|money }}                       4,652 元
{{ run|run_name }}                       2026年12月5日 第2次筛查
{{ finding.evidence|evidence_text }}     随时能吃肉蛋奶或豆制品：否（国扶办·户信息）
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.db.models import Q
from django.utils import timezone

from fangfan.engine import formatting
from fangfan.web.registry.models import Run

register = template.Library()

register.filter("date_text", formatting.date_text)
register.filter("datetime_text", formatting.datetime_text)
register.filter("money", formatting.money_text)
register.filter("number_text", formatting.number_text)
register.filter("evidence_text", formatting.evidence_text)


@register.filter("run_name")
def run_name_filter(run: Run | None) -> str:
    """A run by the local day it was screened and its order that day (— for no run)."""
    return run_name(run) if run is not None else formatting.NOTHING


def run_name(run: Run) -> str:
    """2026年12月5日 第2次筛查: the runs published that day, counted in the order screened."""
    moment = screened_at(run)
    day = formatting.local_time(moment).date()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=formatting.LOCAL_TIME_ZONE)
    that_day = (start, start + dt.timedelta(days=1) - dt.timedelta(microseconds=1))
    same_day = Run.objects.filter(
        Q(screened_at__range=that_day) | Q(screened_at__isnull=True, published_at__range=that_day),
        published=True,
    ).only("screened_at", "published_at")
    order = sum(1 for other in same_day if (screened_at(other), other.pk) <= (moment, run.pk)) or 1
    return formatting.run_name(moment, order)


def screened_at(run: Run) -> dt.datetime:
    """When the run was screened; a run published before that was recorded, when published."""
    return run.screened_at or run.published_at or timezone.now()

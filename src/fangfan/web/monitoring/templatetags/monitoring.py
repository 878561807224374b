"""{% load monitoring %}: the household page's monitoring panel and the time-left badges.

The panel is the household's whole monitoring history: every monitoring record with
its measures, re-assessments and eliminations, the cases, the waiting leads, the
visits, and the current run's signals.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils import timezone

from fangfan.web.accounts.access import can, scope
from fangfan.web.monitoring.models import (
    Case,
    Elimination,
    Intake,
    Measure,
    MonitoredHousehold,
    MonitoringSignal,
    Reassessment,
    Visit,
)
from fangfan.web.monitoring.workflow import reassessment_days
from fangfan.web.registry.models import Household, Run

register = template.Library()


@register.inclusion_tag("monitoring/_household_panel.html", takes_context=True)
def household_monitoring(context: template.Context, household: Household) -> dict[str, Any]:
    """The household's monitoring, identification cases, leads and visits, as the user may see them."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None:
        return {"household": household, "visible": False}

    def mine(queryset: Any) -> Any:
        return scope(queryset.filter(household=household), user)

    run = Run.objects.current()
    return {
        "household": household,
        "visible": can(user, "view", household),
        "monitored": mine(MonitoredHousehold.objects.all()).order_by("-monitoring_start", "-pk"),
        "measures": mine(Measure.objects.select_related("monitored")).order_by("-start_date", "-pk"),
        "reassessments": mine(Reassessment.objects.select_related("assessor")).order_by(
            "-assessed_on", "-pk"
        ),
        "eliminations": mine(Elimination.objects.all()).order_by("-proposed_on", "-pk"),
        "signals": mine(MonitoringSignal.objects.filter(run=run)).order_by("pk") if run else [],
        "cases": mine(Case.objects.select_related("intake")).order_by("-discovered_on", "-pk"),
        "intakes": mine(Intake.objects.filter(status=Intake.Status.NEW)).order_by("-discovered_on", "-pk"),
        "visits": mine(Visit.objects.select_related("visitor")).order_by("-visited_on", "-pk")[:20],
        "may_visit": can(user, "monitoring_visit", household),
        "today": timezone.localdate(),
    }


@register.inclusion_tag("monitoring/_time_left.html")
def time_left(deadline: dt.date, still_open: bool = True) -> dict[str, Any]:
    """剩余N天 / 今天到期 / 已超期N天, or nothing once the lead or case is closed."""
    days = (deadline - timezone.localdate()).days
    return {"days": days, "late": -days, "still_open": still_open}


@register.inclusion_tag("monitoring/_time_left.html")
def reassessment_due(last_assessed: dt.date) -> dict[str, Any]:
    """The time left until the next re-assessment is due (the interval after the last one)."""
    return time_left(last_assessed + dt.timedelta(days=reassessment_days()))


@register.filter
def yuan(value: object, places: int = 0) -> str:
    """12345.6 → "12,346" (or with `places` decimals: "12,345.60"); nothing as —."""
    if value is None or value == "":
        return "—"
    try:
        return f"{Decimal(str(value)):,.{int(places)}f}"
    except (InvalidOperation, ValueError):
        return str(value)

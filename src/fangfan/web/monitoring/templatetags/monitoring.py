"""{% load monitoring %}: the household page's monitoring panel and the time-left badge."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils import timezone

from fangfan.web.accounts.access import can, scope
from fangfan.web.monitoring.models import Case, Intake, MonitoredHousehold, Visit
from fangfan.web.registry.models import Household

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

    return {
        "household": household,
        "visible": can(user, "view", household),
        "monitored": mine(MonitoredHousehold.objects.all()).order_by("-monitoring_start", "-pk"),
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


@register.filter
def yuan(value: object, places: int = 0) -> str:
    """12345.6 → "12,346" (or with `places` decimals: "12,345.60"); nothing as —."""
    if value is None or value == "":
        return "—"
    try:
        return f"{Decimal(str(value)):,.{int(places)}f}"
    except (InvalidOperation, ValueError):
        return str(value)

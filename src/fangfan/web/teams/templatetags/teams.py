"""{% load teams %}{% village_team household %}: the household page's 驻村工作队 section."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from fangfan.web.accounts.access import can, scope
from fangfan.web.teams.models import Team, active_on

register = template.Library()


@register.inclusion_tag("teams/_household.html", takes_context=True)
def village_team(context: template.Context, household: Any) -> dict[str, Any]:
    """The team in post in the household's village: names and duties, phones masked."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not can(user, "view", household):
        return {"visible": False}
    today = timezone.localdate()
    team = (
        scope(Team.objects.filter(village_code=household.village_code), user)
        .filter(active_on(today, "term_start", "term_end"))
        .order_by("-term_start", "-pk")
        .first()
    )
    members = team.members.filter(active_on(today, "joined", "left")).order_by("duty", "name") if team else []
    return {
        "visible": True,
        "team": team,
        "members": members,
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }

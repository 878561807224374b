"""{% load evidence %}{% household_evidence household %}: the household page's evidence panel."""

from __future__ import annotations

from typing import Any

from django import template

from fangfan.engine.config import ConfigError
from fangfan.web.accounts.access import can
from fangfan.web.evidence.completeness import one_household
from fangfan.web.evidence.forms import UploadForm, slot_value

register = template.Library()


@register.inclusion_tag("evidence/_panel.html", takes_context=True)
def household_evidence(context: template.Context, household: Any) -> dict[str, Any]:
    """What the household must hold this year, what it holds, and (for the teams) the upload form."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not can(user, "view", household):
        return {"visible": False}
    try:
        evidence = one_household(household)
    except ConfigError as error:
        return {"visible": True, "household": household, "unavailable": str(error)}
    return {
        "visible": True,
        "household": household,
        "evidence": evidence,
        "form": UploadForm(evidence.needs),
        "may_upload": can(user, "evidence_upload", household),
        "csrf_token": context.get("csrf_token"),
        "back": "household",
    }


@register.filter
def need_value(need: Any) -> str:
    return slot_value(need)

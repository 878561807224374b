"""{% load projects %}: `get_item`, and `{% household_projects household %}` for the household page."""

from __future__ import annotations

from typing import Any

from django import template

from fangfan.web.accounts.access import can, code_in_region
from fangfan.web.projects.models import Beneficiary

register = template.Library()


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key, key)


@register.inclusion_tag("projects/household_section.html", takes_context=True)
def household_projects(context: template.Context, household: Any) -> dict[str, Any]:
    """The projects the household benefits from (联农带农), how, and by how much a year."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not can(user, "view", household):
        return {"visible": False}
    benefits = list(
        Beneficiary.objects.filter(household=household).select_related("project").order_by("project__number")
    )
    region = getattr(user, "region", None)
    rows = [
        (benefit, region is not None and code_in_region(benefit.project.region_code, region))
        for benefit in benefits
    ]
    total = sum((benefit.yuan_per_year for benefit in benefits), start=0)
    return {"visible": True, "rows": rows, "total": total}

"""{% load industry %}: the household page's industry section, the summary tables' rows, shares."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from fangfan.engine.fieldwork import industry as engine
from fangfan.web.accounts.access import can
from fangfan.web.industry.ledger import this_year
from fangfan.web.regions.models import Region
from fangfan.web.registry.models import Household

register = template.Library()


@register.filter
def share(value: float | None) -> str:
    return engine.share_text(value)


@register.inclusion_tag("industry/_section.html", takes_context=True)
def household_industry(context: template.Context, household: Household) -> dict[str, Any]:
    """This year's rows and verdicts of the household, for those who may see it."""
    from fangfan.web.industry.views import household_context  # views import this module's app

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not can(user, "view", household):
        return {"visible": False}
    return {**household_context(user, household, this_year()), "visible": True, "full": False}


@register.simple_tag
def summary_rows(
    region: Region, children: list[tuple[Region, engine.AreaSummary]], total: engine.AreaSummary, year: int
) -> list[dict[str, Any]]:
    """The children's rows, each linked to its own summary (a village's to its below list), then the total."""
    rows = []
    for child, found in children:
        name = "industry:below" if child.level == Region.Level.VILLAGE else "industry:summary"
        rows.append(
            {"name": child.name, "summary": found, "link": f"{reverse(name, args=[child.code])}?year={year}"}
        )
    rows.append({"name": f"{region.name}合计", "summary": total, "total": True})
    return rows


@register.simple_tag
def village_links(rows: list[dict[str, Any]], year: int) -> list[dict[str, Any]]:
    return [{**row, "link": f"{reverse('industry:below', args=[row['code']])}?year={year}"} for row in rows]

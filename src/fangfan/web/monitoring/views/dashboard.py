"""监测总览: the monitoring dashboard of the user's region (or a region inside it), and its Excel."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from fangfan.web.accounts.access import REGION_READERS, region_for_user, require_roles
from fangfan.web.monitoring.awareness import awareness_panel
from fangfan.web.monitoring.dashboard import build_dashboard
from fangfan.web.monitoring.dashboard_columns import awareness_sheet, dashboard_sheets
from fangfan.web.monitoring.views import user_of
from fangfan.web.monitoring.workflow import unclaimed_candidate_days
from fangfan.web.regions.models import Region
from fangfan.web.shared.excel import workbook_response


def _region(request: HttpRequest) -> Region:
    return region_for_user(request.user, request.GET.get("region") or None)


def _trail(user_region: Region, region: Region) -> list[Region]:
    """The regions from the user's own down to `region`, for the breadcrumbs."""
    trail = [region]
    while trail[0].code != user_region.code and trail[0].parent is not None:
        trail.insert(0, trail[0].parent)
    return trail


@require_GET
@require_roles(*REGION_READERS)
def dashboard(request: HttpRequest) -> HttpResponse:
    """监测总览 of a region: counts, charts with their tables, the child regions compared."""
    user = user_of(request)
    region = _region(request)
    board = build_dashboard(user, region)
    assert user.region is not None
    context = {
        "dashboard": board,
        "region": region,
        "trail": _trail(user.region, region),
        "chart_data": board.chart_data(),
        "unclaimed_days": unclaimed_candidate_days(),
        "awareness": awareness_panel(user, region),
    }
    return render(request, "monitoring/dashboard.html", context)


@require_GET
@require_roles(*REGION_READERS)
def dashboard_excel(request: HttpRequest) -> FileResponse:
    """The dashboard's tables as one workbook, a sheet each."""
    region = _region(request)
    user = user_of(request)
    board = build_dashboard(user, region)
    sheets = [*dashboard_sheets(board), awareness_sheet(awareness_panel(user, region))]
    return workbook_response(f"{region.name}防返贫监测总览", sheets)


@require_GET
@require_roles(*REGION_READERS)
def awareness(request: HttpRequest) -> HttpResponse:
    """政策知晓率 of a region and its children: the panel the region dashboard loads (htmx), or a page."""
    region = _region(request)
    context = {"awareness": awareness_panel(user_of(request), region), "region": region}
    template = (
        "monitoring/_awareness.html" if request.headers.get("HX-Request") else "monitoring/awareness.html"
    )
    return render(request, template, context)


@require_GET
@require_roles(*REGION_READERS)
def awareness_excel(request: HttpRequest) -> FileResponse:
    """政策知晓率 of a region and its children (both dashboards link here)."""
    region = _region(request)
    panel = awareness_panel(user_of(request), region)
    return workbook_response(f"{region.name}政策知晓率", [awareness_sheet(panel)])

"""监测总览: the monitoring dashboard of the user's region (or a region inside it), and its Excel."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from fangfan.web.accounts.access import REGION_READERS, region_for_user, require_roles
from fangfan.web.monitoring.dashboard import build_dashboard
from fangfan.web.monitoring.dashboard_columns import dashboard_sheets
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
    }
    return render(request, "monitoring/dashboard.html", context)


@require_GET
@require_roles(*REGION_READERS)
def dashboard_excel(request: HttpRequest) -> FileResponse:
    """The dashboard's tables as one workbook, a sheet each."""
    region = _region(request)
    board = build_dashboard(user_of(request), region)
    return workbook_response(f"{region.name}防返贫监测总览", dashboard_sheets(board))

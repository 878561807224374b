"""户户有帮扶机制, 人人有防返贫措施: the monitored households without a current measure and the
people of monitored households without a safeguard, per region, with Excel."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from fangfan.web.accounts.access import require_roles
from fangfan.web.monitoring import lists
from fangfan.web.monitoring.columns import WITHOUT_MEASURE_COLUMNS, WITHOUT_SAFEGUARD_COLUMNS
from fangfan.web.monitoring.views import user_of
from fangfan.web.registry.excel import excel_response
from fangfan.web.registry.pagination import page_of
from fangfan.web.registry.views.regions import READERS


@require_GET
@require_roles(*READERS)
def without_measures(request: HttpRequest) -> HttpResponse:
    """户户有帮扶机制: every household under monitoring that has no current measure."""
    user = user_of(request)
    filters = lists.RegionFilter(user, request.GET)
    context = {
        "filters": filters,
        "households": page_of(lists.without_measures(user, filters), request.GET.get("page")),
        "query": filters.query_string(),
    }
    return render(request, "monitoring/without_measures.html", context)


@require_GET
@require_roles(*READERS)
def without_measures_excel(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    rows = lists.without_measures(user, lists.RegionFilter(user, request.GET))
    return excel_response("无帮扶措施的监测户", WITHOUT_MEASURE_COLUMNS, rows)


@require_GET
@require_roles(*READERS)
def without_safeguards(request: HttpRequest) -> HttpResponse:
    """人人有防返贫措施: every living member of a monitored household without a safeguard."""
    user = user_of(request)
    filters = lists.RegionFilter(user, request.GET)
    context = {
        "filters": filters,
        "people": page_of(lists.without_safeguards(user, filters), request.GET.get("page")),
        "query": filters.query_string(),
    }
    return render(request, "monitoring/without_safeguards.html", context)


@require_GET
@require_roles(*READERS)
def without_safeguards_excel(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    rows = lists.without_safeguards(user, lists.RegionFilter(user, request.GET))
    return excel_response("无防返贫措施的成员", WITHOUT_SAFEGUARD_COLUMNS, rows)

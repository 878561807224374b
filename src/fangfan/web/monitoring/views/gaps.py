"""户户有帮扶机制, 人人有防返贫措施: the monitored households without a current measure and the
people of monitored households without a safeguard; 应纳未纳: the engine's candidates nobody
has taken up in time — per region, with Excel."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from fangfan.web.accounts.access import REGION_READERS, require_roles
from fangfan.web.monitoring import lists
from fangfan.web.monitoring.columns import (
    UNCLAIMED_COLUMNS,
    WITHOUT_MEASURE_COLUMNS,
    WITHOUT_SAFEGUARD_COLUMNS,
    waited_days,
)
from fangfan.web.monitoring.views import user_of
from fangfan.web.monitoring.workflow import unclaimed_candidate_days
from fangfan.web.shared.excel import excel_response
from fangfan.web.shared.pagination import page_of


@require_GET
@require_roles(*REGION_READERS)
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
@require_roles(*REGION_READERS)
def without_measures_excel(request: HttpRequest) -> FileResponse:
    user = user_of(request)
    rows = lists.without_measures(user, lists.RegionFilter(user, request.GET))
    return excel_response("无帮扶措施的监测户", WITHOUT_MEASURE_COLUMNS, rows)


@require_GET
@require_roles(*REGION_READERS)
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
@require_roles(*REGION_READERS)
def without_safeguards_excel(request: HttpRequest) -> FileResponse:
    user = user_of(request)
    rows = lists.without_safeguards(user, lists.RegionFilter(user, request.GET))
    return excel_response("无防返贫措施的成员", WITHOUT_SAFEGUARD_COLUMNS, rows)


def _with_signals(rows: list[Any]) -> list[Any]:
    names = lists.current_signal_names(rows)
    for row in rows:
        row.signal_text = names.get(row.pk, "")
        row.waited_days = waited_days(row)
    return rows


@require_GET
@require_roles(*REGION_READERS)
def unclaimed(request: HttpRequest) -> HttpResponse:
    """应纳未纳: households the current run flags as candidates, with no identification started
    within the set days of the signal's first publishing."""
    user = user_of(request)
    filters = lists.RegionFilter(user, request.GET)
    page = page_of(lists.unclaimed_list(user, filters), request.GET.get("page"))
    _with_signals(list(page.object_list))
    context = {
        "filters": filters,
        "households": page,
        "query": filters.query_string(),
        "unclaimed_days": unclaimed_candidate_days(),
    }
    return render(request, "monitoring/unclaimed.html", context)


@require_GET
@require_roles(*REGION_READERS)
def unclaimed_excel(request: HttpRequest) -> FileResponse:
    user = user_of(request)
    rows = _with_signals(list(lists.unclaimed_list(user, lists.RegionFilter(user, request.GET))))
    return excel_response("应纳未纳", UNCLAIMED_COLUMNS, rows)

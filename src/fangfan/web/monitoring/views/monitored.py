"""Monitored households (监测对象): the list and its Excel, one household's measures,
re-assessments and elimination conditions, and the forms that add and end measures and
propose elimination."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from fangfan.web.accounts.access import FIELD_TEAMS, REGION_READERS, can, get_scoped_or_404, require_roles
from fangfan.web.monitoring import lists
from fangfan.web.monitoring.actions import assistance as actions
from fangfan.web.monitoring.actions import elimination as elimination_actions
from fangfan.web.monitoring.assistance_forms import EndMeasureForm, MeasureForm, ProposeForm
from fangfan.web.monitoring.columns import MONITORED_COLUMNS
from fangfan.web.monitoring.models import Measure, MonitoredHousehold, MonitoringSignal, Visit
from fangfan.web.monitoring.readiness import readiness
from fangfan.web.monitoring.views import user_of
from fangfan.web.monitoring.workflow import reassessment_days
from fangfan.web.procedures.base import WorkflowError
from fangfan.web.registry.models import Member, Run
from fangfan.web.shared.excel import excel_response
from fangfan.web.shared.pagination import page_of


@require_GET
@require_roles(*REGION_READERS)
def monitored_list(request: HttpRequest) -> HttpResponse:
    """监测对象: the region's monitored households, the longest without a re-assessment first."""
    user = user_of(request)
    filters = lists.MonitoredFilter(user, request.GET)
    context = {
        "filters": filters,
        "households": page_of(lists.monitored_list(user, filters), request.GET.get("page")),
        "query": filters.query_string(),
        "overdue_before": lists.reassessment_overdue_before(),
        "interval": reassessment_days(),
    }
    return render(request, "monitoring/monitored_list.html", context)


@require_GET
@require_roles(*REGION_READERS)
def monitored_list_excel(request: HttpRequest) -> FileResponse:
    user = user_of(request)
    rows = lists.monitored_list(user, lists.MonitoredFilter(user, request.GET))
    return excel_response("防返贫监测对象", MONITORED_COLUMNS, rows)


def _monitored(request: HttpRequest, monitored_id: int) -> MonitoredHousehold:
    related = ("household", "case", "case__intake", "imported_run")
    return get_scoped_or_404(
        MonitoredHousehold.objects.select_related(*related), request.user, pk=monitored_id
    )


@require_GET
@require_roles(*REGION_READERS)
def monitored_detail(request: HttpRequest, monitored_id: int) -> HttpResponse:
    """One monitored household: its measures, re-assessments, elimination conditions and history."""
    return _detail(request, _monitored(request, monitored_id))


def safeguards(monitored: MonitoredHousehold, day: dt.date) -> list[dict[str, Any]]:
    """Each living member and the current measures that safeguard them (`lists.safeguards_of`,
    the same lookups as the list of people without one)."""
    if not monitored.household_id:
        return []
    members = Member.objects.filter(household_id=monitored.household_id, member_status="正常")
    return [
        {"member": member, "measures": lists.safeguards_of(member, monitored, day)}
        for member in members.order_by("position", "pk")
    ]


def _detail(
    request: HttpRequest,
    monitored: MonitoredHousehold,
    bound: dict[str, forms.Form | Measure] | None = None,  # forms sent back, the measure being ended
    status: int = 200,
) -> HttpResponse:
    user = user_of(request)
    bound = bound or {}
    today = timezone.localdate()
    measures = list(
        monitored.measures.select_related("member", "cadre", "ended_by").order_by("-start_date", "-pk")
    )
    still = monitored.status == MonitoredHousehold.Status.MONITORED
    last = (
        MonitoredHousehold.objects.filter(pk=monitored.pk)
        .annotate(last=lists.last_assessed())
        .values_list("last", flat=True)
        .get()
    )
    run = Run.objects.current()
    context = {
        "monitored": monitored,
        "today": today,
        "current_measures": [
            (m, bound["end"] if m == bound.get("ending") else EndMeasureForm(auto_id=f"id_end{m.pk}_%s"))
            for m in measures
            if m.is_current(today)
        ],
        "other_measures": [m for m in measures if not m.is_current(today)],
        "safeguards": safeguards(monitored, today),
        "reassessments": monitored.reassessments.select_related("assessor").order_by("-assessed_on", "-pk"),
        "visits": Visit.objects.filter(
            household_id=monitored.household_id, visited_on__gte=monitored.monitoring_start
        ).select_related("visitor")
        if monitored.household_id
        else [],
        "last_assessed": last,
        "next_due": last + dt.timedelta(days=reassessment_days()) if still else None,
        "readiness": readiness(monitored, today),
        "eliminations": monitored.eliminations.select_related("proposed_by").order_by("-proposed_on", "-pk"),
        "signals": MonitoringSignal.objects.filter(run=run, household_id=monitored.household_id)
        if run and monitored.household_id
        else [],
        "may_measure": still and can(user, "monitoring_measure", monitored),
        "may_reassess": still and can(user, "monitoring_reassess", monitored),
        "may_propose": can(user, "monitoring_propose_elimination", monitored),
        "measure_form": bound.get("measure") or MeasureForm(monitored=monitored),
        "propose_form": bound.get("propose") or ProposeForm(),
    }
    return render(request, "monitoring/monitored_detail.html", context, status=status)


def _refused(
    request: HttpRequest, monitored: MonitoredHousehold, refused: WorkflowError, **bound: Any
) -> HttpResponse:
    messages.error(request, str(refused))
    monitored.refresh_from_db()
    return _detail(request, monitored, bound, status=409)


@require_POST
@require_roles(*FIELD_TEAMS)
def add_measure(request: HttpRequest, monitored_id: int) -> HttpResponse:
    """添加帮扶措施 for the household or one of its people."""
    user = user_of(request)
    monitored = _monitored(request, monitored_id)
    if not can(user, "monitoring_measure", monitored):
        raise PermissionDenied("您的角色无权添加帮扶措施")
    form = MeasureForm(request.POST, monitored=monitored)
    if not form.is_valid():
        return _detail(request, monitored, {"measure": form}, status=400)
    try:
        measure = actions.add_measure(user, monitored, form.measure())
    except WorkflowError as refused:
        return _refused(request, monitored, refused, measure=form)
    messages.success(request, f"已添加帮扶措施：{measure.kind_text}")
    return redirect("monitoring:monitored", monitored_id=monitored.pk)


@require_POST
@require_roles(*FIELD_TEAMS)
def end_measure(request: HttpRequest, measure_id: int) -> HttpResponse:
    """结束措施, with the day and the reason."""
    user = user_of(request)
    measure = get_scoped_or_404(Measure.objects.select_related("monitored"), request.user, pk=measure_id)
    if not can(user, "monitoring_measure", measure):
        raise PermissionDenied("您的角色无权结束帮扶措施")
    form = EndMeasureForm(request.POST, auto_id=f"id_end{measure.pk}_%s")
    monitored = measure.monitored
    if not form.is_valid():
        return _detail(request, monitored, {"end": form, "ending": measure}, status=400)
    try:
        actions.end_measure(user, measure, form.cleaned_data["end_date"], form.cleaned_data["note"])
    except WorkflowError as refused:
        return _refused(request, monitored, refused, end=form, ending=measure)
    messages.success(request, f"已结束帮扶措施：{measure.kind_text}")
    return redirect("monitoring:monitored", monitored_id=monitored.pk)


@require_POST
@require_roles(*FIELD_TEAMS)
def propose(request: HttpRequest, monitored_id: int) -> HttpResponse:
    """提出风险消除: 409 with every condition that fails."""
    user = user_of(request)
    monitored = _monitored(request, monitored_id)
    if not can(user, "monitoring_propose_elimination", monitored):
        raise PermissionDenied("您的角色无权提出风险消除")
    form = ProposeForm(request.POST)
    if not form.is_valid():
        return _detail(request, monitored, {"propose": form}, status=400)
    try:
        elimination = elimination_actions.propose(user, monitored, form.cleaned_data["note"])
    except WorkflowError as refused:
        return _refused(request, monitored, refused, propose=form)
    messages.success(request, "已提出风险消除，请驻村工作队入户核实")
    return redirect("monitoring:elimination", elimination_id=elimination.pk)

"""Risk elimination (风险消除): the list and its Excel, one elimination with the steps the
user may take now, each step's POST."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from fangfan.web.accounts.access import REGION_READERS as READERS
from fangfan.web.accounts.access import get_scoped_or_404, require_roles
from fangfan.web.monitoring import lists
from fangfan.web.monitoring.actions import WorkflowError
from fangfan.web.monitoring.actions import elimination as actions
from fangfan.web.monitoring.assistance_forms import ApproveForm, EliminationCheckForm, EliminationNoticeForm
from fangfan.web.monitoring.columns import ELIMINATION_COLUMNS
from fangfan.web.monitoring.forms import CloseNoticeForm, ReasonForm
from fangfan.web.monitoring.models import Elimination
from fangfan.web.monitoring.readiness import readiness
from fangfan.web.monitoring.views import Verb, initial_notice, user_of
from fangfan.web.monitoring.workflow import (
    ELIMINATION_OPEN_STAGES,
    ELIMINATION_VERB_NAMES,
    EliminationStage,
    step_opens_on,
)
from fangfan.web.shared.excel import excel_response
from fangfan.web.shared.pagination import page_of

PROGRESS = [*ELIMINATION_OPEN_STAGES, EliminationStage.APPROVED]
STEP_LABELS = {
    EliminationStage.HOME_CHECK: "入户核实",
    EliminationStage.VILLAGE_REVIEW: "村级评议",
    EliminationStage.NOTICE: "公示",
    EliminationStage.COUNTY_APPROVAL: "县级审批",
    EliminationStage.APPROVED: "风险消除",
}


VERBS: dict[str, Verb] = {
    "check": Verb(
        lambda elimination, *args: EliminationCheckForm(
            *args, initial={"checked_on": timezone.localdate(), "village_group": elimination.village_group}
        ),
        lambda user, elimination, data: actions.home_check(user, elimination, **data),
    ),
    "post_notice": Verb(
        lambda elimination, *args: EliminationNoticeForm(*args, initial=initial_notice()),
        lambda user, elimination, data: actions.post_notice(user, elimination, **data),
    ),
    "close_notice": Verb(
        lambda elimination, *args: CloseNoticeForm(*args),
        lambda user, elimination, data: actions.close_notice(user, elimination, data["note"]),
    ),
    "approve": Verb(
        lambda elimination, *args: ApproveForm(*args, initial={"eliminated_on": timezone.localdate()}),
        lambda user, elimination, data: actions.approve(user, elimination, **data),
    ),
    "send_back": Verb(
        lambda elimination, *args: ReasonForm(*args),
        lambda user, elimination, data: actions.send_back(user, elimination, data["note"]),
    ),
    "reject": Verb(
        lambda elimination, *args: ReasonForm(*args),
        lambda user, elimination, data: actions.reject(user, elimination, data["note"]),
    ),
}


@require_GET
@require_roles(*READERS)
def elimination_list(request: HttpRequest) -> HttpResponse:
    """风险消除: the region's proposals, open ones first, oldest first."""
    user = user_of(request)
    filters = lists.EliminationFilter(user, request.GET)
    context = {
        "filters": filters,
        "eliminations": page_of(lists.elimination_list(user, filters), request.GET.get("page")),
        "query": filters.query_string(),
    }
    return render(request, "monitoring/elimination_list.html", context)


@require_GET
@require_roles(*READERS)
def elimination_list_excel(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    rows = lists.elimination_list(user, lists.EliminationFilter(user, request.GET))
    return excel_response("风险消除", ELIMINATION_COLUMNS, rows)


def _elimination(request: HttpRequest, elimination_id: int) -> Elimination:
    related = ("monitored", "household", "proposed_by")
    return get_scoped_or_404(Elimination.objects.select_related(*related), request.user, pk=elimination_id)


@require_GET
@require_roles(*READERS)
def elimination_detail(request: HttpRequest, elimination_id: int) -> HttpResponse:
    """One elimination: the stepper, the basis, what each step recorded, the steps the user may take."""
    return _detail(request, _elimination(request, elimination_id))


def _detail(
    request: HttpRequest,
    elimination: Elimination,
    bound: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = user_of(request)
    offered = [
        {
            "verb": verb,
            "name": ELIMINATION_VERB_NAMES[verb],
            "form": (bound or {}).get(verb) or spec.form(elimination),
            "url": reverse(f"monitoring:elimination_{verb}", args=[elimination.pk]),
            "opens_on": step_opens_on(verb, elimination),
        }
        for verb, spec in VERBS.items()
        if actions.may(user, verb, elimination)
    ]
    reached = PROGRESS.index(elimination.stage) if elimination.stage in PROGRESS else 0
    context = {
        "elimination": elimination,
        "stages": [(stage, STEP_LABELS[stage]) for stage in PROGRESS],
        "done": PROGRESS[:reached],
        "events": elimination.events.select_related("user").order_by("-at", "-id"),
        "readiness": readiness(elimination.monitored, under_way=elimination) if elimination.is_open else None,
        "forms": offered,
    }
    response = render(request, "monitoring/elimination_detail.html", context, status=status)
    # A refused step answers with this page: under htmx the address bar shows the page's own
    # URL, not the step's (a refresh there would be a GET on a POST-only URL, a 405).
    response["HX-Push-Url"] = reverse("monitoring:elimination", args=[elimination.pk])
    return response


@require_POST
@require_roles(*READERS)
def elimination_act(request: HttpRequest, elimination_id: int, verb: str) -> HttpResponse:
    """Do one step: 404 outside the region, 403 for the wrong role, 400/409 with the reason."""
    user = user_of(request)
    elimination = _elimination(request, elimination_id)
    spec = VERBS[verb]
    form = spec.form(elimination, request.POST)
    try:
        actions.check(user, verb, elimination)
        if not form.is_valid():
            return _detail(request, elimination, {verb: form}, status=400)
        spec.perform(user, elimination, form.cleaned_data)
    except WorkflowError as refused:
        messages.error(request, str(refused))
        elimination.refresh_from_db()
        return _detail(request, elimination, {verb: form}, status=409)
    messages.success(request, f"已{ELIMINATION_VERB_NAMES[verb]}")
    return redirect("monitoring:elimination", elimination_id=elimination.pk)

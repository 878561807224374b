"""The work queue's pages: the list and its Excel, one finding, the verbs, proof files."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from fangfan.web.accounts.access import REGION_READERS as READERS
from fangfan.web.accounts.access import can, get_scoped_or_404, region_for_user, require_roles
from fangfan.web.accounts.models import User
from fangfan.web.registry.dashboard import closeout_counts
from fangfan.web.registry.household_page import masked_evidence
from fangfan.web.registry.models import Finding, FindingEvent, Run
from fangfan.web.shared.excel import excel_response
from fangfan.web.shared.pagination import page_of
from fangfan.web.workqueue import actions
from fangfan.web.workqueue.columns import QUEUE_COLUMNS
from fangfan.web.workqueue.forms import AssignForm, CloseForm, FixForm, ReasonForm
from fangfan.web.workqueue.queue import QueueFilter, queue

# The list counts and pages at most this many findings (a city holds a hundred thousand:
# counting them all on every page costs more than the page); the Excel holds them all.
LISTED_AT_MOST = 5_000
Verb = Callable[[User, Finding, dict[str, Any]], object]


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@require_GET
@require_roles(*READERS)
def finding_list(request: HttpRequest) -> HttpResponse:
    """问题清单: the region's findings, filtered, overdue first, 50 a page."""
    user = _user(request)
    filters = QueueFilter(user, request.GET)
    findings = queue(user, filters)
    context = {
        "filters": filters,
        "closeouts": closeout_counts(user, filters.chosen_region() or region_for_user(user)),
        "findings": page_of(findings, request.GET.get("page"), cap=LISTED_AT_MOST),
        "query": filters.query_string(),
        "run": Run.objects.current(),
    }
    return render(request, "workqueue/list.html", context)


@require_GET
@require_roles(*READERS)
def finding_list_excel(request: HttpRequest) -> HttpResponse:
    """The same filtered list as Excel (ID numbers masked)."""
    findings = queue(_user(request), QueueFilter(_user(request), request.GET))
    return excel_response("问题清单", QUEUE_COLUMNS, findings.select_related("first_seen_run"))


def _finding(request: HttpRequest, finding_id: int) -> Finding:
    return get_scoped_or_404(
        Finding.objects.select_related("household", "assignee", "first_seen_run"), request.user, pk=finding_id
    )


@require_GET
@require_roles(*READERS)
def finding_detail(request: HttpRequest, finding_id: int) -> HttpResponse:
    """One finding: evidence, workflow events, the actions the user may take now, the audit trail."""
    return _detail(request, _finding(request, finding_id))


def _detail(
    request: HttpRequest, finding: Finding, bound: dict[str, forms.Form] | None = None, status: int = 200
) -> HttpResponse:
    user = _user(request)
    assignees = actions.assignee_choices(finding)
    blank: dict[str, forms.Form] = {
        "assign": AssignForm(assignees=assignees, initial=_assign_initial(finding, assignees)),
        "mark_fixed": FixForm(),
        "mark_explained": ReasonForm(),
        "verify_close": CloseForm(still_flagged=actions.still_flagged(finding)),
        "reject": ReasonForm(),
    }
    shown = [
        {
            "verb": verb,
            "name": actions.VERB_NAMES[verb],
            "form": (bound or {}).get(verb, form),
            "url": reverse(f"workqueue:{verb}", args=[finding.pk]),
        }
        for verb, form in blank.items()
        if actions.may(user, verb, finding)
    ]
    context = {
        "finding": finding,
        "evidence": masked_evidence(finding),
        "events": finding.events.select_related("user").order_by("-at", "-id"),
        "overdue": actions.is_overdue(finding),
        "forms": shown,
    }
    response = render(request, "workqueue/detail.html", context, status=status)
    # A refused step answers with the detail page: under htmx the address bar shows the
    # page's own URL, not the action's (a refresh there would be a GET on a POST-only URL).
    response["HX-Push-Url"] = reverse("workqueue:detail", args=[finding.pk])
    return response


def _assign_initial(finding: Finding, assignees: list[User]) -> dict[str, object]:
    """Re-assigning: the current assignee and deadline pre-filled, the deadline only while the
    form's bounds accept it (a past deadline must be set anew)."""
    initial: dict[str, object] = {}
    if finding.assignee in assignees:
        initial["assignee"] = finding.assignee.pk
    if finding.deadline and actions.deadline_allowed(finding.deadline):
        initial["deadline"] = finding.deadline
    return initial


def _act(request: HttpRequest, finding_id: int, verb: str, form: forms.Form, perform: Verb) -> HttpResponse:
    """Run a verb: 404 outside the region, 403 for the wrong role, 400/409 with the reason, else redirect."""
    user = _user(request)
    finding = _finding(request, finding_id)
    if not can(user, actions.GATE_ACTION[verb], finding):
        raise PermissionDenied(f"您的角色无权{actions.VERB_NAMES[verb]}")
    if not form.is_valid():
        return _detail(request, finding, {verb: form}, status=400)
    try:
        perform(user, finding, form.cleaned_data)
    except actions.WorkflowError as refused:
        messages.error(request, str(refused))
        finding.refresh_from_db()
        return _detail(request, finding, {verb: form}, status=409)
    messages.success(request, f"已{actions.VERB_NAMES[verb]}")
    return redirect("workqueue:detail", finding_id=finding.pk)


@require_POST
@require_roles(*READERS)
def assign(request: HttpRequest, finding_id: int) -> HttpResponse:
    finding = _finding(request, finding_id)
    form = AssignForm(request.POST, assignees=actions.assignee_choices(finding))
    return _act(
        request,
        finding_id,
        "assign",
        form,
        lambda user, finding, data: actions.assign(
            user, finding, data["assignee"], data["deadline"], data["note"]
        ),
    )


@require_POST
@require_roles(*READERS)
def mark_fixed(request: HttpRequest, finding_id: int) -> HttpResponse:
    form = FixForm(request.POST, request.FILES)
    return _act(
        request,
        finding_id,
        "mark_fixed",
        form,
        lambda user, finding, data: actions.mark_fixed(user, finding, data["note"], data["attachment"]),
    )


@require_POST
@require_roles(*READERS)
def mark_explained(request: HttpRequest, finding_id: int) -> HttpResponse:
    return _act(
        request,
        finding_id,
        "mark_explained",
        ReasonForm(request.POST),
        lambda user, finding, data: actions.mark_explained(user, finding, data["note"]),
    )


@require_POST
@require_roles(*READERS)
def verify_close(request: HttpRequest, finding_id: int) -> HttpResponse:
    flagged = actions.still_flagged(_finding(request, finding_id))
    return _act(
        request,
        finding_id,
        "verify_close",
        CloseForm(request.POST, request.FILES, still_flagged=flagged),
        lambda user, finding, data: actions.verify_close(user, finding, data["note"], data["attachment"]),
    )


@require_POST
@require_roles(*READERS)
def reject(request: HttpRequest, finding_id: int) -> HttpResponse:
    return _act(
        request,
        finding_id,
        "reject",
        ReasonForm(request.POST),
        lambda user, finding, data: actions.reject(user, finding, data["note"]),
    )


@require_GET
@require_roles(*READERS)
def attachment(request: HttpRequest, finding_id: int, event_id: int) -> FileResponse:
    """A proof file, for those who can see the finding (the file never leaves through MEDIA_URL)."""
    event = get_scoped_or_404(
        FindingEvent.objects.select_related("finding"), request.user, pk=event_id, finding_id=finding_id
    )
    if not event.attachment:
        raise Http404("该记录没有佐证材料")
    return FileResponse(
        event.attachment.open("rb"), as_attachment=True, filename=event.attachment.name.rsplit("/", 1)[-1]
    )

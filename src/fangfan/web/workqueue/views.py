"""The work queue's pages: the list and its Excel, one finding, the verbs, proof files."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from fangfan.web.accounts.access import REGION_READERS, get_scoped_or_404, region_for_user, require_roles
from fangfan.web.accounts.models import User
from fangfan.web.procedures import pages
from fangfan.web.procedures.pages import Page, StepForm, note_step
from fangfan.web.registry.dashboard import closeout_counts
from fangfan.web.registry.household_page import masked_evidence
from fangfan.web.registry.models import Finding, FindingEvent, Run
from fangfan.web.shared.excel import excel_response
from fangfan.web.shared.pagination import page_of
from fangfan.web.workqueue import actions
from fangfan.web.workqueue.columns import QUEUE_COLUMNS
from fangfan.web.workqueue.forms import AssignForm, CloseForm, FixForm, ReasonForm
from fangfan.web.workqueue.procedure import FINDING_QUEUE
from fangfan.web.workqueue.queue import QueueFilter, queue

# The list counts and pages at most this many findings (a city holds a hundred thousand:
# counting them all on every page costs more than the page); the Excel holds them all.
LISTED_AT_MOST = 5_000


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@require_GET
@require_roles(*REGION_READERS)
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
@require_roles(*REGION_READERS)
def finding_list_excel(request: HttpRequest) -> FileResponse:
    """The same filtered list as Excel (ID numbers masked)."""
    findings = queue(_user(request), QueueFilter(_user(request), request.GET))
    return excel_response("问题清单", QUEUE_COLUMNS, findings.select_related("first_seen_run"))


def _finding(request: HttpRequest, finding_id: int) -> Finding:
    return get_scoped_or_404(
        Finding.objects.select_related("household", "assignee", "first_seen_run"), request.user, pk=finding_id
    )


def _assign_form(finding: Finding, *args: Any) -> forms.Form:
    assignees = actions.assignee_choices(finding)
    if args:
        return AssignForm(*args, assignees=assignees)
    return AssignForm(assignees=assignees, initial=_assign_initial(finding, assignees))


def _assign_initial(finding: Finding, assignees: list[User]) -> dict[str, object]:
    """Re-assigning: the current assignee and deadline pre-filled, the deadline only while the
    form's bounds accept it (a past deadline must be set anew)."""
    initial: dict[str, object] = {}
    if finding.assignee in assignees:
        initial["assignee"] = finding.assignee.pk
    if finding.deadline and actions.deadline_allowed(finding.deadline):
        initial["deadline"] = finding.deadline
    return initial


PAGE: Page[Finding] = Page(
    procedure=FINDING_QUEUE,
    steps={
        "assign": StepForm(
            _assign_form,
            lambda user, finding, data: actions.assign(
                user, finding, data["assignee"], data["deadline"], data["note"]
            ),
        ),
        "mark_fixed": StepForm(
            lambda finding, *args: FixForm(*args),
            lambda user, finding, data: actions.mark_fixed(user, finding, data["note"], data["attachment"]),
            files=True,
        ),
        "mark_explained": note_step(ReasonForm, actions.mark_explained),
        "verify_close": StepForm(
            lambda finding, *args: CloseForm(*args, still_flagged=actions.still_flagged(finding)),
            lambda user, finding, data: actions.verify_close(user, finding, data["note"], data["attachment"]),
            files=True,
            intro="workqueue/_still_flagged.html",
        ),
        "reject": note_step(ReasonForm, actions.reject),
    },
    template="workqueue/detail.html",
    record_name="finding",
    detail_url="workqueue:detail",
    step_url="workqueue:{verb}",
    context=lambda finding: {"evidence": masked_evidence(finding), "overdue": actions.is_overdue(finding)},
)


@require_GET
@require_roles(*REGION_READERS)
def finding_detail(request: HttpRequest, finding_id: int) -> HttpResponse:
    """One finding: evidence, workflow events, the actions the user may take now, the audit trail."""
    return pages.detail(request, PAGE, _finding(request, finding_id))


@require_POST
@require_roles(*REGION_READERS)
def finding_act(request: HttpRequest, finding_id: int, verb: str) -> HttpResponse:
    """Do one step: 404 outside the region, 403 for the wrong role, 400/409 with the reason, else redirect."""
    return pages.act(request, PAGE, _finding(request, finding_id), verb)


@require_GET
@require_roles(*REGION_READERS)
def attachment(request: HttpRequest, finding_id: int, event_id: int) -> FileResponse:
    """A proof file, for those who can see the finding (the file never leaves through MEDIA_URL)."""
    event = get_scoped_or_404(
        FindingEvent.objects.select_related("finding"), request.user, pk=event_id, finding_id=finding_id
    )
    if not event.attachment:
        raise Http404("该记录没有佐证材料")
    return FileResponse(
        event.attachment.open("rb"),
        as_attachment=True,
        filename=(event.attachment.name or "").rsplit("/", 1)[-1],
    )

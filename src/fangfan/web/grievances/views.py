"""The grievance pages: the list and its Excel, recording one, one grievance and its steps,
turning it into a monitoring lead or a rectification problem, the two reports."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangfan.web.accounts.access import (
    GRIEVANCE_OFFICES,
    REGION_READERS,
    WORKFLOW_ROLES,
    can,
    get_scoped_or_404,
    require_roles,
    scope,
)
from fangfan.web.grievances import actions, lists
from fangfan.web.grievances.columns import GRIEVANCE_COLUMNS, PERFORMANCE_COLUMNS, SKIPPED_COLUMNS
from fangfan.web.grievances.deadlines import SLA_LABELS, escalations_due, handling_level, sla_state
from fangfan.web.grievances.forms import (
    CallbackForm,
    GrievanceFilter,
    GrievanceForm,
    NoteForm,
    ProblemForm,
    ReasonForm,
    ReplyForm,
)
from fangfan.web.grievances.models import Grievance, Level
from fangfan.web.grievances.procedure import GRIEVANCE
from fangfan.web.procedures import pages
from fangfan.web.procedures.base import WorkflowError
from fangfan.web.procedures.pages import Page, StepForm, note_step, user_of
from fangfan.web.shared.excel import Sheet, excel_response, workbook_response

# The list counts and pages at most this many (a city holds tens of thousands); Excel holds all.
LISTED_AT_MOST = 5_000


def with_state(grievance: Grievance, now: Any = None) -> Grievance:
    """The grievance with what pages show of its limits, worked out on reading: 正常/临期/超时, the
    levels it should have gone up by now (`escalations_due`) and the level that handles it."""
    now = now or timezone.now()
    row: Any = grievance
    row.sla = sla_state(grievance.due_at, grievance.warn_at, now)
    row.sla_label = SLA_LABELS[row.sla]
    row.escalated_to = escalations_due(grievance, now)
    row.level_label = Level(handling_level(grievance, row.escalated_to)).label
    row.place_name = lists.place_name(grievance.region_code)
    return grievance


@require_GET
@require_roles(*REGION_READERS)
def grievance_list(request: HttpRequest) -> HttpResponse:
    """信访事项: the region's grievances, 超时 first, then 临期, 50 a page."""
    user = user_of(request)
    filters = GrievanceFilter(user, request.GET)
    now = timezone.now()
    page = lists.page_by_ids(lists.grievances(user, filters, now), request.GET.get("page"), LISTED_AT_MOST)
    for grievance in page:
        with_state(grievance, now)
    context = {
        "filters": filters,
        "grievances": page,
        "query": filters.query_string(),
        "may_record": user.role in WORKFLOW_ROLES["grievance_record"],
        "own_level": Level(user.region.level).label if user.region else "",
    }
    return render(request, "grievances/list.html", context)


@require_GET
@require_roles(*REGION_READERS)
def grievance_list_excel(request: HttpRequest) -> FileResponse:
    user = user_of(request)
    rows = lists.grievances(user, GrievanceFilter(user, request.GET), timezone.now())
    return excel_response("信访事项", GRIEVANCE_COLUMNS, rows)


@require_http_methods(["GET", "POST"])
@require_roles(*REGION_READERS)
def grievance_new(request: HttpRequest) -> HttpResponse:
    """登记信访事项 (cadres); the same person's grievances of the last 90 days are linked."""
    user = user_of(request)
    if user.role not in WORKFLOW_ROLES["grievance_record"]:
        raise PermissionDenied("您的角色无权登记信访事项")
    form = GrievanceForm(request.POST or None, user=user)
    if request.method != "POST" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return render(request, "grievances/new.html", {"form": form}, status=status)
    try:
        grievance = actions.register(user, form.complaint())
    except WorkflowError as refused:
        form.add_error(None, str(refused))
        return render(request, "grievances/new.html", {"form": form}, status=400)
    repeat = f"，该人90天内此前已反映{grievance.repeat_count}次" if grievance.repeat_count else ""
    messages.success(request, f"已登记，信访编号 {grievance.reference}{repeat}")
    return redirect("grievances:detail", grievance_id=grievance.pk)


def _grievance(request: HttpRequest, grievance_id: int) -> Grievance:
    rows = Grievance.objects.select_related("household", "recorded_by", "intake", "problem")
    grievance = get_scoped_or_404(rows, request.user, pk=grievance_id)
    grievance.viewer = user_of(request)  # type: ignore[attr-defined]  # for `_context`'s gate
    return grievance


def _context(grievance: Grievance) -> dict[str, Any]:
    with_state(grievance)
    # The same person's other contacts, as far as the viewer's region goes (a call to
    # another county is counted in repeat_count, but not listed).
    viewer = grievance.viewer  # type: ignore[attr-defined]
    return {
        "earlier": scope(grievance.earlier.all(), viewer).order_by("-received_at"),
        "later": scope(grievance.later.all(), viewer).order_by("received_at"),
        "problem_form": ProblemForm(),
    }


def form_errors(form: forms.Form) -> str:
    """A form's errors as one Chinese sentence: “整改时限：…；责任人：…”."""
    return "；".join(
        f"{form.fields[name].label if name in form.fields else ''}：{'、'.join(map(str, errors))}".lstrip(
            "："
        )
        for name, errors in form.errors.items()
    )


PAGE: Page[Grievance] = Page(
    procedure=GRIEVANCE,
    steps={
        "accept": note_step(NoteForm, actions.accept),
        "reply": StepForm(
            lambda grievance, *args: ReplyForm(*args),
            lambda user, grievance, data: actions.reply(user, grievance, data["outcome"], data["reply"]),
        ),
        "callback": StepForm(
            lambda grievance, *args: CallbackForm(*args),
            lambda user, grievance, data: actions.callback(
                user, grievance, data["satisfaction"], data["note"]
            ),
        ),
        "reopen": note_step(ReasonForm, actions.reopen),
    },
    template="grievances/detail.html",
    record_name="grievance",
    detail_url="grievances:detail",
    step_url="grievances:{verb}",
    stepper=tuple((stage.value, stage.label) for stage in Grievance.Stage),
    context=_context,
)


@require_GET
@require_roles(*REGION_READERS)
def grievance_detail(request: HttpRequest, grievance_id: int) -> HttpResponse:
    """One grievance: who, what, its limits, earlier contacts, the steps the user may take."""
    return pages.detail(request, PAGE, _grievance(request, grievance_id))


def _refused(request: HttpRequest, grievance: Grievance, message: str, status: int) -> HttpResponse:
    messages.error(request, message)
    grievance.refresh_from_db()
    return pages.detail(request, PAGE, grievance, status=status)


@require_POST
@require_roles(*REGION_READERS)
def grievance_act(request: HttpRequest, grievance_id: int, verb: str) -> HttpResponse:
    """One step: 404 outside the region, 403 for the wrong role, 400/409 with the reason."""
    return pages.act(request, PAGE, _grievance(request, grievance_id), verb)


@require_POST
@require_roles(*GRIEVANCE_OFFICES)
def open_intake(request: HttpRequest, grievance_id: int) -> HttpResponse:
    """转监测线索: the grievance's person into the village's intake list, linked both ways."""
    grievance = _grievance(request, grievance_id)
    try:
        intake = actions.open_intake(user_of(request), grievance)
    except WorkflowError as refused:
        return _refused(request, grievance, str(refused), 409)
    messages.success(request, f"已转为监测线索，受理编号 {intake.reference}")
    return redirect("grievances:detail", grievance_id=grievance.pk)


@require_POST
@require_roles(*GRIEVANCE_OFFICES)
def open_problem(request: HttpRequest, grievance_id: int) -> HttpResponse:
    """转整改问题: the grievance into the rectification ledger, linked both ways."""
    grievance = _grievance(request, grievance_id)
    if not can(user_of(request), "grievance_handle", grievance):
        raise PermissionDenied("您的角色无权转整改问题")
    form = ProblemForm(request.POST)
    if not form.is_valid():
        return _refused(request, grievance, f"未能转整改问题：{form_errors(form)}", 400)
    try:
        actions.open_grievance_problem(user_of(request), grievance, form.plan())
    except WorkflowError as refused:
        return _refused(request, grievance, str(refused), 409)
    messages.success(request, "已转为整改问题")
    return redirect("grievances:detail", grievance_id=grievance.pk)


@require_GET
@require_roles(*GRIEVANCE_OFFICES)
def repeat_contacts(request: HttpRequest) -> HttpResponse:
    """重复来信来访来电: grievances of people who contacted before within 90 days."""
    rows = lists.page_by_ids(lists.repeat_contacts(user_of(request)), request.GET.get("page"), LISTED_AT_MOST)
    for grievance in rows:
        with_state(grievance)
    return render(
        request, "grievances/repeats.html", {"grievances": rows, "repeat_days": actions.REPEAT_DAYS}
    )


@require_GET
@require_roles(*GRIEVANCE_OFFICES)
def repeat_contacts_excel(request: HttpRequest) -> FileResponse:
    return excel_response("重复反映", GRIEVANCE_COLUMNS, lists.repeat_contacts(user_of(request)))


@require_GET
@require_roles(*GRIEVANCE_OFFICES)
def skipped_levels(request: HttpRequest) -> HttpResponse:
    """越级反映: per county, complaints first filed at the province or in Beijing."""
    user = user_of(request)
    rows = lists.page_by_ids(lists.skipped_grievances(user), request.GET.get("page"), LISTED_AT_MOST)
    for grievance in rows:
        with_state(grievance)
    context = {"counties": lists.skipped_levels(user), "grievances": rows}
    return render(request, "grievances/skipped.html", context)


@require_GET
@require_roles(*GRIEVANCE_OFFICES)
def skipped_levels_excel(request: HttpRequest) -> FileResponse:
    user = user_of(request)
    return workbook_response(
        "越级反映",
        [
            Sheet("按县区统计", SKIPPED_COLUMNS, lists.skipped_levels(user)),
            Sheet("越级反映事项", GRIEVANCE_COLUMNS, lists.skipped_grievances(user)),
        ],
    )


@require_GET
@require_roles(*GRIEVANCE_OFFICES)
def performance(request: HttpRequest) -> HttpResponse:
    """办理时效: per county, what is late now, answered on time, satisfied, reopened, repeated."""
    rows = lists.sla_performance(user_of(request), timezone.now())
    return render(request, "grievances/performance.html", {"counties": rows})


@require_GET
@require_roles(*GRIEVANCE_OFFICES)
def performance_excel(request: HttpRequest) -> FileResponse:
    return excel_response(
        "信访办理时效", PERFORMANCE_COLUMNS, lists.sla_performance(user_of(request), timezone.now())
    )

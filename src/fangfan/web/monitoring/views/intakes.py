"""The intake list (发现线索) and its Excel, one lead, taking it up or setting it aside,
the 12317 form and the township's button that brings in the run's warnings."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangfan.web.accounts.access import (
    LEAD_RECORDERS,
    REGION_READERS,
    WORKFLOW_ROLES,
    can,
    get_scoped_or_404,
    require_roles,
    scope,
)
from fangfan.web.accounts.models import User
from fangfan.web.monitoring import lists
from fangfan.web.monitoring.actions import discovery as actions
from fangfan.web.monitoring.actions.reports import open_lead_of
from fangfan.web.monitoring.columns import INTAKE_COLUMNS
from fangfan.web.monitoring.forms import HotlineForm, ReasonForm, TakeUpForm
from fangfan.web.monitoring.models import Intake, MonitoringSignal
from fangfan.web.monitoring.views import user_of
from fangfan.web.procedures.base import WorkflowError
from fangfan.web.registry.models import Household, Run
from fangfan.web.shared.excel import excel_response
from fangfan.web.shared.pagination import page_of

Role = User.Role


@require_GET
@require_roles(*REGION_READERS)
def intake_list(request: HttpRequest) -> HttpResponse:
    """发现线索: the region's leads from every channel, waiting ones first, 50 a page."""
    user = user_of(request)
    filters = lists.IntakeFilter(user, request.GET)
    context = {
        "filters": filters,
        "intakes": page_of(lists.intake_list(user, filters), request.GET.get("page")),
        "query": filters.query_string(),
        "run": Run.objects.current(),
        "may_import": user.role in WORKFLOW_ROLES["monitoring_intake"],
        "may_record": user.role in WORKFLOW_ROLES["monitoring_report"],
    }
    return render(request, "monitoring/intake_list.html", context)


@require_GET
@require_roles(*REGION_READERS)
def intake_list_excel(request: HttpRequest) -> FileResponse:
    user = user_of(request)
    return excel_response(
        "发现线索", INTAKE_COLUMNS, lists.intake_list(user, lists.IntakeFilter(user, request.GET))
    )


def _intake(request: HttpRequest, intake_id: int) -> Intake:
    related = ("household", "visit", "recorded_by", "handled_by")
    return get_scoped_or_404(Intake.objects.select_related(*related), request.user, pk=intake_id)


@require_GET
@require_roles(*REGION_READERS)
def intake_detail(request: HttpRequest, intake_id: int) -> HttpResponse:
    """One lead: what was reported, the household it matched, its findings or visit, the call to make."""
    return _detail(request, _intake(request, intake_id))


def _detail(
    request: HttpRequest,
    intake: Intake,
    take_up: TakeUpForm | None = None,
    dismiss: ReasonForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = user_of(request)
    judging = intake.status == Intake.Status.NEW and can(user, "monitoring_intake", intake)
    context = {
        "intake": intake,
        "findings": intake.findings.order_by("rule_code", "pk"),
        "signals": MonitoringSignal.objects.filter(intake_link__intake=intake).order_by("pk"),
        "case": getattr(intake, "case", None),
        "further_reports": intake.further_reports.select_related("household"),
        "judging": judging,
        "take_up_form": take_up or TakeUpForm(),
        "dismiss_form": dismiss or ReasonForm(),
    }
    return render(request, "monitoring/intake_detail.html", context, status=status)


def _refused(
    request: HttpRequest,
    intake: Intake,
    refused: WorkflowError,
    *,
    take_up: TakeUpForm | None = None,
    dismiss: ReasonForm | None = None,
) -> HttpResponse:
    messages.error(request, str(refused))
    intake.refresh_from_db()
    return _detail(request, intake, take_up, dismiss, status=409)


@require_POST
@require_roles(Role.TOWNSHIP)
def take_up(request: HttpRequest, intake_id: int) -> HttpResponse:
    """启动识别: a case opens on the lead (for the household typed in, when it matched none)."""
    user = user_of(request)
    intake = _intake(request, intake_id)
    if not can(user, "monitoring_intake", intake):
        raise PermissionDenied("您的角色无权启动识别")
    form = TakeUpForm(request.POST)
    household = None
    if form.is_valid() and form.cleaned_data["household_id"]:
        household = (
            scope(Household.objects.all(), user)
            .filter(household_id=form.cleaned_data["household_id"])
            .first()
        )
        if household is None:
            form.add_error("household_id", "本辖区没有这个户编号")
    if not form.is_valid():
        return _detail(request, intake, take_up=form, status=400)
    try:
        case = actions.take_up(user, intake, household, form.cleaned_data["note"])
    except WorkflowError as refused:
        return _refused(request, intake, refused, take_up=form)
    messages.success(request, "已启动识别，请驻村工作队入户核实")
    return redirect("monitoring:case", case_id=case.pk)


@require_POST
@require_roles(Role.TOWNSHIP)
def dismiss(request: HttpRequest, intake_id: int) -> HttpResponse:
    """不予受理, with the reason."""
    user = user_of(request)
    intake = _intake(request, intake_id)
    if not can(user, "monitoring_intake", intake):
        raise PermissionDenied("您的角色无权不予受理")
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _detail(request, intake, dismiss=form, status=400)
    try:
        actions.dismiss(user, intake, form.cleaned_data["note"])
    except WorkflowError as refused:
        return _refused(request, intake, refused, dismiss=form)
    messages.success(request, "已不予受理")
    return redirect("monitoring:intake", intake_id=intake.pk)


@require_http_methods(["GET", "POST"])
@require_roles(*LEAD_RECORDERS)
def hotline(request: HttpRequest) -> HttpResponse:
    """12317热线登记: a cadre records a call; the lead lands in the village's township's list."""
    user = user_of(request)
    form = HotlineForm(request.POST or None, user=user)
    if request.method != "POST" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return render(request, "monitoring/hotline.html", {"form": form}, status=status)
    report = form.report()
    duplicate = open_lead_of(report)
    if duplicate is not None and can(user, "view", duplicate):
        messages.warning(request, f"该村同一人已有未办结的线索（受理编号 {duplicate.reference}），未重复登记")
        return redirect("monitoring:intake", intake_id=duplicate.pk)
    data = form.cleaned_data
    try:
        intake = actions.record_hotline_report(
            user, report, data["caller_name"], data["caller_phone"], data["called_at"]
        )
    except WorkflowError as refused:
        form.add_error(None, str(refused))
        return render(request, "monitoring/hotline.html", {"form": form}, status=400)
    messages.success(request, f"已登记，受理编号 {intake.reference}")
    return redirect("monitoring:intake", intake_id=intake.pk)


@require_POST
@require_roles(Role.TOWNSHIP)
def import_findings(request: HttpRequest) -> HttpResponse:
    """导入预警线索: the current run's department warnings and income/spending findings in the township."""
    result = actions.import_findings(user_of(request))
    messages.success(request, result.describe())
    return redirect("monitoring:intakes")

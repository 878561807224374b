"""衔接资金项目's pages: thin views over the gate (`access`), the verbs (`actions`) and `reports`."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangfan.engine.fieldwork import project_workbooks
from fangfan.engine.fieldwork.projects import ALERT_TITLES
from fangfan.web.accounts.access import (
    REGION_READERS,
    WORKFLOW_ROLES,
    can,
    get_scoped_or_404,
    region_for_user,
    require_roles,
    scope,
)
from fangfan.web.accounts.models import User
from fangfan.web.evidence.files import Refused
from fangfan.web.evidence.storage import open_stored
from fangfan.web.procedures.base import WorkflowError
from fangfan.web.projects import actions, imports, reports
from fangfan.web.projects.forms import (
    AcceptForm,
    BeneficiaryForm,
    ImportForm,
    ListFilter,
    PaymentForm,
    ProgressForm,
    ProjectForm,
    today_initial,
)
from fangfan.web.projects.models import ProgressPhoto, Project
from fangfan.web.regions.models import Region
from fangfan.web.registry.models import Household
from fangfan.web.shared.excel import CONTENT_TYPE, written_response

# Who opens the library's write pages and who reports progress: the gate's own roles for the actions.
EDITORS = tuple(WORKFLOW_ROLES["project_edit"])
REPORTERS = tuple(WORKFLOW_ROLES["project_progress"])
PER_PAGE = 50


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _project(request: HttpRequest, project_id: int) -> Project:
    return get_scoped_or_404(Project.objects.all(), _user(request), pk=project_id)


@require_GET
@require_roles(*REGION_READERS)
def home(request: HttpRequest) -> HttpResponseRedirect:
    """The user's own region's project list."""
    return redirect("projects:list", code=region_for_user(_user(request)).code)


def _filtered(projects: QuerySet[Project], filters: ListFilter) -> QuerySet[Project]:
    if not filters.is_valid():
        return projects
    data = filters.cleaned_data
    if data["kind"]:
        projects = projects.filter(kind=data["kind"])
    status = {
        "not_started": Q(actual_start=None),
        "in_progress": Q(actual_finish=None) & ~Q(actual_start=None),
        "finished": Q(accepted_on=None) & ~Q(actual_finish=None),
        "accepted": ~Q(accepted_on=None),
    }.get(data["status"])
    if status is not None:
        projects = projects.filter(status)
    if data["q"]:
        projects = projects.filter(Q(name__contains=data["q"]) | Q(number=data["q"]))
    return projects


@require_GET
@require_roles(*REGION_READERS)
def region_list(request: HttpRequest, code: str) -> HttpResponse:
    """项目库 of a region: its projects, filtered and paged."""
    user = _user(request)
    region = region_for_user(user, code)
    filters = ListFilter(request.GET)
    projects = _filtered(reports.region_projects(user, region), filters).order_by("region_code", "number")
    page = Paginator(projects, PER_PAGE).get_page(request.GET.get("page"))
    places = reports.place_names({project.region_code for project in page})
    context = {
        "region": region,
        "filters": filters,
        "page": page,
        "places": places,
        "may_edit": user.role in EDITORS,
        "today": timezone.localdate(),
    }
    return render(request, "projects/list.html", context)


@require_GET
@require_roles(*REGION_READERS)
def list_excel(request: HttpRequest, code: str) -> FileResponse:
    user = _user(request)
    region = region_for_user(user, code)
    projects = _filtered(reports.region_projects(user, region), ListFilter(request.GET))
    rows = reports.list_rows(projects.order_by("region_code", "number"))
    today = timezone.localdate()
    return written_response(
        f"{region.name}衔接资金项目库",
        lambda handle: project_workbooks.write_project_list(handle, rows, title=region.name, today=today),
    )


@require_http_methods(["GET", "POST"])
@require_roles(*EDITORS)
def create(request: HttpRequest) -> HttpResponse:
    """录入项目."""
    user = _user(request)
    form = ProjectForm(request.POST or None, initial={"region": user.region.code if user.region else ""})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        region = region_for_user(user, data["region"])
        plan = actions.Plan(
            name=data["name"],
            kind=data["kind"],
            content=data["content"],
            planned_start=data["planned_start"],
            planned_finish=data["planned_finish"],
            funds=form.funds(),
            budget_yuan=data["budget_yuan"],
        )
        try:
            project = actions.create_project(user, region, plan, number=data["number"])
        except WorkflowError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, f"已录入项目“{project.name}”")
            return redirect("projects:detail", project_id=project.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "projects/new.html", {"form": form}, status=status)


def _detail_context(request: HttpRequest, project: Project, **forms: Any) -> dict[str, Any]:
    user = _user(request)
    today = timezone.localdate()
    initial = today_initial()
    return {
        "project": project,
        "place": reports.place_names({project.region_code})[project.region_code],
        "alerts": reports.alerts_of(project, today),
        "funds": project.funds.all(),
        "reports": project.reports.select_related("reported_by").prefetch_related("photos")[:30],
        "payments": project.payments.select_related("recorded_by")[:100],
        "beneficiaries": project.beneficiaries.select_related("household")[:200],
        "beneficiary_count": project.beneficiaries.count(),
        "may_edit": can(user, "project_edit", project),
        "may_report": can(user, "project_progress", project) and not project.accepted,
        "may_accept": can(user, "project_accept", project) and project.finished and not project.accepted,
        "payment_form": forms.get("payment_form") or PaymentForm(initial=initial),
        "accept_form": forms.get("accept_form") or AcceptForm(initial=initial),
        "beneficiary_form": forms.get("beneficiary_form") or BeneficiaryForm(),
        "refusal": forms.get("refusal", ""),
    }


@require_GET
@require_roles(*REGION_READERS)
def detail(request: HttpRequest, project_id: int) -> HttpResponse:
    project = _project(request, project_id)
    return render(request, "projects/detail.html", _detail_context(request, project))


@require_http_methods(["GET", "POST"])
@require_roles(*REPORTERS)
def progress(request: HttpRequest, project_id: int) -> HttpResponse:
    """报进度 from a phone: date, percent, what was done, photos."""
    user = _user(request)
    project = _project(request, project_id)
    if not can(user, "project_progress", project):
        raise PermissionDenied("您无权报告该项目的进度")
    form = ProgressForm(request.POST or None, request.FILES or None, initial=today_initial())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.report_progress(
                user,
                project,
                reported_on=data["reported_on"],
                percent=data["percent"],
                note=data["note"],
                photos=data["photos"],
            )
        except (WorkflowError, Refused) as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, f"已报告进度{data['percent']}%")
            return redirect("projects:detail", project_id=project.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "projects/progress.html", {"project": project, "form": form}, status=status)


def _act(request: HttpRequest, project: Project, form_name: str, form: Any, verb: Any) -> HttpResponse:
    if form.is_valid():
        try:
            message = verb(form.cleaned_data)
        except WorkflowError as refusal:
            context = _detail_context(request, project, **{form_name: form, "refusal": str(refusal)})
            return render(request, "projects/detail.html", context, status=409)
        messages.success(request, message)
        return redirect("projects:detail", project_id=project.pk)
    return render(
        request, "projects/detail.html", _detail_context(request, project, **{form_name: form}), status=400
    )


@require_POST
@require_roles(*EDITORS)
def payment(request: HttpRequest, project_id: int) -> HttpResponse:
    user, project = _user(request), _project(request, project_id)

    def verb(data: dict[str, Any]) -> str:
        actions.record_payment(
            user,
            project,
            paid_on=data["paid_on"],
            amount_yuan=data["amount_yuan"],
            level=data["level"],
            note=data["note"],
        )
        return "已登记资金支付"

    return _act(request, project, "payment_form", PaymentForm(request.POST), verb)


@require_POST
@require_roles(*EDITORS)
def accept(request: HttpRequest, project_id: int) -> HttpResponse:
    user, project = _user(request), _project(request, project_id)

    def verb(data: dict[str, Any]) -> str:
        actions.accept_project(
            user,
            project,
            accepted_on=data["accepted_on"],
            accepted_by_names=data["accepted_by_names"],
            note=data["note"],
        )
        return "已登记验收"

    return _act(request, project, "accept_form", AcceptForm(request.POST), verb)


@require_POST
@require_roles(*EDITORS)
def beneficiary(request: HttpRequest, project_id: int) -> HttpResponse:
    user, project = _user(request), _project(request, project_id)

    def verb(data: dict[str, Any]) -> str:
        household = scope(Household.objects.filter(household_id=data["household_id"]), user).first()
        if household is None:
            raise WorkflowError("在您的区划内找不到该户编号")
        actions.add_beneficiary(
            user, project, household, benefit=data["benefit"], yuan_per_year=data["yuan_per_year"]
        )
        return f"已登记受益户{household.head_name}户"

    return _act(request, project, "beneficiary_form", BeneficiaryForm(request.POST), verb)


@require_GET
@require_roles(*REGION_READERS)
def photo(request: HttpRequest, photo_id: int) -> FileResponse:
    """A progress photo, served only through the gate (never MEDIA_URL)."""
    item = get_scoped_or_404(ProgressPhoto.objects.select_related("file"), _user(request), pk=photo_id)
    response = FileResponse(open_stored(item.file), content_type=item.file.content_type)
    response["Content-Disposition"] = (
        f"inline; filename*=UTF-8''{quote('进度照片' + item.file.stored_name[-4:])}"
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _region_alerts(request: HttpRequest, code: str) -> tuple[Region, list[reports.AlertRow], str]:
    user = _user(request)
    region = region_for_user(user, code)
    kind = request.GET.get("kind", "")
    kind = kind if kind in ALERT_TITLES else ""
    return (
        region,
        reports.region_alerts(reports.region_projects(user, region), timezone.localdate(), kind),
        kind,
    )


@require_GET
@require_roles(*REGION_READERS)
def alerts(request: HttpRequest, code: str) -> HttpResponse:
    """项目预警 of a region: each alert with the figures behind it, paged."""
    region, rows, kind = _region_alerts(request, code)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    projects = Project.objects.in_bulk([row.project_id for row in page])
    places = reports.place_names({project.region_code for project in projects.values()})
    shown = [(projects[row.project_id], row.alert) for row in page]
    counts = reports.alert_counts(rows) if not kind else []
    context = {
        "region": region,
        "page": page,
        "shown": shown,
        "places": places,
        "kind": kind,
        "counts": counts,
    }
    context["kind_title"] = ALERT_TITLES.get(kind, "")
    return render(request, "projects/alerts.html", context)


@require_GET
@require_roles(*REGION_READERS)
def alerts_excel(request: HttpRequest, code: str) -> FileResponse:
    region, rows, _ = _region_alerts(request, code)
    projects = Project.objects.in_bulk([row.project_id for row in rows])
    places = reports.place_names({project.region_code for project in projects.values()})
    lines = [
        {
            "number": projects[row.project_id].number,
            "name": projects[row.project_id].name,
            "place": places[projects[row.project_id].region_code],
            "kind": projects[row.project_id].get_kind_display(),
            "alert": row.alert.title,
            "details": row.alert.details,
        }
        for row in rows
    ]
    today = timezone.localdate()
    return written_response(
        f"{region.name}衔接资金项目预警",
        lambda handle: project_workbooks.write_alerts(handle, lines, title=region.name, today=today),
    )


@require_GET
@require_roles(*REGION_READERS)
def report(request: HttpRequest, code: str) -> HttpResponse:
    """衔接资金项目报表 of a county (or any region): funds by source and kind, shares, overdue, benefits."""
    user = _user(request)
    region = region_for_user(user, code)
    figures, content = reports.county_report(user, region, timezone.localdate())
    context = {"region": region, "figures": figures, "report": content, "today": timezone.localdate()}
    return render(request, "projects/report.html", context)


@require_GET
@require_roles(*REGION_READERS)
def report_excel(request: HttpRequest, code: str) -> FileResponse:
    user = _user(request)
    region = region_for_user(user, code)
    today = timezone.localdate()
    _, content = reports.county_report(user, region, today)
    return written_response(
        f"{region.name}衔接资金项目报表",
        lambda handle: project_workbooks.write_county_report(handle, content, today=today),
    )


@require_GET
@require_roles(*REGION_READERS)
def panel(request: HttpRequest, code: str) -> HttpResponse:
    """The dashboard's panel (htmx): key figures and the alerts by kind."""
    user = _user(request)
    region = region_for_user(user, code)
    today = timezone.localdate()
    projects = reports.region_projects(user, region)
    context = {
        "region": region,
        "figures": reports.figures(projects, region, user, today),
        "counts": reports.alert_counts(reports.region_alerts(projects, today)),
    }
    return render(request, "projects/_panel.html", context)


@require_http_methods(["GET", "POST"])
@require_roles(*EDITORS)
def import_projects(request: HttpRequest) -> HttpResponse:
    """导入项目库: the whole workbook, or nothing and the problems to fix (downloadable)."""
    form = ImportForm(request.POST or None, request.FILES or None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        outcome = imports.import_projects(_user(request), form.cleaned_data["file"])
        if outcome.loaded:
            messages.success(
                request,
                f"已导入项目库：新增{outcome.created}个项目，更新{outcome.updated}个，受益户{outcome.beneficiaries}条",
            )
            return redirect("projects:home")
    status = 400 if request.method == "POST" else 200
    return render(request, "projects/import.html", {"form": form, "outcome": outcome}, status=status)


@require_GET
@require_roles(*EDITORS)
def import_template(request: HttpRequest) -> FileResponse:
    """导入模板: the two sheets an office fills in, each with an example row."""
    return written_response("衔接资金项目库导入模板", project_workbooks.write_import_template)


@require_GET
@require_roles(*EDITORS)
def import_report(request: HttpRequest, token: str) -> FileResponse:
    """The problems of an import, kept for its uploader alone."""
    response = FileResponse(imports.report_file(_user(request), token), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote('项目库导入问题.xlsx')}"
    return response

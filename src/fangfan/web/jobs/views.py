"""Pages of public-welfare jobs: posts, a post and its applicants, a selection's steps, the
monthly appraisal (a phone form), the pay sheet, the monthly check's findings, the cadre
roster, the dashboard panel and the household page's section.

Every page takes its region through `region_for_user` and its records through
`get_scoped_or_404`; every write calls one verb of `actions` (which checks the gate's action).
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangfan.engine.fieldwork.rules import field_rules
from fangfan.web.accounts.access import (
    REGION_READERS,
    can,
    get_scoped_or_404,
    region_for_user,
    regions_within,
    require_roles,
)
from fangfan.web.accounts.models import User
from fangfan.web.jobs import actions, excel, reports
from fangfan.web.jobs.forms import (
    ApplyForm,
    AppraisalForm,
    CadreImportForm,
    CheckForm,
    CheckMonthForm,
    EndForm,
    MonthForm,
    NoteForm,
    NoticeForm,
    PostForm,
    RecordForm,
    ReviewForm,
    last_month,
)
from fangfan.web.jobs.models import JobCheck, Payment, Post, Selection, Stage, VillageCadre
from fangfan.web.jobs.procedure import SELECTION
from fangfan.web.procedures import pages
from fangfan.web.procedures.base import WorkflowError
from fangfan.web.procedures.pages import Page, StepForm, note_step
from fangfan.web.regions.models import Region
from fangfan.web.registry.models import Household
from fangfan.web.shared.excel import CONTENT_TYPE, Column, excel_response, written_response
from fangfan.web.shared.pagination import page_of

REPORT_MARKER = "公益性岗位"


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _region(request: HttpRequest, code: str) -> Region:
    return region_for_user(_user(request), code)


def _month(request: HttpRequest) -> dt.date:
    return MonthForm(request.GET).chosen()


def _breadcrumbs(region: Region) -> list[Region]:
    chain: list[Region] = []
    place: Region | None = region
    while place is not None:
        chain.append(place)
        place = place.parent
    return chain[::-1]


@require_GET
@require_roles(*REGION_READERS)
def posts_page(request: HttpRequest, code: str) -> HttpResponse:
    """一个区划的公益性岗位: by kind, held and vacant, then a page of the posts."""
    region = _region(request, code)
    rows = page_of(reports.posts(region).order_by("village_code", "pk"), request.GET.get("page"))
    context = {
        "region": region,
        "breadcrumbs": _breadcrumbs(region),
        "summary": reports.post_summary(region),
        "posts": rows,
        "villages": reports.region_names({post.village_code for post in rows}),
        "may_post": can(_user(request), "jobs_post", Post(village_code=region.code)),
        "rules": field_rules(timezone.localdate().year),
        "month": last_month(),
    }
    return render(request, "jobs/posts.html", context)


@require_http_methods(["GET", "POST"])
@require_roles(*REGION_READERS)
def post_new(request: HttpRequest, code: str) -> HttpResponse:
    """设岗并发布岗位公告 in a village (the township or county that sets up the post)."""
    region = _region(request, code)
    user = _user(request)
    villages = (
        [(region.code, region.name)] if region.level == Region.Level.VILLAGE else _child_villages(region)
    )
    form = PostForm(request.POST or None, villages=villages)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                post = actions.create_post(
                    user,
                    region_for_user(user, data["village"]),
                    actions.PostInput(
                        data["kind"], data["title"], data["monthly_pay"], data["announced_on"], data["duties"]
                    ),
                )
            except WorkflowError as refused:
                form.add_error(None, str(refused))
                status = 409
            else:
                messages.success(request, f"已设立岗位“{post.title}”并发布岗位公告")
                return redirect("jobs:post", post_id=post.pk)
        else:
            status = 400
    rules = field_rules(timezone.localdate().year)
    return render(
        request, "jobs/post_new.html", {"region": region, "form": form, "rules": rules}, status=status
    )


def _child_villages(region: Region) -> list[tuple[str, str]]:
    rows = regions_within(region).filter(level=Region.Level.VILLAGE).order_by("code")[:2000]
    return [(row.code, f"{row.name}（{row.code}）") for row in rows]


def _post(request: HttpRequest, post_id: int) -> Post:
    return get_scoped_or_404(Post.objects.all(), request.user, pk=post_id)


@require_GET
@require_roles(*REGION_READERS)
def post_detail(request: HttpRequest, post_id: int) -> HttpResponse:
    """A post: its announcement, its holder, its applicants (disabled people first)."""
    return _post_page(
        request, _post(request, post_id), ApplyForm(initial={"applied_on": timezone.localdate()})
    )


def _post_page(request: HttpRequest, post: Post, form: ApplyForm, status: int = 200) -> HttpResponse:
    selections = post.selections.select_related("household").order_by("-priority", "applied_on", "pk")
    context = {
        "post": post,
        "region": Region.objects.filter(code=post.village_code).first(),
        "selections": selections,
        "form": form,
        "may_apply": actions.may_apply(_user(request), post),
        "holder": selections.filter(stage=Stage.IN_POST).first(),
    }
    return render(request, "jobs/post.html", context, status=status)


@require_POST
@require_roles(*REGION_READERS)
def apply(request: HttpRequest, post_id: int) -> HttpResponse:
    """申请: refused with every reason when the person is not eligible."""
    post = _post(request, post_id)
    form = ApplyForm(request.POST)
    if not form.is_valid():
        return _post_page(request, post, form, status=400)
    data = form.cleaned_data
    household = get_scoped_or_404(Household.objects.all(), request.user, pk=data["household_id"].strip())
    try:
        selection = actions.apply(_user(request), post, household, data["id_number"], data["applied_on"])
    except WorkflowError as refused:
        form.add_error(None, str(refused))
        return _post_page(request, post, form, status=409)
    messages.success(request, f"已登记{selection.name}的申请")
    return redirect("jobs:selection", selection_id=selection.pk)


class ClosingForm(NoteForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].required = False
        self.fields["note"].label = "公示结果（不填为“公示期满无异议”）"


PAGE: Page[Selection] = Page(
    procedure=SELECTION,
    steps={
        "village_review": StepForm(
            lambda s, *a: ReviewForm(*a),
            lambda u, s, d: actions.village_review(u, s, d["reviewed_on"], d["note"]),
        ),
        "township_check": StepForm(
            lambda s, *a: CheckForm(*a),
            lambda u, s, d: actions.township_check(u, s, d["checked_on"], d["note"]),
        ),
        "post_notice": StepForm(
            lambda s, *a: NoticeForm(*a),
            lambda u, s, d: actions.post_notice(u, s, d["notice_start"], d["notice_end"], d["note"]),
        ),
        "close_notice": note_step(ClosingForm, actions.close_notice),
        "county_record": StepForm(
            lambda s, *a: RecordForm(*a),
            lambda u, s, d: actions.county_record(u, s, d["recorded_on"], d["started_on"], d["note"]),
        ),
        "end_post": StepForm(
            lambda s, *a: EndForm(*a), lambda u, s, d: actions.end_post(u, s, d["ended_on"], d["reason"])
        ),
        "send_back": note_step(NoteForm, actions.send_back),
        "reject": note_step(NoteForm, actions.reject),
    },
    template="jobs/selection.html",
    record_name="selection",
    detail_url="jobs:selection",
    step_url="jobs:selection_{verb}",
    stepper=tuple(
        (stage, label) for stage, label in Stage.choices if stage not in (Stage.ENDED, Stage.REJECTED)
    ),
    context=lambda selection: {"payments": selection.payments.order_by("-month")[:24]},
)


def _selection(request: HttpRequest, selection_id: int) -> Selection:
    rows = Selection.objects.select_related("post", "household")
    return get_scoped_or_404(rows, request.user, pk=selection_id)


@require_GET
@require_roles(*REGION_READERS)
def selection_detail(request: HttpRequest, selection_id: int) -> HttpResponse:
    """One person proposed for a post: where the selection stands, every step, the months paid."""
    return pages.detail(request, PAGE, _selection(request, selection_id))


@require_POST
@require_roles(*REGION_READERS)
def selection_act(request: HttpRequest, selection_id: int, verb: str) -> HttpResponse:
    return pages.act(request, PAGE, _selection(request, selection_id), verb)


@require_http_methods(["GET", "POST"])
@require_roles(*REGION_READERS)
def appraise(request: HttpRequest, selection_id: int) -> HttpResponse:
    """月度考核 on a phone: days absent, grade, note; the pay shown once saved."""
    selection = _selection(request, selection_id)
    user = _user(request)
    if not can(user, "jobs_appraise", selection):
        raise PermissionDenied("您的角色无权进行月度考核")
    initial = {"month": f"{last_month():%Y-%m}", "absent_days": 0, "grade": "合格"}
    form = AppraisalForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                payment = actions.appraise(
                    user,
                    selection,
                    actions.AppraisalInput(data["month"], data["absent_days"], data["grade"], data["note"]),
                )
            except WorkflowError as refused:
                form.add_error(None, str(refused))
                status = 409
            else:
                messages.success(request, f"已保存考核：实发{payment.net}元")
                return redirect(reverse("jobs:appraise", args=[selection.pk]))
        else:
            status = 400
    rules = field_rules(timezone.localdate().year)
    context = {
        "selection": selection,
        "form": form,
        "rules": rules,
        "payments": selection.payments.order_by("-month")[:12],
    }
    return render(request, "jobs/appraise.html", context, status=status)


@require_GET
@require_roles(*REGION_READERS)
def pay_sheet(request: HttpRequest, code: str) -> HttpResponse:
    """工资发放表: a month's pay by township, and the holders' rows of a township or village."""
    region = _region(request, code)
    month = _month(request)
    detailed = region.level in (Region.Level.TOWNSHIP, Region.Level.VILLAGE)
    rows = reports.month_payments(region, month) if detailed else Payment.objects.none()
    context = {
        "region": region,
        "breadcrumbs": _breadcrumbs(region),
        "month": month,
        "townships": reports.pay_by_township(region, month),
        "totals": reports.pay_totals(region, month),
        "rows": page_of(rows, request.GET.get("page")) if detailed else None,
        "villages": reports.region_names(set(rows.values_list("village_code", flat=True).distinct()[:500])),
    }
    return render(request, "jobs/pay_sheet.html", context)


@require_GET
@require_roles(*REGION_READERS)
def pay_sheet_excel(request: HttpRequest, code: str) -> FileResponse:
    region = _region(request, code)
    month = _month(request)
    title = f"{region.name}{month.year}年{month.month}月公益性岗位工资发放表"
    return written_response(title, lambda handle: excel.write_pay_sheet(handle, region, month))


FINDING_COLUMNS = (
    Column("问题类型", lambda row: row.get_kind_display(), width=16),
    Column("月份", lambda row: f"{row.month.year}年{row.month.month}月"),
    Column("姓名", "name"),
    Column("身份证号", "id_number", kind="id", width=22),
    Column("岗位", "selection.post.title", width=18),
    Column("问题说明", "reason", width=60),
)


@require_GET
@require_roles(*REGION_READERS)
def findings_page(request: HttpRequest, code: str) -> HttpResponse:
    """月度检查发现的问题: holders no longer eligible, two posts paid, pay after death."""
    region = _region(request, code)
    month = _month(request)
    context = {
        "region": region,
        "breadcrumbs": _breadcrumbs(region),
        "month": month,
        "counts": reports.finding_counts(region, month),
        "findings": page_of(
            reports.findings(region, month).order_by("village_code", "pk"), request.GET.get("page")
        ),
        "check": reports.latest_check(region, month),
        "may_check": can(_user(request), "jobs_check", JobCheck(region_code=region.code)),
        "form": CheckMonthForm(initial={"month": f"{month:%Y-%m}"}),
    }
    return render(request, "jobs/findings.html", context)


@require_GET
@require_roles(*REGION_READERS)
def findings_excel(request: HttpRequest, code: str) -> FileResponse:
    region = _region(request, code)
    month = _month(request)
    rows = reports.findings(region, month).order_by("village_code", "pk")
    return excel_response(
        f"{region.name}{month.year}年{month.month}月公益性岗位问题清单", FINDING_COLUMNS, rows
    )


@require_POST
@require_roles(*REGION_READERS)
def check_new(request: HttpRequest, code: str) -> HttpResponse:
    """Queue the monthly check of the region on the background worker."""
    region = _region(request, code)
    form = CheckMonthForm(request.POST)
    month = form.cleaned_data["month"] if form.is_valid() else last_month()
    check = actions.request_check(_user(request), region, month)
    messages.success(
        request,
        f"已提交{month.year}年{month.month}月资格检查（{check.get_status_display()}），完成后刷新本页查看",
    )
    return redirect(f"{reverse('jobs:findings', args=[region.code])}?month={month:%Y-%m}")


CADRE_COLUMNS = (
    Column("行政区划代码", "village_code", width=14),
    Column("姓名", "name"),
    Column("身份证号", "id_number", kind="id", width=22),
    Column("职务", "position", width=14),
)


@require_http_methods(["GET", "POST"])
@require_roles(*REGION_READERS)
def cadres(request: HttpRequest, code: str) -> HttpResponse:
    """村干部名单: the roster of the region's villages, and its import from Excel (all or nothing)."""
    region = _region(request, code)
    user = _user(request)
    form = CadreImportForm(request.POST or None, request.FILES or None)
    outcome, report, status = None, "", 200
    if request.method == "POST":
        if not can(user, "jobs_post", VillageCadre(village_code=region.code)):
            raise PermissionDenied("您的角色无权导入村干部名单")
        if form.is_valid():
            upload = form.cleaned_data["file"]
            outcome = excel.import_cadres(user, upload.name or "名单.xlsx", upload.read())
            if outcome.problems:
                report = base64.b64encode(excel.problems_workbook(outcome.problems)).decode()
                status = 409
            else:
                messages.success(request, f"已导入{outcome.villages}个村的村干部{outcome.loaded}人")
                return redirect("jobs:cadres", code=region.code)
        else:
            status = 400
    rows = reports.in_region(VillageCadre.objects.all(), region)
    context = {
        "region": region,
        "breadcrumbs": _breadcrumbs(region),
        "form": form,
        "outcome": outcome,
        "report": report,
        "content_type": CONTENT_TYPE,
        "cadres": page_of(rows.order_by("village_code", "pk"), request.GET.get("page")),
        "may_import": can(user, "jobs_post", VillageCadre(village_code=region.code)),
    }
    return render(request, "jobs/cadres.html", context, status=status)


@require_GET
@require_roles(*REGION_READERS)
def panel(request: HttpRequest, code: str) -> HttpResponse:
    """The dashboard's panel (loaded by htmx into the region page)."""
    region = _region(request, code)
    return render(
        request, "jobs/_panel.html", {"region": region, "panel": reports.panel(region, last_month())}
    )


@require_GET
@require_roles(*REGION_READERS)
def household_section(request: HttpRequest, household_id: str) -> HttpResponse:
    """The household page's section: members in a post or being selected, this year's pay."""
    household = get_scoped_or_404(Household.objects.all(), request.user, pk=household_id)
    year = timezone.localdate().year
    context = {"household": household, "jobs": reports.household_jobs(household, year), "year": year}
    return render(request, "jobs/_household.html", context)

"""Campaign pages: the campaigns, a campaign's target list and its progress (each with its
Excel), drawing the list, one target household and its visit."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from fangfan.engine.campaigns import Campaign, builtin_campaigns, campaign
from fangfan.web.accounts.access import (
    CAMPAIGN_DRAWERS,
    REGION_READERS,
    get_scoped_or_404,
    region_for_user,
    require_roles,
    scope,
)
from fangfan.web.accounts.models import User
from fangfan.web.bounds import today
from fangfan.web.campaigns import actions
from fangfan.web.campaigns.columns import PROGRESS_COLUMNS, TARGET_COLUMNS
from fangfan.web.campaigns.forms import VisitForm, visit_input
from fangfan.web.campaigns.models import Draw, Target, Visit
from fangfan.web.campaigns.procedure import CAMPAIGN_TARGET
from fangfan.web.campaigns.progress import campaign_targets, overdue_filter, progress
from fangfan.web.procedures import pages
from fangfan.web.procedures.base import WorkflowError
from fangfan.web.procedures.pages import Page, StepForm
from fangfan.web.regions.models import Region
from fangfan.web.registry.models import Run
from fangfan.web.shared.excel import excel_response
from fangfan.web.shared.pagination import page_of

STATUS_FILTERS = {"pending": "待走访", "visited": "已走访", "overdue": "逾期未走访", "problem": "发现问题"}


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _campaign(code: str) -> Campaign:
    try:
        return campaign(code)
    except KeyError:
        raise Http404("没有这个专项行动") from None


def _region(request: HttpRequest) -> Region:
    return region_for_user(_user(request), request.GET.get("region") or None)


@require_GET
@require_roles(*REGION_READERS)
def campaign_list(request: HttpRequest) -> HttpResponse:
    """专项行动: every campaign with its progress over the user's region."""
    user = _user(request)
    region = region_for_user(user)
    rows = [(one, progress(user, one.code, region)[1]) for one in builtin_campaigns()]
    context = {
        "rows": rows,
        "region": region,
        "may_draw": user.role in CAMPAIGN_DRAWERS,
        "run": Run.objects.current(),
    }
    return render(request, "campaigns/list.html", context)


def _filtered(request: HttpRequest, code: str) -> tuple[Region, QuerySet[Target]]:
    region = _region(request)
    targets = campaign_targets(_user(request), code, region)
    status = request.GET.get("status", "")
    if status in ("pending", "visited"):
        targets = targets.filter(status=status)
    elif status == "overdue":
        targets = targets.filter(overdue_filter())
    elif status == "problem":
        targets = targets.filter(Q(visit__result__in=["solved", "problem"]))
    return region, targets.select_related("household", "visit").order_by("village_code", "household_id")


@require_GET
@require_roles(*REGION_READERS)
def target_list(request: HttpRequest, code: str) -> HttpResponse:
    """对象名单: the campaign's target households in the region, with their reasons, 50 a page."""
    definition = _campaign(code)
    region, targets = _filtered(request, code)
    context = {
        "campaign": definition,
        "region": region,
        "targets": page_of(targets, request.GET.get("page")),
        "status": request.GET.get("status", ""),
        "statuses": STATUS_FILTERS,
        "query": request.GET.urlencode(),
        "may_draw": _user(request).role in CAMPAIGN_DRAWERS,
        "draws": _draws(_user(request), code)[:5],
    }
    return render(request, "campaigns/targets.html", context)


def _draws(user: User, code: str) -> QuerySet[Draw]:
    """The draws that listed the user's households: of their region or one above, or inside it."""
    above: list[str] = []
    region: Region | None = region_for_user(user)
    while region is not None:
        above.append(region.code)
        region = region.parent
    draws = scope(Draw.objects.filter(campaign=code), user) | Draw.objects.filter(
        campaign=code, region_code__in=above
    )
    return draws.select_related("drawn_by").order_by("-drawn_at", "-id")


@require_GET
@require_roles(*REGION_READERS)
def target_list_excel(request: HttpRequest, code: str) -> FileResponse:
    """The same list as Excel (ID numbers and phones masked)."""
    definition = _campaign(code)
    _, targets = _filtered(request, code)
    return excel_response(f"{definition.title}对象名单", TARGET_COLUMNS, targets)


@require_GET
@require_roles(*REGION_READERS)
def progress_page(request: HttpRequest, code: str) -> HttpResponse:
    """工作进度: targets, visited, overdue and problems found, per region a level below."""
    definition = _campaign(code)
    region = _region(request)
    rows, total = progress(_user(request), code, region)
    context = {"campaign": definition, "region": region, "rows": rows, "total": total}
    return render(request, "campaigns/progress.html", context)


@require_GET
@require_roles(*REGION_READERS)
def progress_excel(request: HttpRequest, code: str) -> FileResponse:
    definition = _campaign(code)
    rows, total = progress(_user(request), code, _region(request))
    return excel_response(f"{definition.title}工作进度", PROGRESS_COLUMNS, [*rows, total])


@require_POST
@require_roles(*CAMPAIGN_DRAWERS)
def draw(request: HttpRequest, code: str) -> HttpResponse:
    """生成对象名单 over the user's own region, from the current run (again: adds, keeps the rest)."""
    definition = _campaign(code)
    try:
        made = actions.draw_targets(_user(request), definition, region_for_user(_user(request)))
    except WorkflowError as refused:
        messages.error(request, str(refused))
        return redirect("campaigns:targets", code=code)
    messages.success(request, f"已生成对象名单：新增 {made.added} 户，保留 {made.kept} 户")
    return redirect("campaigns:targets", code=code)


def _visit_form(target: Target, *args: Any) -> VisitForm:
    return VisitForm(*args, campaign=_campaign(target.campaign))


PAGE: Page[Target] = Page(
    procedure=CAMPAIGN_TARGET,
    steps={
        "record_visit": StepForm(
            _visit_form,
            lambda user, target, data: actions.record_visit(
                user, target, _campaign(target.campaign), visit_input(data)
            ),
        ),
    },
    template="campaigns/target.html",
    record_name="target",
    detail_url="campaigns:target",
    step_url="campaigns:{verb}",
    stepper=tuple(CAMPAIGN_TARGET.stages.choices),
    context=lambda target: _target_context(target),
)


def _target_context(target: Target) -> dict[str, Any]:
    definition = _campaign(target.campaign)
    visit = Visit.objects.filter(target=target).select_related("visitor", "intake").first()
    checklist = (
        [(item.name, visit.answers.get(item.code), item.name in visit.problems) for item in definition.items]
        if visit
        else []
    )
    overdue = target.status == Target.Status.PENDING and target.visit_by < today()
    return {"campaign": definition, "visit": visit, "checklist": checklist, "overdue": overdue}


def _target(request: HttpRequest, target_id: int) -> Target:
    return get_scoped_or_404(Target.objects.select_related("household"), request.user, pk=target_id)


@require_GET
@require_roles(*REGION_READERS)
def target_detail(request: HttpRequest, target_id: int) -> HttpResponse:
    """One target household: why it was drawn, its visit or the visit form, every step."""
    return pages.detail(request, PAGE, _target(request, target_id))


@require_POST
@require_roles(*REGION_READERS)
def target_act(request: HttpRequest, target_id: int, verb: str) -> HttpResponse:
    """Record the visit: 404 outside the region, 403 for the wrong role, 400/409 with the reason."""
    return pages.act(request, PAGE, _target(request, target_id), verb)

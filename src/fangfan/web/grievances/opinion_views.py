"""The public-opinion pages (舆情): the register per county with its list and Excel, recording
an item, one item and its steps, its screenshot, turning a true one into a problem."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangfan.web.accounts.access import (
    GRIEVANCE_OFFICES,
    REGION_READERS,
    WORKFLOW_ROLES,
    get_scoped_or_404,
    require_roles,
)
from fangfan.web.grievances import actions, lists
from fangfan.web.grievances.columns import OPINION_COLUMNS, REGISTER_COLUMNS
from fangfan.web.grievances.deadlines import SLA_LABELS, sla_state
from fangfan.web.grievances.forms import AnswerForm, OpinionFilter, OpinionForm, ProblemForm, VerifyForm
from fangfan.web.grievances.models import OpinionItem
from fangfan.web.grievances.procedure import OPINION
from fangfan.web.grievances.views import LISTED_AT_MOST, form_errors
from fangfan.web.procedures import pages
from fangfan.web.procedures.base import WorkflowError
from fangfan.web.procedures.pages import Page, StepForm, note_step, user_of
from fangfan.web.shared.excel import Sheet, workbook_response


def with_state(item: OpinionItem, now: Any = None) -> OpinionItem:
    row: Any = item
    row.sla = sla_state(item.due_at, item.warn_at, now or timezone.now())
    row.sla_label = SLA_LABELS[row.sla]
    row.place_name = lists.place_name(item.region_code)
    return item


@require_GET
@require_roles(*REGION_READERS)
def opinion_list(request: HttpRequest) -> HttpResponse:
    """舆情台账: per county (time to verification, outcome), then the items, 超时 first."""
    user = user_of(request)
    filters = OpinionFilter(user, request.GET)
    now = timezone.now()
    page = lists.page_by_ids(lists.opinions(user, filters, now), request.GET.get("page"), LISTED_AT_MOST)
    for item in page:
        with_state(item, now)
    context = {
        "filters": filters,
        "items": page,
        "counties": lists.opinion_register(user, now),
        "query": filters.query_string(),
        "may_record": user.role in WORKFLOW_ROLES["opinion_handle"],
    }
    return render(request, "grievances/opinions.html", context)


@require_GET
@require_roles(*REGION_READERS)
def opinion_list_excel(request: HttpRequest) -> FileResponse:
    user = user_of(request)
    now = timezone.now()
    return workbook_response(
        "舆情台账",
        [
            Sheet("按县区统计", REGISTER_COLUMNS, lists.opinion_register(user, now)),
            Sheet("舆情清单", OPINION_COLUMNS, lists.opinions(user, OpinionFilter(user, request.GET), now)),
        ],
    )


@require_http_methods(["GET", "POST"])
@require_roles(*GRIEVANCE_OFFICES)
def opinion_new(request: HttpRequest) -> HttpResponse:
    """登记舆情, with its screenshot; it is to be verified on site within the set time."""
    user = user_of(request)
    form = OpinionForm(request.POST or None, request.FILES or None, user=user)
    if request.method != "POST" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return render(request, "grievances/opinion_new.html", {"form": form}, status=status)
    try:
        item = actions.register_opinion(user, form.sighting(), form.cleaned_data["screenshot"])
    except WorkflowError as refused:
        form.add_error(None, str(refused))
        return render(request, "grievances/opinion_new.html", {"form": form}, status=400)
    messages.success(request, f"已登记，舆情编号 {item.reference}")
    return redirect("grievances:opinion", item_id=item.pk)


def _item(request: HttpRequest, item_id: int) -> OpinionItem:
    rows = OpinionItem.objects.select_related("recorded_by", "problem")
    return get_scoped_or_404(rows, request.user, pk=item_id)


OPINION_PAGE: Page[OpinionItem] = Page(
    procedure=OPINION,
    steps={
        "verify": StepForm(
            lambda item, *args: VerifyForm(*args),
            lambda user, item, data: actions.verify(
                user, item, data["verified_on"], data["verified_by"], data["is_true"], data["finding"]
            ),
        ),
        "answer": note_step(AnswerForm, actions.answer),
    },
    template="grievances/opinion.html",
    record_name="item",
    detail_url="grievances:opinion",
    step_url="grievances:opinion_{verb}",
    stepper=tuple((stage.value, stage.label) for stage in OpinionItem.Stage),
    context=lambda item: {"problem_form": ProblemForm(), "item": with_state(item)},
)


@require_GET
@require_roles(*REGION_READERS)
def opinion_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    return pages.detail(request, OPINION_PAGE, _item(request, item_id))


@require_POST
@require_roles(*REGION_READERS)
def opinion_act(request: HttpRequest, item_id: int, verb: str) -> HttpResponse:
    return pages.act(request, OPINION_PAGE, _item(request, item_id), verb)


@require_GET
@require_roles(*REGION_READERS)
def screenshot(request: HttpRequest, item_id: int) -> FileResponse:
    """The screenshot, for those who can see the item (never through MEDIA_URL)."""
    item = _item(request, item_id)
    if not item.screenshot:
        raise Http404("该舆情没有截图")
    name = f"{item.reference}-截图{PurePath(item.screenshot).suffix}"
    return FileResponse(default_storage.open(item.screenshot, "rb"), as_attachment=True, filename=name)


@require_POST
@require_roles(*GRIEVANCE_OFFICES)
def opinion_problem(request: HttpRequest, item_id: int) -> HttpResponse:
    """转整改问题: an item verified true into the rectification ledger, linked both ways."""
    item = _item(request, item_id)
    form = ProblemForm(request.POST)
    try:
        if not form.is_valid():
            raise WorkflowError(f"未能转整改问题：{form_errors(form)}")
        actions.open_opinion_problem(user_of(request), item, form.plan())
    except WorkflowError as refused:
        messages.error(request, str(refused))
        item.refresh_from_db()
        return pages.detail(request, OPINION_PAGE, item, status=400 if not form.is_valid() else 409)
    messages.success(request, "已转为整改问题")
    return redirect("grievances:opinion", item_id=item.pk)

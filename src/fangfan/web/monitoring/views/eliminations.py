"""Risk elimination (风险消除): the list and its Excel, one elimination with the steps the
user may take now, each step's POST."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from fangfan.web.accounts.access import REGION_READERS, get_scoped_or_404, require_roles
from fangfan.web.monitoring import lists
from fangfan.web.monitoring.actions import elimination as actions
from fangfan.web.monitoring.assistance_forms import ApproveForm, EliminationCheckForm, EliminationNoticeForm
from fangfan.web.monitoring.columns import ELIMINATION_COLUMNS
from fangfan.web.monitoring.forms import CloseNoticeForm, ReasonForm
from fangfan.web.monitoring.models import Elimination
from fangfan.web.monitoring.procedures import ELIMINATION
from fangfan.web.monitoring.readiness import readiness
from fangfan.web.monitoring.views import initial_notice, user_of
from fangfan.web.monitoring.workflow import EliminationStage
from fangfan.web.procedures import pages
from fangfan.web.procedures.pages import Page, StepForm, note_step
from fangfan.web.shared.excel import excel_response
from fangfan.web.shared.pagination import page_of


@require_GET
@require_roles(*REGION_READERS)
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
@require_roles(*REGION_READERS)
def elimination_list_excel(request: HttpRequest) -> FileResponse:
    user = user_of(request)
    rows = lists.elimination_list(user, lists.EliminationFilter(user, request.GET))
    return excel_response("风险消除", ELIMINATION_COLUMNS, rows)


def _elimination(request: HttpRequest, elimination_id: int) -> Elimination:
    related = ("monitored", "household", "proposed_by")
    return get_scoped_or_404(Elimination.objects.select_related(*related), request.user, pk=elimination_id)


# A step's form gets the POST and its files in *args, never `initial`: mypy cannot tell (the ignores).
PAGE: Page[Elimination] = Page(
    procedure=ELIMINATION,
    steps={
        "check": StepForm(
            lambda elimination, *args: EliminationCheckForm(  # type: ignore[misc]
                *args,
                initial={"checked_on": timezone.localdate(), "village_group": elimination.village_group},
            ),
            lambda user, elimination, data: actions.home_check(user, elimination, **data),
        ),
        "post_notice": StepForm(
            lambda elimination, *args: EliminationNoticeForm(*args, initial=initial_notice()),  # type: ignore[misc]
            lambda user, elimination, data: actions.post_notice(user, elimination, **data),
        ),
        "close_notice": note_step(CloseNoticeForm, actions.close_notice),
        "approve": StepForm(
            lambda elimination, *args: ApproveForm(*args, initial={"eliminated_on": timezone.localdate()}),  # type: ignore[misc]
            lambda user, elimination, data: actions.approve(user, elimination, **data),
        ),
        "send_back": note_step(ReasonForm, actions.send_back),
        "reject": note_step(ReasonForm, actions.reject),
    },
    template="monitoring/elimination_detail.html",
    record_name="elimination",
    detail_url="monitoring:elimination",
    step_url="monitoring:elimination_{verb}",
    stepper=(
        (EliminationStage.HOME_CHECK, "入户核实"),
        (EliminationStage.VILLAGE_REVIEW, "村级评议"),
        (EliminationStage.NOTICE, "公示"),
        (EliminationStage.COUNTY_APPROVAL, "县级审批"),
        (EliminationStage.APPROVED, "风险消除"),
    ),
    context=lambda elimination: {
        "readiness": readiness(elimination.monitored, under_way=elimination) if elimination.is_open else None
    },
)


@require_GET
@require_roles(*REGION_READERS)
def elimination_detail(request: HttpRequest, elimination_id: int) -> HttpResponse:
    """One elimination: the stepper, the basis, what each step recorded, the steps the user may take."""
    return pages.detail(request, PAGE, _elimination(request, elimination_id))


@require_POST
@require_roles(*REGION_READERS)
def elimination_act(request: HttpRequest, elimination_id: int, verb: str) -> HttpResponse:
    """Do one step: 404 outside the region, 403 for the wrong role, 400/409 with the reason."""
    return pages.act(request, PAGE, _elimination(request, elimination_id), verb)

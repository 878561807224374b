"""The case list (识别认定) and its Excel, one case with the steps the user may take now,
the consent scan, and the village's printable notice."""

from __future__ import annotations

from pathlib import PurePath

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from fangfan.web.accounts.access import REGION_READERS, get_scoped_or_404, region_for_user, require_roles
from fangfan.web.monitoring import lists, procedures
from fangfan.web.monitoring.actions import identification as actions
from fangfan.web.monitoring.columns import CASE_COLUMNS
from fangfan.web.monitoring.forms import (
    CloseNoticeForm,
    DecisionForm,
    HomeCheckForm,
    NoticeForm,
    ReasonForm,
    TownshipReviewForm,
)
from fangfan.web.monitoring.models import Case
from fangfan.web.monitoring.notice import ELIMINATION, IDENTIFICATION, households_under_notice
from fangfan.web.monitoring.views import initial_notice, user_of
from fangfan.web.monitoring.workflow import Stage
from fangfan.web.procedures import pages
from fangfan.web.procedures.pages import Page, StepForm, note_step
from fangfan.web.regions.models import Region
from fangfan.web.shared.excel import excel_response
from fangfan.web.shared.pagination import page_of


@require_GET
@require_roles(*REGION_READERS)
def case_list(request: HttpRequest) -> HttpResponse:
    """识别认定: the region's cases, open ones first by deadline, overdue marked, 50 a page."""
    user = user_of(request)
    filters = lists.CaseFilter(user, request.GET)
    context = {
        "filters": filters,
        "cases": page_of(lists.case_list(user, filters), request.GET.get("page")),
        "query": filters.query_string(),
        "today": timezone.localdate(),
    }
    return render(request, "monitoring/case_list.html", context)


@require_GET
@require_roles(*REGION_READERS)
def case_list_excel(request: HttpRequest) -> FileResponse:
    user = user_of(request)
    return excel_response(
        "识别认定", CASE_COLUMNS, lists.case_list(user, lists.CaseFilter(user, request.GET))
    )


def _case(request: HttpRequest, case_id: int) -> Case:
    related = ("household", "intake", "opened_by", "monitored_household")
    return get_scoped_or_404(Case.objects.select_related(*related), request.user, pk=case_id)


# A step's form gets the POST and its files in *args, never `initial`: mypy cannot tell (the ignores).
PAGE: Page[Case] = Page(
    procedure=procedures.IDENTIFICATION,
    steps={
        "home_check": StepForm(
            lambda case, *args: HomeCheckForm(*args, initial={"checked_on": timezone.localdate()}),  # type: ignore[misc]
            lambda user, case, data: actions.home_check(user, case, **data),
            files=True,
        ),
        "post_notice": StepForm(
            lambda case, *args: NoticeForm(*args, initial=initial_notice()),  # type: ignore[misc]
            lambda user, case, data: actions.post_notice(user, case, **data),
        ),
        "close_notice": note_step(CloseNoticeForm, actions.close_notice),
        "township_review": note_step(TownshipReviewForm, actions.township_review),
        "decide": StepForm(
            lambda case, *args: DecisionForm(  # type: ignore[misc]
                *args,
                initial={
                    "category": case.proposed_category,
                    "risk_types": case.proposed_risk_types,
                    "monitoring_start": timezone.localdate(),
                },
            ),
            lambda user, case, data: actions.decide(user, case, **data),
        ),
        "send_back": note_step(ReasonForm, actions.send_back),
        "reject": note_step(ReasonForm, actions.reject),
    },
    template="monitoring/case_detail.html",
    record_name="case",
    detail_url="monitoring:case",
    step_url="monitoring:{verb}",
    # The stepper: each stage as a step's name.
    stepper=(
        (Stage.HOME_CHECK, "入户核实"),
        (Stage.VILLAGE_REVIEW, "村级评议"),
        (Stage.NOTICE, "公示"),
        (Stage.TOWNSHIP_REVIEW, "乡镇审核"),
        (Stage.COUNTY_DECISION, "县级审定"),
        (Stage.DECIDED, "纳入监测"),
    ),
    context=lambda case: {"monitored": getattr(case, "monitored_household", None)},
)


@require_GET
@require_roles(*REGION_READERS)
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    """One case: where it stands, time left, what each step recorded, the steps the user may take now."""
    return pages.detail(request, PAGE, _case(request, case_id))


@require_POST
@require_roles(*REGION_READERS)
def case_act(request: HttpRequest, case_id: int, verb: str) -> HttpResponse:
    """Do one step: 404 outside the region, 403 for the wrong role, 400/409 with the reason."""
    return pages.act(request, PAGE, _case(request, case_id), verb)


@require_GET
@require_roles(*REGION_READERS)
def consent_scan(request: HttpRequest, case_id: int) -> FileResponse:
    """The signed consent, for those who can see the case (never through MEDIA_URL)."""
    case = _case(request, case_id)
    if not case.consent_scan:
        raise Http404("该案件尚未上传承诺授权书")
    suffix = PurePath(case.consent_scan).suffix
    name = f"承诺授权书-{case.name}{suffix}"
    return FileResponse(default_storage.open(case.consent_scan, "rb"), as_attachment=True, filename=name)


@require_GET
@require_roles(*REGION_READERS)
def notice(request: HttpRequest, village_code: str) -> HttpResponse:
    """公示: the village's households under notice, printable; no ID, phone, bank or health details."""
    village = region_for_user(request.user, village_code)
    if village.level != Region.Level.VILLAGE:
        raise Http404("公示按行政村生成")
    rows = households_under_notice(village.code)
    context = {
        "village": village,
        "township": village.parent,
        "identifications": [row for row in rows if row.kind == IDENTIFICATION],
        "eliminations": [row for row in rows if row.kind == ELIMINATION],
        "today": timezone.localdate(),
    }
    return render(request, "monitoring/notice.html", context)

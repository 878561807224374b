"""考核评估模拟 pages: the rounds and drawing one, a round's villages, a village's visit list
(page, Excel, PDF), a household's result form, the results import, the estimates, the city
overview, a county's readiness report (Excel, PDF) and the sample-size calculator."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangfan.engine.assessment.plan import load_plan
from fangfan.engine.assessment.size import cochran_size, margin_of_error
from fangfan.web.accounts.access import (
    ASSESSMENT_DRAWERS,
    ASSESSMENT_RECORDERS,
    REGION_READERS,
    region_for_user,
    require_roles,
    within_region,
)
from fangfan.web.accounts.models import User
from fangfan.web.assessment import actions, reports
from fangfan.web.assessment.estimates import county_verdicts, estimate_rows, round_estimates
from fangfan.web.assessment.forms import ResultForm, ResultsUploadForm, RoundForm, SizeForm, initial_from
from fangfan.web.assessment.imports import import_results
from fangfan.web.assessment.models import Result, Round, Unit
from fangfan.web.assessment.pdf import PdfUnavailable, pdf_response, xlsx_to_pdf
from fangfan.web.assessment.rounds import round_for_user, rounds_for_user, unit_for_user, units_for_user
from fangfan.web.procedures.base import WorkflowError
from fangfan.web.regions.models import Region
from fangfan.web.shared.excel import excel_response, import_problem_columns, written_response
from fangfan.web.shared.pagination import page_of

PROBLEM_COLUMNS = import_problem_columns()


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@require_GET
@require_roles(*REGION_READERS)
def round_list(request: HttpRequest) -> HttpResponse:
    """评估模拟: the rounds the user may see, and (for the offices) drawing a new one."""
    user = _user(request)
    may_draw = user.role in ASSESSMENT_DRAWERS
    context = {
        "rounds": page_of(rounds_for_user(user), request.GET.get("page")),
        "form": RoundForm(user=user) if may_draw else None,
        "region": region_for_user(user),
    }
    return render(request, "assessment/list.html", context)


@require_POST
@require_roles(*ASSESSMENT_DRAWERS)
def draw(request: HttpRequest) -> HttpResponse:
    """抽取样本 over counties of the user's region, from the current run."""
    user = _user(request)
    form = RoundForm(request.POST, user=user)
    if not form.is_valid():
        context = {
            "rounds": page_of(rounds_for_user(user), None),
            "form": form,
            "region": region_for_user(user),
        }
        return render(request, "assessment/list.html", context, status=400)
    data = form.cleaned_data
    try:
        made = actions.draw_round(user, data["plan"], data["seed"], data["counties"], data["title"])
    except WorkflowError as refused:
        messages.error(request, str(refused))
        return redirect("assessment:list")
    if made.status == Round.Status.DRAWING:
        messages.info(request, "样本较大，已交后台抽取：本页显示进度，抽完后自动显示样本村")
    else:
        messages.success(request, f"已抽取样本：{made.unit_count} 户")
    return redirect("assessment:round", round_id=made.pk)


@require_GET
@require_roles(*REGION_READERS)
def round_detail(request: HttpRequest, round_id: int) -> HttpResponse:
    """A round: its plan and seed, and each village of the user's region with its progress."""
    user = _user(request)
    chosen = round_for_user(user, round_id)
    villages = (
        units_for_user(user, chosen)
        .values("village_code", "household__township_name", "household__village_name")
        .annotate(units=Count("id"), visited=Count("result"))
        .order_by("village_code")
    )
    counties = [
        county
        for county in Region.objects.filter(code__in=chosen.counties).order_by("code")
        if _may_open(user, county.code)
    ]
    context = {
        "round": chosen,
        "villages": page_of(villages, request.GET.get("page")),
        "counties": counties,
        "print_places": _print_places(user, counties),
        "may_record": user.role in ASSESSMENT_RECORDERS,
        "plan": load_plan(chosen.plan),
    }
    return render(request, "assessment/round.html", context)


def _print_places(user: User, counties: list[Region]) -> list[Region]:
    """Where all villages' visit lists are printed at once: a township's own, else by county."""
    region = region_for_user(user)
    if region.level == Region.Level.VILLAGE:
        return []
    return [region] if region.level == Region.Level.TOWNSHIP else counties


def _may_open(user: User, code: str) -> bool:
    try:
        region_for_user(user, code)
    except Http404:
        return False
    return True


def _village_units(request: HttpRequest, round_id: int, village_code: str) -> tuple[Round, Region, Any]:
    return _region_units(request, round_id, village_code, empty="该行政村没有本轮样本户")


@require_GET
@require_roles(*REGION_READERS)
def village(request: HttpRequest, round_id: int, village_code: str) -> HttpResponse:
    """入户调查名单: a village's sample households, each with its result or the form's link."""
    chosen, place, units = _village_units(request, round_id, village_code)
    context = {
        "round": chosen,
        "village": place,
        "units": units.select_related("household", "result").order_by("household_id"),
        "may_record": _user(request).role in ASSESSMENT_RECORDERS,
    }
    return render(request, "assessment/village.html", context)


def _visit_list_title(chosen: Round, place: Region) -> str:
    # The round's number lets the import refuse a list of another round (`imports.ROUND_MARK`).
    return f"{place.name}入户调查表（{chosen.title}，轮次编号{chosen.pk}）"


@require_GET
@require_roles(*REGION_READERS)
def visit_list_excel(request: HttpRequest, round_id: int, village_code: str) -> FileResponse:
    chosen, place, units = _village_units(request, round_id, village_code)
    title = _visit_list_title(chosen, place)
    return written_response(title, reports.visit_list(units, title))


@require_GET
@require_roles(*REGION_READERS)
def visit_list_pdf(request: HttpRequest, round_id: int, village_code: str) -> HttpResponseBase:
    chosen, place, units = _village_units(request, round_id, village_code)
    title = _visit_list_title(chosen, place)
    return _pdf(request, title, reports.visit_list(units, title))


def _region_units(
    request: HttpRequest, round_id: int, region_code: str, empty: str = "该地区没有本轮样本户"
) -> tuple[Round, Region, Any]:
    """The round's units of a township or county (or village) inside the user's region."""
    user = _user(request)
    chosen = round_for_user(user, round_id)
    place = region_for_user(user, region_code)  # 404 outside the user's region
    units = units_for_user(user, chosen).filter(within_region("village_code", place))
    if not units.exists():
        raise Http404(empty)
    return chosen, place, units


@require_GET
@require_roles(*REGION_READERS)
def visit_lists_excel(request: HttpRequest, round_id: int, region_code: str) -> FileResponse:
    """Every village's 入户调查表 of a township or county: one workbook, a sheet per village."""
    chosen, place, units = _region_units(request, round_id, region_code)
    title = _visit_list_title(chosen, place)
    return written_response(title, reports.visit_lists(units, title))


@require_GET
@require_roles(*REGION_READERS)
def visit_lists_pdf(request: HttpRequest, round_id: int, region_code: str) -> HttpResponseBase:
    """The same, printed: one PDF, each village on pages of its own."""
    chosen, place, units = _region_units(request, round_id, region_code)
    title = _visit_list_title(chosen, place)
    return _pdf(request, title, reports.visit_lists(units, title))


def _pdf(request: HttpRequest, title: str, write: reports.Writer) -> HttpResponseBase:
    try:
        return pdf_response(title, xlsx_to_pdf(write))
    except PdfUnavailable as refused:
        return render(request, "assessment/pdf_unavailable.html", {"message": str(refused)}, status=503)


def _result_form(unit: Unit, *args: Any, **kwargs: Any) -> ResultForm:
    return ResultForm(*args, exited=unit.exited, registered=unit.registered, **kwargs)


def _unit_page(request: HttpRequest, unit: Unit, form: ResultForm, status: int = 200) -> HttpResponse:
    context = {
        "unit": unit,
        "household": unit.household,
        "result": Result.objects.filter(unit=unit).select_related("recorded_by").first(),
        "form": form,
        "may_record": _user(request).role in ASSESSMENT_RECORDERS,
    }
    return render(request, "assessment/unit.html", context, status=status)


@require_GET
@require_roles(*REGION_READERS)
def unit_detail(request: HttpRequest, unit_id: int) -> HttpResponse:
    """一个样本户: who, why drawn, the policies received, and the result form (phone-sized)."""
    unit = unit_for_user(_user(request), unit_id)
    kept = Result.objects.filter(unit=unit).first()
    if kept is not None:
        form = _result_form(unit, initial=initial_from(kept))
    else:
        received = len(unit.household.measure_list)
        form = _result_form(unit, initial={"policy_count": received, "visitor": _user(request).display_name})
    return _unit_page(request, unit, form)


@require_POST
@require_roles(*ASSESSMENT_RECORDERS)
def record_result(request: HttpRequest, unit_id: int) -> HttpResponse:
    """登记走访结果: 404 outside the region, 400 with the reasons, else back to the village."""
    unit = unit_for_user(_user(request), unit_id)
    form = _result_form(unit, request.POST)
    if not form.is_valid():
        return _unit_page(request, unit, form, status=400)
    try:
        actions.record_result(_user(request), unit, form.result_input())
    except WorkflowError as refused:
        form.add_error(None, str(refused))
        return _unit_page(request, unit, form, status=400)
    messages.success(request, f"已保存{unit.household.head_name}户的走访结果")
    return redirect("assessment:village", round_id=unit.round_id, village_code=unit.village_code)


@require_http_methods(["GET", "POST"])
@require_roles(*ASSESSMENT_RECORDERS)
def import_page(request: HttpRequest, round_id: int) -> HttpResponse:
    """导入走访结果: the whole file, or nothing and every problem by file, row and column."""
    user = _user(request)
    chosen = round_for_user(user, round_id)
    form = ResultsUploadForm(request.POST or None, request.FILES or None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        outcome = import_results(user, chosen, form.cleaned_data["file"])
        # The problems (their values masked) kept for the Excel download of the list.
        request.session[_problems_key(chosen)] = outcome.problems
        if not outcome.problems:
            messages.success(
                request, f"已导入 {outcome.loaded} 户的走访结果（未填写的 {outcome.skipped} 户跳过）"
            )
            return redirect("assessment:round", round_id=chosen.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "assessment/import.html", {"round": chosen, "form": form, "outcome": outcome}, status=status
    )


def _problems_key(chosen: Round) -> str:
    return f"assessment-import-problems-{chosen.pk}"


@require_GET
@require_roles(*ASSESSMENT_RECORDERS)
def import_problems(request: HttpRequest, round_id: int) -> FileResponse:
    """The last refused import's problems of this round, as an Excel list to work through."""
    chosen = round_for_user(_user(request), round_id)
    problems = request.session.get(_problems_key(chosen))
    if not problems:
        raise Http404("没有待下载的导入问题")
    return excel_response(f"走访结果导入问题（{chosen.title}）", PROBLEM_COLUMNS, problems)


def _estimates(request: HttpRequest, round_id: int) -> tuple[Round, list[dict[str, Any]]]:
    user = _user(request)
    chosen = round_for_user(user, round_id)
    return chosen, estimate_rows(round_estimates(user, chosen))


@require_GET
@require_roles(*REGION_READERS)
def estimates(request: HttpRequest, round_id: int) -> HttpResponse:
    """估计结果: each measure per county and for the city, with its interval and verdict."""
    chosen, rows = _estimates(request, round_id)
    context = {
        "round": chosen,
        "verdicts": county_verdicts(rows),
        "targeted": load_plan(chosen.plan).targeted_share > 0,
        # A township's or village's figures are of its own sample households only.
        "part_only": _user(request).role in (User.Role.TOWNSHIP, User.Role.VILLAGE),
    }
    return render(request, "assessment/estimates.html", context)


@require_GET
@require_roles(*REGION_READERS)
def overview(request: HttpRequest, round_id: int) -> HttpResponse:
    """全市概览: every county of the round the user may see, with its verdict and reports."""
    chosen, rows = _estimates(request, round_id)
    counties = [verdict for verdict in county_verdicts(rows) if verdict.code]
    return render(request, "assessment/overview.html", {"round": chosen, "counties": counties})


def _report(request: HttpRequest, round_id: int, county_code: str) -> tuple[str, reports.Writer]:
    user = _user(request)
    chosen = round_for_user(user, round_id)
    county = region_for_user(user, county_code)  # 404 outside the user's region
    if county.code not in chosen.counties:
        raise Http404("该县区不在本轮评估范围内")
    rows = [row for row in estimate_rows(round_estimates(user, chosen)) if row["county_code"] == county.code]
    units = units_for_user(user, chosen).filter(county_code=county.code)
    title = f"{county.name}考核评估模拟报告"
    return title, reports.report(chosen, county.name, units, rows)


@require_GET
@require_roles(*REGION_READERS)
def report_excel(request: HttpRequest, round_id: int, county_code: str) -> FileResponse:
    title, write = _report(request, round_id, county_code)
    return written_response(title, write)


@require_GET
@require_roles(*REGION_READERS)
def report_pdf(request: HttpRequest, round_id: int, county_code: str) -> HttpResponseBase:
    title, write = _report(request, round_id, county_code)
    return _pdf(request, title, write)


@require_GET
@require_roles(*REGION_READERS)
def size(request: HttpRequest) -> HttpResponse:
    """样本量计算: Cochran's size (finite population, design effect) and the margin a size buys."""
    form = SizeForm(request.GET or None)
    answer: dict[str, Any] = {}
    if form.is_valid():
        data = form.cleaned_data
        common = {
            "population": data["population"],
            "design_effect": float(data["design_effect"]),
        }
        answer["size"] = cochran_size(float(data["p"]), float(data["margin"]), **common)
        if data["n"]:
            answer["margin"] = margin_of_error(data["n"], float(data["p"]), **common)
    return render(request, "assessment/size.html", {"form": form, "answer": answer})

"""产业收入 pages: a household's rows and the visit form, the region summaries, the
households and villages below target (pages and Excel), the import, the dashboard panel.
Every record comes through the gate."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangfan.engine.fieldwork import industry as engine
from fangfan.engine.fieldwork.rules import field_rules
from fangfan.web.accounts.access import (
    FIELD_TEAMS,
    REGION_READERS,
    WORKFLOW_ROLES,
    can,
    get_scoped_or_404,
    region_for_user,
    require_roles,
    scope,
)
from fangfan.web.accounts.models import User
from fangfan.web.industry import actions, columns, imports, ledger
from fangfan.web.industry.forms import ImportForm, RemoveForm, RowForm
from fangfan.web.industry.models import HouseholdIndustry, IndustryRow, Livestock, Planting
from fangfan.web.regions.models import Region
from fangfan.web.registry.models import Household
from fangfan.web.registry.navigation import regions_down_to
from fangfan.web.shared.excel import Sheet, workbook_response
from fangfan.web.shared.pagination import page_of

# Who loads an Excel list (each row into a household inside their region): the gate's cell.
IMPORTERS = tuple(sorted(WORKFLOW_ROLES["industry_import"]))


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # require_roles let only a signed-in account through
    return request.user


def _household(request: HttpRequest, household_id: str) -> Household:
    return get_scoped_or_404(Household.objects.all(), request.user, household_id=household_id)


def _row(request: HttpRequest, kind: str, row_id: int) -> IndustryRow:
    model = actions.KINDS.get(kind)
    if model is None:
        raise Http404("没有找到该记录")
    return get_scoped_or_404(model.objects.select_related("household"), request.user, pk=row_id)


def household_context(user: Any, household: Household, year: int) -> dict[str, Any]:
    """What the household page's section and our own page show: the year's rows and verdicts."""
    plantings = scope(Planting.objects.filter(household=household, year=year), user).select_related(
        "recorded_by"
    )
    livestock = scope(Livestock.objects.filter(household=household, year=year), user).select_related(
        "recorded_by"
    )
    tally = HouseholdIndustry.objects.filter(household=household, year=year).first()
    found = tally.figures if tally else engine.figures([], [])
    planting_verdict, livestock_verdict = engine.judge(found, field_rules(year))
    return {
        "household": household,
        "year": year,
        "plantings": plantings,
        "livestock": livestock,
        "planting_verdict": planting_verdict,
        "livestock_verdict": livestock_verdict,
        "may_record": can(user, "industry_record", household),
        "rules": field_rules(year),
        "crops": engine.CROPS,
        "kinds": engine.LIVESTOCK_KINDS,
    }


def _household_page(request: HttpRequest, household: Household, year: int, **forms: Any) -> HttpResponse:
    context = household_context(request.user, household, year)
    context["planting_form"] = forms.get("planting") or RowForm(kind="planting", initial={"year": year})
    context["livestock_form"] = forms.get("livestock") or RowForm(kind="livestock", initial={"year": year})
    return render(request, "industry/household.html", context, status=400 if forms else 200)


@require_GET
@require_roles(*REGION_READERS)
def household(request: HttpRequest, household_id: str) -> HttpResponse:
    """产业收入 of one household: its rows and verdicts, the visit form (phone-sized)."""
    return _household_page(
        request, _household(request, household_id), ledger.year_from(request.GET.get("year"))
    )


@require_POST
@require_roles(*FIELD_TEAMS)
def record(request: HttpRequest, household_id: str) -> HttpResponse:
    """登记 a planting or livestock row from a visit."""
    found = _household(request, household_id)
    kind = "livestock" if request.POST.get("kind") == "livestock" else "planting"
    form = RowForm(request.POST, kind=kind)
    if form.is_valid():
        try:
            row = actions.record_row(_user(request), found, form.entry)
        except actions.Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, f"已登记：{row}")
            url = reverse("industry:household", args=[found.household_id])
            return HttpResponseRedirect(f"{url}?year={form.entry.year}")
    return _household_page(request, found, ledger.year_from(request.POST.get("year")), **{kind: form})


@require_http_methods(["GET", "HEAD", "POST"])
@require_roles(*REGION_READERS)
def edit(request: HttpRequest, kind: str, row_id: int) -> HttpResponse:
    """更正 one row (GET: the form filled in; POST: saved, audited)."""
    row = _row(request, kind, row_id)
    initial = {
        "kind": kind,
        "year": row.year,
        "name": getattr(row, "crop", None) or getattr(row, "kind", ""),
        "mu": getattr(row, "mu", None),
        "head": getattr(row, "head", None),
        "income": row.income,
        "note": row.note,
    }
    form = RowForm(kind=kind, initial=initial)
    status = 200
    if request.method == "POST":
        form = RowForm({**request.POST.dict(), "kind": kind}, kind=kind)
        if form.is_valid():
            try:
                actions.correct_row(_user(request), row, form.entry)
            except actions.Refused as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, f"已更正：{row}")
                url = reverse("industry:household", args=[row.household_id])
                return HttpResponseRedirect(f"{url}?year={row.year}")
        status = 400
    context = {"row": row, "kind": kind, "form": form, "remove_form": RemoveForm()}
    context["may_record"] = can(request.user, "industry_record", row.household)
    context["crops"], context["kinds"] = engine.CROPS, engine.LIVESTOCK_KINDS
    return render(request, "industry/edit.html", context, status=status)


@require_POST
@require_roles(*FIELD_TEAMS)
def remove(request: HttpRequest, kind: str, row_id: int) -> HttpResponse:
    """删除 one row, with the reason (kept in the audit trail)."""
    row = _row(request, kind, row_id)
    form = RemoveForm(request.POST)
    if form.is_valid():
        actions.remove_row(_user(request), row, form.cleaned_data["reason"])
        messages.success(request, f"已删除：{row}")
    else:
        messages.error(request, "请填写删除原因")
    return HttpResponseRedirect(f"{reverse('industry:household', args=[row.household_id])}?year={row.year}")


def _region_context(request: HttpRequest, code: str | None) -> dict[str, Any]:
    region = region_for_user(request.user, code)
    year = ledger.year_from(request.GET.get("year"))
    return {
        "region": region,
        "year": year,
        "rules": field_rules(year),
        "breadcrumbs": regions_down_to(request.user, region),
        "may_import": getattr(request.user, "role", "") in IMPORTERS,
    }


@require_GET
@require_roles(*REGION_READERS)
def summary(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """产业收入汇总: the region's totals and each region one level below."""
    context = _region_context(request, code)
    context["total"] = ledger.region_summary(context["region"], context["year"])
    context["children"] = ledger.child_summaries(context["region"], context["year"])
    return render(request, "industry/summary.html", context)


@require_GET
@require_roles(*REGION_READERS)
def summary_excel(request: HttpRequest, code: str) -> FileResponse:
    """The summary as a workbook: the regions below, then every village with records."""
    context = _region_context(request, code)
    region, year = context["region"], context["year"]
    total = ledger.region_summary(region, year)
    rows = [
        columns.area_row(child.code, child.name, found)
        for child, found in ledger.child_summaries(region, year)
    ]
    rows.append(columns.area_row(region.code, f"{region.name}合计", total))
    villages = ledger.village_rows(
        list(ledger.village_summaries(region, year, context["rules"], below_only=False))
    )
    title = f"{region.name}产业收入汇总（{year}年度）"
    sheets = [
        Sheet("汇总", columns.AREA_COLUMNS, rows, title=title),
        Sheet(
            "各村",
            columns.AREA_COLUMNS,
            [columns.area_row(v["code"], v["name"], v["summary"]) for v in villages],
            title=f"{region.name}产业收入各村情况（{year}年度）",
        ),
    ]
    return workbook_response(title, sheets)


@require_GET
@require_roles(*REGION_READERS)
def villages(request: HttpRequest, code: str) -> HttpResponse:
    """产业收入各村情况: the villages below target (all with `?all=1`), paginated."""
    context = _region_context(request, code)
    below_only = request.GET.get("all") != "1"
    rows = ledger.village_summaries(
        context["region"], context["year"], context["rules"], below_only=below_only
    )
    page = page_of(rows, request.GET.get("page"))
    context.update(page=page, rows=ledger.village_rows(list(page.object_list)), below_only=below_only)
    return render(request, "industry/villages.html", context)


@require_GET
@require_roles(*REGION_READERS)
def villages_excel(request: HttpRequest, code: str) -> FileResponse:
    context = _region_context(request, code)
    below_only = request.GET.get("all") != "1"
    rows = ledger.village_summaries(
        context["region"], context["year"], context["rules"], below_only=below_only
    )
    found = [columns.area_row(v["code"], v["name"], v["summary"]) for v in ledger.village_rows(list(rows))]
    title = (
        f"{context['region'].name}产业收入{'未达标村' if below_only else '各村情况'}（{context['year']}年度）"
    )
    return workbook_response(title, [Sheet("各村", columns.AREA_COLUMNS, found, title=title)])


def _below(request: HttpRequest, code: str) -> dict[str, Any]:
    context = _region_context(request, code)
    kind = request.GET.get("kind", "")
    kind = kind if kind in ("planting", "livestock") else ""
    village = request.GET.get("village", "")
    rows = scope(
        ledger.below_households(context["region"], context["year"], kind=kind, village=village), request.user
    )
    context.update(kind=kind, village=village, rows=rows)
    return context


@require_GET
@require_roles(*REGION_READERS)
def below(request: HttpRequest, code: str) -> HttpResponse:
    """产业收入未达标农户: households below a target, filtered by kind and village, paginated."""
    context = _below(request, code)
    region, year = context["region"], context["year"]
    count = ledger.below_count(region, year, kind=context["kind"], village=context["village"])
    context["page"] = page_of(context["rows"], request.GET.get("page"), count=count)
    rules = context["rules"]
    context["listed"] = [
        (tally, *engine.judge(tally.figures, rules)) for tally in context["page"].object_list
    ]
    if context["region"].level == Region.Level.TOWNSHIP:
        context["village_choices"] = Region.objects.filter(parent=context["region"]).order_by("code")
    return render(request, "industry/below.html", context)


@require_GET
@require_roles(*REGION_READERS)
def below_excel(request: HttpRequest, code: str) -> FileResponse:
    context = _below(request, code)
    rules = context["rules"]
    rows = columns.household_rows(context["rows"], rules)
    title = f"{context['region'].name}产业收入未达标农户（{context['year']}年度）"
    return workbook_response(title, [Sheet("未达标农户", columns.HOUSEHOLD_COLUMNS, rows, title=title)])


@require_http_methods(["GET", "HEAD", "POST"])
@require_roles(*IMPORTERS)
def import_list(request: HttpRequest) -> HttpResponse:
    """导入产业收入清单 (all or nothing; problems listed and downloadable)."""
    form = ImportForm(request.POST or None, request.FILES or None)
    outcome = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            outcome = imports.import_list(
                _user(request), form.cleaned_data["upload"], default_year=form.cleaned_data["year"]
            )
            status = 200 if not outcome.problems else 400
        else:
            status = 400
    context = {"form": form, "outcome": outcome, "headers": columns.TEMPLATE_HEADERS}
    return render(request, "industry/import.html", context, status=status)


@require_GET
@require_roles(*IMPORTERS)
def import_report(request: HttpRequest, token: str) -> FileResponse:
    handle = imports.report_file(_user(request), token)
    response = FileResponse(handle, as_attachment=True, filename="产业收入清单导入问题.xlsx")
    return response


@require_GET
@require_roles(*REGION_READERS)
def panel(request: HttpRequest) -> HttpResponse:
    """The dashboard panel (loaded with htmx): households recorded, below target and shares."""
    context = _region_context(request, request.GET.get("region"))
    context["total"] = ledger.region_summary(context["region"], context["year"])
    return render(request, "industry/_panel.html", context)

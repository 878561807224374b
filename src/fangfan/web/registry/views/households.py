"""Household search, the household page, and their Excel downloads."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fangfan.web.accounts.access import get_scoped_or_404, require_roles, scope
from fangfan.web.regions.models import Region
from fangfan.web.registry import columns
from fangfan.web.registry.dashboard import region_for_user
from fangfan.web.registry.excel import excel_response
from fangfan.web.registry.household_page import department_rows, indicator_groups, masked_evidence
from fangfan.web.registry.models import DepartmentRecord, Finding, Household, HouseholdRunSummary, Member, Run
from fangfan.web.registry.navigation import Crumb, breadcrumbs
from fangfan.web.registry.pagination import page_of
from fangfan.web.registry.search import household_count, households_matching, villages_matching
from fangfan.web.registry.views.regions import READERS


def _search(request: HttpRequest) -> tuple[str, Region | None, QuerySet[Household]]:
    query = request.GET.get("q", "").strip()[:64]
    code = request.GET.get("region", "").strip()
    region = region_for_user(request.user, code) if code else None
    households = households_matching(request.user, query, region).order_by("village_code", "household_id")
    return query, region, households


@require_roles(*READERS)
def household_list(request: HttpRequest) -> HttpResponse:
    """户查询: search by household number, a member's name, full ID number or village; paginated."""
    query, region, households = _search(request)
    run = Run.objects.current()
    count = None if query else household_count(request.user, region, run)
    return render(
        request,
        "registry/household_list.html",
        {
            "query": query,
            "region": region,
            "households": page_of(households, request.GET.get("page"), count=count),
            "villages": villages_matching(request.user, query, region),
            "run": run,
        },
    )


@require_roles(*READERS)
def household_list_excel(request: HttpRequest) -> HttpResponse:
    query, region, households = _search(request)
    title = f"{region.name if region else '农户'}名单" + (f"（{query}）" if query else "")
    return excel_response(title, columns.HOUSEHOLD_COLUMNS, households)


def _household_findings(request: HttpRequest, household: Household) -> object:
    findings = Finding.objects.filter(household=household).select_related("first_seen_run", "assignee")
    return scope(findings, request.user).order_by("engine_status", "-veto", "rule_code", "id_number")


@require_roles(*READERS)
def household_page(request: HttpRequest, household_id: str) -> HttpResponse:
    """One household: members, every indicator, findings, department records, history, audit trail."""
    household = get_scoped_or_404(Household.objects.all(), request.user, household_id=household_id)
    run = Run.objects.current()
    findings = list(_household_findings(request, household))
    members = scope(Member.objects.filter(household=household), request.user).order_by("position")
    # Two indexed lookups, not one OR: the household's own records and its village's.
    own = DepartmentRecord.objects.filter(household=household)
    village = DepartmentRecord.objects.filter(household__isnull=True, village_code=household.village_code)
    records = [*scope(own, request.user), *scope(village, request.user)]
    history = scope(HouseholdRunSummary.objects.filter(household_id=household.household_id), request.user)
    return render(
        request,
        "registry/household.html",
        {
            "household": household,
            "run": run,
            "members": members,
            "findings": [(finding, masked_evidence(finding)) for finding in findings],
            "indicator_groups": indicator_groups(findings, run.policy_year) if run else [],
            "department_rows": department_rows(records),
            "history": history.select_related("run").order_by("run__published_at", "run_id"),
            "breadcrumbs": _village_crumbs(request, household),
        },
    )


def _village_crumbs(request: HttpRequest, household: Household) -> list[Crumb]:
    village = Region.objects.filter(code=household.village_code).first()
    return breadcrumbs(request.user, village) if village else []


@require_roles(*READERS)
def household_findings_excel(request: HttpRequest, household_id: str) -> HttpResponse:
    household = get_scoped_or_404(Household.objects.all(), request.user, household_id=household_id)
    title = f"{household.head_name}户问题清单"
    return excel_response(title, columns.FINDING_COLUMNS, _household_findings(request, household))

"""Household search, the household page, and their Excel downloads."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render

from fangfan.web.accounts.access import (
    REGION_READERS,
    get_scoped_or_404,
    region_for_user,
    require_roles,
    scope,
)
from fangfan.web.accounts.personal import mask_id, mask_phone, mask_text
from fangfan.web.regions.models import Region
from fangfan.web.registry import columns
from fangfan.web.registry.household_page import (
    department_rows,
    indicator_groups,
    indicator_notes,
    masked_evidence,
)
from fangfan.web.registry.models import (
    DepartmentRecord,
    Finding,
    FindingEvent,
    Household,
    HouseholdRunSummary,
    Member,
    Run,
)
from fangfan.web.registry.navigation import Crumb, breadcrumbs
from fangfan.web.registry.search import household_count, households_matching, is_broad, villages_matching
from fangfan.web.shared.excel import Sheet, excel_response, workbook_response
from fangfan.web.shared.pagination import page_of, uncounted_page

# A search lists (and counts) at most this many households; the Excel download holds all.
SEARCH_CAP = 1_000


def _search(request: HttpRequest) -> tuple[str, Region | None, QuerySet[Household]]:
    query = request.GET.get("q", "").strip()[:64]
    code = request.GET.get("region", "").strip()
    region = region_for_user(request.user, code) if code else None
    households = households_matching(request.user, query, region).order_by("village_code", "household_id")
    return query, region, households


@require_roles(*REGION_READERS)
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
            "households": uncounted_page(households, request.GET.get("page"))
            if query and is_broad(query)
            else page_of(households, request.GET.get("page"), count=count, cap=SEARCH_CAP),
            "villages": villages_matching(request.user, query, region),
            "run": run,
        },
    )


@require_roles(*REGION_READERS)
def household_list_excel(request: HttpRequest) -> FileResponse:
    query, region, households = _search(request)
    title = f"{region.name if region else '农户'}名单" + (f"（{query}）" if query else "")
    return excel_response(title, columns.HOUSEHOLD_COLUMNS, households)


def _household_findings(request: HttpRequest, household: Household) -> QuerySet[Finding]:
    # Each finding's close-outs and recurrences (复发), for the history under it.
    closeouts = FindingEvent.objects.filter(
        action__in=[FindingEvent.Action.CLOSE, FindingEvent.Action.RECUR]
    ).order_by("at", "id")
    findings = (
        Finding.objects.filter(household=household)
        .select_related("first_seen_run", "assignee")
        .prefetch_related(Prefetch("events", queryset=closeouts, to_attr="closeout_events"))
    )
    return scope(findings, request.user).order_by("engine_status", "-veto", "rule_code", "id_number")


def _household_lists(request: HttpRequest, household_id: str) -> dict[str, Any]:
    """Everything the household page lists, through the gate (404 outside the user's region)."""
    household = get_scoped_or_404(Household.objects.all(), request.user, household_id=household_id)
    run = Run.objects.current()
    findings = list(_household_findings(request, household))
    members = scope(Member.objects.filter(household=household), request.user).order_by("position")
    # Two indexed lookups, not one OR: the household's own records and its village's.
    own = DepartmentRecord.objects.filter(household=household)
    village = DepartmentRecord.objects.filter(household__isnull=True, village_code=household.village_code)
    records = [*scope(own, request.user), *scope(village, request.user)]
    history = scope(HouseholdRunSummary.objects.filter(household_id=household.household_id), request.user)
    return {
        "household": household,
        "run": run,
        "members": members,
        "findings": [(finding, masked_evidence(finding)) for finding in findings],
        "indicator_groups": (
            indicator_groups(findings, run.policy_year, indicator_notes(household, records, run.policy_year))
            if run
            else []
        ),
        "department_rows": department_rows(records),
        "history": history.select_related("run").order_by("run__published_at", "run_id"),
    }


@require_roles(*REGION_READERS)
def household_page(request: HttpRequest, household_id: str) -> HttpResponse:
    """One household: members, every indicator, findings, department records, history, audit trail."""
    context = _household_lists(request, household_id)
    context["breadcrumbs"] = _village_crumbs(request, context["household"])
    return render(request, "registry/household.html", context)


@require_roles(*REGION_READERS)
def household_excel(request: HttpRequest, household_id: str) -> FileResponse:
    """The household page as a workbook: a sheet for each of its lists (personal numbers masked)."""
    lists = _household_lists(request, household_id)
    household: Household = lists["household"]
    indicators = [
        {
            "group": ("两不愁三保障·" if group.census else "") + group.label,
            "code": indicator.rule.code,
            "name": indicator.rule.name,
            "veto": indicator.rule.veto,
            "result": "达标" if indicator.passed else "未达标",
            "message": "；".join(finding.message for finding, _ in indicator.findings),
        }
        for group in lists["indicator_groups"]
        for indicator in group.indicators
    ]
    sheets = [
        Sheet("基本情况", columns.FACT_COLUMNS, _facts(household)),
        Sheet("收入", columns.INCOME_COLUMNS, household.incomes or []),
        Sheet("家庭成员", columns.MEMBER_COLUMNS, lists["members"]),
        Sheet("逐项核查", columns.INDICATOR_COLUMNS, indicators),
        Sheet("问题及依据", columns.FINDING_COLUMNS, [finding for finding, _ in lists["findings"]]),
        Sheet("部门数据", columns.DEPARTMENT_COLUMNS, lists["department_rows"]),
        Sheet("历次筛查", columns.HISTORY_COLUMNS, lists["history"]),
    ]
    return workbook_response(f"{household.head_name}户档案", sheets)


def _facts(household: Household) -> list[dict[str, object]]:
    """The page's 基本情况 as (label, value) rows; ID and phone numbers masked."""
    place = f"{household.county_name}{household.township_name}{household.village_name}"
    facts = [
        ("户编号", household.household_id),
        ("户主", household.head_name),
        ("所在地", place),
        ("行政区划代码", household.village_code),
        ("户主身份证号", mask_id(household.head_id_number)),
        ("联系电话", mask_phone(household.phone) if household.phone else ""),
        ("户类型", household.household_type),
        ("家庭人口数", household.household_size),
        ("在册人数", household.people),
        ("脱贫年度", household.exit_year),
        ("监测对象类别", household.monitoring_category),
        ("主要风险", household.main_risk),
        ("住房等级", household.house_grade),
        ("饮水", household.water_supply),
        ("帮扶责任人", household.helper_name),
        ("帮扶措施", mask_text("、".join(household.measure_list))),
    ]
    return [{"label": label, "value": value} for label, value in facts]


def _village_crumbs(request: HttpRequest, household: Household) -> list[Crumb]:
    village = Region.objects.filter(code=household.village_code).first()
    return breadcrumbs(request.user, village) if village else []


@require_roles(*REGION_READERS)
def household_findings_excel(request: HttpRequest, household_id: str) -> FileResponse:
    household = get_scoped_or_404(Household.objects.all(), request.user, household_id=household_id)
    title = f"{household.head_name}户问题清单"
    return excel_response(title, columns.FINDING_COLUMNS, _household_findings(request, household))

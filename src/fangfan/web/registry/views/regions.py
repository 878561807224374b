"""The dashboard of the user's region (the site's home) and of every region below it."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

from fangfan.web.accounts.access import REGION_READERS, region_for_user, require_roles
from fangfan.web.accounts.models import User
from fangfan.web.registry import columns
from fangfan.web.registry.dashboard import ChildRow, build_dashboard
from fangfan.web.registry.models import Run
from fangfan.web.registry.navigation import breadcrumbs
from fangfan.web.registry.search import households_matching
from fangfan.web.shared.excel import excel_response
from fangfan.web.shared.pagination import page_of

Role = User.Role


def home(request: HttpRequest) -> HttpResponseBase:
    """The site's home: the dashboard of the user's region; department officers go to their uploads."""
    user = request.user
    if isinstance(user, User) and user.role == Role.DEPARTMENT:
        try:
            return redirect(reverse("imports:list"))
        except NoReverseMatch:
            return render(request, "registry/no_region.html", {"department": True})
    if not isinstance(user, User) or user.region is None or not user.role:
        return render(request, "registry/no_region.html", {"department": False})
    return region_page(request, user.region.code)


@require_roles(*REGION_READERS)
def region_page(request: HttpRequest, code: str) -> HttpResponse:
    """One region's dashboard, its children (or, for a village, its households), breadcrumbs."""
    region = region_for_user(request.user, code)
    run = Run.objects.current()
    dashboard = build_dashboard(request.user, region, run)
    households = None
    if not dashboard.children and run is not None:
        listed = households_matching(request.user, region=region).order_by("village_code", "household_id")
        count = dashboard.totals.households
        households = page_of(listed, request.GET.get("page"), count=count)
    return render(
        request,
        "registry/region.html",
        {
            "dashboard": dashboard,
            "region": region,
            "run": run,
            "breadcrumbs": breadcrumbs(request.user, region),
            "households": households,
            "chart_data": dashboard.chart_data(),
        },
    )


@require_roles(*REGION_READERS)
def region_types_excel(request: HttpRequest, code: str) -> FileResponse:
    """The dashboard's household-type table as Excel."""
    region = region_for_user(request.user, code)
    dashboard = build_dashboard(request.user, region, Run.objects.current())
    return excel_response(f"{region.name}户类型", columns.TYPE_COLUMNS, dashboard.types)


@require_roles(*REGION_READERS)
def region_categories_excel(request: HttpRequest, code: str) -> FileResponse:
    """The dashboard's finding-category table as Excel."""
    region = region_for_user(request.user, code)
    dashboard = build_dashboard(request.user, region, Run.objects.current())
    return excel_response(f"{region.name}问题类别", columns.CATEGORY_COLUMNS, dashboard.categories)


@require_roles(*REGION_READERS)
def region_children_excel(request: HttpRequest, code: str) -> FileResponse:
    """The child-region table of a region's dashboard as Excel."""
    region = region_for_user(request.user, code)
    dashboard = build_dashboard(request.user, region, Run.objects.current())
    rows: list[ChildRow] = dashboard.children
    title = f"{region.name}各{dashboard.child_level or '区划'}情况"
    return excel_response(title, columns.CHILD_REGION_COLUMNS, rows)

from __future__ import annotations

from django.urls import path

from fangfan.web.registry.views import households, regions

app_name = "registry"

urlpatterns = [
    path("", regions.home, name="home"),
    path("region/<str:code>/", regions.region_page, name="region"),
    path("region/<str:code>/children.xlsx", regions.region_children_excel, name="region_children_excel"),
    path("region/<str:code>/types.xlsx", regions.region_types_excel, name="region_types_excel"),
    path(
        "region/<str:code>/categories.xlsx", regions.region_categories_excel, name="region_categories_excel"
    ),
    path("households/", households.household_list, name="households"),
    path("households.xlsx", households.household_list_excel, name="households_excel"),
    path("households/<str:household_id>/", households.household_page, name="household"),
    path("households/<str:household_id>/household.xlsx", households.household_excel, name="household_excel"),
    path(
        "households/<str:household_id>/findings.xlsx",
        households.household_findings_excel,
        name="household_findings_excel",
    ),
]

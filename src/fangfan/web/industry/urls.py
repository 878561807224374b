from __future__ import annotations

from django.urls import path

from fangfan.web.industry import views

app_name = "industry"

urlpatterns = [
    path("industry/", views.summary, name="home"),
    path("industry/summary/<str:code>/", views.summary, name="summary"),
    path("industry/summary/<str:code>/summary.xlsx", views.summary_excel, name="summary_excel"),
    path("industry/villages/<str:code>/", views.villages, name="villages"),
    path("industry/villages/<str:code>/villages.xlsx", views.villages_excel, name="villages_excel"),
    path("industry/below/<str:code>/", views.below, name="below"),
    path("industry/below/<str:code>/households.xlsx", views.below_excel, name="below_excel"),
    path("industry/households/<str:household_id>/", views.household, name="household"),
    path("industry/households/<str:household_id>/record/", views.record, name="record"),
    path("industry/rows/<str:kind>/<int:row_id>/edit/", views.edit, name="edit"),
    path("industry/rows/<str:kind>/<int:row_id>/remove/", views.remove, name="remove"),
    path("industry/import/", views.import_list, name="import"),
    path("industry/import/reports/<str:token>.xlsx", views.import_report, name="import_report"),
    path("industry/panel/", views.panel, name="panel"),
]

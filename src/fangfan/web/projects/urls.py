"""The addresses of 衔接资金项目's pages (`views`)."""

from __future__ import annotations

from django.urls import path

from fangfan.web.projects import views

app_name = "projects"

urlpatterns = [
    path("projects/", views.home, name="home"),
    path("projects/new/", views.create, name="new"),
    path("projects/import/", views.import_projects, name="import"),
    path("projects/import/template/", views.import_template, name="import_template"),
    path("projects/import/report/<slug:token>/", views.import_report, name="import_report"),
    path("projects/<int:project_id>/", views.detail, name="detail"),
    path("projects/<int:project_id>/progress/", views.progress, name="progress"),
    path("projects/<int:project_id>/payment/", views.payment, name="payment"),
    path("projects/<int:project_id>/accept/", views.accept, name="accept"),
    path("projects/<int:project_id>/beneficiary/", views.beneficiary, name="beneficiary"),
    path("projects/photo/<int:photo_id>/", views.photo, name="photo"),
    path("projects/region/<str:code>/", views.region_list, name="list"),
    path("projects/region/<str:code>/excel/", views.list_excel, name="list_excel"),
    path("projects/region/<str:code>/alerts/", views.alerts, name="alerts"),
    path("projects/region/<str:code>/alerts/excel/", views.alerts_excel, name="alerts_excel"),
    path("projects/region/<str:code>/report/", views.report, name="report"),
    path("projects/region/<str:code>/report/excel/", views.report_excel, name="report_excel"),
    path("projects/region/<str:code>/panel/", views.panel, name="panel"),
]

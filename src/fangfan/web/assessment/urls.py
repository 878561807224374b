from __future__ import annotations

from django.urls import path

from fangfan.web.assessment import views

app_name = "assessment"

urlpatterns = [
    path("assessment/", views.round_list, name="list"),
    path("assessment/draw/", views.draw, name="draw"),
    path("assessment/size/", views.size, name="size"),
    path("assessment/<int:round_id>/", views.round_detail, name="round"),
    path("assessment/<int:round_id>/import/", views.import_page, name="import"),
    path("assessment/<int:round_id>/import/problems.xlsx", views.import_problems, name="import_problems"),
    path("assessment/<int:round_id>/estimates/", views.estimates, name="estimates"),
    path("assessment/<int:round_id>/overview/", views.overview, name="overview"),
    path("assessment/<int:round_id>/villages/<str:village_code>/", views.village, name="village"),
    path(
        "assessment/<int:round_id>/villages/<str:village_code>/visit-list.xlsx",
        views.visit_list_excel,
        name="visit_list_excel",
    ),
    path(
        "assessment/<int:round_id>/villages/<str:village_code>/visit-list.pdf",
        views.visit_list_pdf,
        name="visit_list_pdf",
    ),
    path(
        "assessment/<int:round_id>/regions/<str:region_code>/visit-lists.xlsx",
        views.visit_lists_excel,
        name="visit_lists_excel",
    ),
    path(
        "assessment/<int:round_id>/regions/<str:region_code>/visit-lists.pdf",
        views.visit_lists_pdf,
        name="visit_lists_pdf",
    ),
    path(
        "assessment/<int:round_id>/counties/<str:county_code>/report.xlsx",
        views.report_excel,
        name="report_excel",
    ),
    path(
        "assessment/<int:round_id>/counties/<str:county_code>/report.pdf", views.report_pdf, name="report_pdf"
    ),
    path("assessment/units/<int:unit_id>/", views.unit_detail, name="unit"),
    path("assessment/units/<int:unit_id>/result/", views.record_result, name="record_result"),
]

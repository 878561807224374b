"""The addresses of rectification's Excel pages (`views_excel`), in the app's namespace."""

from __future__ import annotations

from django.urls import path

from fangfan.web.rectification import views_excel

urlpatterns = [
    path("rectification/import/", views_excel.import_feedback, name="import_feedback"),
    path("rectification/import/report/<slug:token>/", views_excel.import_report, name="import_report"),
    path("rectification/excel/three-lists/", views_excel.export_three_lists, name="export_three_lists"),
    path("rectification/excel/ledger/<str:region_code>/", views_excel.export_ledger, name="export_ledger"),
    path("rectification/excel/progress/", views_excel.export_progress, name="export_progress"),
]

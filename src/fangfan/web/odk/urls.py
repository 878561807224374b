from __future__ import annotations

from django.urls import path

from fangfan.web.odk import views

app_name = "odk"

urlpatterns = [
    path("odk/", views.index, name="index"),
    path("odk/villages/<str:village_code>/form.xlsx", views.form_download, name="form"),
    path("odk/villages/<str:village_code>/households.csv", views.preload_download, name="preload"),
    path("odk/imports/new", views.upload, name="upload"),
    path("odk/imports/<int:import_id>/", views.import_detail, name="import_detail"),
    path("odk/imports/<int:import_id>/report.xlsx", views.import_report, name="import_report"),
    path("odk/imports/<int:import_id>/status", views.import_status, name="import_status"),
]

from __future__ import annotations

from django.urls import path

from fangfan.web.evidence import views

app_name = "evidence"

urlpatterns = [
    path("", views.region, name="home"),
    path("region/<str:code>/", views.region, name="region"),
    path("region/<str:code>/missing.xlsx", views.region_excel, name="region_excel"),
    path("households/<str:household_id>/", views.household, name="household"),
    path("households/<str:household_id>/upload/", views.upload, name="upload"),
    path("households/<str:household_id>/evidence.zip", views.household_zip, name="household_zip"),
    path("items/<int:item_id>/file/", views.evidence_file, name="file"),
    path("items/<int:item_id>/remove/", views.remove, name="remove"),
]

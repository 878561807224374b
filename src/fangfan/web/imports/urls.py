from __future__ import annotations

from django.urls import path

from fangfan.web.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.upload_list, name="list"),
    path("uploads.xlsx", views.upload_list_excel, name="list_excel"),
    path("new/", views.upload_new, name="new"),
    path("<int:upload_id>/", views.upload_detail, name="detail"),
    path("<int:upload_id>/status/", views.upload_status, name="status"),
    path("<int:upload_id>/problems.xlsx", views.upload_problems, name="problems"),
    path("<int:upload_id>/file/", views.upload_file, name="file"),
    path("<int:upload_id>/confirm/", views.upload_confirm, name="confirm"),
    path("<int:upload_id>/reject/", views.upload_reject, name="reject"),
]

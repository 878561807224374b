from __future__ import annotations

from django.urls import path

from fangfan.web.workqueue import views

app_name = "workqueue"

urlpatterns = [
    path("findings/", views.finding_list, name="list"),
    path("findings.xlsx", views.finding_list_excel, name="excel"),
    path("findings/<int:finding_id>/", views.finding_detail, name="detail"),
    path("findings/<int:finding_id>/assign/", views.assign, name="assign"),
    path("findings/<int:finding_id>/fix/", views.mark_fixed, name="mark_fixed"),
    path("findings/<int:finding_id>/explain/", views.mark_explained, name="mark_explained"),
    path("findings/<int:finding_id>/close/", views.verify_close, name="verify_close"),
    path("findings/<int:finding_id>/reject/", views.reject, name="reject"),
    path(
        "findings/<int:finding_id>/events/<int:event_id>/attachment/",
        views.attachment,
        name="attachment",
    ),
]

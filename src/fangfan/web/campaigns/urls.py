from __future__ import annotations

from django.urls import path

from fangfan.web.campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("campaigns/", views.campaign_list, name="list"),
    path("campaigns/<slug:code>/", views.target_list, name="targets"),
    path("campaigns/<slug:code>/targets.xlsx", views.target_list_excel, name="targets_excel"),
    path("campaigns/<slug:code>/progress/", views.progress_page, name="progress"),
    path("campaigns/<slug:code>/progress.xlsx", views.progress_excel, name="progress_excel"),
    path("campaigns/<slug:code>/draw/", views.draw, name="draw"),
    path("campaign-targets/<int:target_id>/", views.target_detail, name="target"),
    path(
        "campaign-targets/<int:target_id>/visit/",
        views.target_act,
        {"verb": "record_visit"},
        name="record_visit",
    ),
]

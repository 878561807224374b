from __future__ import annotations

from django.urls import path

from fangfan.web.grievances import opinion_views, views

app_name = "grievances"

GRIEVANCE_STEPS = ("accept", "reply", "callback", "reopen")
OPINION_STEPS = ("verify", "answer")

urlpatterns = [
    path("grievances/", views.grievance_list, name="list"),
    path("grievances.xlsx", views.grievance_list_excel, name="excel"),
    path("grievances/new/", views.grievance_new, name="new"),
    path("grievances/repeats/", views.repeat_contacts, name="repeats"),
    path("grievances/repeats.xlsx", views.repeat_contacts_excel, name="repeats_excel"),
    path("grievances/skipped/", views.skipped_levels, name="skipped"),
    path("grievances/skipped.xlsx", views.skipped_levels_excel, name="skipped_excel"),
    path("grievances/performance/", views.performance, name="performance"),
    path("grievances/performance.xlsx", views.performance_excel, name="performance_excel"),
    path("grievances/<int:grievance_id>/", views.grievance_detail, name="detail"),
    *(
        path(f"grievances/<int:grievance_id>/{verb}/", views.grievance_act, {"verb": verb}, name=verb)
        for verb in GRIEVANCE_STEPS
    ),
    path("grievances/<int:grievance_id>/intake/", views.open_intake, name="open_intake"),
    path("grievances/<int:grievance_id>/problem/", views.open_problem, name="open_problem"),
    path("opinions/", opinion_views.opinion_list, name="opinions"),
    path("opinions.xlsx", opinion_views.opinion_list_excel, name="opinions_excel"),
    path("opinions/new/", opinion_views.opinion_new, name="opinion_new"),
    path("opinions/<int:item_id>/", opinion_views.opinion_detail, name="opinion"),
    *(
        path(
            f"opinions/<int:item_id>/{verb}/",
            opinion_views.opinion_act,
            {"verb": verb},
            name=f"opinion_{verb}",
        )
        for verb in OPINION_STEPS
    ),
    path("opinions/<int:item_id>/screenshot/", opinion_views.screenshot, name="opinion_screenshot"),
    path("opinions/<int:item_id>/problem/", opinion_views.opinion_problem, name="opinion_problem"),
]

from __future__ import annotations

from django.urls import path

from fangfan.web.workqueue import views

app_name = "workqueue"

# Each step's URL: the verb (the URL's name) and its path.
STEPS = {
    "assign": "assign",
    "mark_fixed": "fix",
    "mark_explained": "explain",
    "verify_close": "close",
    "reject": "reject",
}

urlpatterns = [
    path("findings/", views.finding_list, name="list"),
    path("findings.xlsx", views.finding_list_excel, name="excel"),
    path("findings/<int:finding_id>/", views.finding_detail, name="detail"),
    *(
        path(f"findings/<int:finding_id>/{slug}/", views.finding_act, {"verb": verb}, name=verb)
        for verb, slug in STEPS.items()
    ),
    path(
        "findings/<int:finding_id>/events/<int:event_id>/attachment/",
        views.attachment,
        name="attachment",
    ),
]

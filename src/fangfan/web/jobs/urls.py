from __future__ import annotations

from django.urls import path

from fangfan.web.jobs import views
from fangfan.web.jobs.procedure import SELECTION

app_name = "jobs"

urlpatterns = [
    path("jobs/<str:code>/", views.posts_page, name="posts"),
    path("jobs/<str:code>/new/", views.post_new, name="post_new"),
    path("jobs/<str:code>/pay/", views.pay_sheet, name="pay_sheet"),
    path("jobs/<str:code>/pay.xlsx", views.pay_sheet_excel, name="pay_sheet_excel"),
    path("jobs/<str:code>/findings/", views.findings_page, name="findings"),
    path("jobs/<str:code>/findings.xlsx", views.findings_excel, name="findings_excel"),
    path("jobs/<str:code>/check/", views.check_new, name="check"),
    path("jobs/<str:code>/cadres/", views.cadres, name="cadres"),
    path("jobs/<str:code>/panel/", views.panel, name="panel"),
    path("job-posts/<int:post_id>/", views.post_detail, name="post"),
    path("job-posts/<int:post_id>/apply/", views.apply, name="apply"),
    path("job-selections/<int:selection_id>/", views.selection_detail, name="selection"),
    path("job-selections/<int:selection_id>/appraise/", views.appraise, name="appraise"),
    *(
        path(
            f"job-selections/<int:selection_id>/{verb.replace('_', '-')}/",
            views.selection_act,
            {"verb": verb},
            name=f"selection_{verb}",
        )
        for verb in SELECTION.verbs
    ),
    path("households/<str:household_id>/jobs/", views.household_section, name="household"),
]

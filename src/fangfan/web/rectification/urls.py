from __future__ import annotations

from django.urls import path

from fangfan.web.rectification import urls_excel, views
from fangfan.web.rectification.procedure import RECTIFICATION

app_name = "rectification"

urlpatterns = [
    path("rectification/", views.problem_list, name="problem_list"),
    path("rectification/new/", views.problem_create, name="problem_create"),
    path("rectification/escalate/", views.escalate, name="escalate"),
    path("rectification/<int:problem_id>/", views.problem_detail, name="problem_detail"),
    *(
        path(
            f"rectification/<int:problem_id>/{verb}/",
            views.problem_act,
            {"verb": verb},
            name=f"problem_{verb}",
        )
        for verb in RECTIFICATION.verbs
    ),
    path(
        "rectification/<int:problem_id>/evidence/<int:evidence_id>/",
        views.evidence_file,
        name="problem_evidence",
    ),
    path("rectification/recheck/", views.recheck_list, name="recheck_list"),
    path("rectification/recheck/draw/", views.recheck_draw, name="recheck_draw"),
    path("rectification/recheck/<int:sample_id>/", views.recheck_detail, name="recheck_detail"),
    path(
        "rectification/recheck/<int:sample_id>/items/<int:item_id>/",
        views.recheck_result,
        name="recheck_result",
    ),
    *urls_excel.urlpatterns,  # 导入反馈清单 and the ledger's Excel downloads
]

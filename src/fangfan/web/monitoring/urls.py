"""Pages under /monitoring/ (signed-in) and the public report form at /report/."""

from __future__ import annotations

from django.urls import path

from fangfan.web.monitoring.views import cases, intakes, public, visits

app_name = "monitoring"

CASE_VERBS = {
    "home_check": "home-check",
    "post_notice": "notice",
    "close_notice": "close-notice",
    "township_review": "township-review",
    "decide": "decide",
    "send_back": "send-back",
    "reject": "reject",
}

urlpatterns = [
    path("report/", public.report, name="report"),
    path("report/places/", public.report_places, name="report_places"),
    path("monitoring/", intakes.intake_list, name="intakes"),
    path("monitoring/intakes.xlsx", intakes.intake_list_excel, name="intakes_excel"),
    path("monitoring/intakes/<int:intake_id>/", intakes.intake_detail, name="intake"),
    path("monitoring/intakes/<int:intake_id>/take-up/", intakes.take_up, name="take_up"),
    path("monitoring/intakes/<int:intake_id>/dismiss/", intakes.dismiss, name="dismiss"),
    path("monitoring/hotline/", intakes.hotline, name="hotline"),
    path("monitoring/import-findings/", intakes.import_findings, name="import_findings"),
    path("monitoring/households/<str:household_id>/visit/", visits.visit_new, name="visit_new"),
    path("monitoring/visits/<int:visit_id>/", visits.visit_detail, name="visit"),
    path("monitoring/cases/", cases.case_list, name="cases"),
    path("monitoring/cases.xlsx", cases.case_list_excel, name="cases_excel"),
    path("monitoring/cases/<int:case_id>/", cases.case_detail, name="case"),
    path("monitoring/cases/<int:case_id>/consent/", cases.consent_scan, name="consent"),
    *(
        path(f"monitoring/cases/<int:case_id>/{slug}/", cases.case_act, {"verb": verb}, name=verb)
        for verb, slug in CASE_VERBS.items()
    ),
    path("monitoring/notices/<str:village_code>/", cases.notice, name="notice"),
]

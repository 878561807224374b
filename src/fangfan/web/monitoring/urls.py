"""Pages under /monitoring/ (signed-in) and the public report form at /report/."""

from __future__ import annotations

from django.urls import path

from fangfan.web.monitoring.views import (
    cases,
    dashboard,
    eliminations,
    followup,
    gaps,
    intakes,
    monitored,
    public,
    visits,
)

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
ELIMINATION_VERBS = {
    "check": "check",
    "post_notice": "notice",
    "close_notice": "close-notice",
    "approve": "approve",
    "send_back": "send-back",
    "reject": "reject",
}

urlpatterns = [
    path("report/", public.report, name="report"),
    path("report/places/", public.report_places, name="report_places"),
    path("report/status/", public.report_status, name="report_status"),
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
    path("monitoring/dashboard/", dashboard.dashboard, name="dashboard"),
    path("monitoring/dashboard.xlsx", dashboard.dashboard_excel, name="dashboard_excel"),
    path("monitoring/awareness/", dashboard.awareness, name="awareness"),
    path("monitoring/awareness.xlsx", dashboard.awareness_excel, name="awareness_excel"),
    path("monitoring/monitored/", monitored.monitored_list, name="monitored_list"),
    path("monitoring/monitored.xlsx", monitored.monitored_list_excel, name="monitored_list_excel"),
    path("monitoring/monitored/<int:monitored_id>/", monitored.monitored_detail, name="monitored"),
    path("monitoring/monitored/<int:monitored_id>/measures/", monitored.add_measure, name="measure_add"),
    path("monitoring/measures/<int:measure_id>/end/", monitored.end_measure, name="measure_end"),
    path("monitoring/monitored/<int:monitored_id>/reassess/", followup.reassess, name="reassess"),
    path(
        "monitoring/reassessments/<int:reassessment_id>/", followup.reassessment_detail, name="reassessment"
    ),
    path("monitoring/monitored/<int:monitored_id>/propose/", monitored.propose, name="propose_elimination"),
    path("monitoring/without-measures/", gaps.without_measures, name="without_measures"),
    path("monitoring/without-measures.xlsx", gaps.without_measures_excel, name="without_measures_excel"),
    path("monitoring/without-safeguards/", gaps.without_safeguards, name="without_safeguards"),
    path("monitoring/unclaimed/", gaps.unclaimed, name="unclaimed"),
    path("monitoring/unclaimed.xlsx", gaps.unclaimed_excel, name="unclaimed_excel"),
    path(
        "monitoring/without-safeguards.xlsx", gaps.without_safeguards_excel, name="without_safeguards_excel"
    ),
    path("monitoring/eliminations/", eliminations.elimination_list, name="eliminations"),
    path("monitoring/eliminations.xlsx", eliminations.elimination_list_excel, name="eliminations_excel"),
    path(
        "monitoring/eliminations/<int:elimination_id>/", eliminations.elimination_detail, name="elimination"
    ),
    *(
        path(
            f"monitoring/eliminations/<int:elimination_id>/{slug}/",
            eliminations.elimination_act,
            {"verb": verb},
            name=f"elimination_{verb}",
        )
        for verb, slug in ELIMINATION_VERBS.items()
    ),
]

from __future__ import annotations

from django.urls import path

from fangfan.web.teams import views

app_name = "teams"

urlpatterns = [
    path("teams/", views.home, name="home"),
    path("teams/region/<str:code>/", views.region, name="region"),
    path("teams/region/<str:code>/new/", views.team_new, name="team_new"),
    path("teams/region/<str:code>/warnings/", views.warnings, name="warnings"),
    path("teams/region/<str:code>/warnings.xlsx", views.warnings_excel, name="warnings_excel"),
    path("teams/region/<str:code>/roster.xlsx", views.roster_excel, name="roster_excel"),
    path("teams/region/<str:code>/attendance/<str:month>/", views.report, name="report"),
    path("teams/region/<str:code>/attendance/<str:month>.xlsx", views.report_excel, name="report_excel"),
    path("teams/team/<int:team_id>/", views.team, name="team"),
    path("teams/team/<int:team_id>/members/", views.member_add, name="member_add"),
    path("teams/member/<int:member_id>/end/", views.member_end, name="member_end"),
    path("teams/checkin/", views.checkin, name="checkin"),
    path("teams/leave/new/", views.leave_new, name="leave_new"),
    path("teams/leaves/", views.leaves, name="leaves"),
    path("teams/leaves/<int:leave_id>/", views.leave, name="leave"),
    path("teams/leaves/<int:leave_id>/approve/", views.leave_approve, name="leave_approve"),
    path("teams/leaves/<int:leave_id>/reject/", views.leave_reject, name="leave_reject"),
    path("teams/leaves/<int:leave_id>/cancel/", views.leave_cancel, name="leave_cancel"),
    path("teams/import/", views.import_roster, name="import"),
    path("teams/import/<str:token>.xlsx", views.import_report, name="import_report"),
    path("teams/panel/", views.panel, name="panel"),
]

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from fangfan.web import errors
from fangfan.web.regions import views

# Chinese error pages (templates 403.html, 404.html and 400.html through Django's own
# handlers); a busy database answers 503 instead of 500 (fangfan.web.errors).
handler500 = errors.server_error

urlpatterns = [
    path("", include("fangfan.web.registry.urls")),
    path("", include("fangfan.web.workqueue.urls")),
    path("", include("fangfan.web.monitoring.urls")),
    path("", include("fangfan.web.grievances.urls")),
    path("", include("fangfan.web.rectification.urls")),
    path("", include("fangfan.web.campaigns.urls")),
    path("", include("fangfan.web.assessment.urls")),
    path("", include("fangfan.web.cards.urls")),
    path("", include("fangfan.web.odk.urls")),
    path("", include("fangfan.web.oversight.urls")),
    path("", include("fangfan.web.teams.urls")),
    path("", include("fangfan.web.jobs.urls")),
    path("", include("fangfan.web.projects.urls")),
    path("", include("fangfan.web.industry.urls")),
    path("regions/", views.region_overview, name="region_overview"),
    path("admin/", admin.site.urls),
    path("accounts/", include("fangfan.web.accounts.urls")),
    path("imports/", include("fangfan.web.imports.urls")),
    path("evidence/", include("fangfan.web.evidence.urls")),
]

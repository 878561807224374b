from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from fangfan.web.regions import views

urlpatterns = [
    path("", include("fangfan.web.registry.urls")),
    path("", include("fangfan.web.workqueue.urls")),
    path("", include("fangfan.web.monitoring.urls")),
    path("regions/", views.region_overview, name="region_overview"),
    path("admin/", admin.site.urls),
    path("accounts/", include("fangfan.web.accounts.urls")),
    path("imports/", include("fangfan.web.imports.urls")),
]

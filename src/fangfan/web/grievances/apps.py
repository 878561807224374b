from __future__ import annotations

from django.apps import AppConfig


class GrievancesConfig(AppConfig):
    name = "fangfan.web.grievances"
    verbose_name = "信访舆情"

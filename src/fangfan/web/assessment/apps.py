from __future__ import annotations

from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "fangfan.web.assessment"
    verbose_name = "考核评估模拟"

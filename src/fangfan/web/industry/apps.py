from __future__ import annotations

from django.apps import AppConfig


class IndustryConfig(AppConfig):
    name = "fangfan.web.industry"
    verbose_name = "产业收入"

from __future__ import annotations

from django.apps import AppConfig


class RectificationConfig(AppConfig):
    name = "fangfan.web.rectification"
    verbose_name = "整改销号"

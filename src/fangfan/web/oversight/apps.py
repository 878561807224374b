from __future__ import annotations

from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "fangfan.web.oversight"
    label = "oversight"
    verbose_name = "一个不剩总览"

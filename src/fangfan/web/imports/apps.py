from __future__ import annotations

from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "fangfan.web.imports"
    label = "imports"
    verbose_name = "数据导入"

from __future__ import annotations

from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "fangfan.web.jobs"
    verbose_name = "公益性岗位"

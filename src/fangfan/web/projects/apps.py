from __future__ import annotations

from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "fangfan.web.projects"
    verbose_name = "衔接资金项目"

from __future__ import annotations

from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "fangfan.web.teams"
    verbose_name = "驻村工作队"

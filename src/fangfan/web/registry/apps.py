from __future__ import annotations

from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "fangfan.web.registry"
    label = "registry"
    verbose_name = "建档立卡与问题"

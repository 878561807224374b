from __future__ import annotations

from django.apps import AppConfig


class WorkqueueConfig(AppConfig):
    name = "fangfan.web.workqueue"
    verbose_name = "问题清单"

from __future__ import annotations

from django.apps import AppConfig


class PublishingConfig(AppConfig):
    """No models: an app only for its command, `manage.py publish_run`."""

    name = "fangfan.web.publishing"
    label = "publishing"
    verbose_name = "发布筛查批次"

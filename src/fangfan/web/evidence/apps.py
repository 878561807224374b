from __future__ import annotations

from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "fangfan.web.evidence"
    verbose_name = "佐证资料"

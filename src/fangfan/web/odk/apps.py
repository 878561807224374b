from __future__ import annotations

from django.apps import AppConfig


class OdkConfig(AppConfig):
    name = "fangfan.web.odk"
    verbose_name = "离线走访（ODK / KoboToolbox）"

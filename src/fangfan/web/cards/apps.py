from __future__ import annotations

from django.apps import AppConfig


class CardsConfig(AppConfig):
    name = "fangfan.web.cards"
    verbose_name = "帮扶政策明白卡"

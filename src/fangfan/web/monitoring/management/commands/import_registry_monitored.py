from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from fangfan.web.monitoring.registry_import import import_registry_monitored


class Command(BaseCommand):
    help = (
        "把国家系统已认定的监测对象（户信息中有监测对象类别的农户）导入本系统的监测对象"
        "（可重复运行；已有监测记录的农户不动）"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(import_registry_monitored().describe())

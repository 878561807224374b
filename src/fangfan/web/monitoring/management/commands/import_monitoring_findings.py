from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fangfan.web.monitoring.actions.discovery import import_findings


class Command(BaseCommand):
    help = (
        "把当前筛查批次的部门筛查预警、收入支出类问题和监测信号导入各乡镇的发现线索"
        "（可重复运行，不会重复导入）"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", default="", help="只导入该区划代码（县、乡镇或村）以内的预警")

    def handle(self, *args: Any, **options: Any) -> None:
        result = import_findings(None, region_code=options["region"].strip())
        if result.run is None:
            raise CommandError(result.describe())
        self.stdout.write(result.describe())

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from fangfan.web.grievances.deadlines import escalate_overdue
from fangfan.web.grievances.models import Level


class Command(BaseCommand):
    help = "把超过办理时限的信访事项升级一级督办（每小时运行一次即可；可重复运行，不会重复升级）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--at", default="", help="按这个时间计算（ISO格式，如 2026-12-05T09:00+08:00；默认现在）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        if options["at"]:
            try:
                now = dt.datetime.fromisoformat(options["at"])
            except ValueError as error:
                raise CommandError(f"--at 不是有效的时间：{options['at']}") from error
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        escalated = escalate_overdue(now)
        for item in escalated:
            self.stdout.write(f"{item.grievance.reference} 升级至{Level(item.level).label}督办")
        self.stdout.write(f"共升级 {len(escalated)} 件")

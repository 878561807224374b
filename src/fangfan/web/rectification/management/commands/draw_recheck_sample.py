"""回头看 from the command line: draw a seeded sample of closed problems for re-check.

    manage.py draw_recheck_sample --user county-office --share 0.1 --seed 2026

The sample is drawn in the named account's region and kept with its seed, as a draw from
the page would be; the same seed over the same closed problems draws the same problems.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from fangfan.web.accounts.models import User
from fangfan.web.procedures.base import WorkflowError
from fangfan.web.rectification.recheck import DEFAULT_SHARE, draw_sample


class Command(BaseCommand):
    help = "回头看：按县区和问题来源，从已销号问题中按比例随机抽取（可指定随机种子以重现）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="抽取人账号（市级或县级），在其区划内抽取")
        parser.add_argument("--share", default=str(DEFAULT_SHARE), help="抽查比例，0到1之间，默认0.1")
        parser.add_argument("--seed", type=int, default=None, help="随机种子（不填则随机生成并记录）")
        parser.add_argument("--closed-before", default=None, help="只抽此日及以前销号的问题，如2026-06-30")
        parser.add_argument("--note", default="", help="说明")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"没有找到在职账号 {options['user']}")
        try:
            share = Decimal(options["share"])
            closed_before = (
                dt.date.fromisoformat(options["closed_before"]) if options["closed_before"] else None
            )
        except (InvalidOperation, ValueError) as error:
            raise CommandError(f"参数有误：{error}") from error
        try:
            sample = draw_sample(
                user, share=share, seed=options["seed"], closed_before=closed_before, note=options["note"]
            )
        except (WorkflowError, PermissionDenied) as refused:
            raise CommandError(str(refused)) from refused
        drawn = sample.items.count()
        self.stdout.write(
            f"回头看抽查{sample.pk}：抽中{drawn}个问题（比例{sample.share}，随机种子{sample.seed}）"
        )

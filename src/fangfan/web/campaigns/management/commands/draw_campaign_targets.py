"""manage.py draw_campaign_targets warm_winter [--region 621226]: draw a campaign's target list."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fangfan.engine.campaigns import builtin_campaigns, campaign
from fangfan.web.campaigns.actions import draw_targets
from fangfan.web.procedures.base import WorkflowError
from fangfan.web.regions.models import Region


class Command(BaseCommand):
    help = "从最近发布的筛查批次生成（或重新生成）专项行动对象名单：新增对象户，已列入的保留。"

    def add_arguments(self, parser: CommandParser) -> None:
        codes = ", ".join(one.code for one in builtin_campaigns())
        parser.add_argument("campaign", help=f"专项行动编号（{codes}）")
        parser.add_argument("--region", default="", help="区划代码（默认：全部区划中的市级）")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            definition = campaign(options["campaign"])
        except KeyError:
            raise CommandError(f"没有专项行动 {options['campaign']}") from None
        region = self._region(options["region"])
        try:
            made = draw_targets(None, definition, region)
        except WorkflowError as refused:
            raise CommandError(str(refused)) from None
        counts = f"新增对象 {made.added} 户，保留 {made.kept} 户"
        self.stdout.write(f"{definition.title}：{region.name}{counts}（批次 {made.run.run_id}）")

    def _region(self, code: str) -> Region:
        if code:
            region = Region.objects.filter(code=code).first()
        else:
            region = Region.objects.filter(level=Region.Level.CITY).order_by("code").first()
        if region is None:
            raise CommandError(f"没有区划 {code}" if code else "区划表为空，请先导入区划")
        return region

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fangfan.engine.progress import RichProgress, SilentProgress
from fangfan.web.publishing import PublishError, latest_run_dir, publish_with_snapshot


class Command(BaseCommand):
    help = "把一个筛查批次发布到网页系统（默认：FANGFAN_HOME/runs 下最新的批次）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("run_dir", nargs="?", type=Path, help="筛查批次目录（runs/<批次>）")
        parser.add_argument("--quiet-progress", action="store_true", help="不显示进度条")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            run_dir = options["run_dir"] or latest_run_dir()
            if options["quiet_progress"]:
                result = publish_with_snapshot(run_dir, progress=SilentProgress())
            else:
                with RichProgress() as progress:
                    result = publish_with_snapshot(run_dir, progress=progress)
        except PublishError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(result.describe())

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from fangfan.engine.snapshot import SnapshotError, SnapshotStore
from fangfan.web.regions.actions import sync_regions


class Command(BaseCommand):
    help = "载入陇南市、县区、乡镇的标准区划，以及最新快照中的行政村"

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            snapshot = SnapshotStore().latest()
        except SnapshotError:
            snapshot = None
        result = sync_regions(snapshot)
        source = f"快照 {snapshot.id}" if snapshot else "仅参考名录（尚无快照）"
        self.stdout.write(f"区划已同步（{source}）：新增 {result.created}，更新 {result.updated}")

"""A batch of policy cards printed by the background worker (a township, a large village)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models


class CardBatch(models.Model):
    """One region's cards asked for on the web and printed in `manage.py db_worker`.

    `done` of `total` cards is the progress the page shows; a finished batch's PDF lies
    under MEDIA_ROOT at `file` until `FANGFAN_CARDS_KEEP_HOURS` after `finished_at`.
    """

    REGION_FIELD = "region_code"

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "正在生成"
        READY = "ready", "已生成"
        FAILED = "failed", "生成失败"
        EXPIRED = "expired", "已过期删除"

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField("地区代码", max_length=12, db_index=True)
    title = models.CharField("地区", max_length=100)
    year = models.PositiveIntegerField("政策年度", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField("户数", default=0)
    done = models.PositiveIntegerField("已生成", default=0)
    message = models.CharField("说明", max_length=300, blank=True)
    file = models.CharField("文件", max_length=200, blank=True)
    requested_at = models.DateTimeField("申请时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "明白卡批量生成"
        verbose_name_plural = "明白卡批量生成"
        ordering = ("-requested_at", "-id")

    def __str__(self) -> str:
        return f"{self.title}明白卡（{self.get_status_display()}）"

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def file_name(self) -> str:
        """The name the download carries, as the immediate download's."""
        year = f"{self.year}年度" if self.year else ""
        return f"{self.title}-{year}明白卡.pdf"

    @property
    def expires_at(self) -> dt.datetime | None:
        """When a finished batch's PDF is removed (`background.expire_batches`)."""
        if self.finished_at is None:
            return None
        return self.finished_at + dt.timedelta(hours=settings.FANGFAN_CARDS_KEEP_HOURS)

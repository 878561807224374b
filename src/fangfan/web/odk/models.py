"""What an import of ODK / KoboToolbox submissions leaves behind.

`SubmissionImport`: one uploaded export, its counts and the rows that could not be
placed (`unplaced`, what the report lists). `Submission`: one imported submission, keyed
by its instance id (ODK's `meta/instanceID` without "uuid:"), so the same submission
arriving again — the same export uploaded twice, or an export that overlaps an earlier
one — is recognised and skipped; it points at the visit it became and keeps the
answers that have no place on a visit (the guarantees and water, the photo's file name).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from fangfan.web.monitoring.models import Visit


class SubmissionImport(models.Model):
    """One uploaded export of submissions and what became of its rows."""

    REGION_FIELD = "region_code"

    class Status(models.TextChoices):
        """An export of more than `FANGFAN_ODK_INLINE_ROWS` rows waits for the worker (web/odk/tasks.py)."""

        QUEUED = "queued", "排队中"
        RUNNING = "running", "正在导入"
        DONE = "done", "已完成"
        FAILED = "failed", "导入失败"

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="导入人", on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField("导入人所属区划", max_length=12, db_index=True)
    uploaded_at = models.DateTimeField("导入时间", auto_now_add=True)
    file_name = models.CharField("文件名", max_length=200)
    source = models.CharField("来源", max_length=32, blank=True)
    rows = models.PositiveIntegerField("提交记录数", default=0)
    created = models.PositiveIntegerField("新增走访", default=0)
    leads = models.PositiveIntegerField("生成发现线索", default=0)
    duplicates = models.PositiveIntegerField("重复提交（已忽略）", default=0)
    unplaced_count = models.PositiveIntegerField("未能导入", default=0)
    # [{"row", "column", "value", "problem", "household_id"}]: what the report lists.
    unplaced: models.JSONField[list[dict[str, Any]]] = models.JSONField("未能导入的行", default=list)
    refused = models.TextField("整个文件未能导入的原因", blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DONE)
    # The export waiting for the worker, under MEDIA_ROOT; removed once it is imported.
    waiting_file = models.CharField("待导入文件", max_length=200, blank=True)

    class Meta:
        verbose_name = "离线走访导入"
        verbose_name_plural = "离线走访导入"
        ordering = ("-uploaded_at", "-id")

    def __str__(self) -> str:
        return f"{self.file_name}（{self.uploaded_at:%Y-%m-%d %H:%M}）"

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class Submission(models.Model):
    """One submission imported as a visit."""

    REGION_FIELD = "visit__village_code"

    instance_id = models.CharField("提交编号", max_length=80, unique=True)
    visit = models.OneToOneField(
        Visit, verbose_name="走访记录", on_delete=models.PROTECT, related_name="odk_submission"
    )
    batch = models.ForeignKey(
        SubmissionImport, verbose_name="导入批次", on_delete=models.PROTECT, related_name="submissions"
    )
    row = models.PositiveIntegerField("所在行")
    submitted_at = models.CharField("提交时间", max_length=40, blank=True)
    submitter = models.CharField("提交人（采集端账号）", max_length=80, blank=True)
    # The guarantees and water as answered, and the photo's file name (photos stay on the server).
    answers: models.JSONField[dict[str, Any]] = models.JSONField("其他回答", default=dict)

    class Meta:
        verbose_name = "离线走访提交"
        verbose_name_plural = "离线走访提交"
        ordering = ("batch", "row")

    def __str__(self) -> str:
        return self.instance_id

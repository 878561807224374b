"""Uploads: one export file sent in the browser, what became of it, and the problems found."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import PurePath
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from fangfan.engine.schema import ALL_TABLES, TABLES, Kind
from fangfan.web.accounts.audit import SoftDeleteModel
from fangfan.web.accounts.personal import ID, MASKS, PHONE, birth_year, mask_text
from fangfan.web.regions.models import Region

# What a file can be: the registry's three tables and the 13 department feeds,
# labelled the way the office names them (国扶办系统·户信息, 教育·学籍信息).
FEED_CHOICES = [(table.name, f"{table.department}·{table.title}") for table in ALL_TABLES]
FEED_LABELS = dict(FEED_CHOICES)


def feed_label(name: str) -> str:
    """The office's name for a table or feed: 教育·学籍信息."""
    return FEED_LABELS.get(name, name)


def storage_name(user_id: int, filename: str) -> str:
    """Where a file is kept under MEDIA_ROOT: by month, by time and uploader (storage avoids clashes)."""
    stamp = timezone.localtime()
    suffix = PurePath(filename).suffix.lower()
    return f"uploads/{stamp:%Y/%m}/{stamp:%Y%m%dT%H%M%S}-{user_id}{suffix}"


class Upload(SoftDeleteModel):
    """An export file uploaded by an office or a department, and its way to a published run."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "运行中"
        DONE = "done", "完成"
        FAILED = "failed", "失败"
        # Much poorer than the file it would replace: waits for the city office.
        HELD = "held", "待市级确认"

    class Review(models.TextChoices):
        CONFIRMED = "confirmed", "市级已确认使用"
        REJECTED = "rejected", "市级未同意使用"

    # The gate: uploads belong to the uploader's region; department officers read their own.
    REGION_FIELD = "region__code"
    OWNER_FIELD = "uploaded_by"
    # The change log names the tables found as the office does (残联·残疾人证), not as stored.
    AUDIT_ITEM_LABELS: ClassVar[dict[str, Callable[[str], str]]] = {"tables": feed_label}

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="uploads"
    )
    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT, related_name="+")
    feed = models.CharField("数据类别", max_length=32, choices=FEED_CHOICES)
    tables = models.JSONField("文件中识别出的表", default=list, blank=True)
    # The file as it arrived, by its name in the default storage (MEDIA_ROOT); a plain
    # text column, so the audit trail records it like any other value.
    stored_file = models.CharField("原始文件", max_length=300, editable=False)
    original_name = models.CharField("文件名", max_length=255)
    size = models.PositiveBigIntegerField("文件大小（字节）")
    as_of = models.DateField("数据截止日期")
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now, db_index=True)

    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.QUEUED)
    step = models.CharField("当前步骤", max_length=64, blank=True)
    step_done = models.PositiveIntegerField("当前步骤已完成", default=0)
    step_total = models.PositiveIntegerField("当前步骤总量", null=True, blank=True)
    # Each finished step with its seconds, in order: [{"name": "读取文件", "seconds": 1.2}, …]
    timings = models.JSONField("各步骤用时", default=list, blank=True)
    started_at = models.DateTimeField("开始处理时间", null=True, blank=True)
    finished_at = models.DateTimeField("处理结束时间", null=True, blank=True)

    outcome = models.TextField("处理结果", blank=True)
    notes = models.JSONField("提示", default=list, blank=True)
    problem_count = models.PositiveIntegerField("文件中的问题数", default=0)
    excluded_rows = models.PositiveIntegerField("未导入的行数", default=0)
    snapshot_id = models.CharField("生成的快照", max_length=64, blank=True)
    run_id = models.CharField("生成的筛查批次", max_length=96, blank=True)
    findings = models.PositiveIntegerField("筛查发现的问题数", null=True, blank=True)
    task_id = models.CharField("后台任务编号", max_length=64, blank=True, editable=False)
    # Held uploads: the new file next to the one in use, per table, and why it was held:
    # [{"table": "school_roll", "title": "学籍信息", "current": {...}, "new": {...}, "reasons": [...]}]
    comparison = models.JSONField("与在用文件的比较", default=list, blank=True)
    review = models.CharField("市级确认", max_length=10, choices=Review.choices, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    reviewed_at = models.DateTimeField("确认时间", null=True, blank=True)

    class Meta:
        verbose_name = "数据上传"
        verbose_name_plural = "数据上传"
        ordering = ("-uploaded_at", "-id")
        indexes = (models.Index(fields=["status", "uploaded_at"]),)

    def __str__(self) -> str:
        return f"{self.original_name}（{self.feed_display}，{self.uploaded_at:%Y-%m-%d %H:%M}）"

    @property
    def feed_display(self) -> str:
        return feed_label(self.feed)

    @property
    def table_labels(self) -> list[str]:
        return [feed_label(name) for name in self.tables]

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def in_progress(self) -> bool:
        """Queued or running: the page polls its status."""
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def held(self) -> bool:
        return self.status == self.Status.HELD

    @property
    def seconds(self) -> float | None:
        """How long the processing took (so far, while it runs)."""
        if self.started_at is None:
            return None
        end = self.finished_at or timezone.now()
        return (end - self.started_at).total_seconds()

    @property
    def folder(self) -> str:
        """The folder the file lives in within the office's input set."""
        return f"upload-{self.pk}"


def default_as_of(today: dt.date | None = None) -> dt.date:
    """Exports are usually taken at the end of a month: the last day of the previous one."""
    today = today or timezone.localdate()
    return today.replace(day=1) - dt.timedelta(days=1)


class UploadProblem(models.Model):
    """One problem the engine found in an uploaded file: where it is and what is wrong, in Chinese."""

    class Action(models.TextChoices):
        EXCLUDED = "excluded", "该行未导入"
        KEPT = "kept", "已导入并标记"
        FILE = "file", "该表未导入"

    # Reached only through its upload, which the access gate hands out.
    upload = models.ForeignKey(Upload, verbose_name="上传", on_delete=models.PROTECT, related_name="problems")
    position = models.PositiveIntegerField("序号")
    sheet = models.CharField("工作表", max_length=100, blank=True)
    row = models.PositiveIntegerField("行号", null=True, blank=True)
    table = models.CharField("表", max_length=32, blank=True)
    field = models.CharField("字段", max_length=64, blank=True)
    column = models.CharField("列", max_length=100, blank=True)
    value = models.CharField("值", max_length=200, blank=True)
    code = models.CharField("问题代码", max_length=32)
    message = models.CharField("问题", max_length=300)
    action = models.CharField("处理", max_length=8, choices=Action.choices)

    class Meta:
        verbose_name = "上传文件中的问题"
        verbose_name_plural = "上传文件中的问题"
        ordering = ("upload", "position")
        constraints = (
            models.UniqueConstraint(fields=["upload", "position"], name="upload_problem_position"),
        )

    def __str__(self) -> str:
        where = f"第 {self.row} 行" if self.row else "整个工作表"
        return f"{self.upload.original_name} {self.sheet} {where} {self.column}：{self.message}"

    @property
    def personal_kind(self) -> str:
        """The value's personal kind, "id" or "phone" (masked on the page), or "" for other values."""
        table = TABLES.get(self.table)
        if table is None:
            return ""
        try:
            kind = table.field(self.field).kind
        except KeyError:
            return ""
        return {Kind.ID_NUMBER: ID, Kind.PHONE: PHONE}.get(kind, "")


# The fields whose value is a person's birth date: shown as its year beside masked numbers.
BIRTH_DATE_FIELDS = {"birth_date"}


def masked_problem_value(problem: UploadProblem) -> str:
    """A problem's value as people read it: numbers masked, a birth date as its year, text scrubbed.

    The problems of one file sit together on a page and a sheet; a whole birth date on one row
    would complete the masked ID number on another.
    """
    kind = problem.personal_kind
    if kind:
        return MASKS[kind](problem.value)
    if problem.field in BIRTH_DATE_FIELDS:
        return birth_year(problem.value)
    return mask_text(problem.value)

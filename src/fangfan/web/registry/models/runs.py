"""Runs of the engine published to the web application."""

from __future__ import annotations

from typing import Any

from django.db import models


class RunQuerySet(models.QuerySet["Run"]):
    def current(self) -> Run | None:
        """The run the pages show, or None before anything is published."""
        return self.filter(is_current=True).first()

    def current_snapshot_id(self) -> models.QuerySet[Run, Any]:
        """The current run's snapshot, as a subquery for rows keyed by snapshot."""
        return self.filter(is_current=True).values("snapshot_id")[:1]


class Run(models.Model):
    """One screening run of the engine (`FANGFAN_HOME/runs/<run_id>/`), as published.

    Immutable once published: a newer run supersedes it and becomes current; this one
    stays, with its per-village counts, for history and comparison.
    """

    run_id = models.CharField("筛查批次", max_length=80, unique=True)
    snapshot_id = models.CharField("数据快照", max_length=64, db_index=True)
    as_of = models.DateField("统计日")
    policy_year = models.PositiveSmallIntegerField("政策年度")
    income_year = models.PositiveSmallIntegerField("收入年度", null=True, blank=True)
    screened_at = models.DateTimeField("筛查时间", null=True, blank=True)
    published_at = models.DateTimeField("发布时间", auto_now_add=True)
    summary: models.JSONField[Any] = models.JSONField("筛查摘要", default=dict)
    is_current = models.BooleanField("当前批次", default=False)
    # False while `publish_run` prepares the run's rows (none of them shown yet); True from
    # the moment it became current, for good.
    published = models.BooleanField("已发布", default=True)
    previous = models.ForeignKey(
        "self",
        verbose_name="上一发布批次",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    households = models.PositiveIntegerField("户数", default=0)
    members = models.PositiveIntegerField("人数", default=0)
    findings = models.PositiveIntegerField("问题数", default=0)
    new_findings = models.PositiveIntegerField("新发现", default=0)
    persisting_findings = models.PositiveIntegerField("持续存在", default=0)
    resolved_findings = models.PositiveIntegerField("已消除", default=0)
    department_records = models.PositiveIntegerField("部门记录数", default=0)
    seconds = models.FloatField("发布用时(秒)", default=0)

    objects = RunQuerySet.as_manager()

    class Meta:
        verbose_name = "筛查批次"
        verbose_name_plural = "筛查批次"
        ordering = ("-published_at", "-id")
        constraints = (
            models.UniqueConstraint(
                fields=["is_current"], condition=models.Q(is_current=True), name="registry_one_current_run"
            ),
        )

    def __str__(self) -> str:
        return f"{self.run_id}（统计日 {self.as_of:%Y-%m-%d}）"

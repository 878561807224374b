"""A campaign's targets (one household drawn, with its reasons), their visits and every step.

The campaign itself is its definition file (`fangfan.engine.campaigns`): a target names
it by code. A draw (`Draw`) records who drew which region from which run; a target keeps
the draw that first listed it and the last that still did. Nothing is deleted.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from fangfan.web.accounts.audit import SoftDeleteModel
from fangfan.web.registry.models import Household, Run


class Draw(models.Model):
    """One drawing of a campaign's target list over a region, from one published run."""

    REGION_FIELD = "region_code"

    campaign = models.CharField("专项行动", max_length=40)
    region_code = models.CharField("区划代码", max_length=12)
    run = models.ForeignKey(Run, verbose_name="筛查批次", on_delete=models.PROTECT, related_name="+")
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="生成人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    drawn_at = models.DateTimeField("生成时间", auto_now_add=True)
    added = models.PositiveIntegerField("新增对象户数", default=0)
    kept = models.PositiveIntegerField("保留对象户数", default=0)

    class Meta:
        verbose_name = "对象名单生成记录"
        verbose_name_plural = "对象名单生成记录"
        ordering = ("-drawn_at", "-id")

    def __str__(self) -> str:
        return f"{self.campaign} {self.region_code} @ {self.drawn_at:%Y-%m-%d %H:%M}"


class Target(SoftDeleteModel):
    """一户对象: a household drawn into a campaign, why, and whether it has been visited."""

    REGION_FIELD = "village_code"

    class Status(models.TextChoices):
        PENDING = "pending", "待走访"
        VISITED = "visited", "已走访"

    campaign = models.CharField("专项行动", max_length=40)
    household = models.ForeignKey(
        Household, verbose_name="农户", on_delete=models.PROTECT, related_name="campaign_targets"
    )
    village_code = models.CharField("行政区划代码", max_length=12)
    township_code = models.CharField("乡镇代码", max_length=9)
    county_code = models.CharField("县区代码", max_length=6)
    # [{"code", "reason", "evidence": [[label, value], …]}, …], as the latest draw found them.
    reasons: models.JSONField[Any] = models.JSONField("列入理由", default=list)
    visit_by = models.DateField("走访截止日期")
    status = models.CharField("走访状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    first_draw = models.ForeignKey(Draw, verbose_name="列入批次", on_delete=models.PROTECT, related_name="+")
    last_draw = models.ForeignKey(
        Draw, verbose_name="最近生成批次", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "专项行动对象户"
        verbose_name_plural = "专项行动对象户"
        ordering = ("campaign", "village_code", "household_id")
        constraints = (
            models.UniqueConstraint(fields=["campaign", "household"], name="campaigns_target_key"),
        )
        indexes = (models.Index(fields=["campaign", "village_code"], name="campaigns_target_region_idx"),)

    def __str__(self) -> str:
        return f"{self.campaign} {self.household_id}"

    @property
    def reason_text(self) -> str:
        return "；".join(str(reason["reason"]) for reason in self.reasons)


class TargetEvent(models.Model):
    """One step on a target: who, when, what, the note, the status before and after."""

    REGION_FIELD = "target__village_code"

    target = models.ForeignKey(Target, verbose_name="对象户", on_delete=models.PROTECT, related_name="events")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Action(models.TextChoices):
        DRAW = "draw", "列入对象名单"
        RECORD_VISIT = "record_visit", "登记走访"

    at = models.DateTimeField("时间", auto_now_add=True)
    action = models.CharField("操作", max_length=20, choices=Action.choices)
    note = models.TextField("说明", blank=True)
    from_status = models.CharField("原状态", max_length=10, choices=Target.Status.choices, blank=True)
    to_status = models.CharField("新状态", max_length=10, choices=Target.Status.choices, blank=True)

    class Meta:
        verbose_name = "对象户处理记录"
        verbose_name_plural = "对象户处理记录"
        ordering = ("target", "at", "id")

    def __str__(self) -> str:
        return f"{self.action} {self.target_id} @ {self.at:%Y-%m-%d %H:%M}"


class Visit(SoftDeleteModel):
    """The visit to a target household: the checklist's answers, who, when, the result, and
    the follow-up a problem found opened (a monitoring lead, or a rectification problem)."""

    REGION_FIELD = "village_code"

    class Result(models.TextChoices):
        NO_PROBLEM = "no_problem", "未发现问题"
        SOLVED = "solved", "发现问题已当场解决"
        PROBLEM = "problem", "发现问题需跟进"

    class FollowUp(models.TextChoices):
        NONE = "", "无"
        INTAKE = "intake", "转监测帮扶线索"
        RECTIFICATION = "rectification", "转整改问题"

    target = models.OneToOneField(
        Target, verbose_name="对象户", on_delete=models.PROTECT, related_name="visit"
    )
    village_code = models.CharField("行政区划代码", max_length=12)
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="走访干部", on_delete=models.PROTECT, related_name="+"
    )
    visited_on = models.DateField("走访日期")
    answers: models.JSONField[Any] = models.JSONField("核查情况", default=dict, help_text="核查项编号 → 回答")
    problems: models.JSONField[Any] = models.JSONField(
        "发现的问题", default=list, help_text="回答表明有问题的核查项名称"
    )
    result = models.CharField("走访结果", max_length=12, choices=Result.choices)
    note = models.TextField("情况说明", blank=True)
    follow_up = models.CharField("后续处理", max_length=16, choices=FollowUp.choices, blank=True)
    intake = models.ForeignKey(
        "monitoring.Intake",
        verbose_name="监测帮扶线索",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rectification = models.ForeignKey(
        "rectification.Problem",
        verbose_name="整改问题",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "专项行动走访"
        verbose_name_plural = "专项行动走访"
        ordering = ("-visited_on", "-id")

    def __str__(self) -> str:
        return f"{self.target} {self.visited_on:%Y-%m-%d} 走访"

    @property
    def found_problem(self) -> bool:
        return self.result != self.Result.NO_PROBLEM

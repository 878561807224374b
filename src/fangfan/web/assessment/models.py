"""An assessment round (评估模拟轮次), its sample units and the result found at each.

A round records who drew which plan with which seed over which counties, from which
published run; each drawn household is a `Unit` with its inclusion probability and weight
(`fangfan.engine.assessment.sample.draw_sample`), so an estimate years later is the same.
A unit's `Result` is what the visit found; it is changed only through `actions`, audited.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from fangfan.web.registry.models import Household, Run

GUARANTEES = (
    ("food", "吃"),
    ("clothing", "穿"),
    ("housing", "住房安全"),
    ("medical", "基本医疗"),
    ("education", "义务教育"),
    ("water", "饮水安全"),
)


class Round(models.Model):
    """One draw of a sampling plan over the counties of a region, from one published run.

    A small round is drawn in the request; a large one (a city's) is 抽样中 while the
    background worker draws it (`tasks.draw_round_task`), its `progress` saying how far."""

    REGION_FIELD = "region_code"

    class Status(models.TextChoices):
        DRAWING = "drawing", "抽样中"
        READY = "ready", "已抽取"
        FAILED = "failed", "抽样失败"

    title = models.CharField("轮次名称", max_length=100)
    plan = models.CharField("抽样方案", max_length=40)
    plan_label = models.CharField("抽样方案名称", max_length=100)
    seed = models.PositiveIntegerField("随机种子")
    region_code = models.CharField("区划代码", max_length=12)
    counties: models.JSONField[Any] = models.JSONField("评估县区", default=list, help_text="县区代码")
    run = models.ForeignKey(Run, verbose_name="筛查批次", on_delete=models.PROTECT, related_name="+")
    snapshot_id = models.CharField("数据快照", max_length=64)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="抽样人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    drawn_at = models.DateTimeField("抽样时间", auto_now_add=True)
    unit_count = models.PositiveIntegerField("样本户数", default=0)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.READY)
    progress = models.CharField("进度", max_length=200, blank=True)

    class Meta:
        verbose_name = "评估模拟轮次"
        verbose_name_plural = "评估模拟轮次"
        ordering = ("-drawn_at", "-id")

    def __str__(self) -> str:
        return f"{self.title}（{self.plan_label}，种子{self.seed}）"


class Unit(models.Model):
    """一个样本户: a household drawn into a round, with the design's probabilities."""

    REGION_FIELD = "village_code"

    round = models.ForeignKey(Round, verbose_name="轮次", on_delete=models.PROTECT, related_name="units")
    household = models.ForeignKey(
        Household, verbose_name="农户", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    village_code = models.CharField("行政区划代码", max_length=12)
    county_code = models.CharField("县区代码", max_length=6)
    stratum = models.CharField("抽样层", max_length=40)
    registered = models.BooleanField("建档立卡户或监测户")
    exited = models.BooleanField("已脱贫")
    members = models.PositiveSmallIntegerField("人数")
    targeted = models.BooleanField("重点抽查（筛查或预警对象）", default=False)
    village_prob = models.FloatField("村入样概率")
    household_prob = models.FloatField("村内户入样概率")
    inclusion_prob = models.FloatField("入样概率")
    weight = models.FloatField("权数")

    class Meta:
        verbose_name = "评估样本户"
        verbose_name_plural = "评估样本户"
        ordering = ("round", "village_code", "household")
        constraints = (models.UniqueConstraint(fields=["round", "household"], name="assessment_unit_key"),)
        indexes = (models.Index(fields=["round", "village_code"], name="assessment_unit_village_idx"),)

    def __str__(self) -> str:
        return f"样本户 {self.household_id}（轮次 {self.round_id}）"


class Found(models.TextChoices):
    SECURED = "有保障", "有保障"
    NOT_SECURED = "无保障", "无保障"


class Result(models.Model):
    """What the visit to a unit found (one per unit; correcting it is audited)."""

    REGION_FIELD = "village_code"

    unit = models.OneToOneField(Unit, verbose_name="样本户", on_delete=models.PROTECT, related_name="result")
    village_code = models.CharField("行政区划代码", max_length=12)
    visited_on = models.DateField("走访日期")
    visitor = models.CharField("走访人", max_length=50)
    food = models.CharField("吃", max_length=4, choices=Found.choices)
    clothing = models.CharField("穿", max_length=4, choices=Found.choices)
    housing = models.CharField("住房安全", max_length=4, choices=Found.choices)
    medical = models.CharField("基本医疗", max_length=4, choices=Found.choices)
    education = models.CharField("义务教育", max_length=4, choices=Found.choices)
    water = models.CharField("饮水安全", max_length=4, choices=Found.choices)
    income_per_person = models.FloatField("核算人均纯收入(元)")
    wrongly_exited = models.BooleanField("是否错退", null=True, help_text="仅已脱贫户填写")
    wrongly_exited_reason = models.CharField("错退原因", max_length=500, blank=True)
    should_register = models.BooleanField("是否应纳未纳（漏评）", null=True, help_text="仅一般农户填写")
    should_register_reason = models.CharField("漏评原因", max_length=500, blank=True)
    approves = models.BooleanField("是否认可帮扶工作和退出结果")
    aware_count = models.PositiveSmallIntegerField("知晓的政策数")
    policy_count = models.PositiveSmallIntegerField("享受的政策数")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("录入时间", auto_now=True)

    class Meta:
        verbose_name = "评估走访结果"
        verbose_name_plural = "评估走访结果"
        ordering = ("unit",)

    def __str__(self) -> str:
        return f"样本户 {self.unit.household_id} 走访结果"

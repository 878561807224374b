"""产业收入 records: each planting and livestock row of a household in a year, and the
household's totals with their verdict (`HouseholdIndustry`), kept by the verbs so that
the region reports group one row per household in SQL instead of reading every row.

A row's source is kept: 走访 (recorded on a visit), 导入 (with the file's name) or 模拟
(the bench's synthetic rows, replaced each time `synthetic.populate` runs). Correcting a
row is an audited update; removing one marks it deleted with the reason.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from fangfan.engine.fieldwork import industry as engine
from fangfan.web.accounts.audit import SoftDeleteModel
from fangfan.web.registry.models import Household

STATUS_CHOICES = [(status, label) for status, label in engine.STATUS_LABELS.items()]


class Source(models.TextChoices):
    VISIT = "visit", "走访"
    IMPORT = "import", "导入"
    SYNTHETIC = "synthetic", "模拟"


class IndustryRow(SoftDeleteModel):
    """What a planting and a livestock row share: the household, the year, the income, the source."""

    REGION_FIELD = "village_code"

    household = models.ForeignKey(Household, verbose_name="农户", on_delete=models.PROTECT, related_name="+")
    village_code = models.CharField("行政区划代码", max_length=12)
    year = models.PositiveSmallIntegerField("年度")
    income = models.DecimalField("收入（元）", max_digits=12, decimal_places=2)
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.VISIT)
    source_file = models.CharField("导入文件", max_length=255, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)
    removal_reason = models.CharField("删除原因", max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def source_text(self) -> str:
        label = self.get_source_display()
        return f"{label}（{self.source_file}）" if self.source_file else str(label)


class Planting(IndustryRow):
    """种植: a crop of the household in a year, its mu and the income it brought."""

    crop = models.CharField("作物", max_length=20)
    mu = models.DecimalField("面积（亩）", max_digits=9, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = "种植"
        verbose_name_plural = "种植"
        ordering = ("household", "year", "crop", "pk")
        indexes = (models.Index(fields=["year", "village_code"], name="industry_planting_region_idx"),)

    def __str__(self) -> str:
        return f"{self.year}年 {self.crop}"


class Livestock(IndustryRow):
    """养殖: a kind of livestock of the household in a year, its head and the income it brought."""

    kind = models.CharField("畜禽种类", max_length=20)
    head = models.PositiveIntegerField("数量（头、只、箱）")

    class Meta:
        verbose_name = "养殖"
        verbose_name_plural = "养殖"
        ordering = ("household", "year", "kind", "pk")
        indexes = (models.Index(fields=["year", "village_code"], name="industry_livestock_region_idx"),)

    def __str__(self) -> str:
        return f"{self.year}年 {self.kind}"


class HouseholdIndustry(models.Model):
    """A household's totals and verdicts in a year (`fangfan.engine.fieldwork.industry.judge`),
    rewritten by every verb that changes its rows; the region pages aggregate these."""

    REGION_FIELD = "village_code"

    household = models.ForeignKey(Household, verbose_name="农户", on_delete=models.CASCADE, related_name="+")
    village_code = models.CharField("行政区划代码", max_length=12)
    year = models.PositiveSmallIntegerField("年度")
    planting_rows = models.PositiveSmallIntegerField("种植条数", default=0)
    mu = models.DecimalField("种植面积（亩）", max_digits=11, decimal_places=2, default=0)
    planting_income = models.DecimalField("种植收入（元）", max_digits=14, decimal_places=2, default=0)
    planting_status = models.CharField("种植是否达标", max_length=10, choices=STATUS_CHOICES, blank=True)
    livestock_rows = models.PositiveSmallIntegerField("养殖条数", default=0)
    head = models.PositiveIntegerField("养殖数量", default=0)
    livestock_income = models.DecimalField("养殖收入（元）", max_digits=14, decimal_places=2, default=0)
    livestock_status = models.CharField("养殖是否达标", max_length=10, choices=STATUS_CHOICES, blank=True)

    class Meta:
        verbose_name = "农户产业收入"
        verbose_name_plural = "农户产业收入"
        constraints = (
            models.UniqueConstraint(fields=("household", "year"), name="industry_household_year_unique"),
        )
        indexes = (
            models.Index(fields=["year", "village_code", "household"], name="industry_household_region_idx"),
        )

    def __str__(self) -> str:
        return f"{self.household_id} {self.year}"

    @property
    def figures(self) -> engine.HouseholdIndustryFigures:
        return engine.HouseholdIndustryFigures(
            self.planting_rows,
            self.mu,
            self.planting_income,
            self.livestock_rows,
            self.head,
            self.livestock_income,
        )


class VillageIndustry(models.Model):
    """A village's totals in a year, summed from its households' `HouseholdIndustry` rows by
    the same verbs (`ledger.refresh_village`): counties and the city add up a few thousand of
    these instead of every household."""

    REGION_FIELD = "village_code"

    village_code = models.CharField("行政区划代码", max_length=12)
    year = models.PositiveSmallIntegerField("年度")
    households = models.PositiveIntegerField("登记户数", default=0)
    planting_households = models.PositiveIntegerField("种植户数", default=0)
    mu = models.DecimalField("种植面积（亩）", max_digits=14, decimal_places=2, default=0)
    planting_income = models.DecimalField("种植收入（元）", max_digits=16, decimal_places=2, default=0)
    planting_below = models.PositiveIntegerField("种植未达标户数", default=0)
    planting_not_judged = models.PositiveIntegerField("种植未登记面积户数", default=0)
    livestock_households = models.PositiveIntegerField("养殖户数", default=0)
    head = models.PositiveIntegerField("养殖数量", default=0)
    livestock_income = models.DecimalField("养殖收入（元）", max_digits=16, decimal_places=2, default=0)
    livestock_below = models.PositiveIntegerField("养殖未达标户数", default=0)
    below_households = models.PositiveIntegerField("未达标户数", default=0, help_text="种植或养殖未达标")

    class Meta:
        verbose_name = "村产业收入"
        verbose_name_plural = "村产业收入"
        constraints = (
            models.UniqueConstraint(fields=("year", "village_code"), name="industry_village_year_unique"),
        )

    def __str__(self) -> str:
        return f"{self.village_code} {self.year}"

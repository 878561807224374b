"""衔接资金项目: the project library, its funds, progress (with photos), payments, acceptance
and the households it benefits (联农带农). docs/fieldwork.md, "projects".

A project sits at the level it is located: its `region_code` is a county's 6 digits, a
township's 9 or a village's 12, and the gate scopes by that prefix (a township office sees
the projects of its township and its villages, not the county's own). The latest reported
progress and the sum paid are kept on the project by the verbs (`actions`), so lists,
alerts and reports read one row per project.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from fangfan.engine.fieldwork.projects import BENEFITS, FUND_LEVELS, KINDS
from fangfan.web.evidence.models import StoredFile
from fangfan.web.registry.models import Household

# Sums in yuan to the fen, up to a trillion (written out at each field: the stubs type them).
MONEY_DIGITS, MONEY_PLACES = 14, 2


class Project(models.Model):
    REGION_FIELD = "region_code"

    number = models.CharField("项目编号", max_length=40, unique=True)
    name = models.CharField("项目名称", max_length=200)
    kind = models.CharField("项目类别", max_length=20, choices=KINDS)
    region_code = models.CharField("所在地区划代码", max_length=12)
    county_code = models.CharField("县区代码", max_length=6)
    content = models.TextField("建设内容", blank=True)
    budget_yuan = models.DecimalField("项目预算（元）", max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    planned_start = models.DateField("计划开工日期")
    planned_finish = models.DateField("计划完工日期")
    actual_start = models.DateField("实际开工日期", null=True, blank=True)
    actual_finish = models.DateField("实际完工日期", null=True, blank=True)
    progress_percent = models.PositiveSmallIntegerField("最新进度（%）", default=0)
    progress_on = models.DateField("最新进度日期", null=True, blank=True)
    paid_yuan = models.DecimalField(
        "已支付（元）", default=0, max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES
    )
    finish_reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="完工报告人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    accepted_on = models.DateField("验收日期", null=True, blank=True)
    accepted_by_names = models.CharField("验收人员", max_length=200, blank=True)
    acceptance_note = models.TextField("验收意见", blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="验收登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    synthetic = models.BooleanField("演示数据", default=False)

    class Meta:
        verbose_name = "衔接资金项目"
        verbose_name_plural = "衔接资金项目"
        ordering = ("region_code", "number")
        indexes = (
            models.Index(fields=["region_code", "number"], name="projects_region_idx"),
            models.Index(fields=["county_code", "kind"], name="projects_county_kind_idx"),
        )

    def __str__(self) -> str:
        return f"{self.name}（{self.number}）"

    @property
    def started(self) -> bool:
        return self.actual_start is not None

    @property
    def finished(self) -> bool:
        return self.actual_finish is not None

    @property
    def accepted(self) -> bool:
        return self.accepted_on is not None


class FundSource(models.Model):
    """One source of a project's money (中央、省级…), the budget being their sum."""

    REGION_FIELD = "project__region_code"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="funds")
    level = models.CharField("资金来源", max_length=10, choices=FUND_LEVELS)
    amount_yuan = models.DecimalField("金额（元）", max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)

    class Meta:
        verbose_name = "项目资金来源"
        verbose_name_plural = "项目资金来源"
        constraints = (models.UniqueConstraint(fields=["project", "level"], name="projects_fund_level_key"),)

    def __str__(self) -> str:
        return f"{self.get_level_display()}{self.amount_yuan}"


class ProgressReport(models.Model):
    """进度报告: the share done on a day, what was done, photos of it."""

    REGION_FIELD = "project__region_code"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reports")
    reported_on = models.DateField("进度日期")
    percent = models.PositiveSmallIntegerField("完成进度（%）")
    note = models.TextField("进展情况", blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="报告人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("报告时间", auto_now_add=True)

    class Meta:
        verbose_name = "项目进度报告"
        verbose_name_plural = "项目进度报告"
        ordering = ("-reported_on", "-id")

    def __str__(self) -> str:
        return f"{self.reported_on} {self.percent}%"


class ProgressPhoto(models.Model):
    """A photo of a progress report, checked and re-encoded by the evidence app (no EXIF)."""

    REGION_FIELD = "report__project__region_code"

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="photos")
    file = models.ForeignKey(StoredFile, verbose_name="文件", on_delete=models.PROTECT, related_name="+")
    original_name = models.CharField("原文件名", max_length=255)
    taken_at = models.DateTimeField("拍摄时间", null=True, blank=True)

    class Meta:
        verbose_name = "项目进度照片"
        verbose_name_plural = "项目进度照片"

    def __str__(self) -> str:
        return self.original_name


class Payment(models.Model):
    """资金支付: a sum paid on a day, from one of the project's sources."""

    REGION_FIELD = "project__region_code"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="payments")
    paid_on = models.DateField("支付日期")
    amount_yuan = models.DecimalField("金额（元）", max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    level = models.CharField("资金来源", max_length=10, choices=FUND_LEVELS)
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    # When it was entered (blank for payments entered before this was kept): a second 登记 of the
    # same payment by the same person moments later is the first one, not another.
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True, null=True)

    class Meta:
        verbose_name = "项目资金支付"
        verbose_name_plural = "项目资金支付"
        ordering = ("-paid_on", "-id")

    def __str__(self) -> str:
        return f"{self.paid_on} {self.amount_yuan}"


class Beneficiary(models.Model):
    """联农带农: a registry household the project benefits, how, and by how much a year.

    `region_code` is the project's (the gate scopes by where the project is); the
    household's village lies inside it (`actions.add_beneficiary` checks).
    """

    REGION_FIELD = "region_code"
    PERSONAL_FIELDS: ClassVar[dict[str, str]] = {}  # the household's own are masked where shown

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="beneficiaries")
    household = models.ForeignKey(
        Household, verbose_name="受益户", on_delete=models.PROTECT, related_name="project_benefits"
    )
    region_code = models.CharField("项目所在地区划代码", max_length=12)
    benefit = models.CharField("带动方式", max_length=20, choices=BENEFITS)
    yuan_per_year = models.DecimalField(
        "年受益金额（元）", max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES
    )

    class Meta:
        verbose_name = "联农带农受益户"
        verbose_name_plural = "联农带农受益户"
        constraints = (
            models.UniqueConstraint(fields=["project", "household", "benefit"], name="projects_benefit_key"),
        )
        # The report's counts and sums read this index alone (an index-only scan on PostgreSQL).
        indexes = (
            models.Index(
                fields=["region_code", "benefit", "household", "yuan_per_year"],
                name="projects_benefit_region_idx",
            ),
        )

    def __str__(self) -> str:
        return f"{self.household_id} {self.get_benefit_display()}"

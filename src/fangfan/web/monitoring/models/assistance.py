"""Assistance measures (帮扶措施) for a monitored household and its people.

A `Measure` belongs to one `MonitoredHousehold`. Without `member` it is the household's
(户户有帮扶机制); with `member` it is that person's safeguard (人人有防返贫措施). A
household measure that benefits everyone in it (`covers_everyone`: 按户施保的低保,
住房、饮水保障 …) is every member's safeguard too.

A measure is current from `start_date` until `end_date` (inclusive; none: open-ended).
Ending it sets `end_date`, with who and why; nothing is deleted.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from fangfan.web.accounts.audit import SoftDeleteModel
from fangfan.web.monitoring.models.cases import MonitoredHousehold
from fangfan.web.monitoring.models.choices import AmountPeriod, MeasureKind
from fangfan.web.registry.models import Household, Member, Run


def current_on(day: dt.date, prefix: str = "") -> Q:
    """The measures current on `day` (started, not yet ended); `prefix` for a related lookup."""
    return Q(**{f"{prefix}start_date__lte": day}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": day})
    )


class Measure(SoftDeleteModel):
    """One assistance measure: its kind, who it is for, from when to when, who answers for it."""

    REGION_FIELD = "village_code"
    PERSONAL_FIELDS: ClassVar[dict[str, str]] = {"cadre_phone": "phone"}

    monitored = models.ForeignKey(
        MonitoredHousehold, verbose_name="监测对象", on_delete=models.PROTECT, related_name="measures"
    )
    household = models.ForeignKey(
        Household, verbose_name="农户", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    member = models.ForeignKey(
        Member,
        verbose_name="帮扶对象（成员）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="monitoring_measures",
        help_text="空：户的措施",
    )
    person_name = models.CharField("成员姓名", max_length=32, blank=True)
    village_code = models.CharField("行政区划代码", max_length=12, db_index=True)
    kind = models.CharField("措施类别", max_length=8, choices=MeasureKind.choices)
    item = models.CharField("具体项目", max_length=8, blank=True)
    covers_everyone = models.BooleanField(
        "惠及全体家庭成员", default=False, help_text="户的措施惠及每个成员时，算作每个成员的防返贫措施"
    )
    content = models.TextField("帮扶内容")
    amount = models.DecimalField("金额（元）", max_digits=12, decimal_places=2, null=True, blank=True)
    amount_period = models.CharField("金额周期", max_length=8, choices=AmountPeriod.choices, blank=True)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期", null=True, blank=True)
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="帮扶责任人账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cadre_name = models.CharField("帮扶责任人", max_length=32)
    cadre_phone = models.CharField("帮扶责任人电话", max_length=20, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="空：从国家系统导入",
    )
    imported_run = models.ForeignKey(
        Run,
        verbose_name="导入批次",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="从国家系统“帮扶措施”导入的措施：导入时的筛查批次",
    )
    created_at = models.DateTimeField("录入时间", default=timezone.now)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="结束操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    end_note = models.TextField("结束原因", blank=True)

    class Meta:
        verbose_name = "帮扶措施"
        verbose_name_plural = "帮扶措施"
        ordering = ("monitored", "-start_date", "pk")
        indexes = (models.Index(fields=["monitored", "start_date"], name="monitoring_measure_idx"),)

    def __str__(self) -> str:
        whom = self.person_name or f"{self.monitored.name}户"
        return f"{whom} {self.kind_text}（{self.start_date:%Y-%m-%d}起）"

    @property
    def kind_text(self) -> str:
        return f"{self.kind}·{self.item}" if self.item else self.kind

    def is_current(self, day: dt.date | None = None) -> bool:
        day = day or timezone.localdate()
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)

    @property
    def amount_text(self) -> str:
        """ "每月 1,200 元", "3,000 元" (no period recorded), or "" without an amount."""
        if self.amount is None:
            return ""
        amount = f"{self.amount:,.2f}".removesuffix(".00")
        period = self.get_amount_period_display() if self.amount_period else ""
        return f"{period} {amount} 元".strip()

    @property
    def imported(self) -> bool:
        return self.imported_run_id is not None

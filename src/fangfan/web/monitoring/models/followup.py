"""Re-assessments (回访/动态评估) of a monitored household: its income worked out again.

Like a visit (`Visit`), the cadre writes the past twelve months item by item and the
account is kept as recorded, against the threshold of the re-assessment's year. The
re-assessments and visits since the monitoring start are what risk elimination reads
(`readiness`): income at or above the line over at least six months, rigid spending
no longer above the net income.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from fangfan.web.accounts.audit import SoftDeleteModel
from fangfan.web.monitoring.income import IncomeAccount
from fangfan.web.monitoring.models.cases import MonitoredHousehold
from fangfan.web.monitoring.models.visits import _money
from fangfan.web.monitoring.threshold import recorded_label
from fangfan.web.registry.models import Household


class Reassessment(SoftDeleteModel):
    """One re-assessment: date, who, the 算细账 against the year's threshold, notes."""

    REGION_FIELD = "village_code"

    monitored = models.ForeignKey(
        MonitoredHousehold, verbose_name="监测对象", on_delete=models.PROTECT, related_name="reassessments"
    )
    household = models.ForeignKey(
        Household, verbose_name="农户", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    village_code = models.CharField("行政区划代码", max_length=12, db_index=True)
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="评估人", on_delete=models.PROTECT, related_name="+"
    )
    assessed_on = models.DateField("回访日期")
    notes = models.TextField("回访情况", blank=True)

    wage_income = _money("工资性收入")
    business_income = _money("生产经营性收入")
    property_income = _money("财产性收入")
    transfer_income = _money("转移性收入")
    business_cost = _money("生产经营性支出")
    rigid_spending = _money("刚性支出（医疗、教育等自付部分）")
    household_size = models.PositiveSmallIntegerField("家庭人口数")

    net_income = models.DecimalField("家庭纯收入", max_digits=12, decimal_places=2)
    net_income_per_capita = models.DecimalField("人均纯收入", max_digits=12, decimal_places=2)
    threshold_year = models.PositiveSmallIntegerField("监测标准年度")
    threshold = models.DecimalField("监测标准", max_digits=10, decimal_places=2)
    threshold_note = models.CharField("监测标准来源", max_length=200, blank=True)
    below_threshold = models.BooleanField("低于监测标准", default=False)
    spending_exceeds_income = models.BooleanField("刚性支出超过纯收入", default=False)

    class Meta:
        verbose_name = "回访评估"
        verbose_name_plural = "回访评估"
        ordering = ("-assessed_on", "-id")
        indexes = (models.Index(fields=["monitored", "assessed_on"], name="monitoring_reassess_idx"),)

    def __str__(self) -> str:
        return f"{self.monitored.name}户 {self.assessed_on:%Y-%m-%d} 回访"

    @property
    def threshold_label(self) -> str:
        """ "标准：2025年度 ¥8,300（暂定，待省里公布）": the income year assessed and its line."""
        return recorded_label(self.threshold_year, self.threshold, self.threshold_note)

    @property
    def account(self) -> IncomeAccount:
        return IncomeAccount(
            wage=self.wage_income,
            business=self.business_income,
            property=self.property_income,
            transfer=self.transfer_income,
            business_cost=self.business_cost,
            rigid_spending=self.rigid_spending,
            household_size=self.household_size,
            threshold=self.threshold,
        )

"""Visit records (走访记录): a cadre at a registered household, the income worked out item by item.

The amounts are what the cadre wrote down; the household size is the registry's (the
members in 正常 status) at the time of the visit; the threshold is the one of the
visit's year, with the note saying where it came from. All are kept as recorded, so a
later policy file or registry run does not rewrite an old visit.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from fangfan.web.accounts.audit import SoftDeleteModel
from fangfan.web.monitoring.income import IncomeAccount
from fangfan.web.monitoring.threshold import recorded_label
from fangfan.web.registry.models import Household


def _money(label: str) -> models.DecimalField:  # type: ignore[type-arg]
    return models.DecimalField(label, max_digits=12, decimal_places=2, default=0)


class Visit(SoftDeleteModel):
    """One visit to a household, with its 算细账."""

    REGION_FIELD = "village_code"

    household = models.ForeignKey(
        Household, verbose_name="农户", on_delete=models.PROTECT, related_name="monitoring_visits"
    )
    village_code = models.CharField("行政区划代码", max_length=12, db_index=True)
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="走访干部", on_delete=models.PROTECT, related_name="+"
    )
    visited_on = models.DateField("走访日期")
    situation = models.TextField("走访情况", blank=True)

    wage_income = _money("工资性收入")
    business_income = _money("生产经营性收入")
    property_income = _money("财产性收入")
    transfer_income = _money("转移性收入")
    business_cost = _money("生产经营性支出")
    rigid_spending = _money("刚性支出（医疗、教育等自付部分）")
    household_size = models.PositiveSmallIntegerField("家庭人口数", help_text="走访时系统在册人数")

    net_income = models.DecimalField("家庭纯收入", max_digits=12, decimal_places=2)
    net_income_per_capita = models.DecimalField("人均纯收入", max_digits=12, decimal_places=2)
    threshold_year = models.PositiveSmallIntegerField("监测标准年度")
    threshold = models.DecimalField("监测标准", max_digits=10, decimal_places=2)
    threshold_note = models.CharField("监测标准来源", max_length=200, blank=True)
    below_threshold = models.BooleanField("低于监测标准", default=False)
    spending_exceeds_income = models.BooleanField("刚性支出超过纯收入", default=False)

    class Meta:
        verbose_name = "走访记录"
        verbose_name_plural = "走访记录"
        ordering = ("-visited_on", "-id")

    def __str__(self) -> str:
        return f"{self.household.head_name}户 {self.visited_on:%Y-%m-%d} 走访"

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

    @property
    def in_range(self) -> bool:
        return self.below_threshold or self.spending_exceeds_income

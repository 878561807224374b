"""The 算细账 a visit and a re-assessment both record: one abstract model, one set of columns.

The amounts are what the cadre wrote down; the household size the one the account
divided by (`income.household_size_for`: the registry's, else typed in; never a
guess); the threshold that of the income year assessed, with the note saying where
it came from. All are kept as recorded, so a later policy file or registry run does
not rewrite an old assessment. `income.assessment_values` fills them.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models.expressions import Combinable

from fangfan.web.monitoring.income import IncomeAccount
from fangfan.web.monitoring.threshold import recorded_label


def money_field(label: str) -> models.DecimalField[str | float | Decimal | Combinable, Decimal]:
    return models.DecimalField(label, max_digits=12, decimal_places=2, default=0)


class IncomeAssessment(models.Model):
    """Income item by item, the net and per-capita income, and the verdict against the line."""

    wage_income = money_field("工资性收入")
    business_income = money_field("生产经营性收入")
    property_income = money_field("财产性收入")
    transfer_income = money_field("转移性收入")
    business_cost = money_field("生产经营性支出")
    rigid_spending = money_field("刚性支出（医疗、教育等自付部分）")
    household_size = models.PositiveSmallIntegerField("家庭人口数")

    net_income = models.DecimalField("家庭纯收入", max_digits=12, decimal_places=2)
    net_income_per_capita = models.DecimalField("人均纯收入", max_digits=12, decimal_places=2)
    threshold_year = models.PositiveSmallIntegerField("监测标准年度")
    threshold = models.DecimalField("监测标准", max_digits=10, decimal_places=2)
    threshold_note = models.CharField("监测标准来源", max_length=200, blank=True)
    below_threshold = models.BooleanField("低于监测标准", default=False)
    spending_exceeds_income = models.BooleanField("刚性支出超过纯收入", default=False)

    class Meta:
        abstract = True

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

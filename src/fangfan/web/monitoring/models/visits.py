"""Visit records (走访记录): a cadre at a registered household, the income worked out item by item.

The 算细账 columns are a re-assessment's too (`IncomeAssessment`); the household size is
the registry's at the time of the visit, or the one the cadre typed in when the registry
holds none.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from fangfan.web.accounts.audit import SoftDeleteModel
from fangfan.web.monitoring.models.income import IncomeAssessment
from fangfan.web.registry.models import Household


class Visit(SoftDeleteModel, IncomeAssessment):
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

    # The registry's size at the time of the visit (`income.household_size_for`).
    household_size = models.PositiveSmallIntegerField("家庭人口数", help_text="走访时系统在册人数")

    # 政策知晓 (`monitoring.awareness`): the policy keys the household received when visited
    # (the policy catalogue's, `cards.policies.policies_for_households`) and those it knew
    # it receives. None for visits recorded before awareness was asked.
    policies_received: models.JSONField[list[str] | None] = models.JSONField(
        "享受的政策", null=True, blank=True, default=None
    )
    policies_known: models.JSONField[list[str] | None] = models.JSONField(
        "知晓享受的政策", null=True, blank=True, default=None
    )

    class Meta:
        verbose_name = "走访记录"
        verbose_name_plural = "走访记录"
        ordering = ("-visited_on", "-id")

    def __str__(self) -> str:
        return f"{self.household.head_name}户 {self.visited_on:%Y-%m-%d} 走访"

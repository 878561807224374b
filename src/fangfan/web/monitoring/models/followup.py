"""Re-assessments (回访/动态评估) of a monitored household: its income worked out again.

Like a visit (`Visit`), the cadre writes the past twelve months item by item and the
account is kept as recorded (`IncomeAssessment`, the same columns), against the
threshold of the income year assessed. The
re-assessments and visits since the monitoring start are what risk elimination reads
(`readiness`): income at or above the line over at least six months, rigid spending
no longer above the net income.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from fangfan.web.accounts.audit import SoftDeleteModel
from fangfan.web.monitoring.models.cases import MonitoredHousehold
from fangfan.web.monitoring.models.income import IncomeAssessment
from fangfan.web.registry.models import Household


class Reassessment(SoftDeleteModel, IncomeAssessment):
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

    class Meta:
        verbose_name = "回访评估"
        verbose_name_plural = "回访评估"
        ordering = ("-assessed_on", "-id")
        indexes = (models.Index(fields=["monitored", "assessed_on"], name="monitoring_reassess_idx"),)

    def __str__(self) -> str:
        return f"{self.monitored.name}户 {self.assessed_on:%Y-%m-%d} 回访"

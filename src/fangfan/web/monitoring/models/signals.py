"""The engine's monitoring signals of each published run (`monitoring_signals.parquet`).

`publish_signals` (in `fangfan.web.monitoring.signals`) loads them when a run is
published, beside the registry's findings; a run's rows are never changed afterwards.
The household page shows the current run's; `import_findings` brings the signals that
are not already leads through a finding into the intake list, each signal's kind on a
household and person at most once (`IntakeSignal`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models

from fangfan.web.monitoring.models.intake import Intake
from fangfan.web.registry.models import Household, Run


class MonitoringSignal(models.Model):
    """One signal: household (and person), kind, severity, risk type, message and evidence."""

    REGION_FIELD = "village_code"
    PERSONAL_FIELDS: ClassVar[dict[str, str]] = {"id_number": "id"}

    class Severity(models.TextChoices):
        HIGH = "high", "高"
        MEDIUM = "medium", "中"
        LOW = "low", "低"

    run = models.ForeignKey(Run, verbose_name="筛查批次", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        Household, verbose_name="农户", on_delete=models.PROTECT, related_name="monitoring_signals"
    )
    id_number = models.CharField("身份证号", max_length=32, blank=True, help_text="空：户的信号")
    village_code = models.CharField("行政区划代码", max_length=12, db_index=True)
    township_code = models.CharField("乡镇代码", max_length=9)
    county_code = models.CharField("县区代码", max_length=6)
    signal_code = models.CharField("信号代码", max_length=40)
    signal_name = models.CharField("信号", max_length=64)
    severity = models.CharField("严重程度", max_length=8, choices=Severity.choices)
    risk_type = models.CharField("风险类型", max_length=16, blank=True)
    rule_code = models.CharField("筛查规则", max_length=16, blank=True)
    message = models.TextField("说明")
    evidence: models.JSONField[Any] = models.JSONField("依据", default=dict, blank=True)
    policy_year = models.PositiveSmallIntegerField("政策年度")

    class Meta:
        verbose_name = "监测信号"
        verbose_name_plural = "监测信号"
        ordering = ("run", "household", "pk")
        indexes = (models.Index(fields=["run", "household"], name="monitoring_signal_idx"),)

    def __str__(self) -> str:
        return f"{self.signal_name}（{self.household_id}）"

    @property
    def evidence_rows(self) -> list[tuple[str, Any, str]]:
        """(label, value, source) of the evidence, in the engine's order."""
        if not isinstance(self.evidence, dict):
            return []
        return [
            (label, item.get("value"), item.get("source", ""))
            if isinstance(item, dict)
            else (label, item, "")
            for label, item in self.evidence.items()
        ]


class IntakeSignal(models.Model):
    """A signal behind a lead (brought in by `import_findings`)."""

    REGION_FIELD = "intake__village_code"

    intake = models.ForeignKey(Intake, verbose_name="线索", on_delete=models.PROTECT, related_name="+")
    signal = models.OneToOneField(
        MonitoringSignal, verbose_name="监测信号", on_delete=models.PROTECT, related_name="intake_link"
    )

    class Meta:
        verbose_name = "线索依据的监测信号"
        verbose_name_plural = "线索依据的监测信号"

    def __str__(self) -> str:
        return f"{self.intake_id} ← {self.signal_id}"

"""The intake list: every lead, whatever its channel, waiting to be taken up or set aside.

An `Intake` sits in its village (so in its township's list, through the access gate),
names the person as reported, and points at the registry household when one was
identified. A lead from department data names the findings behind it
(`IntakeFinding`, one finding in at most one lead: importing again adds nothing).
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from fangfan.web.accounts.audit import SoftDeleteModel
from fangfan.web.monitoring.models.choices import Source
from fangfan.web.monitoring.models.visits import Visit
from fangfan.web.monitoring.workflow import DECISION_DAYS
from fangfan.web.registry.models import Finding, Household


class Intake(SoftDeleteModel):
    """One lead in a township's intake list (发现线索)."""

    REGION_FIELD = "village_code"
    PERSONAL_FIELDS: ClassVar[dict[str, str]] = {
        "id_number": "id",
        "phone": "phone",
        "contact_phone": "phone",
        "caller_phone": "phone",
    }

    class Status(models.TextChoices):
        NEW = "new", "待研判"
        TAKEN_UP = "taken_up", "已启动识别"
        DISMISSED = "dismissed", "不予受理"

    class Match(models.TextChoices):
        ID_NUMBER = "id_number", "身份证号一致"
        PHONE = "phone", "联系电话一致"
        NAME = "name", "同村姓名一致"
        REGISTRY = "registry", "来自系统数据"
        MANUAL = "manual", "人工指定"

    reference = models.CharField("受理编号", max_length=20, unique=True)
    source = models.CharField("发现渠道", max_length=12, choices=Source.choices)
    village_code = models.CharField("行政区划代码", max_length=12, db_index=True)
    township_code = models.CharField("乡镇代码", max_length=9)
    county_code = models.CharField("县区代码", max_length=6)
    place_name = models.CharField("所在地", max_length=100, blank=True)

    name = models.CharField("姓名", max_length=32)
    id_number = models.CharField("身份证号", max_length=32, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    contact_phone = models.CharField("其他联系电话", max_length=20, blank=True)
    description = models.TextField("反映情况")
    caller_name = models.CharField("来电人", max_length=32, blank=True)
    caller_phone = models.CharField("来电号码", max_length=20, blank=True)
    called_at = models.DateTimeField("来电时间", null=True, blank=True)

    household = models.ForeignKey(
        Household,
        verbose_name="匹配农户",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="monitoring_intakes",
    )
    match = models.CharField("匹配方式", max_length=10, choices=Match.choices, blank=True)
    visit = models.OneToOneField(
        Visit, verbose_name="走访记录", null=True, blank=True, on_delete=models.PROTECT, related_name="intake"
    )
    findings = models.ManyToManyField(
        Finding, verbose_name="筛查问题", through="IntakeFinding", related_name="monitoring_intakes"
    )

    discovered_on = models.DateField("发现日期", help_text="识别认定的15天时限从这一天算起")
    received_at = models.DateTimeField("登记时间", default=timezone.now, db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="空：农户自己在网上申报或系统导入",
    )
    status = models.CharField("研判状态", max_length=10, choices=Status.choices, default=Status.NEW)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="研判人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handled_at = models.DateTimeField("研判时间", null=True, blank=True)
    dismiss_reason = models.TextField("不予受理理由", blank=True)

    class Meta:
        verbose_name = "发现线索"
        verbose_name_plural = "发现线索"
        ordering = ("-received_at", "-id")
        indexes = (models.Index(fields=["status", "village_code"], name="monitoring_intake_status_idx"),)

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"

    @property
    def is_waiting(self) -> bool:
        return self.status == self.Status.NEW

    @property
    def deadline(self) -> dt.date:
        """The last day for the county's decision: discovery + 15 days."""
        return self.discovered_on + dt.timedelta(days=DECISION_DAYS)


class IntakeFinding(models.Model):
    """A finding of a published run behind a lead (a department warning or an income signal)."""

    REGION_FIELD = "intake__village_code"

    intake = models.ForeignKey(Intake, verbose_name="线索", on_delete=models.PROTECT, related_name="+")
    finding = models.OneToOneField(
        Finding, verbose_name="筛查问题", on_delete=models.PROTECT, related_name="monitoring_link"
    )
    run_id = models.CharField("导入时的筛查批次", max_length=80)

    class Meta:
        verbose_name = "线索依据的筛查问题"
        verbose_name_plural = "线索依据的筛查问题"

    def __str__(self) -> str:
        return f"{self.intake_id} ← {self.finding_id}"


class FurtherReport(models.Model):
    """A further report of a lead's person (同一人再次反映): kept with what it said, never dropped.

    A public report of someone whose lead is still open joins that lead instead of
    opening a second one. It has its own reference number (the reporter looks its
    progress up with it) and its own match: a first report with a junk phone does not
    keep the second one's ID number from finding the household.
    """

    REGION_FIELD = "intake__village_code"
    PERSONAL_FIELDS: ClassVar[dict[str, str]] = {
        "id_number": "id",
        "phone": "phone",
        "contact_phone": "phone",
    }

    intake = models.ForeignKey(
        Intake, verbose_name="所属线索", on_delete=models.PROTECT, related_name="further_reports"
    )
    reference = models.CharField("受理编号", max_length=20, unique=True)
    name = models.CharField("姓名", max_length=32)
    id_number = models.CharField("身份证号", max_length=32, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    contact_phone = models.CharField("其他联系电话", max_length=20, blank=True)
    description = models.TextField("反映情况")
    received_at = models.DateTimeField("登记时间", default=timezone.now)
    household = models.ForeignKey(
        Household, verbose_name="匹配农户", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    match = models.CharField("匹配方式", max_length=10, choices=Intake.Match.choices, blank=True)

    class Meta:
        verbose_name = "再次反映"
        verbose_name_plural = "再次反映"
        ordering = ("received_at", "id")

    def __str__(self) -> str:
        return f"{self.reference} → {self.intake_id}"

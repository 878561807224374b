"""Identification cases (识别认定) and the monitored households they make.

A `Case` is one lead taken up: it carries what each step recorded (the home check and
the household's signed consent, the village review and notice, the township's opinion,
the county's decision) and its stage (`workflow.Stage`). Every step also writes a
`CaseEvent`; every change to the case is audited; nothing is deleted.

The county's decision creates a `MonitoredHousehold`: the household under monitoring
from its start date until its risk is eliminated. That is where the next parts of
issue 6 attach — assistance measures per household and per person (a model with a
foreign key to `MonitoredHousehold`, and to `registry.Member` for a person's), periodic
re-assessments (likewise), and risk elimination (a procedure like `Case`'s, ending by
setting `status = eliminated` and `eliminated_on`). A household is monitored at most
once at a time; a later identification makes a new record, the old one stays.
Households the national system already monitors are imported without a case
(`registry_import`), so everything that reads `MonitoredHousehold.case` allows None.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from fangfan.web.accounts.audit import SoftDeleteModel
from fangfan.web.monitoring.models.choices import Category, risk_labels
from fangfan.web.monitoring.models.intake import Intake
from fangfan.web.monitoring.workflow import CLOSED_STAGES, DECISION_DAYS, Stage
from fangfan.web.registry.models import Household, Run


class Case(SoftDeleteModel):
    """One household's identification, from the lead taken up to the county's decision."""

    REGION_FIELD = "village_code"
    Stage = Stage

    intake = models.OneToOneField(
        Intake, verbose_name="发现线索", on_delete=models.PROTECT, related_name="case"
    )
    household = models.ForeignKey(
        Household,
        verbose_name="农户",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="monitoring_cases",
        help_text="空：尚未建档的农户（按边缘易致贫户等识别后再录入国扶办系统）",
    )
    village_code = models.CharField("行政区划代码", max_length=12, db_index=True)
    township_code = models.CharField("乡镇代码", max_length=9)
    county_code = models.CharField("县区代码", max_length=6)
    place_name = models.CharField("所在地", max_length=100, blank=True)
    name = models.CharField("户主姓名", max_length=32)

    stage = models.CharField("办理环节", max_length=16, choices=Stage.choices, default=Stage.HOME_CHECK)
    discovered_on = models.DateField("发现日期")
    deadline = models.DateField("认定时限", help_text=f"发现之日起{DECISION_DAYS}天内完成县级审定")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="启动人", on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField("启动时间", default=timezone.now)

    # 入户核实 (village team)
    checked_on = models.DateField("入户核实日期", null=True, blank=True)
    check_note = models.TextField("核实情况", blank=True)
    village_group = models.CharField("村民小组", max_length=16, blank=True)
    consent_signed_on = models.DateField("承诺授权书签字日期", null=True, blank=True)
    # A name in the default storage (MEDIA_ROOT), served only through the case's gated view.
    consent_scan = models.CharField("承诺授权书扫描件", max_length=255, blank=True)
    # 村级评议与公示 (village team)
    reviewed_on = models.DateField("村级评议日期", null=True, blank=True)
    review_note = models.TextField("评议意见", blank=True)
    proposed_category = models.CharField("拟识别类别", max_length=16, choices=Category.choices, blank=True)
    proposed_risk_types: models.JSONField[Any] = models.JSONField("拟纳入原因", default=list, blank=True)
    notice_start = models.DateField("公示开始日期", null=True, blank=True)
    notice_end = models.DateField("公示结束日期", null=True, blank=True)
    notice_result = models.TextField("公示结果", blank=True)
    # 乡镇审核 (township)
    township_reviewed_on = models.DateField("乡镇审核日期", null=True, blank=True)
    township_opinion = models.TextField("乡镇审核意见", blank=True)
    # 县级审定 (county)
    decided_on = models.DateField("县级审定日期", null=True, blank=True)
    category = models.CharField("监测对象类别", max_length=16, choices=Category.choices, blank=True)
    risk_types: models.JSONField[Any] = models.JSONField("风险类型", default=list, blank=True)
    monitoring_start = models.DateField("识别监测时间", null=True, blank=True)
    decision_note = models.TextField("审定意见", blank=True)
    rejected_reason = models.TextField("不予认定理由", blank=True)

    class Meta:
        verbose_name = "识别认定"
        verbose_name_plural = "识别认定"
        ordering = ("deadline", "id")
        indexes = (models.Index(fields=["stage", "village_code"], name="monitoring_case_stage_idx"),)

    def __str__(self) -> str:
        return f"{self.name}户识别认定（{self.intake.reference}）"

    @property
    def is_open(self) -> bool:
        return self.stage not in CLOSED_STAGES

    def days_left(self, today: dt.date | None = None) -> int:
        """Days until the deadline (0 on the day itself, negative once past)."""
        return (self.deadline - (today or timezone.localdate())).days

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return self.is_open and self.days_left(today) < 0

    @property
    def decided_in_time(self) -> bool | None:
        return None if self.decided_on is None else self.decided_on <= self.deadline

    @property
    def proposed_risk_text(self) -> str:
        return risk_labels(self.proposed_risk_types)

    @property
    def risk_text(self) -> str:
        return risk_labels(self.risk_types)


class CaseEvent(models.Model):
    """One step of a case: who, when, which step, the note, stage before and after."""

    REGION_FIELD = "case__village_code"

    class Action(models.TextChoices):
        OPEN = "open", "启动识别"
        HOME_CHECK = "home_check", "入户核实"
        POST_NOTICE = "post_notice", "村级评议并公示"
        CLOSE_NOTICE = "close_notice", "公示期满"
        TOWNSHIP_REVIEW = "township_review", "乡镇审核"
        DECIDE = "decide", "县级审定"
        SEND_BACK = "send_back", "退回"
        REJECT = "reject", "不予认定"

    case = models.ForeignKey(Case, verbose_name="识别认定", on_delete=models.PROTECT, related_name="events")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    action = models.CharField("操作", max_length=16, choices=Action.choices)
    note = models.TextField("意见", blank=True)
    from_stage = models.CharField("原环节", max_length=16, choices=Stage.choices, blank=True)
    to_stage = models.CharField("新环节", max_length=16, choices=Stage.choices, blank=True)

    class Meta:
        verbose_name = "识别认定办理记录"
        verbose_name_plural = "识别认定办理记录"
        ordering = ("case", "at", "id")

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.case_id} @ {self.at:%Y-%m-%d %H:%M}"


class MonitoredHousehold(SoftDeleteModel):
    """A household under monitoring (监测对象), from the county's decision until its risk is eliminated.

    Category and risk types start as decided and may change with re-assessments;
    the identifying case keeps what was decided then. A household the national system
    had already decided (the registry's 监测对象类别) is imported without a case
    (`source` REGISTRY, `registry_import.import_registry_monitored`).
    """

    REGION_FIELD = "village_code"

    class Status(models.TextChoices):
        MONITORED = "monitored", "监测中"
        ELIMINATED = "eliminated", "风险已消除"

    class Source(models.TextChoices):
        IDENTIFIED = "identified", "本系统识别认定"
        REGISTRY = "registry", "国家系统已认定（导入）"

    case = models.OneToOneField(
        Case,
        verbose_name="识别认定",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="monitored_household",
        help_text="空：国家系统已认定、由本系统导入的监测对象",
    )
    source = models.CharField("来源", max_length=12, choices=Source.choices, default=Source.IDENTIFIED)
    imported_run = models.ForeignKey(
        Run,
        verbose_name="导入批次",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="从国家系统导入的监测对象：导入时的筛查批次",
    )
    household = models.ForeignKey(
        Household,
        verbose_name="农户",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="monitoring_records",
    )
    village_code = models.CharField("行政区划代码", max_length=12, db_index=True)
    name = models.CharField("户主姓名", max_length=32)
    category = models.CharField("监测对象类别", max_length=16, choices=Category.choices)
    risk_types: models.JSONField[Any] = models.JSONField("风险类型", default=list)
    monitoring_start = models.DateField("识别监测时间")
    status = models.CharField("监测状态", max_length=12, choices=Status.choices, default=Status.MONITORED)
    eliminated_on = models.DateField("风险消除时间", null=True, blank=True)
    reassessment_clock_start = models.DateField(
        "回访计时起点",
        null=True,
        blank=True,
        help_text="从国家系统导入、导出未含最近一次评估日期的：自导入之日起算回访",
    )

    class Meta:
        verbose_name = "监测对象"
        verbose_name_plural = "监测对象"
        ordering = ("village_code", "name")
        indexes = (models.Index(fields=["status", "village_code"], name="monitoring_monitored_idx"),)
        constraints = (
            # The import is keyed by household: at most one imported record each.
            models.UniqueConstraint(
                fields=["household"],
                condition=models.Q(source="registry"),
                name="monitoring_monitored_one_import",
            ),
        )

    def __str__(self) -> str:
        return f"{self.name}户（{self.category}）"

    @property
    def imported(self) -> bool:
        return self.source == self.Source.REGISTRY

    @property
    def place_name(self) -> str:
        """ "礼县城关镇石桥村": the case's, or (imported, no case) the registry household's."""
        case = self.case if self.case_id is not None else None
        if case is not None:
            return case.place_name
        household = self.household
        if household is None:
            return ""
        return f"{household.county_name}{household.township_name}{household.village_name}"

    @property
    def risk_text(self) -> str:
        return risk_labels(self.risk_types)

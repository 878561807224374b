"""Risk elimination (风险消除): a monitored household's procedure out of monitoring.

An `Elimination` is opened by a proposal, only when the household meets the
conditions (`readiness`: income at or above the line for six months, no open veto
finding, large spending resolved; and not a household without labour on the safety
net, which stays monitored). It then goes home check → village review and notice (at
least 5 days) → county approval, each step an `EliminationEvent`; approval marks the
`MonitoredHousehold` eliminated with the date. A refused proposal ends as 不予消除 and
the household stays monitored; a later one makes a new record. Nothing is deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from fangfan.web.accounts.audit import SoftDeleteModel
from fangfan.web.monitoring.models.cases import MonitoredHousehold
from fangfan.web.monitoring.workflow import ELIMINATION_OPEN_STAGES, EliminationStage
from fangfan.web.registry.models import Household


class Elimination(SoftDeleteModel):
    """One proposal to eliminate a monitored household's risk, and what each step recorded."""

    REGION_FIELD = "village_code"
    Stage = EliminationStage

    monitored = models.ForeignKey(
        MonitoredHousehold, verbose_name="监测对象", on_delete=models.PROTECT, related_name="eliminations"
    )
    household = models.ForeignKey(
        Household, verbose_name="农户", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    village_code = models.CharField("行政区划代码", max_length=12, db_index=True)
    place_name = models.CharField("所在地", max_length=100, blank=True)
    name = models.CharField("户主姓名", max_length=32)
    stage = models.CharField(
        "办理环节", max_length=16, choices=EliminationStage.choices, default=EliminationStage.HOME_CHECK
    )

    proposed_on = models.DateField("提出日期")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提出人", on_delete=models.PROTECT, related_name="+"
    )
    proposal_note = models.TextField("提出理由", blank=True)
    basis = models.TextField("消除依据", help_text="提出时核对的条件")
    # 入户核实 (village team)
    checked_on = models.DateField("入户核实日期", null=True, blank=True)
    check_note = models.TextField("核实情况", blank=True)
    village_group = models.CharField("村民小组", max_length=16, blank=True)
    # 村级评议与公示 (village team)
    reviewed_on = models.DateField("村级评议日期", null=True, blank=True)
    review_note = models.TextField("评议意见", blank=True)
    notice_start = models.DateField("公示开始日期", null=True, blank=True)
    notice_end = models.DateField("公示结束日期", null=True, blank=True)
    notice_result = models.TextField("公示结果", blank=True)
    # 县级审批 (county)
    approved_on = models.DateField("县级审批日期", null=True, blank=True)
    eliminated_on = models.DateField("风险消除时间", null=True, blank=True)
    approval_note = models.TextField("审批意见", blank=True)
    rejected_reason = models.TextField("不予消除理由", blank=True)

    class Meta:
        verbose_name = "风险消除"
        verbose_name_plural = "风险消除"
        ordering = ("-proposed_on", "-id")
        indexes = (models.Index(fields=["stage", "village_code"], name="monitoring_elimination_idx"),)

    def __str__(self) -> str:
        return f"{self.name}户风险消除（{self.proposed_on:%Y-%m-%d}提出）"

    @property
    def is_open(self) -> bool:
        return self.stage in ELIMINATION_OPEN_STAGES


class EliminationEvent(models.Model):
    """One step of an elimination: who, when, which step, the note, stage before and after."""

    REGION_FIELD = "elimination__village_code"

    class Action(models.TextChoices):
        PROPOSE = "propose", "提出风险消除"
        CHECK = "check", "入户核实"
        POST_NOTICE = "post_notice", "村级评议并公示"
        CLOSE_NOTICE = "close_notice", "公示期满"
        APPROVE = "approve", "县级审批"
        SEND_BACK = "send_back", "退回"
        REJECT = "reject", "不予消除"

    elimination = models.ForeignKey(
        Elimination, verbose_name="风险消除", on_delete=models.PROTECT, related_name="events"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    action = models.CharField("操作", max_length=16, choices=Action.choices)
    note = models.TextField("意见", blank=True)
    from_stage = models.CharField("原环节", max_length=16, choices=EliminationStage.choices, blank=True)
    to_stage = models.CharField("新环节", max_length=16, choices=EliminationStage.choices, blank=True)

    class Meta:
        verbose_name = "风险消除办理记录"
        verbose_name_plural = "风险消除办理记录"
        ordering = ("elimination", "at", "id")

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.elimination_id} @ {self.at:%Y-%m-%d %H:%M}"

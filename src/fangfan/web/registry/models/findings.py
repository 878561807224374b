"""Findings: one row per stable identity (rule, household, person) across runs, with its workflow.

Two views of a finding live side by side:

- the engine's (`engine_status`): open while the runs keep finding it, resolved when a
  later run no longer does (`resolved_in_run`); it opens again if a run finds it again;
- the office's (`status`): 待处理 → 已分派 → 已整改 / 已说明 → 已核销, changed only by
  people through the work queue's verb functions, with a `FindingEvent` for each step.

Publishing a run touches only the engine's fields, with one exception: a finding closed
(已核销) that the new run flags again reopens as recurring (复发: back to 待处理,
`recurrences` counted, a `FindingEvent` by the system), so a paper close-out cannot hide.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models

from fangfan.web.accounts.audit import SoftDeleteModel
from fangfan.web.registry.models.households import Household
from fangfan.web.registry.models.runs import Run


class Finding(SoftDeleteModel):
    """A problem the sieve found on a household or one of its members."""

    REGION_FIELD = "village_code"
    PERSONAL_FIELDS: ClassVar[dict[str, str]] = {"id_number": "id"}

    class Status(models.TextChoices):
        OPEN = "open", "待处理"
        ASSIGNED = "assigned", "已分派"
        FIXED = "fixed", "已整改"
        EXPLAINED = "explained", "已说明"
        CLOSED = "closed", "已核销"

    class EngineStatus(models.TextChoices):
        OPEN = "open", "仍被筛出"
        RESOLVED = "resolved", "筛查已消除"

    class Severity(models.TextChoices):
        HIGH = "high", "高"
        MEDIUM = "medium", "中"
        LOW = "low", "低"

    # The identity (fangfan.engine.rules.compare.KEY): a household-level finding has id_number "".
    rule_code = models.CharField("规则编号", max_length=16)
    household = models.ForeignKey(
        Household, verbose_name="户编号", on_delete=models.PROTECT, related_name="findings"
    )
    id_number = models.CharField("身份证号", max_length=32, blank=True)
    person_name = models.CharField("成员姓名", max_length=32, blank=True)

    village_code = models.CharField("行政区划代码", max_length=12, db_index=True)
    township_code = models.CharField("乡镇代码", max_length=9)
    county_code = models.CharField("县区代码", max_length=6)
    rule_name = models.CharField("规则名称", max_length=64)
    category = models.CharField("类别", max_length=16)
    level = models.CharField("层级", max_length=10)
    veto = models.BooleanField("否决项", default=False)
    severity = models.CharField("严重程度", max_length=8, choices=Severity.choices)
    message = models.TextField("问题")
    evidence: models.JSONField[Any] = models.JSONField(
        "依据数据", default=list, help_text="[{label, value, source}]，按引擎给出的顺序"
    )

    first_seen_run = models.ForeignKey(
        Run, verbose_name="首次发现批次", on_delete=models.PROTECT, related_name="+"
    )
    last_seen_run = models.ForeignKey(
        Run, verbose_name="最近发现批次", on_delete=models.PROTECT, related_name="+"
    )
    open_since_run = models.ForeignKey(
        Run,
        verbose_name="本轮发现批次",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="自这一批次起连续被筛出（此前若曾消除，则从重新发现时算起）",
    )
    engine_status = models.CharField(
        "筛查状态", max_length=10, choices=EngineStatus.choices, default=EngineStatus.OPEN
    )
    resolved_in_run = models.ForeignKey(
        Run,
        verbose_name="消除批次",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    status = models.CharField("处理状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="整改责任人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_findings",
    )
    deadline = models.DateField("整改时限", null=True, blank=True)
    # 复发: closed by the office, then flagged again by a later run (a paper close-out, 假销号,
    # or a problem that came back); publishing reopens it and counts it here.
    recurrences = models.PositiveIntegerField("复发次数", default=0)
    # 待办: still to be fixed or explained (待处理, 已分派). Kept by the database, so the work
    # queue's order (open work first, by deadline: overdue at the top) is read from an index
    # instead of sorting a city's findings on every page.
    open_work = models.GeneratedField(
        expression=models.Case(
            models.When(status__in=["open", "assigned"], then=models.Value(True)),
            default=models.Value(False),
        ),
        output_field=models.BooleanField(),
        db_persist=True,
        verbose_name="待办",
    )

    class Meta:
        verbose_name = "问题"
        verbose_name_plural = "问题"
        ordering = ("-veto", "village_code", "household", "rule_code", "id_number")
        constraints = (
            models.UniqueConstraint(
                fields=["rule_code", "household", "id_number"], name="registry_finding_key"
            ),
        )
        indexes = (
            models.Index(fields=["engine_status", "village_code"], name="registry_finding_open_idx"),
            models.Index(fields=["status", "village_code"], name="registry_finding_status_idx"),
            models.Index(fields=["last_seen_run"], name="registry_finding_last_idx"),
            models.Index(fields=["resolved_in_run"], name="registry_finding_resolved_idx"),
            # The work queue's order (workqueue.queue.QUEUE_ORDER).
            models.Index(
                models.F("open_work").desc(),
                models.F("deadline").asc(),  # PostgreSQL keeps nulls last in an ascending index
                models.F("veto").desc(),
                "village_code",
                "household",
                "rule_code",
                "id_number",
                name="registry_finding_queue_idx",
            ),
        )

    def __str__(self) -> str:
        person = f" {self.person_name}" if self.person_name else ""
        return f"{self.rule_code} {self.rule_name}：{self.household_id}{person}"


# 已核销 · 仍被筛出: closed by the office while the newest run still flags it.
CLOSED_STILL_FLAGGED = models.Q(status=Finding.Status.CLOSED, engine_status=Finding.EngineStatus.OPEN)


class FindingEvent(models.Model):
    """One step in a finding's workflow: who, when, what, the note and proof, status before and after."""

    REGION_FIELD = "finding__village_code"

    class Action(models.TextChoices):
        ASSIGN = "assign", "分派"
        FIX = "fix", "整改"
        EXPLAIN = "explain", "说明"
        CLOSE = "close", "核销"
        REOPEN = "reopen", "退回"
        RECUR = "recur", "复发"
        COMMENT = "comment", "备注"

    finding = models.ForeignKey(Finding, verbose_name="问题", on_delete=models.PROTECT, related_name="events")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    note = models.TextField("说明", blank=True)
    attachment = models.FileField("佐证材料", upload_to="findings/%Y/%m/", blank=True)
    from_status = models.CharField("原状态", max_length=10, choices=Finding.Status.choices, blank=True)
    to_status = models.CharField("新状态", max_length=10, choices=Finding.Status.choices, blank=True)
    still_flagged = models.BooleanField(
        "仍被筛出", default=False, help_text="核销时最新一次筛查仍筛出该问题（须有理由和佐证材料）"
    )

    class Meta:
        verbose_name = "问题处理记录"
        verbose_name_plural = "问题处理记录"
        ordering = ("finding", "at", "id")

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.finding_id} @ {self.at:%Y-%m-%d %H:%M}"

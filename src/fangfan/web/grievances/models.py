"""A grievance (信访事项) and an item found online (舆情), each with its event rows.

Both sit in a region (`region_code`: a village's 12 digits, a township's 9 or a county's
6), so every level above sees them through the access gate. Channels and categories are
the engine's time-limit file's (`fangfan.engine.grievances.sla`), stored by code.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from fangfan.engine.grievances.sla import load_sla
from fangfan.engine.masking import mask_text
from fangfan.web.accounts.audit import SoftDeleteModel
from fangfan.web.monitoring.models import Intake
from fangfan.web.rectification.models import Problem
from fangfan.web.registry.models import Household

CHANNELS = [(choice.code, choice.name) for choice in load_sla().channels]
CATEGORIES = [(choice.code, choice.name) for choice in load_sla().categories]


class Level(models.TextChoices):
    """Where a complaint was first filed, and which level handles it (village to city)."""

    VILLAGE = "village", "村"
    TOWNSHIP = "township", "乡镇"
    COUNTY = "county", "县区"
    CITY = "city", "市"
    PROVINCE = "province", "省"
    NATIONAL = "national", "国家"


# Levels that skip every one below them: people calling the province or Beijing first.
SKIPPING_LEVELS = (Level.PROVINCE, Level.NATIONAL)
# A grievance is handled from its own region's level up to the city, never higher.
HANDLING_LEVELS = (Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY, Level.CITY)


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    FAIRLY = "fairly", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


class Grievance(SoftDeleteModel):
    """One grievance as recorded by a cadre, with its time limits and where it stands."""

    REGION_FIELD = "region_code"
    PERSONAL_FIELDS: ClassVar[dict[str, str]] = {"id_number": "id", "phone": "phone"}

    class Stage(models.TextChoices):
        REGISTERED = "registered", "登记"
        HANDLING = "handling", "办理中"
        REPLIED = "replied", "已答复"
        CLOSED = "closed", "已回访办结"

    reference = models.CharField("信访编号", max_length=20, unique=True)
    channel = models.CharField("渠道", max_length=10, choices=CHANNELS)
    category = models.CharField("类别", max_length=12, choices=CATEGORIES)
    name = models.CharField("信访人", max_length=32)
    id_number = models.CharField("身份证号", max_length=32, blank=True, db_index=True)
    phone = models.CharField("联系电话", max_length=20, blank=True, db_index=True)
    household = models.ForeignKey(
        Household,
        verbose_name="关联农户",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grievances",
    )
    region_code = models.CharField("所在区划", max_length=12, db_index=True)
    county_code = models.CharField("县区代码", max_length=6)
    first_level = models.CharField("首次反映层级", max_length=10, choices=Level.choices)
    content = models.TextField("反映内容")
    received_at = models.DateTimeField("登记时间", default=timezone.now, db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    stage = models.CharField("办理环节", max_length=10, choices=Stage.choices, default=Stage.REGISTERED)

    # The time limits, fixed at registration from the first matching rule.
    sla_rule = models.CharField("适用时限规则", max_length=60)
    response_due = models.DateTimeField("受理时限")
    resolution_due = models.DateTimeField("答复时限")
    escalation_hours = models.PositiveIntegerField("升级间隔（小时）")
    at_risk_hours = models.PositiveIntegerField("临期提醒（小时）")
    # The deadline the grievance runs against now (none once answered) and when it turns 临期.
    due_at = models.DateTimeField("当前时限", null=True, blank=True)
    warn_at = models.DateTimeField("临期起点", null=True, blank=True)
    escalations = models.PositiveSmallIntegerField("已升级级数", default=0)

    outcome = models.TextField("办理结果", blank=True)
    reply = models.TextField("答复意见", blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    satisfaction = models.CharField("回访满意度", max_length=12, choices=Satisfaction.choices, blank=True)
    reopened = models.PositiveSmallIntegerField("不满意重办次数", default=0)

    earlier = models.ManyToManyField(
        "self", verbose_name="90天内此前反映", symmetrical=False, related_name="later", blank=True
    )
    repeat_count = models.PositiveSmallIntegerField("90天内此前反映次数", default=0)
    intake = models.ForeignKey(
        Intake,
        verbose_name="监测线索",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grievances",
    )
    problem = models.ForeignKey(
        Problem,
        verbose_name="整改问题",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grievances",
    )

    class Meta:
        verbose_name = "信访事项"
        verbose_name_plural = "信访事项"
        ordering = ("-received_at", "-id")
        indexes = (models.Index(fields=["due_at", "region_code"], name="grievance_due_idx"),)

    def __str__(self) -> str:
        return f"{self.reference} {mask_text(self.name)}"

    @property
    def is_open(self) -> bool:
        return self.stage != self.Stage.CLOSED


class GrievanceEvent(models.Model):
    """One step of a grievance: who, when, what, the note, the stage before and after."""

    REGION_FIELD = "grievance__region_code"

    class Action(models.TextChoices):
        ACCEPT = "accept", "受理"
        REPLY = "reply", "答复"
        CALLBACK = "callback", "回访"
        REOPEN = "reopen", "回访不满意·重新办理"
        ESCALATE = "escalate", "超时升级"
        OPEN_INTAKE = "open_intake", "转监测线索"
        OPEN_PROBLEM = "open_problem", "转整改问题"

    grievance = models.ForeignKey(
        Grievance, verbose_name="信访事项", on_delete=models.PROTECT, related_name="events"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    action = models.CharField("操作", max_length=12, choices=Action.choices)
    note = models.TextField("说明", blank=True)
    from_stage = models.CharField("原环节", max_length=10, choices=Grievance.Stage.choices, blank=True)
    to_stage = models.CharField("新环节", max_length=10, choices=Grievance.Stage.choices, blank=True)

    class Meta:
        verbose_name = "信访办理记录"
        verbose_name_plural = "信访办理记录"
        ordering = ("grievance", "at", "id")

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.grievance_id}"


class OpinionItem(SoftDeleteModel):
    """舆情: a post or report found online or in the media, verified on site and answered."""

    REGION_FIELD = "region_code"

    class Stage(models.TextChoices):
        REGISTERED = "registered", "待核实"
        VERIFIED = "verified", "已核实待回应"
        ANSWERED = "answered", "已回应"

    class Platform(models.TextChoices):
        WEIBO = "weibo", "微博"
        WECHAT = "wechat", "微信"
        DOUYIN = "douyin", "抖音"
        KUAISHOU = "kuaishou", "快手"
        TOUTIAO = "toutiao", "今日头条"
        NEWS = "news", "新闻媒体"
        FORUM = "forum", "网络论坛"
        OTHER = "other", "其他"

    reference = models.CharField("舆情编号", max_length=20, unique=True)
    platform = models.CharField("平台", max_length=10, choices=Platform.choices)
    link = models.URLField("链接", max_length=500, blank=True)
    found_at = models.DateTimeField("发现时间", db_index=True)
    region_code = models.CharField("涉及区划", max_length=12, db_index=True)
    county_code = models.CharField("县区代码", max_length=6)
    place = models.CharField("具体地点", max_length=100, blank=True)
    claim = models.TextField("反映内容")
    # The storage name of the screenshot (default_storage), served only through the gate.
    screenshot = models.CharField("截图", max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    stage = models.CharField("办理环节", max_length=10, choices=Stage.choices, default=Stage.REGISTERED)

    verify_due = models.DateTimeField("核实时限")
    answer_due = models.DateTimeField("回应时限")
    at_risk_hours = models.PositiveIntegerField("临期提醒（小时）")
    due_at = models.DateTimeField("当前时限", null=True, blank=True)
    warn_at = models.DateTimeField("临期起点", null=True, blank=True)

    verified_on = models.DateField("现场核实日期", null=True, blank=True)
    verified_by = models.CharField("核实人员", max_length=100, blank=True)
    verified_at = models.DateTimeField("核实登记时间", null=True, blank=True)
    is_true = models.BooleanField("是否属实", null=True, blank=True)
    finding = models.TextField("核实情况", blank=True)
    answer = models.TextField("回应内容", blank=True)
    answered_at = models.DateTimeField("回应时间", null=True, blank=True)
    problem = models.ForeignKey(
        Problem,
        verbose_name="整改问题",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="opinion_items",
    )

    class Meta:
        verbose_name = "舆情"
        verbose_name_plural = "舆情"
        ordering = ("-found_at", "-id")

    def __str__(self) -> str:
        return f"{self.reference} {self.get_platform_display()}"

    @property
    def hours_to_verification(self) -> float | None:
        """Hours from discovery to the verification's record (the register's measure)."""
        if self.verified_at is None:
            return None
        return round((self.verified_at - self.found_at).total_seconds() / 3600, 1)


class OpinionEvent(models.Model):
    """One step of a public-opinion item."""

    REGION_FIELD = "item__region_code"

    class Action(models.TextChoices):
        VERIFY = "verify", "现场核实"
        ANSWER = "answer", "回应"
        OPEN_PROBLEM = "open_problem", "转整改问题"

    item = models.ForeignKey(
        OpinionItem, verbose_name="舆情", on_delete=models.PROTECT, related_name="events"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    action = models.CharField("操作", max_length=12, choices=Action.choices)
    note = models.TextField("说明", blank=True)
    from_stage = models.CharField("原环节", max_length=10, choices=OpinionItem.Stage.choices, blank=True)
    to_stage = models.CharField("新环节", max_length=10, choices=OpinionItem.Stage.choices, blank=True)

    class Meta:
        verbose_name = "舆情办理记录"
        verbose_name_plural = "舆情办理记录"
        ordering = ("item", "at", "id")

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.item_id}"

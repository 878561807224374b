"""The rectification ledger (整改台账): problems from every source, their steps, proof and re-checks.

A `Problem` is one item an office must fix: found by an inspection (考核评估, 巡视, 审计 …),
by the sieve (数据筛查, escalated from findings), by the office itself, or reported by
people. It moves through `procedure.RECTIFICATION`::

    整改中 ─submit_fix→ 已整改待验收 ─accept→ 已验收待销号 ─close→ 已销号
               ←──────────── send_back (退回, with the reason) ─────┘
    已销号 ─回头看 复发→ 整改中 (recurring, counted; outside the steps)

Every step writes a `ProblemEvent`; every change is audited; nothing is deleted.
Proof files are `ProblemEvidence` rows (stored under MEDIA_ROOT, served only through the
problem's gated view). A `RecheckSample` is one 回头看 draw: a seeded random share of
closed problems per county and source, each re-checked (`RecheckItem`).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from fangfan.engine.ledger import CATEGORY_NAMES
from fangfan.engine.masking import mask_text
from fangfan.web.accounts.audit import SoftDeleteModel
from fangfan.web.registry.models import Finding, Household

# Items due within this many days lead the lists with the overdue ones (催办).
DUE_SOON_DAYS = 3


class Source(models.TextChoices):
    NATIONAL_ASSESSMENT = "national_assessment", "国家考核评估"
    CROSS_PROVINCE = "cross_province", "省际交叉考核"
    EAST_WEST = "east_west", "东西部协作考核评价"
    FUND_PERFORMANCE = "fund_performance", "资金绩效评价"
    THIRD_PARTY = "third_party", "第三方评估"
    CENSUS = "census", "普查"
    PATROL = "patrol", "巡视巡察"
    AUDIT = "audit", "审计"
    UNDERCOVER = "undercover", "媒体暗访"
    SCREENING = "screening", "数据筛查"
    SELF_CHECK = "self_check", "自查"
    PUBLIC_REPORT = "public_report", "群众举报"
    PUBLIC_OPINION = "public_opinion", "舆情"
    GRIEVANCE = "grievance", "信访"


class ScopeLevel(models.TextChoices):
    CITY = "city", "市级"
    COUNTY = "county", "县区"
    TOWNSHIP = "township", "乡镇"
    VILLAGE = "village", "行政村"
    HOUSEHOLD = "household", "农户"
    PROJECT = "project", "项目"
    DEPARTMENT = "department", "部门"


# The findings' categories (the rule catalogue's, named as the ledgers name them), then
# those of problems that are not about one household.
WIDER_CATEGORIES = {
    "CONDUCT": "作风",
    "RESPONSIBILITY": "责任落实",
    "POLICY": "政策落实",
    "PROJECT_FUNDS": "项目资金",
}
CATEGORY_CHOICES = [*CATEGORY_NAMES.items(), *WIDER_CATEGORIES.items()]


class Status(models.TextChoices):
    IN_PROGRESS = "in_progress", "整改中"
    FIXED = "fixed", "已整改待验收"
    ACCEPTED = "accepted", "已验收待销号"
    CLOSED = "closed", "已销号"


OPEN_STATUSES = (Status.IN_PROGRESS, Status.FIXED, Status.ACCEPTED)


class Problem(SoftDeleteModel):
    """One problem to fix, whatever found it: its place, owner, measures, deadline and stage."""

    REGION_FIELD = "region_code"
    Source = Source
    ScopeLevel = ScopeLevel
    Status = Status

    source = models.CharField("问题来源", max_length=24, choices=Source.choices)
    batch = models.CharField("批次", max_length=100, blank=True, help_text="如“2020年省际交叉考核反馈问题”")
    serial = models.CharField("原清单序号", max_length=20, blank=True)
    source_reference = models.CharField(
        "来源编号或链接", max_length=300, blank=True, help_text="反馈文件文号、信访件编号、舆情链接等"
    )
    source_findings = models.ManyToManyField(
        Finding, verbose_name="来源筛查问题", blank=True, related_name="rectification_problems"
    )

    # Where it lies: the region's own code (city 621200, county 6, township 9, village 12
    # digits), its county's and township's (blank above them), and what it is about.
    scope_level = models.CharField("问题层级", max_length=12, choices=ScopeLevel.choices)
    region_code = models.CharField("行政区划代码", max_length=12, db_index=True)
    county_code = models.CharField("县区代码", max_length=6, blank=True)
    township_code = models.CharField("乡镇代码", max_length=9, blank=True)
    households = models.ManyToManyField(
        Household, verbose_name="涉及农户", blank=True, related_name="rectification_problems"
    )
    project = models.CharField("涉及项目", max_length=200, blank=True)
    department = models.CharField("涉及部门", max_length=100, blank=True)

    description = models.TextField("问题描述")
    category = models.CharField("问题类别", max_length=16, choices=CATEGORY_CHOICES)
    lead_unit = models.CharField("责任单位", max_length=100)
    responsible_person = models.CharField("责任人", max_length=50)
    measures = models.TextField("整改措施")
    deadline = models.DateField("整改时限")
    status = models.CharField("整改状态", max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField("录入时间", default=timezone.now)

    # 已整改待验收: what was done, by whom (the fixer may not accept it).
    fixed_on = models.DateField("整改完成日期", null=True, blank=True)
    fix_note = models.TextField("整改情况", blank=True)
    fixed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="整改提交人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # 验收: the on-site re-check, by another unit or role.
    rechecked_on = models.DateField("现场复核日期", null=True, blank=True)
    rechecked_by = models.CharField("现场复核人员", max_length=100, blank=True)
    recheck_result = models.TextField("现场复核结果", blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="验收人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # 销号
    closed_on = models.DateField("销号日期", null=True, blank=True)
    # 回头看: a re-check after close-out found it back.
    recurring = models.BooleanField("复发", default=False)
    recurrences = models.PositiveIntegerField("复发次数", default=0)

    class Meta:
        verbose_name = "整改问题"
        verbose_name_plural = "整改问题"
        ordering = ("deadline", "id")
        indexes = (
            models.Index(fields=["status", "deadline"], name="rectification_status_idx"),
            models.Index(fields=["source", "batch"], name="rectification_source_idx"),
            models.Index(fields=["county_code", "source", "status"], name="rectification_county_idx"),
        )

    def __str__(self) -> str:
        return f"整改问题{self.pk}：{mask_text(self.description)[:30]}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def days_left(self, today: dt.date | None = None) -> int:
        """Days until the deadline (0 on the day itself, negative once past)."""
        return (self.deadline - (today or timezone.localdate())).days

    def is_overdue(self, today: dt.date | None = None) -> bool:
        """Past its deadline and not yet fixed (a fix waiting for acceptance is not overdue)."""
        return self.status == Status.IN_PROGRESS and self.days_left(today) < 0

    def is_due_soon(self, today: dt.date | None = None) -> bool:
        return self.status == Status.IN_PROGRESS and 0 <= self.days_left(today) <= DUE_SOON_DAYS


class ProblemEvent(models.Model):
    """One step of a problem: who, when, which step, the note, status before and after."""

    REGION_FIELD = "problem__region_code"

    class Action(models.TextChoices):
        CREATE = "create", "立项"
        ESCALATE = "escalate", "筛查问题提级"
        IMPORT = "import", "反馈清单导入"
        SUBMIT_FIX = "submit_fix", "提交整改"
        ACCEPT = "accept", "验收"
        CLOSE = "close", "销号"
        SEND_BACK = "send_back", "退回"
        RECHECK = "recheck", "回头看"
        RECUR = "recur", "复发"

    problem = models.ForeignKey(
        Problem, verbose_name="整改问题", on_delete=models.PROTECT, related_name="events"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    action = models.CharField("操作", max_length=12, choices=Action.choices)
    note = models.TextField("说明", blank=True)
    from_status = models.CharField("原状态", max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField("新状态", max_length=12, choices=Status.choices, blank=True)

    class Meta:
        verbose_name = "整改问题办理记录"
        verbose_name_plural = "整改问题办理记录"
        ordering = ("problem", "at", "id")

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.problem_id} @ {self.at:%Y-%m-%d %H:%M}"


class ProblemEvidence(models.Model):
    """A proof file of a problem (整改佐证, 复核材料): kept under MEDIA_ROOT, never deleted."""

    REGION_FIELD = "problem__region_code"

    problem = models.ForeignKey(
        Problem, verbose_name="整改问题", on_delete=models.PROTECT, related_name="evidence"
    )
    event = models.ForeignKey(
        ProblemEvent,
        verbose_name="办理记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    # A name in the default storage (MEDIA_ROOT), served only through the problem's gated view.
    stored_name = models.CharField("存储名", max_length=255)
    original_name = models.CharField("文件名", max_length=255)
    size = models.PositiveIntegerField("大小（字节）", default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "整改佐证材料"
        verbose_name_plural = "整改佐证材料"
        ordering = ("problem", "uploaded_at", "id")

    def __str__(self) -> str:
        return self.shown_name

    @property
    def shown_name(self) -> str:
        """The file's name as pages and downloads show it (`masked_file_name`)."""
        return masked_file_name(self.original_name)


# A run of digits too long to be anything but numbers written together (an ID and a phone).
LONG_DIGITS = re.compile(r"\d[\dXx]{10,}")


def masked_file_name(name: str) -> str:
    """A file name with its ID and mobile numbers masked, those written apart (`mask_text`)
    and those run together ("王秀英6212…13912345678.png"), which keep only their ends."""
    return LONG_DIGITS.sub(
        lambda match: match.group()[:3] + "*" * (len(match.group()) - 7) + match.group()[-4:],
        mask_text(name),
    )


class RecheckSample(models.Model):
    """One 回头看 draw: a seeded random share of the closed problems per county and source."""

    REGION_FIELD = "region_code"

    region_code = models.CharField("抽查范围", max_length=12, db_index=True)
    seed = models.BigIntegerField("随机种子")
    share = models.DecimalField("抽查比例", max_digits=4, decimal_places=3, default=Decimal("0.100"))
    closed_before = models.DateField("销号截止日期", help_text="抽取此日及以前销号的问题")
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="抽取人", on_delete=models.PROTECT, related_name="+"
    )
    drawn_at = models.DateTimeField("抽取时间", auto_now_add=True)
    note = models.CharField("说明", max_length=200, blank=True)
    problems = models.ManyToManyField(
        Problem, verbose_name="抽中问题", through="RecheckItem", related_name="recheck_samples"
    )

    class Meta:
        verbose_name = "回头看抽查"
        verbose_name_plural = "回头看抽查"
        ordering = ("-drawn_at", "-id")

    def __str__(self) -> str:
        return f"回头看抽查{self.pk}（种子{self.seed}，比例{self.share}）"


class RecheckItem(models.Model):
    """One drawn problem of a 回头看 and what its re-check found (复发 reopens the problem)."""

    REGION_FIELD = "problem__region_code"

    class Result(models.TextChoices):
        PENDING = "pending", "待复查"
        HOLDS = "holds", "整改到位"
        RECURRED = "recurred", "复发"

    sample = models.ForeignKey(
        RecheckSample, verbose_name="回头看抽查", on_delete=models.PROTECT, related_name="items"
    )
    problem = models.ForeignKey(
        Problem, verbose_name="整改问题", on_delete=models.PROTECT, related_name="rechecks"
    )
    result = models.CharField("复查结果", max_length=10, choices=Result.choices, default=Result.PENDING)
    checked_on = models.DateField("复查日期", null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="复查人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField("复查情况", blank=True)

    class Meta:
        verbose_name = "回头看复查"
        verbose_name_plural = "回头看复查"
        ordering = ("sample", "problem")
        constraints = (
            models.UniqueConstraint(fields=["sample", "problem"], name="rectification_recheck_once"),
        )

    def __str__(self) -> str:
        return f"{self.sample} · {self.problem_id}"

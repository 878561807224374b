"""Public-welfare jobs (公益性岗位): posts, the selection of their holders, the cadre rosters,
the monthly appraisal and pay, and the findings of the monthly check.

A `Post` is announced (岗位公告) by the township or county; each person proposed for it is a
`Selection` moving through `procedure.SELECTION`::

    已申请 ─村评议→ 待乡镇审核 ─乡镇审核→ 待公示 ─公示→ 公示中 ─公示期满→ 待县备案 ─县备案→ 在岗 ─离岗→ 已离岗
    any step before 在岗 ─不予聘用→ 未聘用; 待乡镇审核 / 待公示 ─退回→ 已申请

A holder's month is one `Payment` (the appraisal: days absent and grade; the pay: gross,
deduction, net, computed by `fangfan.engine.fieldwork.jobs.pay_for_month`). A `JobCheck` is
one run of the monthly check (`checks.run_check`); its `JobFinding`s are the holders no
longer eligible and the payments that look wrong.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from fangfan.engine.fieldwork.jobs import GRADES
from fangfan.engine.masking import mask_text
from fangfan.web.accounts.audit import SoftDeleteModel
from fangfan.web.registry.models import Household


class Kind(models.TextChoices):
    CLEANER = "cleaner", "保洁员"
    RANGER = "ranger", "护林员"
    ROAD = "road", "道路养护员"
    WATER = "water", "水管员"
    OTHER = "other", "其他"


class Post(SoftDeleteModel):
    """One post in a village: its kind, pay and announcement (岗位公告)."""

    REGION_FIELD = "village_code"
    Kind = Kind

    village_code = models.CharField("行政区划代码", max_length=12)
    township_code = models.CharField("乡镇代码", max_length=9)
    county_code = models.CharField("县区代码", max_length=6)
    kind = models.CharField("岗位类别", max_length=12, choices=Kind.choices)
    title = models.CharField("岗位名称", max_length=60)
    monthly_pay = models.PositiveIntegerField("月工资（元）")
    duties = models.CharField("岗位职责", max_length=200, blank=True)
    announced_on = models.DateField("岗位公告日期")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="设岗人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("设岗时间", default=timezone.now)
    synthetic = models.BooleanField("演示数据", default=False, editable=False)

    class Meta:
        verbose_name = "公益性岗位"
        verbose_name_plural = "公益性岗位"
        ordering = ("village_code", "id")
        indexes = (models.Index(fields=["village_code", "id"], name="jobs_post_village_idx"),)

    def __str__(self) -> str:
        return self.title


class Stage(models.TextChoices):
    APPLIED = "applied", "已申请待村评议"
    REVIEWED = "reviewed", "待乡镇审核"
    CHECKED = "checked", "待公示"
    NOTICE = "notice", "公示中"
    NOTICED = "noticed", "待县备案"
    IN_POST = "in_post", "在岗"
    ENDED = "ended", "已离岗"
    REJECTED = "rejected", "未聘用"


class Selection(SoftDeleteModel):
    """One person proposed for a post, from application to holding it (and leaving it)."""

    REGION_FIELD = "village_code"
    PERSONAL_FIELDS: ClassVar[dict[str, str]] = {"id_number": "id"}
    Stage = Stage

    post = models.ForeignKey(Post, verbose_name="岗位", on_delete=models.PROTECT, related_name="selections")
    village_code = models.CharField("行政区划代码", max_length=12)
    township_code = models.CharField("乡镇代码", max_length=9)
    household = models.ForeignKey(
        Household, verbose_name="所在农户", on_delete=models.PROTECT, related_name="job_selections"
    )
    name = models.CharField("姓名", max_length=32)
    id_number = models.CharField("身份证号", max_length=32)
    stage = models.CharField("环节", max_length=12, choices=Stage.choices, default=Stage.APPLIED)
    applied_on = models.DateField("申请日期")
    priority = models.BooleanField("优先安排（残疾人）", default=False)
    priority_reason = models.CharField("优先理由", max_length=100, blank=True)
    eligibility_note = models.CharField("资格审核", max_length=500, blank=True)
    # 村评议, 乡镇审核, 公示 (procedures.notice's fields), 县备案, 离岗
    reviewed_on = models.DateField("村评议日期", null=True, blank=True)
    review_note = models.CharField("村评议意见", max_length=300, blank=True)
    checked_on = models.DateField("乡镇审核日期", null=True, blank=True)
    check_note = models.CharField("乡镇审核意见", max_length=300, blank=True)
    notice_start = models.DateField("公示开始日期", null=True, blank=True)
    notice_end = models.DateField("公示结束日期", null=True, blank=True)
    notice_result = models.CharField("公示结果", max_length=300, blank=True)
    recorded_on = models.DateField("县备案日期", null=True, blank=True)
    started_on = models.DateField("上岗日期", null=True, blank=True)
    ended_on = models.DateField("离岗日期", null=True, blank=True)
    end_reason = models.CharField("离岗原因", max_length=300, blank=True)
    rejected_reason = models.CharField("不予聘用理由", max_length=500, blank=True)
    synthetic = models.BooleanField("演示数据", default=False, editable=False)

    class Meta:
        verbose_name = "岗位人选"
        verbose_name_plural = "岗位人选"
        ordering = ("-priority", "applied_on", "id")
        indexes = (
            models.Index(fields=["village_code", "stage"], name="jobs_selection_village_idx"),
            models.Index(fields=["id_number", "stage"], name="jobs_selection_person_idx"),
        )

    def __str__(self) -> str:
        return f"{mask_text(self.name)}（{self.post}）"


class SelectionEvent(models.Model):
    """One step of a selection: who, when, which step, the note, the stage before and after."""

    REGION_FIELD = "selection__village_code"

    class Action(models.TextChoices):
        APPLY = "apply", "申请"
        VILLAGE_REVIEW = "village_review", "村评议"
        TOWNSHIP_CHECK = "township_check", "乡镇审核"
        POST_NOTICE = "post_notice", "公示"
        CLOSE_NOTICE = "close_notice", "公示期满"
        COUNTY_RECORD = "county_record", "县备案"
        END_POST = "end_post", "离岗"
        SEND_BACK = "send_back", "退回"
        REJECT = "reject", "不予聘用"

    selection = models.ForeignKey(
        Selection, verbose_name="岗位人选", on_delete=models.PROTECT, related_name="events"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间", default=timezone.now)
    action = models.CharField("操作", max_length=16, choices=Action.choices)
    note = models.TextField("说明", blank=True)
    from_stage = models.CharField("原环节", max_length=12, choices=Stage.choices, blank=True)
    to_stage = models.CharField("新环节", max_length=12, choices=Stage.choices)

    class Meta:
        verbose_name = "岗位人选办理记录"
        verbose_name_plural = "岗位人选办理记录"
        ordering = ("at", "id")

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d}"


class VillageCadre(SoftDeleteModel):
    """One person on a village's cadre roster (村“两委”干部), imported from the office's Excel."""

    REGION_FIELD = "village_code"
    PERSONAL_FIELDS: ClassVar[dict[str, str]] = {"id_number": "id"}

    village_code = models.CharField("行政区划代码", max_length=12)
    name = models.CharField("姓名", max_length=32)
    id_number = models.CharField("身份证号", max_length=32)
    position = models.CharField("职务", max_length=32)
    household = models.ForeignKey(
        Household,
        verbose_name="所在农户",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="按身份证号在成员信息中找到的户；找不到为空",
    )
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="导入人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField("导入时间", default=timezone.now)

    class Meta:
        verbose_name = "村干部"
        verbose_name_plural = "村干部"
        ordering = ("village_code", "id")
        indexes = (models.Index(fields=["village_code"], name="jobs_cadre_village_idx"),)

    def __str__(self) -> str:
        return f"{mask_text(self.name)}（{self.position}）"


class Payment(models.Model):
    """One holder's month: the appraisal (days absent, grade) and the pay it comes to."""

    REGION_FIELD = "village_code"
    PERSONAL_FIELDS: ClassVar[dict[str, str]] = {"id_number": "id"}
    GRADE_CHOICES: ClassVar[list[tuple[str, str]]] = [(grade, grade) for grade in GRADES]

    selection = models.ForeignKey(
        Selection, verbose_name="岗位人选", on_delete=models.PROTECT, related_name="payments"
    )
    village_code = models.CharField("行政区划代码", max_length=12)
    township_code = models.CharField("乡镇代码", max_length=9)
    id_number = models.CharField("身份证号", max_length=32)
    month = models.DateField("月份", help_text="当月1日")
    absent_days = models.PositiveSmallIntegerField("缺勤天数", default=0)
    grade = models.CharField("考核等次", max_length=4, choices=GRADE_CHOICES)
    note = models.CharField("考核说明", max_length=300, blank=True)
    gross = models.DecimalField("应发（元）", max_digits=9, decimal_places=2)
    deduction = models.DecimalField("扣发（元）", max_digits=9, decimal_places=2)
    net = models.DecimalField("实发（元）", max_digits=9, decimal_places=2)
    appraised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="考核人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    appraised_at = models.DateTimeField("考核时间", default=timezone.now)

    class Meta:
        verbose_name = "考核发放"
        verbose_name_plural = "考核发放"
        ordering = ("month", "id")
        constraints = (models.UniqueConstraint(fields=["selection", "month"], name="jobs_payment_month_key"),)
        indexes = (
            models.Index(fields=["township_code", "month"], name="jobs_payment_township_idx"),
            # A region's month (pay sheet, panel): the month, then the village code's range.
            # Its sums (panel, pay by township) read from the index alone: a month's rows are
            # spread over the whole table (`include` is PostgreSQL's; SQLite keeps the key).
            models.Index(
                fields=["month", "village_code"],
                name="jobs_payment_month_idx",
                include=["id", "township_code", "gross", "deduction", "net"],
            ),
            models.Index(fields=["id_number", "month"], name="jobs_payment_person_idx"),
        )

    def __str__(self) -> str:
        return f"{self.selection} {self.month:%Y-%m}"


class JobCheck(models.Model):
    """One run of the monthly check over a region: queued from a page or run by the CLI."""

    REGION_FIELD = "region_code"

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "检查中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    region_code = models.CharField("行政区划代码", max_length=12)
    month = models.DateField("检查月份")
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发起人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("发起时间", default=timezone.now)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    holders = models.PositiveIntegerField("在岗人数", default=0)
    found = models.PositiveIntegerField("发现问题数", default=0)

    class Meta:
        verbose_name = "月度资格检查"
        verbose_name_plural = "月度资格检查"
        ordering = ("-requested_at", "-id")

    def __str__(self) -> str:
        return f"月度资格检查 {self.region_code} {self.month:%Y-%m}"


class JobFinding(models.Model):
    """What the monthly check found: a holder no longer eligible, two posts paid, pay after death."""

    REGION_FIELD = "village_code"
    PERSONAL_FIELDS: ClassVar[dict[str, str]] = {"id_number": "id"}

    class Kind(models.TextChoices):
        INELIGIBLE = "ineligible", "不再符合条件"
        DOUBLE_PAY = "double_pay", "同月领取两份工资"
        PAID_AFTER_DEATH = "paid_after_death", "死亡后仍发放"

    check_run = models.ForeignKey(
        JobCheck, verbose_name="检查", on_delete=models.CASCADE, related_name="findings"
    )
    kind = models.CharField("问题类型", max_length=20, choices=Kind.choices)
    month = models.DateField("月份")
    village_code = models.CharField("行政区划代码", max_length=12)
    township_code = models.CharField("乡镇代码", max_length=9)
    selection = models.ForeignKey(
        Selection, verbose_name="岗位人选", on_delete=models.PROTECT, related_name="findings"
    )
    name = models.CharField("姓名", max_length=32)
    id_number = models.CharField("身份证号", max_length=32)
    reason = models.CharField("问题说明", max_length=1000)

    class Meta:
        verbose_name = "岗位问题"
        verbose_name_plural = "岗位问题"
        ordering = ("village_code", "id")
        indexes = (models.Index(fields=["month", "village_code"], name="jobs_finding_month_idx"),)

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{mask_text(self.name)}"

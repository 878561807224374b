"""Village work teams (驻村工作队): the roster, daily check-ins and leave requests.

A `Team` is sent to one village for a term by one unit; its `TeamMember`s (第一书记, 队长,
队员) carry their own joining and leaving dates, and may be linked to the village account
they sign in with to check in from a phone. Members, check-ins and leave requests keep
the village's code themselves, so the gate and the county reports filter one indexed
column instead of joining through the team.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q


class UnitLevel(models.TextChoices):
    PROVINCE = "province", "省"
    CITY = "city", "市"
    COUNTY = "county", "县"
    TOWNSHIP = "township", "乡"


class Duty(models.TextChoices):
    FIRST_SECRETARY = "first_secretary", "第一书记"
    FIRST_SECRETARY_LEADER = "first_secretary_leader", "第一书记兼队长"
    LEADER = "leader", "队长"
    MEMBER = "member", "队员"


FIRST_SECRETARIES = (Duty.FIRST_SECRETARY, Duty.FIRST_SECRETARY_LEADER)


def active_on(day: dt.date, start: str, end: str) -> Q:
    """Rows whose `start` … `end` (blank end: open) span `day`."""
    return Q(**{f"{start}__lte": day}) & (Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": day}))


class Team(models.Model):
    """驻村工作队: one unit's team in one village for one term."""

    REGION_FIELD = "village_code"

    village_code = models.CharField("行政区划代码", max_length=12)
    unit = models.CharField("派出单位", max_length=100)
    unit_level = models.CharField("派出单位层级", max_length=10, choices=UnitLevel.choices)
    term_start = models.DateField("任期开始")
    term_end = models.DateField("任期结束", null=True, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    synthetic = models.BooleanField("演示数据", default=False)

    class Meta:
        verbose_name = "驻村工作队"
        verbose_name_plural = "驻村工作队"
        ordering = ("village_code", "-term_start", "pk")
        indexes = (models.Index(fields=["village_code", "term_start"], name="teams_team_village_idx"),)

    def __str__(self) -> str:
        return f"{self.unit}驻{self.village_code}工作队"


class TeamMember(models.Model):
    """A member of a team: 第一书记, 队长 or 队员, in post from `joined` to `left`."""

    REGION_FIELD = "village_code"
    PERSONAL_FIELDS: ClassVar[dict[str, str]] = {"id_number": "id", "phone": "phone"}

    team = models.ForeignKey(Team, verbose_name="工作队", on_delete=models.PROTECT, related_name="members")
    village_code = models.CharField("行政区划代码", max_length=12)
    name = models.CharField("姓名", max_length=32)
    id_number = models.CharField("身份证号", max_length=18)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    duty = models.CharField("职务", max_length=24, choices=Duty.choices)
    unit = models.CharField("派出单位", max_length=100, blank=True)
    joined = models.DateField("驻村开始")
    left = models.DateField("离队日期", null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="team_memberships",
    )

    class Meta:
        verbose_name = "驻村工作队队员"
        verbose_name_plural = "驻村工作队队员"
        ordering = ("team", "duty", "name", "pk")
        indexes = (models.Index(fields=["village_code", "joined"], name="teams_member_village_idx"),)

    def __str__(self) -> str:
        return f"{self.name}（{self.get_duty_display()}）"

    @property
    def is_first_secretary(self) -> bool:
        return self.duty in FIRST_SECRETARIES


class CheckIn(models.Model):
    """签到: a member in the village on a day, at the server's time; a second one that day is
    kept as a repeat (`first_of_day` false) and never counts as another day."""

    REGION_FIELD = "village_code"

    member = models.ForeignKey(
        TeamMember, verbose_name="队员", on_delete=models.PROTECT, related_name="check_ins"
    )
    village_code = models.CharField("行政区划代码", max_length=12)
    day = models.DateField("日期")
    at = models.DateTimeField("签到时间")
    first_of_day = models.BooleanField("当日首次签到", default=True)
    latitude = models.FloatField("纬度", null=True, blank=True)
    longitude = models.FloatField("经度", null=True, blank=True)
    accuracy = models.FloatField("定位精度（米）", null=True, blank=True)

    class Meta:
        verbose_name = "驻村签到"
        verbose_name_plural = "驻村签到"
        ordering = ("-at", "-pk")
        indexes = (
            # Covers the monthly counts (days a member checked in, per region): an index-only scan.
            models.Index(
                fields=["village_code", "day", "member"],
                name="teams_checkin_village_idx",
                condition=Q(first_of_day=True),
            ),
            models.Index(fields=["member", "day"], name="teams_checkin_member_idx"),
        )
        constraints = (
            models.UniqueConstraint(
                fields=("member", "day"), condition=Q(first_of_day=True), name="teams_one_checkin_a_day"
            ),
        )

    def __str__(self) -> str:
        return f"{self.member.name} {self.day:%Y-%m-%d}签到"


class Leave(models.Model):
    """请假: asked for from the phone; the township decides short ones, the county longer ones."""

    REGION_FIELD = "village_code"

    class Status(models.TextChoices):
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已批准"
        REJECTED = "rejected", "未批准"
        CANCELLED = "cancelled", "已撤销"

    class Approver(models.TextChoices):
        TOWNSHIP = "township", "乡镇"
        COUNTY = "county", "县区"

    member = models.ForeignKey(
        TeamMember, verbose_name="队员", on_delete=models.PROTECT, related_name="leaves"
    )
    village_code = models.CharField("行政区划代码", max_length=12)
    start = models.DateField("开始日期")
    end = models.DateField("结束日期")
    days = models.PositiveSmallIntegerField("天数")
    reason = models.CharField("事由", max_length=200)
    approver = models.CharField("审批层级", max_length=10, choices=Approver.choices)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="空白：演示数据",
    )
    requested_at = models.DateTimeField("申请时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=200, blank=True)

    class Meta:
        verbose_name = "驻村请假"
        verbose_name_plural = "驻村请假"
        ordering = ("-requested_at", "-pk")
        indexes = (
            models.Index(fields=["village_code", "status"], name="teams_leave_village_idx"),
            models.Index(fields=["member", "start"], name="teams_leave_member_idx"),
        )

    def __str__(self) -> str:
        return f"{self.member.name}请假{self.days}天（{self.start:%m月%d日}起）"

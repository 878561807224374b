"""Who uses the system, and the records of what they did to personal data and records."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import RegexValidator
from django.db import models

from fangfan.engine.schema import DEPARTMENT_FEEDS
from fangfan.web.regions.models import Region

DEPARTMENT_CHOICES = [(feed.name, f"{feed.department}·{feed.title}") for feed in DEPARTMENT_FEEDS]

phone_validator = RegexValidator(r"^1\d{10}$", "手机号应为以 1 开头的 11 位数字")


class User(AbstractUser):
    class Role(models.TextChoices):
        CITY = "city", "市级办公室"
        COUNTY = "county", "县级办公室"
        TOWNSHIP = "township", "乡镇"
        VILLAGE = "village", "驻村工作队"
        DEPARTMENT = "department", "行业部门数据员"
        INSPECTOR = "inspector", "督查检查人员"

    role = models.CharField("角色", max_length=16, choices=Role.choices, blank=True)
    # Blank only for technical accounts (a superuser made by createsuperuser): the access
    # gate shows a user without a region nothing.
    region = models.ForeignKey(
        Region, verbose_name="所属区划", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    department = models.CharField(
        "所属部门数据",
        max_length=32,
        choices=DEPARTMENT_CHOICES,
        blank=True,
        help_text="仅行业部门数据员填写",
    )
    phone = models.CharField("手机号", max_length=11, blank=True, validators=[phone_validator])

    # Accounts are region-scoped too: a county office sees the accounts in its county.
    REGION_FIELD = "region__code"
    PERSONAL_FIELDS: ClassVar[dict[str, str]] = {"phone": "phone"}

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        permissions = (("unmask_personal_data", "查看完整的身份证号和手机号"),)

    def clean(self) -> None:
        super().clean()
        errors = role_region_errors(self.role, self.region, self.department)
        if errors:
            raise ValidationError(errors)

    @property
    def display_name(self) -> str:
        """The name the nav shows: the full name when known, else the username."""
        full = f"{self.last_name}{self.first_name}".strip()
        return full or self.username


# The region levels each role may be placed on (docs/web.md, Roles).
ROLE_REGION_LEVELS: dict[str, tuple[str, ...]] = {
    User.Role.CITY: (Region.Level.CITY,),
    User.Role.COUNTY: (Region.Level.COUNTY,),
    User.Role.TOWNSHIP: (Region.Level.TOWNSHIP,),
    User.Role.VILLAGE: (Region.Level.VILLAGE,),
    User.Role.DEPARTMENT: (Region.Level.CITY, Region.Level.COUNTY),
    User.Role.INSPECTOR: tuple(Region.Level.values),
}


def role_region_errors(role: str, region: Region | None, department: str) -> dict[str, str]:
    """What is wrong with this combination of role, region and department (empty when it fits)."""
    errors: dict[str, str] = {}
    if not role:
        return {"role": "请选择角色"} if region is not None else {}
    if region is None:
        errors["region"] = "请选择所属区划"
    elif region.level not in ROLE_REGION_LEVELS[role]:
        allowed = "、".join(Region.Level(level).label for level in ROLE_REGION_LEVELS[role])
        errors["region"] = f"{User.Role(role).label}只能属于{allowed}一级的区划"
    if role == User.Role.DEPARTMENT and not department:
        errors["department"] = "行业部门数据员须选择所属部门数据"
    if role != User.Role.DEPARTMENT and department:
        errors["department"] = "只有行业部门数据员才有所属部门数据"
    return errors


class UnmaskEvent(models.Model):
    """One look at a full ID or phone number: who, when, which record and field, why."""

    user = models.ForeignKey(User, verbose_name="查看人", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    content_type = models.ForeignKey(ContentType, verbose_name="记录类型", on_delete=models.PROTECT)
    object_id = models.CharField("记录编号", max_length=64)
    object_repr = models.CharField("记录", max_length=200)
    field = models.CharField("字段", max_length=64)
    reason = models.CharField("查看原因", max_length=200)

    class Meta:
        verbose_name = "查看个人信息记录"
        verbose_name_plural = "查看个人信息记录"
        ordering = ("-at", "-id")
        indexes = (models.Index(fields=["content_type", "object_id"]),)

    def __str__(self) -> str:
        return f"{self.user} 于 {self.at:%Y-%m-%d %H:%M} 查看 {self.object_repr} 的 {self.field}"


class AuditEvent(models.Model):
    """One change to a record: who, when, what, the old and the new values."""

    class Action(models.TextChoices):
        CREATE = "create", "新建"
        UPDATE = "update", "修改"
        DELETE = "delete", "删除"

    # Null for changes made by the system itself (an import, a published run).
    user = models.ForeignKey(
        User, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    action = models.CharField("操作", max_length=8, choices=Action.choices)
    content_type = models.ForeignKey(ContentType, verbose_name="记录类型", on_delete=models.PROTECT)
    object_id = models.CharField("记录编号", max_length=64)
    object_repr = models.CharField("记录", max_length=200)
    old = models.JSONField("原值", default=dict, encoder=DjangoJSONEncoder)
    new = models.JSONField("新值", default=dict, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = "修改记录"
        verbose_name_plural = "修改记录"
        ordering = ("-at", "-id")
        indexes = (models.Index(fields=["content_type", "object_id"]),)

    def __str__(self) -> str:
        who = self.user or "系统"
        return f"{who} 于 {self.at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.object_repr}"


class LoginThrottle(models.Model):
    """Password checks for one username from one address: the login lock's atomic counter.

    `fangfan.web.accounts.throttle` takes a try here *before* the password is checked, in
    one conditional UPDATE, so however many requests arrive at once no more than
    AXES_FAILURE_LIMIT checks get through in a cool-off period (django-axes counts only
    after the check, which let 17 tries through in a burst of 20).
    """

    username = models.CharField("用户名", max_length=150)
    address = models.CharField("来源地址", max_length=45, blank=True)
    tries = models.PositiveIntegerField("尝试次数", default=0)
    last_try = models.DateTimeField("最近一次尝试", null=True, blank=True)

    class Meta:
        verbose_name = "登录尝试计数"
        verbose_name_plural = "登录尝试计数"
        constraints = (
            models.UniqueConstraint(fields=["username", "address"], name="accounts_login_throttle_key"),
        )

    def __str__(self) -> str:
        return f"{self.username} @ {self.address or '未知地址'}：{self.tries} 次"

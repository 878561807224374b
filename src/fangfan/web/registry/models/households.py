"""Households and members as of the current published snapshot, and each household's history.

Rows are keyed by the registry's own identifiers (户编号; 户编号 + 证件号码), so a
published run updates them in place and their audit trail, unmask records and findings
keep pointing at them. A household or member that leaves the registry is soft-deleted
by the run that no longer holds it (and restored if a later run brings it back).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models

from fangfan.web.accounts.audit import SoftDeleteModel
from fangfan.web.registry.models.runs import Run


class Household(SoftDeleteModel):
    """户信息: one registered household, with what the household page and lists need."""

    REGION_FIELD = "village_code"
    PERSONAL_FIELDS: ClassVar[dict[str, str]] = {
        "head_id_number": "id",
        "phone": "phone",
        "helper_phone": "phone",
    }

    household_id = models.CharField("户编号", max_length=32, primary_key=True)
    village_code = models.CharField("行政区划代码", max_length=12, db_index=True)
    township_code = models.CharField("乡镇代码", max_length=9)
    county_code = models.CharField("县区代码", max_length=6)
    county_name = models.CharField("县(区)", max_length=32, blank=True)
    township_name = models.CharField("乡(镇)", max_length=32, blank=True)
    village_name = models.CharField("行政村", max_length=32, blank=True)
    head_name = models.CharField("户主姓名", max_length=32)
    head_id_number = models.CharField("户主身份证号", max_length=32, blank=True)
    household_type = models.CharField("户类型", max_length=8, blank=True)
    exit_year = models.PositiveSmallIntegerField("脱贫年度", null=True, blank=True)
    monitoring_category = models.CharField("监测对象类别", max_length=16, blank=True)
    monitoring_since = models.DateField("识别监测时间", null=True, blank=True)
    risk_eliminated = models.BooleanField("风险是否消除", null=True)
    risk_eliminated_on = models.DateField("风险消除时间", null=True, blank=True)
    main_risk = models.CharField("主要风险类型", max_length=32, blank=True)
    household_size = models.PositiveSmallIntegerField("家庭人口数", null=True, blank=True)
    people = models.PositiveSmallIntegerField("在册人数", default=0, help_text="人员状态为正常的成员数")
    phone = models.CharField("联系电话", max_length=20, blank=True)
    food_enough = models.BooleanField("平常能吃得饱", null=True)
    food_protein = models.BooleanField("随时能吃肉蛋奶或豆制品", null=True)
    seasonal_clothes = models.BooleanField("有换季衣服", null=True)
    winter_bedding = models.BooleanField("有御寒被褥", null=True)
    house_grade = models.CharField("住房安全鉴定等级", max_length=8, blank=True)
    house_renovated = models.BooleanField("是否危房改造", null=True)
    relocated = models.BooleanField("是否易地扶贫搬迁", null=True)
    relocated_moved_in = models.BooleanField("搬迁后是否入住", null=True)
    water_supply = models.CharField("供水方式", max_length=16, blank=True)
    water_quantity_ok = models.BooleanField("水量是否达标", null=True)
    water_quality_ok = models.BooleanField("水质是否达标", null=True)
    water_trip_minutes = models.PositiveSmallIntegerField("单次取水往返时间(分钟)", null=True, blank=True)
    water_short_days = models.PositiveSmallIntegerField("年缺水天数", null=True, blank=True)
    farmland_mu = models.FloatField("耕地面积(亩)", null=True, blank=True)
    helper_name = models.CharField("帮扶责任人", max_length=32, blank=True)
    helper_phone = models.CharField("帮扶责任人电话", max_length=20, blank=True)
    measures = models.CharField("帮扶措施", max_length=200, blank=True, help_text="以“；”分隔")
    income_year = models.PositiveSmallIntegerField("收入年度", null=True, blank=True)
    net_income = models.FloatField("家庭纯收入", null=True, blank=True)
    net_income_per_capita = models.FloatField("人均纯收入", null=True, blank=True)
    incomes: models.JSONField[Any] = models.JSONField(
        "收入信息", default=list, help_text="每年一条：年度与各项收入"
    )
    open_findings = models.PositiveSmallIntegerField("问题数", default=0)
    veto_findings = models.PositiveSmallIntegerField("否决项问题数", default=0)
    # Not indexed: runs are never deleted, and publishing scans every household anyway.
    first_run = models.ForeignKey(
        Run, verbose_name="首次发布批次", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    last_run = models.ForeignKey(
        Run, verbose_name="最近发布批次", on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = "农户"
        verbose_name_plural = "农户"
        ordering = ("village_code", "household_id")
        # Lists page through a region in this order; the village_code index (with its
        # pattern twin on PostgreSQL) answers `startswith`, this one the ordered pages.
        indexes = (models.Index(fields=["village_code", "household_id"], name="registry_household_list_idx"),)

    def __str__(self) -> str:
        return f"{self.head_name}户（{self.household_id}）"

    @property
    def measure_list(self) -> list[str]:
        return [item for item in self.measures.split("；") if item]


class Member(SoftDeleteModel):
    """成员信息: one person of a household. The same ID number may sit in two households
    (the sieve reports it), so a member is keyed by household and ID number."""

    REGION_FIELD = "village_code"
    PERSONAL_FIELDS: ClassVar[dict[str, str]] = {"id_number": "id"}

    # The unique (household, id_number) key serves lookups by household: no second index.
    household = models.ForeignKey(
        Household, verbose_name="户编号", on_delete=models.PROTECT, related_name="members", db_index=False
    )
    village_code = models.CharField("行政区划代码", max_length=12)
    position = models.PositiveSmallIntegerField("序号", default=0, help_text="在户内的排列顺序")
    name = models.CharField("姓名", max_length=32, db_index=True)
    id_number = models.CharField("证件号码", max_length=32, db_index=True)
    id_number_valid = models.BooleanField("证件号码有效", null=True)
    relation = models.CharField("与户主关系", max_length=8, blank=True)
    sex = models.CharField("性别", max_length=2, blank=True)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    ethnicity = models.CharField("民族", max_length=16, blank=True)
    schooling = models.CharField("在校生情况", max_length=16, blank=True)
    health = models.CharField("健康状况", max_length=8, blank=True)
    disability_grade = models.CharField("残疾等级", max_length=4, blank=True)
    labour = models.CharField("劳动技能", max_length=16, blank=True)
    work_status = models.CharField("务工状态", max_length=16, blank=True)
    work_months = models.PositiveSmallIntegerField("务工时间(月)", null=True, blank=True)
    medical_insured = models.CharField("是否参加基本医疗保险", max_length=16, blank=True)
    pension_insured = models.CharField("是否参加基本养老保险", max_length=16, blank=True)
    family_doctor = models.BooleanField("是否签约家庭医生", null=True)
    dibao = models.BooleanField("是否享受低保", null=True)
    tekun = models.BooleanField("是否特困供养", null=True)
    member_status = models.CharField("人员状态", max_length=4, blank=True)
    last_run = models.ForeignKey(
        Run, verbose_name="最近发布批次", on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = "家庭成员"
        verbose_name_plural = "家庭成员"
        ordering = ("household", "position")
        constraints = (
            models.UniqueConstraint(fields=["household", "id_number"], name="registry_member_key"),
        )

    def __str__(self) -> str:
        return f"{self.name}（{self.household_id}）"


class PublishedRunsManager(models.Manager["HouseholdRunSummary"]):
    """Rows of published runs only (not of a run `publish_run` is still preparing)."""

    def get_queryset(self) -> models.QuerySet[HouseholdRunSummary]:
        return super().get_queryset().filter(run__published=True)


class HouseholdRunSummary(models.Model):
    """What one run found on one household: the household page's history across runs.

    Kept for every household in every published run (a few numbers, not a copy of
    the household), so history survives later runs.
    """

    REGION_FIELD = "village_code"

    run = models.ForeignKey(Run, verbose_name="筛查批次", on_delete=models.PROTECT, related_name="+")
    household_id = models.CharField("户编号", max_length=32)
    village_code = models.CharField("行政区划代码", max_length=12)
    household_type = models.CharField("户类型", max_length=8, blank=True)
    people = models.PositiveSmallIntegerField("在册人数", default=0)
    net_income_per_capita = models.FloatField("人均纯收入", null=True, blank=True)
    findings = models.PositiveSmallIntegerField("问题数", default=0)
    veto_findings = models.PositiveSmallIntegerField("否决项问题数", default=0)

    all_objects = models.Manager()  # the default: a run still being prepared too
    objects = PublishedRunsManager()

    class Meta:
        verbose_name = "农户历次筛查情况"
        verbose_name_plural = "农户历次筛查情况"
        ordering = ("household_id", "run")
        constraints = (
            models.UniqueConstraint(fields=["household_id", "run"], name="registry_household_run_key"),
        )

    def __str__(self) -> str:
        return f"{self.household_id} @ {self.run_id}"

    @property
    def has_veto(self) -> bool:
        return self.veto_findings > 0

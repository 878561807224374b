"""Counts per village and run, written when a run is published, read by the dashboards.

A city has ~3,200 villages and ~600,000 households: the dashboard sums these small
tables (one GROUP BY per panel over a few thousand rows) instead of counting
households and findings on every page view.
"""

from __future__ import annotations

from django.db import models

from fangfan.web.registry.models.runs import Run


class VillageHouseholdCount(models.Model):
    """Households and people of one type in one village, as of one run."""

    REGION_FIELD = "village_code"

    run = models.ForeignKey(Run, verbose_name="筛查批次", on_delete=models.PROTECT, related_name="+")
    village_code = models.CharField("行政区划代码", max_length=12)
    township_code = models.CharField("乡镇代码", max_length=9)
    county_code = models.CharField("县区代码", max_length=6)
    household_type = models.CharField("户类型", max_length=8, blank=True)
    households = models.PositiveIntegerField("户数", default=0)
    people = models.PositiveIntegerField("人数", default=0)
    households_with_findings = models.PositiveIntegerField("有问题户数", default=0)
    households_with_veto = models.PositiveIntegerField("有否决项户数", default=0)

    class Meta:
        verbose_name = "村户数统计"
        verbose_name_plural = "村户数统计"
        constraints = (
            models.UniqueConstraint(
                fields=["run", "village_code", "household_type"], name="registry_village_household_key"
            ),
        )

    def __str__(self) -> str:
        return f"{self.village_code} {self.household_type} {self.households}户"


class VillageFindingCount(models.Model):
    """Findings of one category and veto flag in one village, as of one run, with their change
    since the previously published run (new, persisting; resolved = found then, not now)."""

    REGION_FIELD = "village_code"

    run = models.ForeignKey(Run, verbose_name="筛查批次", on_delete=models.PROTECT, related_name="+")
    village_code = models.CharField("行政区划代码", max_length=12)
    township_code = models.CharField("乡镇代码", max_length=9)
    county_code = models.CharField("县区代码", max_length=6)
    category = models.CharField("类别", max_length=16)
    veto = models.BooleanField("否决项", default=False)
    findings = models.PositiveIntegerField("问题数", default=0)
    new = models.PositiveIntegerField("新发现", default=0)
    persisting = models.PositiveIntegerField("持续存在", default=0)
    resolved = models.PositiveIntegerField("已消除", default=0)

    class Meta:
        verbose_name = "村问题统计"
        verbose_name_plural = "村问题统计"
        constraints = (
            models.UniqueConstraint(
                fields=["run", "village_code", "category", "veto"], name="registry_village_finding_key"
            ),
        )

    def __str__(self) -> str:
        return f"{self.village_code} {self.category} {self.findings}条"

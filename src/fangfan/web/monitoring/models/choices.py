"""The vocabulary of relapse monitoring, as the national system writes it.

Categories and risk types are stored as their Chinese names (like the registry's
户类型), so they compare directly with what the national system exports.
"""

from __future__ import annotations

from django.db import models


class Source(models.TextChoices):
    """How a lead was discovered (the three channels; department data counts twice)."""

    SELF_REPORT = "self_report", "农户自主申报"
    HOTLINE = "hotline", "12317热线"
    VISIT = "visit", "干部走访"
    DEPARTMENT = "department", "部门筛查预警"
    SIEVE = "sieve", "收入支出筛查"


class Category(models.TextChoices):
    """监测对象类别."""

    UNSTABLE = "脱贫不稳定户", "脱贫不稳定户"
    MARGINAL = "边缘易致贫户", "边缘易致贫户"
    SUDDEN = "突发严重困难户", "突发严重困难户"


class RiskType(models.TextChoices):
    """风险类型: a household may have several."""

    ILLNESS = "因病", "因病"
    DISABILITY = "因残", "因残"
    SCHOOLING = "因学", "因学"
    DISASTER = "因灾", "因灾"
    ACCIDENT = "因意外事故", "因意外事故"
    FAILED_BUSINESS = "因产业项目失败", "因产业项目失败"
    UNSTABLE_WORK = "因务工就业不稳", "因务工就业不稳"
    NO_LABOUR = "缺劳力", "缺劳力"
    OTHER = "其他", "其他"


def risk_labels(values: list[str] | None) -> str:
    """["因病", "缺劳力"] → "因病、缺劳力", in the order of `RiskType`."""
    chosen = set(values or ())
    return "、".join(label for value, label in RiskType.choices if value in chosen)


class MeasureKind(models.TextChoices):
    """帮扶措施类别: development help for households that can work, safety net for those that cannot."""

    INDUSTRY = "产业帮扶", "产业帮扶"
    EMPLOYMENT = "就业帮扶", "就业帮扶"
    PUBLIC_WELFARE_JOB = "公益性岗位", "公益性岗位"
    EDUCATION = "教育帮扶", "教育帮扶"
    HEALTH = "健康帮扶", "健康帮扶"
    SAFETY_NET = "兜底保障", "兜底保障"
    HOUSING = "住房保障", "住房保障"
    WATER = "饮水保障", "饮水保障"
    FINANCE = "金融帮扶", "金融帮扶"
    CONSUMPTION = "消费帮扶", "消费帮扶"
    OTHER = "其他帮扶", "其他帮扶"


class AmountPeriod(models.TextChoices):
    """What a measure's amount is per: the period is shown with the amount."""

    MONTH = "month", "每月"
    YEAR = "year", "每年"
    ONCE = "once", "一次性"


# The items a kind is recorded as (具体项目); a kind not named here has none.
MEASURE_ITEMS: dict[str, tuple[str, ...]] = {
    MeasureKind.SAFETY_NET: ("低保", "特困供养", "临时救助"),
    MeasureKind.FINANCE: ("小额信贷", "其他金融帮扶"),
}

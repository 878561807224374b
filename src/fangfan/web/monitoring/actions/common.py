"""What monitoring's verbs share: the refusal they raise and the checks that raise it
(`WorkflowError`, `require`, `require_date`: every procedure's, from
`fangfan.web.procedures.base`), bounds on sums and thresholds, and whether a household
is already in hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fangfan.engine.policy import PolicyError
from fangfan.web.bounds import MONEY_MAX
from fangfan.web.monitoring.models import Case, MonitoredHousehold
from fangfan.web.monitoring.threshold import (
    EARLIEST_THRESHOLD_YEAR,
    Threshold,
    income_year_on,
    monitoring_threshold,
)
from fangfan.web.monitoring.workflow import OPEN_STAGES
from fangfan.web.procedures.base import WorkflowError
from fangfan.web.registry.models import Household

# A measure may be planned to end up to five years ahead (a loan, a pension subsidy).
MEASURE_AHEAD_DAYS = 5 * 366


def threshold_on(day: dt.date, name: str, income_year: int | None = None) -> Threshold:
    """The threshold of the income year assessed on `day` (the year before `day`'s, unless
    `income_year` says which), or a refusal naming the years there are."""
    year = income_year if income_year is not None else income_year_on(day)
    if income_year is not None and not EARLIEST_THRESHOLD_YEAR <= income_year <= day.year:
        raise WorkflowError(f"所评估的收入年度应在{EARLIEST_THRESHOLD_YEAR}年至{day.year}年之间")
    if year < EARLIEST_THRESHOLD_YEAR:
        raise WorkflowError(
            f"{name}为{day.year}年，所评估的{year}年度收入没有监测标准"
            f"（最早为{EARLIEST_THRESHOLD_YEAR}年度），请核对日期"
        )
    try:
        return monitoring_threshold(year)
    except PolicyError as error:
        raise WorkflowError(f"没有{year}年度的监测标准") from error


def require_money(value: Decimal | None, name: str) -> None:
    """Refuse a negative sum or one beyond MONEY_MAX (none given passes)."""
    if value is not None and (not value.is_finite() or value < 0 or value > MONEY_MAX):
        raise WorkflowError(f"{name}应在 0 至 {MONEY_MAX:,.0f} 元之间")


def household_in_hand(household: Household | None) -> str:
    """Why a household needs no new case (Chinese), or "": an open case, or it is monitored."""
    if household is None:
        return ""
    open_case = Case.objects.filter(household=household, stage__in=OPEN_STAGES).first()
    if open_case is not None:
        return f"该户已有正在办理的识别认定（{open_case.get_stage_display()}）"
    if MonitoredHousehold.objects.filter(
        household=household, status=MonitoredHousehold.Status.MONITORED
    ).exists():
        return "该户已是监测对象"
    return ""


def require_amounts(amounts: dict[str, Decimal | None]) -> None:
    """Every sum of a visit's or re-assessment's 算细账 within bounds."""
    for name, value in amounts.items():
        require_money(value, AMOUNT_NAMES.get(name, "金额"))


AMOUNT_NAMES = {
    "wage_income": "工资性收入",
    "business_income": "生产经营性收入",
    "property_income": "财产性收入",
    "transfer_income": "转移性收入",
    "business_cost": "生产经营性支出",
    "rigid_spending": "刚性支出",
}

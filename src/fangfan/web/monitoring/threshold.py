"""The monitoring threshold (防返贫监测标准) that applies, read through the engine.

One rule everywhere — the screen, visits, re-assessments and elimination: the threshold
of the **income year being assessed** (`fangfan.engine.policy.monitoring_threshold_for`).
A visit or re-assessment works out the past twelve months, so on a day of 2026 it
assesses 2025's income against 2025's line (`income_year_on`), unless the cadre records
which income year it assesses. A year after the newest policy file borrows the newest
one's figure and is a placeholder (a year before the first is refused); the pages say
which year and whether the value is confirmed (已确认) or a placeholder (暂定，待省里公布).

>>> monitoring_threshold(2024).yuan
Decimal('7800')
>>> monitoring_threshold(2024).label
'标准：2024年度 ¥7,800（已确认）'
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from fangfan.engine.policy import monitoring_threshold_for, policy_years, threshold_label, threshold_status

# No income year before the first policy file has a threshold; a visit or re-assessment
# assessing one is refused.
EARLIEST_THRESHOLD_YEAR = policy_years()[0]


@dataclass(frozen=True)
class Threshold:
    year: int  # the income year assessed
    yuan: Decimal
    note: str  # where the figure comes from, in Chinese, for the page
    placeholder: bool = False  # not settled: the policy file says so, or the year has none yet
    policy_year: int = 0  # the policy file the figure comes from

    @property
    def status(self) -> str:
        return threshold_status(self.placeholder)

    @property
    def label(self) -> str:
        """ "标准：2025年度 ¥8,300（暂定，待省里公布）"."""
        return threshold_label(self.year, self.yuan, self.placeholder, self.policy_year)


def income_year_on(day: dt.date) -> int:
    """The income year a visit or re-assessment on `day` assesses by default: the past
    twelve months are mostly the previous calendar year's income."""
    return day.year - 1


def monitoring_threshold(income_year: int) -> Threshold:
    """The per-capita net income below which a household is in range, for income of `income_year`."""
    found = monitoring_threshold_for(income_year)
    if found.policy_year != income_year:
        note = f"尚无{income_year}年度监测标准，暂按{found.policy_year}年度政策文件"
    else:
        note = f"{income_year}年度政策文件"
    if found.placeholder:
        note += "，暂定数值，待省里公布"
    return Threshold(income_year, _yuan(found.yuan), note, found.placeholder, found.policy_year)


def _yuan(value: float) -> Decimal:
    """7800.0 → Decimal('7800'), never '7.8E+3'; cents kept where there are any."""
    amount = Decimal(str(value))
    return amount.quantize(Decimal(1)) if amount == amount.to_integral_value() else amount


def recorded_label(year: int, yuan: Decimal, note: str) -> str:
    """The label of a threshold as a visit or re-assessment recorded it (year, figure, its note)."""
    placeholder = any(word in note for word in ("暂定", "占位", "尚无"))
    return threshold_label(year, yuan, placeholder, year)

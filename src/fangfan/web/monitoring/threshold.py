"""The year's monitoring threshold (防返贫监测标准), read through the engine's policy files.

`income.monitoring_threshold` in `fangfan/engine/policy_years/<year>.toml` is the source.
Should a year's file lack it, or the year have no file yet, the documented Gansu figures
(¥7,200 for 2023, ¥7,800 for 2024; DOMAIN.md) are used, and failing those the newest
year that has one — and the page says which it was.

>>> monitoring_threshold(2024).yuan
Decimal('7800')
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from fangfan.engine.policy import YEARS, PolicyError, load_policy

PARAMETER = "income.monitoring_threshold"
# Gansu's published figures (DOMAIN.md, Relapse monitoring), for a policy file without them.
DOCUMENTED_GANSU = {2023: Decimal(7200), 2024: Decimal(7800)}
# No year before the first policy file (or documented figure) has a threshold; a visit or
# re-assessment dated earlier is refused by its form.
EARLIEST_THRESHOLD_YEAR = min(min(YEARS), min(DOCUMENTED_GANSU))


@dataclass(frozen=True)
class Threshold:
    year: int  # the year asked for
    yuan: Decimal
    note: str  # where the figure comes from, in Chinese, for the page
    placeholder: bool = False  # the policy file marks the figure as not settled


def monitoring_threshold(year: int) -> Threshold:
    """The per-capita net income below which a household is in range in `year`."""
    found = _from_policy(year)
    if found is not None:
        return found
    if year in DOCUMENTED_GANSU:
        return Threshold(year, DOCUMENTED_GANSU[year], f"政策文件缺少{year}年度监测标准，按甘肃省公布的标准")
    for earlier in sorted((y for y in YEARS if y < year), reverse=True):
        fallback = _from_policy(earlier)
        if fallback is not None:
            note = f"尚无{year}年度监测标准，暂按{fallback.note}"
            return Threshold(year, fallback.yuan, note, placeholder=True)
    raise PolicyError(f"没有{year}年度及此前任何年度的监测标准")


def _from_policy(year: int) -> Threshold | None:
    try:
        policy = load_policy(year)
        value = policy.number(PARAMETER)
        placeholder = policy.is_placeholder(PARAMETER)
    except PolicyError:
        return None
    note = f"{year}年度政策文件"
    if placeholder:
        note += "，占位数值，未查实，请以省里文件为准"
    return Threshold(year, Decimal(str(value)).normalize(), note, placeholder)

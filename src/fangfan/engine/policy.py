"""Policy parameters, one TOML file per year in `policy_years/`.

A parameter is either a plain value or a table `{ value, placeholder, note }`;
`placeholder = true` marks a number the public record does not settle.

>>> load_policy(2024).number("income.monitoring_threshold")
7800.0
>>> load_policy(2025).is_placeholder("income.monitoring_threshold")
True

Relapse monitoring (`fangfan.engine.monitoring`, docs/monitoring.md) reads
`income.monitoring_threshold`, `income.sharp_drop_share` and the `[monitoring]` table:
the share of net income that rigid spending must exceed, the yearly schooling costs
assumed per student beyond compulsory education, and the yearly medical cost that
marks a new serious illness.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

YEARS = range(2020, 2027)


class PolicyError(KeyError):
    pass


@dataclass(frozen=True)
class Policy:
    year: int
    data: dict[str, Any]

    def _entry(self, dotted: str) -> Any:
        node: Any = self.data
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                raise PolicyError(f"{self.year}年度政策文件中没有参数 {dotted}")
            node = node[part]
        return node

    def value(self, dotted: str) -> Any:
        entry = self._entry(dotted)
        return entry["value"] if isinstance(entry, dict) and "value" in entry else entry

    def number(self, dotted: str) -> float:
        value = self.value(dotted)
        if not isinstance(value, int | float):
            raise PolicyError(f"{self.year}年度参数 {dotted} 不是数值")
        return float(value)

    def is_placeholder(self, dotted: str) -> bool:
        entry = self._entry(dotted)
        return bool(isinstance(entry, dict) and entry.get("placeholder", False))

    def note(self, dotted: str) -> str:
        """The parameter's `note` (where its value comes from), or "" when it has none."""
        entry = self._entry(dotted)
        return str(entry.get("note", "")) if isinstance(entry, dict) and "value" in entry else ""

    def parameters(self) -> dict[str, Any]:
        """Every parameter as a flat {dotted name: value} mapping."""
        flat: dict[str, Any] = {}

        def walk(prefix: str, node: Any) -> None:
            if isinstance(node, dict) and "value" not in node:
                for key, child in node.items():
                    walk(f"{prefix}{key}.", child)
            else:
                flat[prefix[:-1]] = node["value"] if isinstance(node, dict) else node

        walk("", {k: v for k, v in self.data.items() if k != "year"})
        return flat


@cache
def load_policy(year: int) -> Policy:
    if year not in YEARS:
        raise PolicyError(f"没有{year}年度的政策文件（已有 {YEARS.start}–{YEARS.stop - 1} 年）")
    text = resources.files("fangfan.engine.policy_years").joinpath(f"{year}.toml").read_text("utf-8")
    return Policy(year=year, data=tomllib.loads(text))


THRESHOLD_PARAMETER = "income.monitoring_threshold"


def policy_year_for_income(income_year: int) -> int:
    """The policy file that applies to income of `income_year`: that year's own, or the
    nearest there is (the newest for a year not published yet, the oldest before it)."""
    return min(max(income_year, YEARS.start), YEARS.stop - 1)


@dataclass(frozen=True)
class MonitoringThreshold:
    """Which year's monitoring threshold applies to an income year, and whether it is settled."""

    income_year: int  # the income year assessed
    policy_year: int  # the policy file the value comes from
    yuan: float
    placeholder: bool  # True unless the file marks the value settled and it is that year's own
    note: str

    @property
    def status(self) -> str:
        """已确认, or 暂定，待省里公布."""
        return threshold_status(self.placeholder)

    @property
    def label(self) -> str:
        """ "标准：2025年度 ¥8,300（暂定，待省里公布）"."""
        return threshold_label(self.income_year, self.yuan, self.placeholder, self.policy_year)


def threshold_status(placeholder: bool) -> str:
    """How settled a threshold is, as pages say it."""
    return "暂定，待省里公布" if placeholder else "已确认"


def threshold_label(income_year: int, yuan: float | Decimal, placeholder: bool, policy_year: int) -> str:
    """ "标准：2025年度 ¥8,300（暂定，待省里公布）", naming the policy file a year borrows."""
    text = f"标准：{income_year}年度 ¥{yuan:,.0f}（{threshold_status(placeholder)}）"
    if policy_year and policy_year != income_year:
        text += f"，暂按{policy_year}年度政策文件"
    return text


def monitoring_threshold_for(income_year: int) -> MonitoringThreshold:
    """The one answer to "which threshold applies": the monitoring threshold of the income
    year being assessed. The screen (`screen.policy_year_for`), visits, re-assessments and
    elimination all ask this. A year without its own file borrows the nearest and is a
    placeholder.

    >>> monitoring_threshold_for(2024).label
    '标准：2024年度 ¥7,800（已确认）'
    >>> monitoring_threshold_for(2025).placeholder
    True
    """
    year = policy_year_for_income(income_year)
    policy = load_policy(year)
    return MonitoringThreshold(
        income_year=income_year,
        policy_year=year,
        yuan=policy.number(THRESHOLD_PARAMETER),
        placeholder=policy.is_placeholder(THRESHOLD_PARAMETER) or year != income_year,
        note=policy.note(THRESHOLD_PARAMETER),
    )

"""Policy parameters, one TOML file per year in `policy_years/`.

A parameter is either a plain value or a table `{ value, placeholder, note }`;
`placeholder = true` marks a number the public record does not settle.

The years are the files present (`policy_years()`), not a range written in code. A
year's file holds only what changed since the previous file: `2020.toml` is complete
and every later file is laid over the year before it, key by key (`resolve`). A year
with no file is never silently replaced by another: `load_policy` refuses it, and
`applicable_policy_year` names the newest file at or before it (refusing a year before
the first) so that a caller can say which file it borrows.

>>> load_policy(2024).number("income.monitoring_threshold")
7800.0
>>> load_policy(2025).is_placeholder("income.monitoring_threshold")
True
>>> load_policy(2025).number("employment.labour_age_max")  # inherited from 2020.toml
60.0

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

from fangfan.engine.config import ConfigError

PACKAGE = "fangfan.engine.policy_years"


class PolicyError(ConfigError, KeyError):
    """A policy year or parameter that is not there; the message is Chinese, for people.

    A `ConfigError` (what is wrong is the installation's policy files, not the data) and
    still a `KeyError` for callers that look a parameter up."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


@cache
def policy_years() -> tuple[int, ...]:
    """The years with a policy file, oldest first: every `<year>.toml` in `policy_years/`."""
    names = (entry.name for entry in resources.files(PACKAGE).iterdir())
    years = sorted(int(name[:-5]) for name in names if name.endswith(".toml") and name[:-5].isdigit())
    if not years:
        raise PolicyError("没有任何年度的政策文件（fangfan/engine/policy_years/）")
    return tuple(years)


def years_text() -> str:
    """ "2020–2026 年", the years there are, as refusals say it."""
    years = policy_years()
    return f"{years[0]}–{years[-1]} 年" if len(years) > 1 else f"{years[0]} 年"


def applicable_policy_year(year: int) -> int:
    """The policy file that applies to `year`: its own, else the nearest earlier one.

    The one "nearest earlier year" rule: a year after the newest file borrows the newest
    (the caller says so: a placeholder threshold, a warning in the run summary); a year
    before the first file is refused.

    >>> applicable_policy_year(2024), applicable_policy_year(2031)
    (2024, 2026)
    """
    earlier = [candidate for candidate in policy_years() if candidate <= year]
    if not earlier:
        raise PolicyError(f"{year}年早于最早的政策文件（已有 {years_text()}），不能按其他年度的政策办理")
    return earlier[-1]


def borrowed_year_warning(year: int) -> str:
    """What a run or page says when `year` has no policy file of its own, or ""."""
    applies = applicable_policy_year(year)
    if applies == year:
        return ""
    return f"尚无{year}年度政策文件，暂按{applies}年度政策文件（数值可能已变，请以省里文件为准）"


def deep_merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """`base` with `changes` laid over it: tables merge key by key, anything else replaces.

    A parameter table `{ value, placeholder, note }` is replaced whole, so a later year
    that changes a value restates its placeholder flag and note.

    >>> deep_merge({"a": {"x": 1, "y": 2}}, {"a": {"y": 3}})
    {'a': {'x': 1, 'y': 3}}
    """
    merged = dict(base)
    for key, value in changes.items():
        old = merged.get(key)
        if isinstance(old, dict) and isinstance(value, dict) and "value" not in value:
            merged[key] = deep_merge(old, value)
        else:
            merged[key] = value
    return merged


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


def year_file(year: int) -> dict[str, Any]:
    """One year's file as written (only what changed, for every year after the first)."""
    text = resources.files(PACKAGE).joinpath(f"{year}.toml").read_text("utf-8")
    return tomllib.loads(text)


def resolve(year: int) -> dict[str, Any]:
    """`year`'s parameters: the first file, with every later file up to `year` laid over it."""
    data: dict[str, Any] = {}
    for candidate in policy_years():
        if candidate > year:
            break
        data = deep_merge(data, year_file(candidate))
    return data


@cache
def load_policy(year: int) -> Policy:
    """The policy of `year`, which must have a file of its own (`applicable_policy_year`
    finds the one that applies to a year without)."""
    if year not in policy_years():
        raise PolicyError(f"没有{year}年度的政策文件（已有 {years_text()}）")
    return Policy(year=year, data=resolve(year))


THRESHOLD_PARAMETER = "income.monitoring_threshold"


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
    elimination all ask this. A year after the newest file borrows the newest and is a
    placeholder; a year before the first file is refused (`PolicyError`).

    >>> monitoring_threshold_for(2024).label
    '标准：2024年度 ¥7,800（已确认）'
    >>> monitoring_threshold_for(2025).placeholder
    True
    """
    year = applicable_policy_year(income_year)
    policy = load_policy(year)
    return MonitoringThreshold(
        income_year=income_year,
        policy_year=year,
        yuan=policy.number(THRESHOLD_PARAMETER),
        placeholder=policy.is_placeholder(THRESHOLD_PARAMETER) or year != income_year,
        note=policy.note(THRESHOLD_PARAMETER),
    )

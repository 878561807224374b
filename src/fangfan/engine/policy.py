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

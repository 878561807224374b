"""Sampling plans as data: one TOML file per assessment kind in `plans/`.

>>> load_plan("national").villages_per_county
29
>>> [name for name, label in plan_names()][:2]
['national', 'provincial']

A plan says how an assessor samples each county: `design = "stratified"` draws villages
first (former poor villages and the rest as two strata), then households within each
village by registered / not registered (and, for a self-check, flagged / not flagged);
`design = "simple"` draws `households_per_county` households at random from the county.
The exit bars the estimates are held against live once in `bars.toml` (`load_bars`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from fangfan.engine.config import ConfigError

PACKAGE = "fangfan.engine.assessment"
PLAN_ORDER = ("national", "provincial", "self_check", "simple")
DESIGNS = ("stratified", "simple")


class PlanError(ConfigError):
    """A plan file that is missing or wrong; the message is Chinese."""


@dataclass(frozen=True)
class SamplingPlan:
    name: str
    label: str
    villages_per_county: int
    poor_village_share: float
    households_per_village: int
    registered_share: float
    targeted_share: float
    design: str = "stratified"
    households_per_county: int = 0
    confidence: float = 0.95

    @property
    def households_per_county_expected(self) -> int:
        """About how many households the plan visits per county."""
        if self.design == "simple":
            return self.households_per_county
        return self.villages_per_county * self.households_per_village


@dataclass(frozen=True)
class Bar:
    measure: str
    bar: float
    kind: str  # "<" or ">"
    level: str  # "person", "household" or "policy"
    note: str


def _read_toml(name: str) -> dict[str, Any]:
    return tomllib.loads(resources.files(PACKAGE).joinpath(name).read_text(encoding="utf-8"))


def plan_names() -> list[tuple[str, str]]:
    """(name, label) of every plan in `plans/`, the assessors' first (for a select box)."""
    folder = resources.files(PACKAGE).joinpath("plans")
    names = sorted(
        (entry.name[:-5] for entry in folder.iterdir() if entry.name.endswith(".toml")),
        key=lambda name: (PLAN_ORDER.index(name) if name in PLAN_ORDER else len(PLAN_ORDER), name),
    )
    return [(name, load_plan(name).label) for name in names]


def load_plan(name_or_path: str | Path) -> SamplingPlan:
    """The plan `plans/<name>.toml`, or the TOML file at a path."""
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.exists():
        text, where = path.read_text(encoding="utf-8"), str(path)
    else:
        resource = resources.files(PACKAGE).joinpath("plans", f"{name_or_path}.toml")
        if not resource.is_file():
            known = "、".join(name for name, _ in plan_names())
            raise PlanError(f"没有抽样方案“{name_or_path}”（可选：{known}）")
        text, where = resource.read_text(encoding="utf-8"), f"plans/{name_or_path}.toml"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PlanError(f"抽样方案 {where} 格式有误：{error}") from None
    return _plan_from(data, where)


def _plan_from(data: dict[str, Any], where: str) -> SamplingPlan:
    known = {f.name: f for f in fields(SamplingPlan)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise PlanError(f"抽样方案 {where} 有不认识的项：{'、'.join(unknown)}")
    try:
        plan = SamplingPlan(**data)
    except TypeError as error:
        raise PlanError(f"抽样方案 {where} 缺少必填项：{error}") from None
    problems = [
        *(
            f"{name} 应在 0 到 1 之间"
            for name in ("poor_village_share", "registered_share", "targeted_share")
            if not 0 <= float(getattr(plan, name)) <= 1
        ),
        *(
            ["targeted_share 应小于 1（未被标记的户也要抽到，估计才无偏）"]
            if plan.targeted_share >= 1
            else []
        ),
        *([f"design 应为 {' 或 '.join(DESIGNS)}"] if plan.design not in DESIGNS else []),
        *(
            ["simple 方案需要 households_per_county > 0"]
            if plan.design == "simple" and plan.households_per_county < 1
            else []
        ),
        *(
            ["villages_per_county 和 households_per_village 应大于 0"]
            if plan.design == "stratified" and min(plan.villages_per_county, plan.households_per_village) < 1
            else []
        ),
        *(["confidence 应在 0.5 到 1 之间"] if not 0.5 <= plan.confidence < 1 else []),
    ]
    if problems:
        raise PlanError(f"抽样方案 {where}：" + "；".join(problems))
    return plan


@cache
def load_bars() -> dict[str, Bar]:
    """The exit bars of `bars.toml`, by measure (错退率, 漏评率, 认可度, 知晓率)."""
    return {
        measure: Bar(measure, float(item["bar"]), str(item["kind"]), str(item["level"]), str(item["note"]))
        for measure, item in _read_toml("bars.toml").items()
    }


@cache
def poor_village_top_share() -> float:
    """Share of a county's villages (by registered share) taken as former poor villages."""
    return float(_read_toml("population.toml")["poor_village"]["top_share"])

"""The policy catalogue: one TOML per policy year in `policies/`, what a card lists and says.

Which policies appear on a card, their names, departments and wording, and which data
counts as "received" (`sources`, names from `fangfan.engine.cards.received.SOURCES`) are
data, not code: an office edits the year's file.

>>> catalogue = load_catalogue(2026)
>>> catalogue.by_key("dibao").name
'最低生活保障'
>>> catalogue.hotline
'12317'
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from fangfan.engine.config import ConfigError

PACKAGE = "fangfan.engine.cards.policies"


class CatalogueError(ConfigError, KeyError):
    """A policy year or policy that the catalogue does not have; the message is Chinese."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class Policy:
    """One policy a household can receive, as the year's card names and words it."""

    key: str
    name: str
    department: str
    wording: str
    sources: tuple[str, ...] = ()
    household_types: tuple[str, ...] = ()  # empty: every household type


@dataclass(frozen=True)
class Catalogue:
    """The policies of one policy year and the card's fixed wording."""

    year: int
    policies: tuple[Policy, ...]
    title: str = "帮扶政策明白卡"
    hotline: str = "12317"
    hotline_wording: str = ""
    footer: str = ""
    nothing_received: str = ""
    verify_wording: str = ""
    valid_days: int = 400

    def by_key(self, key: str) -> Policy:
        for policy in self.policies:
            if policy.key == key:
                return policy
        raise CatalogueError(f"{self.year}年度政策目录中没有“{key}”这项政策")

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(policy.key for policy in self.policies)


@cache
def catalogue_years() -> tuple[int, ...]:
    """The years with a catalogue file, oldest first."""
    names = (entry.name for entry in resources.files(PACKAGE).iterdir())
    return tuple(sorted(int(name[:-5]) for name in names if name.endswith(".toml") and name[:-5].isdigit()))


@cache
def load_catalogue(year: int) -> Catalogue:
    """The catalogue of policy year `year`; a year without a file is refused (never borrowed)."""
    if year not in catalogue_years():
        known = "、".join(str(known) for known in catalogue_years()) or "无"
        raise CatalogueError(
            f"没有{year}年度的帮扶政策目录（已有：{known}年度；"
            f"请在 fangfan/engine/cards/policies/{year}.toml 中添加）"
        )
    text = resources.files(PACKAGE).joinpath(f"{year}.toml").read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CatalogueError(f"{year}年度帮扶政策目录（policies/{year}.toml）格式有误：{error}") from None
    return _catalogue(year, data)


def applicable_catalogue(year: int) -> Catalogue:
    """The catalogue that applies to `year`: its own, else the nearest earlier one (as
    policy files are borrowed); a year before every catalogue is refused.

    >>> applicable_catalogue(2031).year
    2026
    """
    earlier = [known for known in catalogue_years() if known <= year]
    return load_catalogue(earlier[-1] if earlier else year)


def _catalogue(year: int, data: dict[str, Any]) -> Catalogue:
    from fangfan.engine.cards.received import SOURCES  # the names a policy may cite

    where = f"{year}年度帮扶政策目录（policies/{year}.toml）"
    if data.get("year") != year:
        raise CatalogueError(f"{where}写的年度是 {data.get('year')}，与文件名不符")
    policies: list[Policy] = []
    for number, entry in enumerate(data.get("policy", []), start=1):
        missing = [field for field in ("key", "name", "department", "wording") if not entry.get(field)]
        if missing:
            raise CatalogueError(f"{where}第{number}条政策缺少：{'、'.join(missing)}")
        unknown = [source for source in entry.get("sources", []) if source not in SOURCES]
        if unknown:
            raise CatalogueError(f"{where}“{entry['name']}”的来源不认识：{'、'.join(unknown)}")
        policies.append(
            Policy(
                key=entry["key"],
                name=entry["name"],
                department=entry["department"],
                wording=entry["wording"],
                sources=tuple(entry.get("sources", [])),
                household_types=tuple(entry.get("household_types", [])),
            )
        )
    keys = [policy.key for policy in policies]
    doubled = sorted({key for key in keys if keys.count(key) > 1})
    if doubled:
        raise CatalogueError(f"{where}政策键重复：{'、'.join(doubled)}")
    card = data.get("card", {})
    return Catalogue(
        year=year,
        policies=tuple(policies),
        title=card.get("title", "帮扶政策明白卡"),
        hotline=str(card.get("hotline", "12317")),
        hotline_wording=card.get("hotline_wording", ""),
        footer=card.get("footer", ""),
        nothing_received=card.get("nothing_received", ""),
        verify_wording=card.get("verify_wording", ""),
        valid_days=int(card.get("valid_days", 400)),
    )

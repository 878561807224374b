"""The time limits of grievances and public-opinion items (`sla.toml`), read and checked.

The first rule whose channels and categories both match a grievance sets its three
limits, in hours from its receipt::

    >>> limits = load_sla().rule_for("12317", "housing")
    >>> (limits.response_hours, limits.resolution_hours, limits.escalation_hours)
    (24, 120, 48)

A file that leaves some channel × category without a rule, names a channel or category
it does not declare, or gives a limit that is not a positive whole number of hours is
refused with a Chinese message naming the rule (`SlaError`). No Django here: the web
app and the tests both read it through `load_sla`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

ANY = "*"
LIMITS = ("response_hours", "resolution_hours", "escalation_hours")
# A limit longer than a year is a typo (8760 hours), not a policy.
LONGEST_HOURS = 24 * 366


class SlaError(ValueError):
    """The time-limit file cannot be used; the message says where (Chinese)."""


@dataclass(frozen=True)
class Choice:
    code: str
    name: str


@dataclass(frozen=True)
class SlaRule:
    """One rule: where it applies and its limits in hours."""

    name: str
    channels: tuple[str, ...]
    categories: tuple[str, ...]
    response_hours: int
    resolution_hours: int
    escalation_hours: int
    at_risk_hours: int

    def matches(self, channel: str, category: str) -> bool:
        return (ANY in self.channels or channel in self.channels) and (
            ANY in self.categories or category in self.categories
        )


@dataclass(frozen=True)
class OpinionLimits:
    """舆情: hours from discovery to the on-site verification and to the answer."""

    verify_hours: int
    answer_hours: int
    at_risk_hours: int


@dataclass(frozen=True)
class Sla:
    channels: tuple[Choice, ...]
    categories: tuple[Choice, ...]
    rules: tuple[SlaRule, ...]
    opinion: OpinionLimits

    def rule_for(self, channel: str, category: str) -> SlaRule:
        """The first rule matching both; SlaError for a channel or category the file does not know."""
        if channel not in self.channel_codes or category not in self.category_codes:
            raise SlaError(f"未知的信访渠道或类别：{channel}、{category}")
        return next(rule for rule in self.rules if rule.matches(channel, category))

    @property
    def channel_codes(self) -> tuple[str, ...]:
        return tuple(choice.code for choice in self.channels)

    @property
    def category_codes(self) -> tuple[str, ...]:
        return tuple(choice.code for choice in self.categories)


def _hours(entry: Mapping[str, Any], key: str, where: str, default: int | None = None) -> int:
    value = entry.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= LONGEST_HOURS:
        raise SlaError(f"{where}：{key} 须是1到{LONGEST_HOURS}之间的整数（小时），现为 {value!r}")
    return value


def _choices(document: Mapping[str, Any], key: str, label: str) -> tuple[Choice, ...]:
    entries = document.get(key, ())
    choices = tuple(Choice(str(entry.get("code", "")), str(entry.get("name", ""))) for entry in entries)
    if not choices or any(not choice.code or not choice.name for choice in choices):
        raise SlaError(f"时限文件须列出{label}，每项都有 code 和 name")
    codes = [choice.code for choice in choices]
    if len(set(codes)) != len(codes) or ANY in codes:
        raise SlaError(f"{label}的 code 不能重复，也不能是 *")
    return choices


def _names(entry: Mapping[str, Any], key: str, known: tuple[str, ...], where: str) -> tuple[str, ...]:
    values = entry.get(key)
    if not isinstance(values, list) or not values or not all(isinstance(value, str) for value in values):
        raise SlaError(f"{where}：{key} 须是非空的列表")
    unknown = sorted(set(values) - {*known, ANY})
    if unknown:
        raise SlaError(f"{where}：{key} 中有未声明的 {'、'.join(unknown)}")
    return tuple(values)


def _rule(entry: Mapping[str, Any], sla: Mapping[str, tuple[str, ...]], default_at_risk: int) -> SlaRule:
    name = str(entry.get("name", "")).strip()
    where = f"时限规则“{name or '（未命名）'}”"
    if not name:
        raise SlaError(f"{where}：须有 name")
    rule = SlaRule(
        name=name,
        channels=_names(entry, "channels", sla["channels"], where),
        categories=_names(entry, "categories", sla["categories"], where),
        response_hours=_hours(entry, "response_hours", where),
        resolution_hours=_hours(entry, "resolution_hours", where),
        escalation_hours=_hours(entry, "escalation_hours", where),
        at_risk_hours=_hours(entry, "at_risk_hours", where, default_at_risk),
    )
    if rule.response_hours > rule.resolution_hours:
        raise SlaError(f"{where}：受理时限不能长于答复时限")
    return rule


def parse_sla(text: str, source: str = "sla.toml") -> Sla:
    """Read and check a time-limit file's text."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SlaError(f"时限文件 {source} 不是有效的 TOML：{error}") from None
    channels = _choices(document, "channel", "信访渠道")
    categories = _choices(document, "category", "信访类别")
    known = {"channels": tuple(c.code for c in channels), "categories": tuple(c.code for c in categories)}
    default_at_risk = _hours(document, "at_risk_hours", source, 24)
    rules = tuple(_rule(entry, known, default_at_risk) for entry in document.get("rule", ()))
    unmatched = [
        f"{channel.name}·{category.name}"
        for channel in channels
        for category in categories
        if not any(rule.matches(channel.code, category.code) for rule in rules)
    ]
    if unmatched:
        raise SlaError(f"时限文件 {source} 没有规则适用于：{'、'.join(unmatched[:5])}")
    opinion = document.get("opinion")
    if not isinstance(opinion, dict):
        raise SlaError(f"时限文件 {source} 须有 [opinion]（舆情核实和回应时限）")
    where = "舆情时限"
    limits = OpinionLimits(
        _hours(opinion, "verify_hours", where),
        _hours(opinion, "answer_hours", where),
        _hours(opinion, "at_risk_hours", where, default_at_risk),
    )
    if limits.verify_hours > limits.answer_hours:
        raise SlaError("舆情时限：核实时限不能长于回应时限")
    return Sla(channels, categories, rules, limits)


@cache
def load_sla() -> Sla:
    """The shipped file, read and checked once."""
    text = resources.files("fangfan.engine.grievances").joinpath("sla.toml").read_text("utf-8")
    return parse_sla(text)

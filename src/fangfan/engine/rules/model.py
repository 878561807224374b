"""Rules as data: the catalogue files in `catalogue/*.toml` and what they hold.

Each TOML file lists rules under `[[rule]]`; a rule says what it checks (a
boolean expression over one wide table, with named policy parameters such as
`:water.max_trip_minutes`), how a finding reads (a message template whose
`{placeholders}` are wide-table columns or `{:parameters}`), which evidence
columns explain it, and which ground-truth kinds it covers.

>>> catalogue = load_catalogue(2025)
>>> catalogue.rule("EDU-001").veto
True
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from fangfan.engine.policy import Policy, load_policy
from fangfan.engine.rules.columns import COLUMNS, WideColumn

CATEGORIES = (
    "FOOD_CLOTHING",
    "EDUCATION",
    "MEDICAL",
    "HOUSING",
    "WATER",
    "INCOME",
    "ASSISTANCE",
    "EMPLOYMENT",
    "SOCIAL_SECURITY",
    "IDENTITY",
    "CONSISTENCY",
    "PROPERTY",
    "MONITORING",
    "EVIDENCE",
)
SEVERITIES = ("high", "medium", "low")
LEVELS = ("person", "household")
_TABLE_OF_LEVEL = {"person": "person_wide", "household": "household_wide"}
_REQUIRED = ("code", "name", "category", "severity", "level", "message", "condition", "standard")
_TEMPLATE_FIELD = re.compile(r"\{(:?[A-Za-z_][A-Za-z0-9_.]*)\}")


class RuleError(ValueError):
    """A rule in the catalogue cannot be used; the message names the rule (Chinese)."""


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    category: str
    veto: bool
    severity: str
    level: str
    table: str
    condition: str
    message: str
    evidence: tuple[str, ...]
    standard: str
    kinds: tuple[str, ...] = ()
    years: tuple[int, int] | None = None
    source_file: str = ""
    warning: bool = False  # a department warning for relapse monitoring (部门筛查预警)

    def applies_in(self, year: int) -> bool:
        return self.years is None or self.years[0] <= year <= self.years[1]

    def template_fields(self) -> tuple[str, ...]:
        """Names inside `{...}` in the message: columns, or `:parameters`."""
        return tuple(_TEMPLATE_FIELD.findall(self.message))

    def evidence_columns(self) -> tuple[WideColumn, ...]:
        columns = COLUMNS[self.table]
        return tuple(columns[name] for name in self.evidence)


@dataclass(frozen=True)
class Catalogue:
    year: int
    policy: Policy
    rules: tuple[Rule, ...]

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def rule(self, code: str) -> Rule:
        for candidate in self.rules:
            if candidate.code == code:
                return candidate
        raise KeyError(code)

    def for_table(self, table: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.table == table)


def rule_from_mapping(entry: Mapping[str, Any], source_file: str = "") -> Rule:
    """Build one rule from its TOML table, refusing missing or unknown metadata."""
    code = str(entry.get("code", "?"))
    missing = [key for key in _REQUIRED if not entry.get(key)]
    if missing:
        raise RuleError(f"规则 {code}（{source_file}）缺少必填项：{'、'.join(missing)}")
    _require_choice(code, "category", entry["category"], CATEGORIES)
    _require_choice(code, "severity", entry["severity"], SEVERITIES)
    _require_choice(code, "level", entry["level"], LEVELS)
    table = str(entry.get("table", _TABLE_OF_LEVEL[entry["level"]]))
    _require_choice(code, "table", table, tuple(COLUMNS))
    return Rule(
        code=code,
        name=str(entry["name"]),
        category=str(entry["category"]),
        veto=bool(entry.get("veto", False)),
        severity=str(entry["severity"]),
        level=str(entry["level"]),
        table=table,
        condition=str(entry["condition"]),
        message=str(entry["message"]),
        evidence=tuple(str(e) for e in entry.get("evidence", ())),
        standard=str(entry["standard"]),
        kinds=tuple(str(k) for k in entry.get("kinds", ())),
        years=_years(code, entry.get("years")),
        source_file=source_file,
        warning=_flag(code, "warning", entry.get("warning", False)),
    )


def _require_choice(code: str, key: str, value: object, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise RuleError(f"规则 {code} 的 {key} 为 {value!r}，只能是：{' '.join(choices)}")


def _flag(code: str, key: str, raw: object) -> bool:
    if not isinstance(raw, bool):
        raise RuleError(f"规则 {code} 的 {key} 只能写 true 或 false，实际为 {raw!r}")
    return raw


def _years(code: str, raw: object) -> tuple[int, int] | None:
    if raw is None:
        return None
    if not (isinstance(raw, list) and len(raw) == 2 and all(isinstance(y, int) for y in raw)):
        raise RuleError(f"规则 {code} 的 years 应写成 [起始年度, 截止年度]，实际为 {raw!r}")
    return (raw[0], raw[1])


def parse_rules(text: str, source_file: str = "") -> tuple[Rule, ...]:
    """Rules of one catalogue file's text."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RuleError(f"规则文件 {source_file} 不是有效的 TOML：{error}") from None
    return tuple(rule_from_mapping(entry, source_file) for entry in document.get("rule", ()))


def builtin_rules() -> tuple[Rule, ...]:
    """Every rule shipped in `catalogue/`, whatever its years."""
    return _builtin_rules()


@cache
def _builtin_rules() -> tuple[Rule, ...]:
    folder = resources.files("fangfan.engine.rules.catalogue")
    rules: list[Rule] = []
    for item in sorted(folder.iterdir(), key=lambda entry: entry.name):
        if item.name.endswith(".toml"):
            rules.extend(parse_rules(item.read_text("utf-8"), item.name))
    return tuple(rules)


def build_catalogue(rules: tuple[Rule, ...], year: int) -> Catalogue:
    """Keep the rules valid in `year`, check every one, and refuse duplicates."""
    from fangfan.engine.rules.check import check_rule  # check imports this module

    policy = load_policy(year)
    chosen = tuple(r for r in rules if r.applies_in(year))
    seen: set[str] = set()
    for rule in chosen:
        if rule.code in seen:
            raise RuleError(f"规则编号 {rule.code} 重复")
        seen.add(rule.code)
        check_rule(rule, policy)
    return Catalogue(year=year, policy=policy, rules=chosen)


def load_catalogue(year: int) -> Catalogue:
    """The checked catalogue in force for policy `year`."""
    return build_catalogue(builtin_rules(), year)

"""What the household page shows beyond the household's own fields.

- every indicator of the run's catalogue, passed (达标) or failed with the findings'
  evidence: the census areas (吃穿, 义务教育, 基本医疗, 住房安全, 饮水安全) first, then the
  other checks;
- its department records, with the feed's Chinese headers;
- evidence with ID and phone numbers masked, and birth dates shown as their year (the
  masked ID beside them hides exactly the birth date).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from fangfan.engine import formatting
from fangfan.engine.ledger import CATEGORY_NAMES
from fangfan.engine.policy import load_policy
from fangfan.engine.rules.model import CATEGORIES, Catalogue, Rule, load_catalogue
from fangfan.engine.schema import TABLES, Kind
from fangfan.web.accounts.personal import birth_year, mask_id, mask_phone, mask_text
from fangfan.web.registry.models import DepartmentRecord, Finding

CENSUS_CATEGORIES = ("FOOD_CLOTHING", "EDUCATION", "MEDICAL", "HOUSING", "WATER")
ID_LIKE = re.compile(r"^\d{15}(\d{2}[\dXx])?$")
PHONE_LIKE = re.compile(r"^1\d{10}$")
BIRTH_DATE_LABEL = "出生日期"
METHOD_NAMES = {
    "exact": "证件号一致",
    "exact_15_to_18": "15位旧证件号换算",
    "probabilistic": "概率匹配",
    "village": "行政区划代码一致",
}


def masked_value(value: Any, label: str = "") -> Any:
    """A value shown to users: an ID or phone number masked (also inside text), a birth
    date (its label says 出生日期) as its year, booleans as 是/否, nothing as —.

    >>> masked_value("1996-02-11", "户主出生日期")
    '1996年'
    """
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "；".join(str(masked_value(item, label)) for item in value)
    text = str(value)
    if BIRTH_DATE_LABEL in label:
        return birth_year(text)
    if ID_LIKE.match(text):
        return mask_id(text)
    if PHONE_LIKE.match(text):
        return mask_phone(text)
    return mask_text(value) if isinstance(value, str) else value


def masked_evidence(finding: Finding) -> list[dict[str, Any]]:
    """The finding's evidence entries (label, value, source) in words (money with 元, 是/否,
    the registry's tables as 国扶办·…: `engine.formatting`), personal numbers masked."""
    entries = finding.evidence if isinstance(finding.evidence, list) else []
    return [
        {
            "label": entry.get("label", ""),
            "value": masked_value(_evidence_value(entry), entry.get("label", "")),
            "source": formatting.source_text(str(entry.get("source") or "")),
        }
        for entry in entries
    ]


def _evidence_value(entry: dict[str, Any]) -> Any:
    value = entry.get("value")
    if value is None or value == "" or BIRTH_DATE_LABEL in str(entry.get("label", "")):
        return value  # masked_value shows nothing as — and a birth date as its year
    return formatting.evidence_value_text(str(entry.get("label", "")), value)


def evidence_text(finding: Finding) -> str:
    """The evidence on one line (Excel): 标签：值（来源）；…"""
    parts = []
    for entry in masked_evidence(finding):
        source = f"（{entry['source']}）" if entry["source"] else ""
        parts.append(f"{entry['label']}：{entry['value']}{source}")
    return "；".join(parts)


@dataclass(frozen=True)
class Indicator:
    rule: Rule
    findings: list[tuple[Finding, list[dict[str, Any]]]] = field(default_factory=list)  # with evidence
    note: str = ""  # why a passed check passed when the household's own data looks otherwise

    @property
    def passed(self) -> bool:
        return not self.findings


@dataclass(frozen=True)
class IndicatorGroup:
    category: str
    label: str
    census: bool
    indicators: list[Indicator]

    @property
    def failed(self) -> int:
        return sum(not indicator.passed for indicator in self.indicators)


def indicator_groups(
    findings: Iterable[Finding], policy_year: int, notes: dict[str, str] | None = None
) -> list[IndicatorGroup]:
    """Every rule of the year's catalogue, grouped by category, with the household's open findings
    and, by rule code, the `notes` explaining a passed check (`indicator_notes`)."""
    notes = notes or {}
    catalogue = _catalogue(policy_year)
    by_rule: dict[str, list[tuple[Finding, list[dict[str, Any]]]]] = {}
    for finding in findings:
        if finding.engine_status == Finding.EngineStatus.OPEN:
            by_rule.setdefault(finding.rule_code, []).append((finding, masked_evidence(finding)))
    ordered = [*CENSUS_CATEGORIES, *(c for c in CATEGORIES if c not in CENSUS_CATEGORIES)]
    groups = []
    for category in ordered:
        rules = [rule for rule in catalogue if rule.category == category]
        if rules:
            groups.append(
                IndicatorGroup(
                    category=category,
                    label=CATEGORY_NAMES.get(category, category),
                    census=category in CENSUS_CATEGORIES,
                    indicators=[
                        Indicator(rule, by_rule.get(rule.code, []), notes.get(rule.code, ""))
                        for rule in rules
                    ],
                )
            )
    return groups


PIPED = "集中供水入户"
WATER_TRIP_RULE = "WAT-003"


def indicator_notes(household: Any, records: Iterable[DepartmentRecord], policy_year: int) -> dict[str, str]:
    """{rule code: why it passed} where the household's own answers seem to say otherwise.

    WAT-003 counts a household with water piped into the home as convenient whatever trip
    it registered; a registered trip over the limit then passes, and the page says why
    and what to check (with the village water project's supply mode when there is one).
    """
    limit = int(load_policy(policy_year).number("water.max_trip_minutes"))
    minutes = household.water_trip_minutes
    if household.water_supply != PIPED or minutes is None or minutes <= limit:
        return {}
    projects = [
        r.data["supply_mode"]
        for r in records
        if r.feed == "water_supply" and isinstance(r.data, dict) and r.data.get("supply_mode")
    ]
    project = f"，水务部门供水工程记录本村为“{'、'.join(sorted(set(projects)))}”" if projects else ""
    return {
        WATER_TRIP_RULE: (
            f"按达标计：户登记供水方式为“{PIPED}”{project}，自来水入户即视为用水方便，不看取水时间；"
            f"但该户登记单次取水往返{minutes}分钟，超过{limit}分钟，与自来水入户不符，"
            "请入户核实供水方式和取水时间并更正登记。"
        )
    }


@cache
def _catalogue(policy_year: int) -> Catalogue:
    """The year's catalogue, checked once per process (checking every rule takes ~60 ms)."""
    return load_catalogue(policy_year)


def _field_text(kind: Kind | None, value: Any) -> Any:
    """A department value in the formatting layer's style: money with 元, dates in Chinese."""
    if value is None or value == "":
        return value
    if kind is Kind.MONEY:
        return formatting.money_text(value)
    if kind is Kind.DATE:
        return formatting.date_text(str(value))
    return value


@dataclass(frozen=True)
class DepartmentRow:
    record: DepartmentRecord
    feed_title: str
    department: str
    values: list[tuple[str, Any]]
    method: str
    village_level: bool = False  # a village's record (a water project), not a person's


VILLAGE_METHOD = "按行政村匹配"


def department_rows(records: Iterable[DepartmentRecord]) -> list[DepartmentRow]:
    """Department records as the page lists them: the feed's Chinese title and headers."""
    rows = []
    for record in records:
        table = TABLES.get(record.feed)
        headers = {f.name: f.header for f in table.fields} if table else {}
        kinds = {f.name: f.kind for f in table.fields} if table else {}
        order = list(headers)
        data = record.data if isinstance(record.data, dict) else {}
        names = sorted(data, key=lambda name: order.index(name) if name in order else len(order))
        values = [
            (
                headers.get(name, name),
                masked_value(_field_text(kinds.get(name), data[name]), headers.get(name, name)),
            )
            for name in names
            if name != "name"
        ]
        village_level = record.household_id is None
        method = VILLAGE_METHOD if village_level else METHOD_NAMES.get(record.method, record.method)
        if not village_level and record.method == "probabilistic" and record.match_probability is not None:
            method = f"{method}（{record.match_probability:.1%}）"
        rows.append(
            DepartmentRow(
                record=record,
                feed_title=table.title if table else record.feed,
                department=table.department if table else "",
                values=values,
                method=method,
                village_level=village_level,
            )
        )
    return rows

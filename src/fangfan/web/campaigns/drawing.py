"""Which households of a region a campaign's target rules draw, and why (no writes here).

A rule on `households` is a filter on the published registry's households; on `members`,
on its living members (a member's `age` is counted at the campaign's start); on a
department feed, on the current snapshot's department records linked to a household
(`DepartmentRecord`), whose values are JSON and are tested here, row by row. Every hit
carries the rule's reason and the values that made it (`evidence`), as people read them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, Q

from fangfan.engine.campaigns import Campaign, Condition, TargetRule, field_of
from fangfan.engine.formatting import date_text
from fangfan.web.accounts.access import within_region
from fangfan.web.procedures.base import WorkflowError
from fangfan.web.regions.models import Region
from fangfan.web.registry.models import DepartmentRecord, Household, Member

YES_NO = {"是": True, "否": False}


@dataclass(frozen=True)
class Hit:
    """One household drawn by one rule: the reason and the values behind it."""

    household_id: str
    village_code: str
    code: str
    reason: str
    evidence: tuple[tuple[str, str], ...]

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "reason": self.reason, "evidence": [list(pair) for pair in self.evidence]}


def find_targets(campaign: Campaign, region: Region) -> dict[str, list[Hit]]:
    """Household ID → the rules that draw it (in the file's order), over the region."""
    found: dict[str, list[Hit]] = {}
    for rule in campaign.targets:
        seen: set[str] = set()
        for hit in rule_hits(campaign, rule, region):
            if hit.household_id not in seen:  # one reason per rule, from its first row
                seen.add(hit.household_id)
                found.setdefault(hit.household_id, []).append(hit)
    return found


def rule_hits(campaign: Campaign, rule: TargetRule, region: Region) -> Iterator[Hit]:
    if rule.table == "households":
        yield from _household_hits(campaign, rule, region)
    elif rule.table == "members":
        yield from _member_hits(campaign, rule, region)
    else:
        yield from _record_hits(campaign, rule, region)


def _household_hits(campaign: Campaign, rule: TargetRule, region: Region) -> Iterator[Hit]:
    households = Household.objects.filter(within_region("village_code", region))
    rows = households.filter(_query(campaign, Household, rule.where))
    for row in rows.values("household_id", "village_code", *rule.evidence).iterator(chunk_size=2_000):
        yield _hit(rule, row["household_id"], row["village_code"], row)


def _member_hits(campaign: Campaign, rule: TargetRule, region: Region) -> Iterator[Hit]:
    members = Member.objects.filter(within_region("village_code", region), household__deleted_at__isnull=True)
    members = members.filter(_query(campaign, Member, rule.where))
    members = members.filter(_query(campaign, Household, rule.household, "household__"))
    fields = [name for name in rule.evidence if name not in ("age", "birth_date")]
    for row in members.values("household_id", "village_code", "birth_date", *fields).iterator(
        chunk_size=2_000
    ):
        if "age" in rule.evidence:
            row["age"] = _age(row["birth_date"], campaign.start)
        yield _hit(rule, row["household_id"], row["village_code"], row)


def _record_hits(campaign: Campaign, rule: TargetRule, region: Region) -> Iterator[Hit]:
    records = DepartmentRecord.objects.filter(
        within_region("village_code", region),
        feed=rule.table,
        household__isnull=False,
        household__deleted_at__isnull=True,
    ).filter(_query(campaign, Household, rule.household, "household__"))
    rows = records.values_list("household_id", "household__village_code", "data")
    for household_id, village_code, data in rows.iterator(chunk_size=2_000):
        if all(_holds(campaign, condition, data.get(condition.field)) for condition in rule.where):
            yield _hit(rule, household_id, village_code, data)


def _query(campaign: Campaign, model: type[Model], conditions: Iterable[Condition], prefix: str = "") -> Q:
    query = Q()
    for condition in conditions:
        query &= _lookup(campaign, model, condition, prefix)
    return query


def _lookup(campaign: Campaign, model: type[Model], condition: Condition, prefix: str) -> Q:
    """One condition as a database filter on `model` (reached through `prefix`)."""
    if model is Member and condition.field == "age":
        return _age_lookup(campaign.start, condition, prefix)
    names = {field.name for field in model._meta.get_fields()}
    if condition.field not in names:
        raise WorkflowError(
            f"专项行动“{campaign.title}”的条件用到 {condition.field}，发布的农户数据中没有该字段"
        )
    name = f"{prefix}{condition.field}"
    if condition.test == "this_year":
        return Q(**{f"{name}__year": campaign.year})
    if condition.test == "at_least":
        return Q(**{f"{name}__gte": condition.value})
    if condition.test == "at_most":
        return Q(**{f"{name}__lte": condition.value})
    if condition.test == "in":
        return Q(**{f"{name}__in": [_stored(value) for value in condition.value]})
    return Q(**{name: _stored(condition.value)})


def _stored(value: Any) -> Any:
    """A value as the registry stores it: 是/否 are booleans there."""
    return YES_NO.get(value, value) if isinstance(value, str) else value


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def _age_lookup(start: dt.date, condition: Condition, prefix: str) -> Q:
    """`age` at the campaign's start, as a range of birth dates."""
    field = f"{prefix}birth_date"
    years = int(condition.value) if condition.test != "this_year" else 0
    if condition.test == "at_least":
        return Q(**{f"{field}__lte": _years_before(start, years)})
    if condition.test == "at_most":
        return Q(**{f"{field}__gt": _years_before(start, years + 1)})
    if condition.test == "is":
        return Q(
            **{f"{field}__lte": _years_before(start, years), f"{field}__gt": _years_before(start, years + 1)}
        )
    raise WorkflowError("年龄只能用 is、at_least 或 at_most 判断")


def _age(born: dt.date | None, on: dt.date) -> int | None:
    if born is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _holds(campaign: Campaign, condition: Condition, value: Any) -> bool:
    """One condition on a department record's value (JSON: text, numbers, ISO dates)."""
    if value is None or value == "":
        return False
    text = _said(value)
    if condition.test == "this_year":
        return text[:4] == str(campaign.year)
    if condition.test in ("at_least", "at_most"):
        try:
            number = float(value)
        except (TypeError, ValueError):
            return False
        limit = float(condition.value)
        return number >= limit if condition.test == "at_least" else number <= limit
    if condition.test == "in":
        return text in condition.value
    return text == str(condition.value)


def _said(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, dt.date):
        return date_text(value)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return date_text(dt.date.fromisoformat(value))
        except ValueError:
            return value
    return _said(value)


def _hit(rule: TargetRule, household_id: str, village_code: str, row: dict[str, Any]) -> Hit:
    evidence = tuple((field_of(rule.table, name).header, _shown(row.get(name))) for name in rule.evidence)
    return Hit(household_id, village_code, rule.code, rule.reason, evidence)

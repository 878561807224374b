"""What the printed papers hold, read through the gate (views pass units already scoped):
a village's visit list, and a county's readiness report (figures, villages, leads, units).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone

from fangfan.engine.masking import mask_text
from fangfan.web.assessment import workbooks
from fangfan.web.assessment.estimates import percent
from fangfan.web.assessment.models import GUARANTEES, Found, Result, Round, Unit
from fangfan.web.registry.models import Finding

Writer = Callable[[IO[bytes]], None]


def _units(units: QuerySet[Unit]) -> list[Unit]:
    return list(units.select_related("household", "result").order_by("village_code", "household_id"))


def _result(unit: Unit) -> Result | None:
    try:
        return unit.result
    except Result.DoesNotExist:
        return None


def unit_rows(units: QuerySet[Unit]) -> list[dict[str, Any]]:
    return [workbooks.unit_row(unit, _result(unit)) for unit in _units(units)]


def visit_list(units: QuerySet[Unit], title: str) -> Writer:
    rows = unit_rows(units)
    return lambda target: workbooks.write_visit_list(target, rows, title=title, made_on=timezone.localdate())


def visit_lists(units: QuerySet[Unit], title: str) -> Writer:
    """Every village's visit list of the units, a sheet each (villages in code order)."""
    villages: dict[str, list[dict[str, Any]]] = {}
    for unit in _units(units):
        villages.setdefault(unit.village_code, []).append(workbooks.unit_row(unit, _result(unit)))
    lists = list(villages.values())
    return lambda target: workbooks.write_visit_lists(
        target, lists, title=title, made_on=timezone.localdate()
    )


def village_rows(units: list[Unit]) -> list[dict[str, Any]]:
    """Per village: units, visits and what they found; the villages with most problems first."""
    villages: dict[str, dict[str, Any]] = {}
    for unit in units:
        household = unit.household
        row = villages.setdefault(
            unit.village_code,
            {
                "township_name": household.township_name,
                "village_name": household.village_name or unit.village_code,
                **dict.fromkeys(
                    ("units", "visited", "wrongly_exited", "should_register", "disapproves", "not_secured"), 0
                ),
                "aware": 0,
                "policies": 0,
            },
        )
        row["units"] += 1
        result = _result(unit)
        if result is None:
            continue
        row["visited"] += 1
        row["wrongly_exited"] += bool(result.wrongly_exited)
        row["should_register"] += bool(result.should_register)
        row["disapproves"] += not result.approves
        row["not_secured"] += sum(getattr(result, name) == Found.NOT_SECURED for name, _ in GUARANTEES)
        row["aware"] += result.aware_count
        row["policies"] += result.policy_count
    for row in villages.values():
        row["problems"] = (
            row["wrongly_exited"] + row["should_register"] + row["disapproves"] + row["not_secured"]
        )
        row["awareness_text"] = percent(row["aware"] / row["policies"]) if row["policies"] else "—"
    return sorted(villages.values(), key=lambda row: (-row["problems"], row["village_name"]))


def lead_rows(units: list[Unit]) -> list[dict[str, Any]]:
    """Households judged wrongly exited or omitted, and sampled households the sieve flags,
    each with the sieve's open findings on it (masked)."""
    findings: dict[str, list[str]] = {}
    open_findings = Finding.objects.filter(
        household_id__in=[unit.household_id for unit in units], engine_status=Finding.EngineStatus.OPEN
    ).order_by("-veto", "rule_code")
    for household_id, rule_name, message in open_findings.values_list("household_id", "rule_name", "message"):
        findings.setdefault(household_id, []).append(f"{rule_name}：{mask_text(message)}")
    rows = []
    for unit in units:
        result = _result(unit)
        judged = _judgement(result)
        if not judged and unit.household_id not in findings:
            continue
        household = unit.household
        rows.append(
            {
                "village_name": household.village_name,
                "household_id": household.household_id,
                "head_name": household.head_name,
                "household_type": household.household_type,
                "judgement": "、".join(name for name, _ in judged) or "—",
                "reason": mask_text("；".join(reason for _, reason in judged)),
                "findings": "；".join(findings.get(unit.household_id, [])),
                "_judged": bool(judged),
            }
        )
    return sorted(rows, key=lambda row: (not row["_judged"], row["village_name"], row["household_id"]))


def _judgement(result: Result | None) -> list[tuple[str, str]]:
    if result is None:
        return []
    judged = []
    if result.wrongly_exited:
        judged.append(("疑似错退", result.wrongly_exited_reason))
    if result.should_register:
        judged.append(("疑似漏评", result.should_register_reason))
    return judged


def report(round: Round, county_name: str, units: QuerySet[Unit], estimates: list[dict[str, Any]]) -> Writer:
    """A county's readiness report (its units and estimate rows already chosen)."""
    chosen = _units(units)
    title = f"{county_name}考核评估模拟报告（{round.title}）"

    def write(target: IO[bytes]) -> None:
        workbooks.write_report(
            target,
            title=title,
            made_on=timezone.localdate(),
            measures=estimates,
            villages=village_rows(chosen),
            leads=lead_rows(chosen),
            units=[workbooks.unit_row(unit, _result(unit)) for unit in chosen],
        )

    return write

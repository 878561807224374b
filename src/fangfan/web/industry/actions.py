"""Industry's verbs: every planting and livestock row is recorded, corrected or removed here.

Each checks the gate (`can(user, "industry_record", household)`; an import
`industry_import`), writes in one transaction with its AuditEvent, and rewrites the
household's totals and verdicts (`ledger.refresh_household`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from fangfan.engine.fieldwork.industry_workbook import LIMITS, too_large
from fangfan.web.accounts.access import can
from fangfan.web.accounts.audit import record_creation, track_changes
from fangfan.web.accounts.models import User
from fangfan.web.industry.ledger import refresh_household
from fangfan.web.industry.models import IndustryRow, Livestock, Planting, Source
from fangfan.web.registry.models import Household
from fangfan.web.shared.double_tap import tapped_again

KINDS: dict[str, type[IndustryRow]] = {"planting": Planting, "livestock": Livestock}
CENTS = Decimal("0.01")


class Refused(Exception):
    """A write the rules do not allow, with a Chinese message for the page."""


@dataclass(frozen=True)
class RowInput:
    """One planting (`name` a crop, `mu`) or livestock row (`name` a kind, `head`) as entered."""

    kind: str
    year: int
    name: str
    income: Decimal
    mu: Decimal | None = None
    head: int = 0
    note: str = ""


def _require(user: User, household: Household, action: str = "industry_record") -> None:
    if not can(user, action, household):
        raise PermissionDenied("您无权登记该户的产业收入")


def _fields(entry: RowInput) -> dict[str, Any]:
    # As the columns keep them (two places), so that an audited correction compares like with like.
    common = {"year": entry.year, "income": entry.income.quantize(CENTS), "note": entry.note.strip()[:200]}
    if entry.kind == "planting":
        mu = entry.mu.quantize(CENTS) if entry.mu is not None else None
        return {**common, "crop": entry.name.strip()[:20], "mu": mu}
    if entry.kind == "livestock":
        return {**common, "kind": entry.name.strip()[:20], "head": entry.head}
    raise ValueError(f"unknown kind {entry.kind!r}")


def _check(entry: RowInput) -> None:
    if not entry.name.strip():
        raise Refused("请填写作物或畜禽种类")
    if entry.income < 0:
        raise Refused("收入不能为负数")
    if entry.mu is not None and entry.mu < 0:
        raise Refused("面积不能为负数")
    if entry.head < 0:
        raise Refused("数量不能为负数")
    for field, value in (("income", entry.income), ("mu", entry.mu), ("head", entry.head)):
        if value is not None and value > LIMITS[field]:
            raise Refused(too_large(field))


def _create(
    user: User | None, household: Household, entry: RowInput, source: str, source_file: str = ""
) -> IndustryRow:
    _check(entry)
    row = KINDS[entry.kind].objects.create(
        household=household,
        village_code=household.village_code,
        source=source,
        source_file=source_file[:255],
        recorded_by=user,
        **_fields(entry),
    )
    record_creation(user, row)
    return row


@transaction.atomic
def record_row(user: User, household: Household, entry: RowInput) -> IndustryRow:
    """登记 a planting or livestock row from a visit (source 走访).

    The same row again from the same user within `DOUBLE_TAP` is the first one (a second tap on
    a slow phone), not another: it would double the household's income.
    """
    _require(user, household)
    _check(entry)
    Household.objects.select_for_update().filter(pk=household.pk).first()  # one visit at a time
    again = tapped_again(
        KINDS[entry.kind].objects.all(), user, household=household, source=Source.VISIT, **_fields(entry)
    )
    if again is not None:
        return again
    row = _create(user, household, entry, Source.VISIT)
    refresh_household(household, entry.year)
    return row


@transaction.atomic
def correct_row(user: User, row: IndustryRow, entry: RowInput) -> IndustryRow:
    """更正 a row in place (its source stays; the audit trail keeps the old values)."""
    _require(user, row.household)
    _check(entry)
    old_year = row.year
    with track_changes(user, row):
        for name, value in _fields(entry).items():
            setattr(row, name, value)
        row.save()
    refresh_household(row.household, old_year)
    if entry.year != old_year:
        refresh_household(row.household, entry.year)
    return row


@transaction.atomic
def remove_row(user: User, row: IndustryRow, reason: str) -> None:
    """删除: the row is marked deleted with the reason; the household's totals drop it."""
    _require(user, row.household)
    reason = reason.strip()
    if not reason:
        raise Refused("请填写删除原因")
    row.removal_reason = reason[:200]
    row.save(update_fields=["removal_reason"])
    row.soft_delete(user)
    refresh_household(row.household, row.year)


@transaction.atomic
def import_rows(user: User, rows: Iterable[tuple[Household, RowInput]], file_name: str) -> int:
    """导入 checked rows from an Excel list, all in one transaction (source 导入 and the file's name)."""
    touched: set[tuple[str, int]] = set()
    households: dict[str, Household] = {}
    count = 0
    for household, entry in rows:
        _require(user, household, "industry_import")
        _create(user, household, entry, Source.IMPORT, file_name)
        touched.add((household.household_id, entry.year))
        households[household.household_id] = household
        count += 1
    for household_id, year in sorted(touched):
        refresh_household(households[household_id], year)
    return count

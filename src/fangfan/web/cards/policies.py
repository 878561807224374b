"""Which policies households receive, read from the published registry.

`policies_for_households` reads households, their members and their department records
in a fixed number of queries whatever the number of households (one household for its
page, a village or township for a batch of cards) and hands them to the engine's
`received_policies`, so the page, the card and the engine say the same.

>>> # policies_for_households(["6212260012010001"])["6212260012010001"][0].name
>>> # '最低生活保障'
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl

from fangfan.engine.cards.catalogue import Catalogue, applicable_catalogue, catalogue_years
from fangfan.engine.cards.inputs import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS
from fangfan.engine.cards.received import CARD_FEEDS, CardInputs, feed_source_text, received_policies
from fangfan.web.registry.models import DepartmentRecord, Household, Member, Run

# SQLite allows 32,766 parameters to a statement; a township's households fit many times.
CHUNK = 5_000


@dataclass(frozen=True)
class ReceivedPolicy:
    """One policy one household (member_name "") or one member received in the year."""

    key: str
    name: str
    department: str
    amount: Decimal | None  # 元 for the year; None where the data has no amount
    member_name: str
    source: str


def current_policy_year() -> int:
    """The policy year of the current published run (what the pages screen against), else
    the newest year with a catalogue."""
    run = Run.objects.current()
    return run.policy_year if run is not None else catalogue_years()[-1]


def catalogue_for(year: int | None = None) -> Catalogue:
    """The catalogue of `year` (default: the current policy year); a year without its own
    catalogue uses the nearest earlier one, as policy files do."""
    return applicable_catalogue(current_policy_year() if year is None else year)


def policies_for_households(
    households: Iterable[Household | str], year: int | None = None
) -> dict[str, list[ReceivedPolicy]]:
    """household_id → the policies received in `year` (default: the current policy year),
    in the catalogue's order; every household asked about is a key (an empty list when it
    received nothing the data shows). Soft-deleted households and members are left out."""
    ids = list(dict.fromkeys(h if isinstance(h, str) else h.household_id for h in households))
    result: dict[str, list[ReceivedPolicy]] = {household_id: [] for household_id in ids}
    if not ids:
        return result
    catalogue = catalogue_for(year)
    frame = received_policies(database_inputs(ids), catalogue)
    for row in frame.iter_rows(named=True):
        result[row["household_id"]].append(
            ReceivedPolicy(
                key=row["key"],
                name=row["name"],
                department=row["department"],
                amount=_money(row["amount"]),
                member_name=row["member_name"],
                source=row["source"],
            )
        )
    return result


def _money(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 2))).quantize(Decimal("0.01"))


def database_inputs(household_ids: Sequence[str]) -> CardInputs:
    """`CardInputs` for these households from the database: three queries per CHUNK households."""
    households: list[dict[str, Any]] = []
    members: list[dict[str, Any]] = []
    records: dict[str, list[dict[str, Any]]] = {feed: [] for feed in CARD_FEEDS}
    for start in range(0, len(household_ids), CHUNK):
        chunk = household_ids[start : start + CHUNK]
        households += Household.objects.filter(household_id__in=chunk).values(*HOUSEHOLD_COLUMNS)
        members += (
            Member.objects.filter(household_id__in=chunk)
            .order_by("household_id", "position")
            .values(*MEMBER_COLUMNS)
        )
        # In file order, as the engine reads them: a person's sources are listed in that order.
        records_of_chunk = DepartmentRecord.objects.filter(household_id__in=chunk, feed__in=CARD_FEEDS)
        found = records_of_chunk.order_by("feed", "source_file", "source_sheet", "source_row").values_list(
            "feed",
            "household_id",
            "linked_id_number",
            "name",
            "data",
            "source_file",
            "source_sheet",
            "source_row",
        )
        for feed, household_id, id_number, name, data, file, sheet, row in found:
            values = data if isinstance(data, dict) else json.loads(data or "{}")
            records[feed].append(
                {
                    **{str(key): _text(value) for key, value in values.items()},
                    "household_id": household_id,
                    "person_id_number": id_number or None,
                    "name": name or values.get("head_name") or "",
                    "source": feed_source_text(feed, file, sheet, row),
                }
            )
    return CardInputs(
        households=pl.DataFrame(households, schema=_schema(HOUSEHOLD_COLUMNS)),
        members=pl.DataFrame(members, schema=_schema(MEMBER_COLUMNS)),
        records={
            feed: pl.DataFrame(rows, infer_schema_length=None) for feed, rows in records.items() if rows
        },
    )


def _text(value: Any) -> Any:
    """A record's value as the engine's sources read it: numbers as numbers, 是/否 as text."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float) or value is None:
        return value
    return str(value)


BOOLEAN_COLUMNS = {"house_renovated", "relocated", "dibao", "tekun", "family_doctor"}


def _schema(columns: Sequence[str]) -> dict[str, pl.DataType]:
    return {column: pl.Boolean() if column in BOOLEAN_COLUMNS else pl.String() for column in columns}

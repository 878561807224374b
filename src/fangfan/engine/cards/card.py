"""What one printed card says: the household, its members' names, the policies received,
the helper, the measures, the hotline, the year and the verification link.

Built the same way from a snapshot (`cards_from_snapshot`, for `fangfan cards`) and from
the web database (`fangfan.web.cards.batch`): both hand `card_for` plain values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import polars as pl

from fangfan.engine.cards.catalogue import Catalogue
from fangfan.engine.cards.received import GONE
from fangfan.engine.cards.signing import CardSigner, content_digest
from fangfan.engine.masking import mask_text


@dataclass(frozen=True)
class CardLine:
    """One policy on the card, for one person or (member_name "") the household."""

    key: str
    name: str
    department: str
    member_name: str
    amount: float | None
    source: str
    wording: str


@dataclass(frozen=True)
class Card:
    household_id: str
    place: str  # 县 乡 村
    head_name: str
    household_type: str
    members: tuple[tuple[str, str], ...]  # (name, relation): names only, never ID numbers or phones
    lines: tuple[CardLine, ...]
    helper_name: str
    helper_phone: str  # printed: the household calls the helper (the download is region-gated)
    measures: tuple[str, ...]
    year: int
    issued_on: dt.date
    verify_url: str
    digest: str


def card_for(
    household: Mapping[str, Any],
    members: Sequence[tuple[str, str]],
    received: Sequence[Mapping[str, Any]],
    catalogue: Catalogue,
    issued_on: dt.date,
    signer: CardSigner | None,
) -> Card:
    """The card of one household. `household` has household_id, the region names, head_name,
    household_type, helper_name, helper_phone and measures (a list or "；"-separated text);
    `received` rows have key, name, department, member_name, amount and source."""
    lines = tuple(
        CardLine(
            key=row["key"],
            name=row["name"],
            department=row["department"],
            member_name=row["member_name"] or "",
            amount=None if row["amount"] is None else float(row["amount"]),
            source=row["source"],
            wording=catalogue.by_key(row["key"]).wording,
        )
        for row in received
    )
    household_id = str(household["household_id"])
    place = "".join(
        str(household.get(name) or "") for name in ("county_name", "township_name", "village_name")
    )
    digest = content_digest(
        household_id, catalogue.year, ((line.key, line.member_name, line.amount) for line in lines), place
    )
    # Every text printed passes the masking of free text: a name or a department file's name
    # carrying a whole ID or phone number (a column shifted in a feed) is printed masked.
    lines = tuple(
        replace(line, member_name=mask_text(line.member_name), source=mask_text(line.source))
        for line in lines
    )
    measures = household.get("measures") or ()
    if isinstance(measures, str):
        measures = [item for item in measures.replace(";", "；").split("；") if item]
    return Card(
        household_id=household_id,
        place=place,
        head_name=mask_text(household.get("head_name") or ""),
        household_type=mask_text(household.get("household_type") or ""),
        members=tuple((mask_text(name), mask_text(relation)) for name, relation in members),
        lines=lines,
        helper_name=mask_text(household.get("helper_name") or ""),
        helper_phone=str(household.get("helper_phone") or ""),
        # Free text: a cadre once wrote a helper's phone into 帮扶措施 (masked, as on the pages).
        measures=tuple(mask_text(item) for item in measures),
        year=catalogue.year,
        issued_on=issued_on,
        verify_url=signer.url(household_id, catalogue.year, issued_on, digest) if signer else "",
        digest=digest,
    )


def cards_from_frames(
    households: pl.DataFrame,
    members: pl.DataFrame,
    received: pl.DataFrame,
    catalogue: Catalogue,
    issued_on: dt.date,
    signer: CardSigner | None,
) -> list[Card]:
    """A card per row of `households` (the snapshot's columns), in its order."""
    present = members
    if "member_status" in members.columns:
        present = members.filter(~pl.col("member_status").is_in(GONE).fill_null(False))
    names: dict[str, list[tuple[str, str]]] = {}
    for household_id, name, relation in present.select("household_id", "name", "relation").iter_rows():
        names.setdefault(household_id, []).append((name, relation or ""))
    lines: dict[str, list[dict[str, Any]]] = {}
    for row in received.iter_rows(named=True):
        lines.setdefault(row["household_id"], []).append(row)
    return [
        card_for(
            row,
            names.get(row["household_id"], []),
            lines.get(row["household_id"], []),
            catalogue,
            issued_on,
            signer,
        )
        for row in households.iter_rows(named=True)
    ]

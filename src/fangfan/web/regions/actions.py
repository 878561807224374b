"""Writes to regions, each in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from fangfan.engine import regions as reference
from fangfan.engine.snapshot import Snapshot
from fangfan.web.regions.models import Region


@dataclass(frozen=True)
class SyncResult:
    created: int
    updated: int


@transaction.atomic
def sync_regions(snapshot: Snapshot | None = None) -> SyncResult:
    """Load the reference city, counties and townships, and the villages of `snapshot`."""
    created = updated = 0
    by_code: dict[str, Region] = {}
    for item in reference.reference_regions():
        parent = by_code.get(item.parent_code)
        region, was_created = Region.objects.update_or_create(
            code=item.code, defaults={"name": item.name, "level": item.level, "parent": parent}
        )
        by_code[item.code] = region
        created += was_created
        updated += not was_created
    if snapshot is not None and snapshot.has("villages"):
        for row in snapshot.read("villages").iter_rows(named=True):
            township = by_code.get(row["township_code"])
            if township is None:
                continue
            _, was_created = Region.objects.update_or_create(
                code=row["village_code"],
                defaults={"name": row["village_name"], "level": Region.Level.VILLAGE, "parent": township},
            )
            created += was_created
            updated += not was_created
    return SyncResult(created=created, updated=updated)

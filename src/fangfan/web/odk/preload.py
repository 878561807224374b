"""A village's households as the visit form's CSV attachment (`engine.odk.preload`).

The households of the published registry in the village (already through the gate),
their members in 正常 status by name and relation, and the policies each receives
(`awareness.received_keys`, one batch for the village). The engine masks the head's ID
number and writes no phone and no member ID number, whoever downloads the file.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import QuerySet

from fangfan.engine.odk.preload import PreloadHousehold, preload_csv
from fangfan.web.monitoring import awareness
from fangfan.web.monitoring.income import registered_size
from fangfan.web.registry.models import Household, Member

ACTIVE = "正常"


def village_preload(households: QuerySet[Household]) -> str:
    """The CSV text of `households` (one village's, scoped by the caller)."""
    rows = list(households.order_by("household_id"))
    members: dict[str, list[tuple[str, str]]] = defaultdict(list)
    people = Member.objects.filter(household__in=[h.household_id for h in rows], member_status=ACTIVE)
    for household_id, name, relation in people.order_by("household_id", "position").values_list(
        "household_id", "name", "relation"
    ):
        members[household_id].append((name, relation))
    received = awareness.received_keys(rows)
    return preload_csv(
        PreloadHousehold(
            household_id=household.household_id,
            head_name=household.head_name,
            head_id_number=household.head_id_number,
            size=registered_size(household.people, household.household_size),
            members=members[household.household_id],
            received=received[household.household_id],
        )
        for household in rows
    )

"""Which registry household a report is about, when what it says identifies exactly one.

Tried in order, inside the reported village: the ID number (any member's, the head's
included, an old 15-digit number also as its 18-digit form), the phone number (the
household's), the name (any member's). The first that points at exactly one
household wins; two households sharing a phone or a name match nothing, and the
township matches the lead by hand.
"""

from __future__ import annotations

from django.db.models import Q

from fangfan.engine import idnumber
from fangfan.web.monitoring.models import Intake
from fangfan.web.registry.models import Household, Member

Match = Intake.Match


def match_household(village_code: str, id_number: str, phone: str, name: str) -> tuple[Household | None, str]:
    """(household, how it matched) or (None, "")."""
    in_village = Household.objects.filter(village_code=village_code)
    candidates: list[tuple[str, Q]] = []
    if id_number:
        numbers = {id_number, idnumber.to_18(id_number)}
        candidates.append(
            (
                Match.ID_NUMBER,
                Q(head_id_number__in=numbers)
                | Q(household_id__in=_members(village_code, id_number__in=numbers)),
            )
        )
    if phone:
        candidates.append((Match.PHONE, Q(phone=phone)))
    if name:
        candidates.append(
            (Match.NAME, Q(head_name=name) | Q(household_id__in=_members(village_code, name=name)))
        )
    for how, condition in candidates:
        found = list(in_village.filter(condition).distinct()[:2])
        if len(found) == 1:
            return found[0], how
    return None, ""


def _members(village_code: str, **lookup: object) -> object:
    return Member.objects.filter(village_code=village_code, **lookup).values("household_id")

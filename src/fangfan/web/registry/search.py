"""Household search: by household number, head's or member's name, full ID number, or village.

    >>> households_matching(user, "王秀英")              # doctest: +SKIP
    >>> households_matching(user, "62122619800101123X")  # exact ID number, head or member

Every query goes through the access gate first; `region` narrows to a region inside
the user's (already checked by `region_for_user`). Names, villages and household
numbers match from their start, so the database's indexes answer even for the city.
"""

from __future__ import annotations

import re

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from fangfan.engine.idnumber import normalise
from fangfan.web.accounts.access import scope
from fangfan.web.accounts.models import User
from fangfan.web.regions.models import Region
from fangfan.web.registry.dashboard import code_prefix
from fangfan.web.registry.models import Household, Member

ID_NUMBER = re.compile(r"^(\d{17}[\dX]|\d{15})$")
DIGITS = re.compile(r"^\d+$")


def households_matching(
    user: User | AnonymousUser, query: str = "", region: Region | None = None
) -> QuerySet[Household]:
    """The user's households (in `region` if given) that match `query` (all when blank)."""
    households = scope(Household.objects.all(), user)
    if region is not None:
        households = households.filter(village_code__startswith=code_prefix(region))
    text = query.strip()
    if not text:
        return households
    identifier = normalise(text) or text
    if ID_NUMBER.match(identifier):
        holders = Member.objects.filter(id_number=identifier).values("household_id")
        return households.filter(
            Q(head_id_number=identifier) | Q(household_id__in=holders) | Q(household_id=text)
        )
    if DIGITS.match(text):
        return households.filter(Q(household_id__startswith=text) | Q(village_code__startswith=text))
    named = Member.objects.filter(name__startswith=text).values("household_id")
    return households.filter(
        Q(head_name__startswith=text) | Q(village_name__startswith=text) | Q(household_id__in=named)
    )

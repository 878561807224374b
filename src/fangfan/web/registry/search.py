"""Household search: by household number, a member's name (heads are members), full ID
number, or village.

    >>> households_matching(user, "王秀英")              # doctest: +SKIP
    >>> households_matching(user, "62122619800101123X")  # exact ID number, head or member

Every query goes through the access gate first; `region` narrows it to a region inside
the user's (already checked by `region_for_user`). What the text looks like decides
the one indexed lookup it runs, so the city's 600,000 households answer quickly:

- a full ID number (18 characters, or an old 15-digit one): members (heads included)
  with that exact number;
- other digits: household numbers, or village codes, beginning with them;
- anything else: members whose name begins with it; `villages_matching` lists the
  villages whose name begins with it, which the page offers as links.
"""

from __future__ import annotations

import re

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet, Sum

from fangfan.engine.idnumber import normalise
from fangfan.web.accounts.access import code_within, region_for_user, regions_within, scope, within_region
from fangfan.web.accounts.models import User
from fangfan.web.regions.models import Region
from fangfan.web.registry.models import Household, Member, Run, VillageHouseholdCount

ID_NUMBER = re.compile(r"^(\d{17}[\dX]|\d{15})$")
DIGITS = re.compile(r"^\d+$")
VILLAGES_SHOWN = 20
FEW_NAMES = 2_000


def households_matching(
    user: User | AnonymousUser, query: str = "", region: Region | None = None
) -> QuerySet[Household]:
    """The user's households (in `region` if given) that match `query` (all when blank)."""
    households = scope(Household.objects.all(), user)
    if region is not None:
        households = households.filter(within_region("village_code", region))
    text = query.strip()
    if not text:
        return households
    identifier = normalise(text) or text
    holders = Member.objects.filter(id_number=identifier)
    if ID_NUMBER.match(identifier) and holders.exists():  # else perhaps a long household number
        return households.filter(household_id__in=holders.values("household_id"))
    if DIGITS.match(text):
        return households.filter(Q(household_id__startswith=text) | code_within("village_code", text))
    named = name_holders(text)
    if named is None:  # a common name: let the database walk the region's households
        return households.filter(
            household_id__in=Member.objects.filter(name__startswith=text).values("household_id")
        )
    return households.filter(household_id__in=named)


def name_holders(text: str) -> set[str] | None:
    """The households of the people whose name begins with `text`; None when they are many.

    One indexed read of at most FEW_NAMES + 1 rows. A rare name (most searches for a
    whole name) gives its few households, which the list then reads by key; a common
    one (a surname) is better served by walking the region's households in order and
    checking each one's members. PostgreSQL's estimate of how many names begin with
    some Chinese characters is often off a hundredfold, so the choice is made here,
    on the actual number, rather than left to the planner.
    """
    found = list(
        Member.objects.filter(name__startswith=text)
        .order_by()
        .values_list("household_id", flat=True)[: FEW_NAMES + 1]
    )
    return set(found) if len(found) <= FEW_NAMES else None


def is_broad(query: str) -> bool:
    """Whether a search matches too many people to count its households quickly (a surname)."""
    text = query.strip()
    if not text or DIGITS.match(text) or ID_NUMBER.match(normalise(text) or text):
        return False
    return name_holders(text) is None


def villages_matching(user: User | AnonymousUser, query: str, region: Region | None = None) -> list[Region]:
    """Villages in the user's region (and `region`) whose name begins with `query`."""
    text = query.strip()
    if not text or DIGITS.match(text):
        return []
    within = region if region is not None else region_for_user(user)
    villages = regions_within(within).filter(level=Region.Level.VILLAGE, name__startswith=text)
    return list(villages.select_related("parent").order_by("code")[:VILLAGES_SHOWN])


def household_count(user: User | AnonymousUser, region: Region | None, run: Run | None) -> int:
    """How many households an unfiltered list holds, from the run's village counts (a
    COUNT over 600,000 rows would cost more than the page itself)."""
    if run is None:
        return 0
    counts = scope(VillageHouseholdCount.objects.filter(run=run), user)
    if region is not None:
        counts = counts.filter(within_region("village_code", region))
    return int(counts.aggregate(total=Sum("households"))["total"] or 0)

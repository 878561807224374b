"""The facts the engine's eligibility check reads, gathered from the registry and the feeds.

`facts_for(people, on)` reads, for many (household id, ID number) pairs at once: the
household (户类型, 风险消除), the member (出生日期, 劳动技能, 务工状态, 残疾等级, 人员状态), the
current snapshot's department records (人社 employment, 公安 civil_registration, 残联
disability, matched on the ID number), the village's cadre roster (the person or someone
of the same household) and the other posts the person holds or is being selected for.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from fangfan.engine.fieldwork.jobs import PersonFacts
from fangfan.web.jobs.models import Selection, Stage, VillageCadre
from fangfan.web.jobs.procedure import BEFORE_POST
from fangfan.web.registry.models import DepartmentRecord, Household, Member

FEEDS = ("employment", "civil_registration", "disability")
ACTIVE = (*BEFORE_POST, Stage.IN_POST)
CHUNK = 1_000

Person = tuple[str, str]  # (household id, ID number)


def facts_for(
    people: Sequence[Person], *, names: dict[Person, str] | None = None, exclude: Iterable[int] = ()
) -> dict[Person, PersonFacts]:
    """Each person's facts; `exclude`: selections not counted as another post (the one checked)."""
    found: dict[Person, PersonFacts] = {}
    excluded = set(exclude)
    for start in range(0, len(people), CHUNK):
        chunk = list(people[start : start + CHUNK])
        found |= _chunk_facts(chunk, names or {}, excluded)
    return found


def _chunk_facts(
    chunk: list[Person], names: dict[Person, str], excluded: set[int]
) -> dict[Person, PersonFacts]:
    household_ids = {household_id for household_id, _ in chunk}
    id_numbers = {id_number for _, id_number in chunk}
    households = {row.pk: row for row in Household.objects.filter(pk__in=household_ids)}
    members = {
        (row.household_id, row.id_number): row
        for row in Member.objects.filter(household_id__in=household_ids, id_number__in=id_numbers)
    }
    feeds = _feeds(id_numbers)
    cadres = _cadres({row.village_code for row in households.values()})
    posts = _other_posts(id_numbers, excluded)
    result = {}
    for person in chunk:
        household = households.get(person[0])
        member = members.get(person)
        name = member.name if member else names.get(person, "")
        result[person] = _facts(name, household, member, feeds.get(person[1], {}), cadres, posts, person)
    return result


def _facts(
    name: str,
    household: Household | None,
    member: Member | None,
    feed: dict[str, dict[str, Any]],
    cadres: dict[str, list[VillageCadre]],
    posts: dict[str, list[str]],
    person: Person,
) -> PersonFacts:
    household_id, id_number = person
    village = household.village_code if household else ""
    roster = cadres.get(village, [])
    own = [cadre.position for cadre in roster if cadre.id_number == id_number]
    relatives = tuple(
        f"{cadre.name}（{cadre.position}）"
        for cadre in roster
        if cadre.id_number != id_number and cadre.household_id == household_id
    )
    employment, civil = feed.get("employment", {}), feed.get("civil_registration", {})
    return PersonFacts(
        name=name,
        household_type=household.household_type if household else "",
        risk_eliminated=household.risk_eliminated if household else None,
        risk_eliminated_on=household.risk_eliminated_on if household else None,
        birth_date=member.birth_date if member else None,
        labour=member.labour if member else "",
        work_status=member.work_status if member else "",
        member_status=member.member_status if member else "",
        disability_grade=member.disability_grade if member else "",
        disability_feed_grade=str(feed.get("disability", {}).get("disability_grade") or ""),
        employment_status=str(employment.get("employment_status") or ""),
        employment_place=str(employment.get("work_place") or ""),
        county_name=household.county_name if household else "",
        registration_status=str(civil.get("registration_status") or ""),
        registration_changed_on=parse_day(civil.get("change_date")),
        cadre_position="、".join(own),
        cadre_relatives=relatives,
        other_posts=tuple(posts.get(id_number, [])),
    )


def _feeds(id_numbers: set[str]) -> dict[str, dict[str, dict[str, Any]]]:
    """ID number → feed → its record's data (the newest change for civil registration)."""
    found: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    rows = DepartmentRecord.objects.filter(feed__in=FEEDS, linked_id_number__in=id_numbers).order_by("pk")
    for id_number, feed, data in rows.values_list("linked_id_number", "feed", "data"):
        found[id_number][feed] = data or {}
    return found


def _cadres(villages: set[str]) -> dict[str, list[VillageCadre]]:
    found: dict[str, list[VillageCadre]] = defaultdict(list)
    for cadre in VillageCadre.objects.filter(village_code__in=villages):
        found[cadre.village_code].append(cadre)
    return found


def _other_posts(id_numbers: set[str], excluded: set[int]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    rows = Selection.objects.filter(id_number__in=id_numbers, stage__in=ACTIVE).exclude(pk__in=excluded)
    for id_number, title, stage in rows.values_list("id_number", "post__title", "stage"):
        found[id_number].append(title if stage == Stage.IN_POST else f"{title}（{Stage(stage).label}）")
    return found


def parse_day(value: Any) -> dt.date | None:
    """A feed's date as written ("2026-04-10", a date, or nothing)."""
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def deaths(id_numbers: Iterable[str]) -> dict[str, dt.date]:
    """ID number → the day 公安 recorded the death (people without a dated death left out)."""
    found = {}
    rows = DepartmentRecord.objects.filter(feed="civil_registration", linked_id_number__in=set(id_numbers))
    for id_number, data in rows.values_list("linked_id_number", "data"):
        day = parse_day((data or {}).get("change_date"))
        if (data or {}).get("registration_status") == "死亡" and day is not None:
            found[id_number] = day
    return found

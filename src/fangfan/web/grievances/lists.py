"""What the grievance and public-opinion pages list, each through the gate (`scope`).

Lists lead with the time limits: 超时 first, then 临期, each by its deadline; the
reports count per county: complaints that skipped the levels below (first filed at the
province or in Beijing), and the opinion register (time to verification, outcome).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.paginator import Page
from django.db.models import Count, F, Model, Q, QuerySet

from fangfan.web.accounts.access import scope, within_region
from fangfan.web.accounts.models import User
from fangfan.web.grievances.deadlines import AT_RISK, BREACHED, sla_condition, sla_rank
from fangfan.web.grievances.forms import GrievanceFilter, OpinionFilter
from fangfan.web.grievances.models import SKIPPING_LEVELS, Grievance, Level, OpinionItem, Satisfaction
from fangfan.web.regions.models import Region
from fangfan.web.shared.pagination import page_of

ORDER = (F("sla_rank").asc(), F("due_at").asc(nulls_last=True), F("received_at").desc(), F("id").desc())
M = TypeVar("M", bound=Model)


def page_by_ids(rows: QuerySet[M], number: Any, cap: int) -> Page[M]:
    """Page `number` of `rows`, sorted on their ids alone, then only the page's rows read whole.

    The time-limit order is worked out at reading (it depends on now), so no index holds
    it: sorting a city's 50,000 whole grievances for one page of 50 cost a quarter of a
    second, the ids and their deadlines a fraction of that.
    """
    page = page_of(rows.values_list("pk", flat=True), number, cap=cap)
    ids = list(page.object_list)
    found = {row.pk: row for row in rows.filter(pk__in=ids).order_by()}
    page.object_list = [found[pk] for pk in ids if pk in found]
    return page


def grievances(user: User, filters: GrievanceFilter, now: dt.datetime) -> QuerySet[Grievance]:
    """The user's grievances under the filters: 超时 first, then 临期, by deadline; none while
    the filters have errors."""
    rows = scope(Grievance.objects.all(), user)
    if not filters.is_valid():
        return rows.none()
    data = filters.cleaned_data
    region = filters.chosen_region()
    if region is not None:
        rows = rows.filter(within_region("region_code", region))
    for name in ("channel", "category", "stage"):
        if data[name]:
            rows = rows.filter(**{name: data[name]})
    if data["sla"]:
        rows = rows.filter(sla_condition(data["sla"], now))
    if data["escalated"]:
        rows = rows.filter(escalations__gt=0)
    if data["repeat"]:
        rows = rows.filter(repeat_count__gt=0)
    ordered = rows.annotate(sla_rank=sla_rank(now)).order_by(*ORDER)
    return ordered.select_related("household", "recorded_by")


def opinions(user: User, filters: OpinionFilter, now: dt.datetime) -> QuerySet[OpinionItem]:
    """The user's public-opinion items under the filters, 超时 first."""
    rows = scope(OpinionItem.objects.all(), user)
    if not filters.is_valid():
        return rows.none()
    data = filters.cleaned_data
    region = filters.chosen_region()
    if region is not None:
        rows = rows.filter(within_region("region_code", region))
    if data["stage"]:
        rows = rows.filter(stage=data["stage"])
    if data["sla"]:
        rows = rows.filter(sla_condition(data["sla"], now))
    verdicts = {"1": Q(is_true=True), "0": Q(is_true=False), "-": Q(is_true__isnull=True)}
    if data["verdict"]:
        rows = rows.filter(verdicts[data["verdict"]])
    order = (F("sla_rank").asc(), F("due_at").asc(nulls_last=True), F("found_at").desc(), F("id").desc())
    return rows.annotate(sla_rank=sla_rank(now)).order_by(*order)


def repeat_contacts(user: User) -> QuerySet[Grievance]:
    """Grievances of people who had contacted before within 90 days, most contacts first."""
    rows = scope(Grievance.objects.filter(repeat_count__gt=0), user)
    return rows.order_by("-repeat_count", "-received_at", "-id").select_related("household")


# Place names read once per process (a city has a few thousand regions; names do not change
# while it runs); a code not found is not kept, so a region added later is found.
_PLACE_NAMES: dict[str, str] = {}


def place_name(code: str) -> str:
    """ "礼县城关镇石桥村" for a region code of any level (its county, township, village)."""
    if code not in _PLACE_NAMES:
        prefixes = [code[:length] for length in (6, 9, 12) if len(code) >= length]
        names = dict(Region.objects.filter(code__in=prefixes).values_list("code", "name"))
        if len(names) < len(prefixes):
            return "".join(names.get(prefix, "") for prefix in prefixes) or code
        _PLACE_NAMES[code] = "".join(names[prefix] for prefix in prefixes)
    return _PLACE_NAMES[code]


def county_names(codes: set[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


@dataclass
class SkippedRow:
    """One county: its grievances, and those first filed at the province or in Beijing."""

    county_code: str
    county_name: str
    total: int
    province: int
    national: int

    @property
    def skipped(self) -> int:
        return self.province + self.national

    @property
    def share(self) -> float:
        return round(100 * self.skipped / self.total, 1) if self.total else 0.0


def skipped_levels(user: User) -> list[SkippedRow]:
    """Per county, how many complaints skipped the levels below (first filed at 省 or 国家)."""
    counts = (
        scope(Grievance.objects.all(), user)
        .values("county_code")
        .annotate(
            total=Count("id"),
            province=Count("id", filter=Q(first_level=Level.PROVINCE)),
            national=Count("id", filter=Q(first_level=Level.NATIONAL)),
        )
        .order_by("county_code")
    )
    names = county_names({row["county_code"] for row in counts})
    return [
        SkippedRow(
            row["county_code"],
            names.get(row["county_code"], row["county_code"]),
            row["total"],
            row["province"],
            row["national"],
        )
        for row in counts
    ]


def skipped_grievances(user: User) -> QuerySet[Grievance]:
    """The complaints first filed at the province or in Beijing, newest first."""
    rows = scope(Grievance.objects.filter(first_level__in=SKIPPING_LEVELS), user)
    return rows.order_by("county_code", "-received_at", "-id")


@dataclass
class RegisterRow:
    """One county's public-opinion register: how many, how fast verified, what came of them."""

    county_code: str
    county_name: str = ""
    total: int = 0
    verified: int = 0
    true: int = 0
    untrue: int = 0
    answered: int = 0
    late: int = 0  # verified after the deadline, or not verified and past it
    problems: int = 0
    hours: list[float] = field(default_factory=list)

    @property
    def average_hours(self) -> float | None:
        return round(sum(self.hours) / len(self.hours), 1) if self.hours else None


def opinion_register(user: User, now: dt.datetime) -> list[RegisterRow]:
    """Per county: items, verified, time to verification (average hours), true or not, answered."""
    rows: dict[str, RegisterRow] = defaultdict(lambda: RegisterRow(""))
    items = scope(OpinionItem.objects.all(), user).only(
        "county_code", "found_at", "verified_at", "verify_due", "is_true", "stage", "problem_id"
    )
    for item in items.iterator(chunk_size=2_000):
        row = rows[item.county_code]
        row.county_code = item.county_code
        row.total += 1
        row.true += item.is_true is True
        row.untrue += item.is_true is False
        row.answered += item.stage == OpinionItem.Stage.ANSWERED
        row.problems += item.problem_id is not None
        hours = item.hours_to_verification
        if hours is not None:
            row.verified += 1
            row.hours.append(hours)
        verified_or_now = item.verified_at or now
        row.late += verified_or_now > item.verify_due
    names = county_names(set(rows))
    for code, row in rows.items():
        row.county_name = names.get(code, code)
    return [rows[code] for code in sorted(rows)]


@dataclass
class PerformanceRow:
    """One county's grievance handling: how many, how many late now, answered on time, satisfied."""

    county_code: str
    county_name: str
    total: int
    open: int
    breached: int
    at_risk: int
    escalated: int
    replied: int
    replied_on_time: int
    called_back: int
    satisfied: int
    reopened: int
    repeats: int

    @property
    def on_time_share(self) -> float | None:
        return round(100 * self.replied_on_time / self.replied, 1) if self.replied else None

    @property
    def satisfied_share(self) -> float | None:
        return round(100 * self.satisfied / self.called_back, 1) if self.called_back else None


def sla_performance(user: User, now: dt.datetime) -> list[PerformanceRow]:
    """Per county: grievances, open, 超时 and 临期 now, escalated, answered (on time), called back
    (满意 or 基本满意), reopened after 不满意, repeat contacts — one grouped query."""
    satisfied = Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.FAIRLY])
    counts = (
        scope(Grievance.objects.all(), user)
        .values("county_code")
        .annotate(
            total=Count("id"),
            open=Count("id", filter=~Q(stage=Grievance.Stage.CLOSED)),
            breached=Count("id", filter=sla_condition(BREACHED, now)),
            at_risk=Count("id", filter=sla_condition(AT_RISK, now)),
            escalated=Count("id", filter=Q(escalations__gt=0)),
            replied=Count("id", filter=Q(replied_at__isnull=False)),
            replied_on_time=Count("id", filter=Q(replied_at__lte=F("resolution_due"))),
            called_back=Count("id", filter=~Q(satisfaction="")),
            satisfied=Count("id", filter=satisfied),
            reopened=Count("id", filter=Q(reopened__gt=0)),
            repeats=Count("id", filter=Q(repeat_count__gt=0)),
        )
        .order_by("county_code")
    )
    names = county_names({row["county_code"] for row in counts})
    return [
        PerformanceRow(county_name=names.get(row["county_code"], row["county_code"]), **row) for row in counts
    ]

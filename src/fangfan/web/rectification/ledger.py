"""Which problems the ledger lists: the user's region, narrowed by the filter bar.

Overdue items lead, then those due within three days (催办), then the rest of the open
ones by deadline, closed ones last. An overdue item of a region below the user's (a
village's, seen by its township or county) carries the 逾期提级 mark: it has become the
level above's business.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import BooleanField, Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from fangfan.web.accounts.access import region_for_user, scope, within_region
from fangfan.web.accounts.models import User
from fangfan.web.rectification.forms import LedgerFilter
from fangfan.web.rectification.models import DUE_SOON_DAYS, OPEN_STATUSES, Problem, Status
from fangfan.web.regions.models import Region

# The lead order's ranks.
OVERDUE, DUE_SOON, OPEN, CLOSED = range(4)


def overdue_condition(today: dt.date) -> Q:
    """Still being fixed past its deadline (a fix awaiting acceptance is not overdue)."""
    return Q(status=Status.IN_PROGRESS, deadline__lt=today)


def due_soon_condition(today: dt.date) -> Q:
    return Q(
        status=Status.IN_PROGRESS, deadline__gte=today, deadline__lte=today + dt.timedelta(days=DUE_SOON_DAYS)
    )


def apply_filters(problems: QuerySet[Problem], user: User, filters: LedgerFilter) -> QuerySet[Problem]:
    """The problems narrowed by the filters; none while the form has errors (shown on the page)."""
    if not filters.is_valid():
        return problems.none()
    data = filters.cleaned_data
    if data["region"]:
        problems = problems.filter(within_region("region_code", region_for_user(user, data["region"])))
    if data["source"]:
        problems = problems.filter(source=data["source"])
    if data["batch"]:
        problems = problems.filter(batch__contains=data["batch"].strip())
    if data["status"] == "open":
        problems = problems.filter(status__in=OPEN_STATUSES)
    elif data["status"]:
        problems = problems.filter(status=data["status"])
    if data["overdue"]:
        problems = problems.filter(overdue_condition(timezone.localdate()))
    return problems


def ledger(user: User, filters: LedgerFilter) -> QuerySet[Problem]:
    """The user's problems under the filters, overdue and due-soon first, each with its marks."""
    today = timezone.localdate()
    own = user.region.code if user.region is not None else ""
    problems = apply_filters(scope(Problem.objects.all(), user), user, filters)
    return problems.annotate(
        urgency=Case(
            When(overdue_condition(today), then=Value(OVERDUE)),
            When(due_soon_condition(today), then=Value(DUE_SOON)),
            When(status__in=OPEN_STATUSES, then=Value(OPEN)),
            default=Value(CLOSED),
            output_field=IntegerField(),
        ),
        escalated=Case(
            When(overdue_condition(today) & ~Q(region_code=own), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    ).order_by("urgency", "deadline", "id")


def escalated_count(user: User) -> int:
    """Overdue problems of the regions below the user's: what the 逾期提级 banner counts."""
    own = user.region.code if user.region is not None else ""
    problems = scope(Problem.objects.filter(overdue_condition(timezone.localdate())), user)
    return problems.exclude(region_code=own).count()


def place_names(codes: Iterable[str]) -> dict[str, str]:
    """Each region code as its names below the city (礼县城关镇石桥村; the city's own name for it)."""
    regions = Region.objects.filter(code__in=set(codes)).select_related("parent__parent__parent")
    names: dict[str, str] = {}
    for region in regions:
        chain: list[str] = []
        current: Region | None = region
        while current is not None and (current.level != Region.Level.CITY or not chain):
            chain.append(current.name)
            current = current.parent
        names[region.code] = "".join(reversed(chain))
    return names


def with_places(problems: Iterable[Problem]) -> list[Problem]:
    """The problems, each with `place` (its region's names) for the page."""
    rows = list(problems)
    names = place_names(problem.region_code for problem in rows)
    for problem in rows:
        problem.place = names.get(problem.region_code, problem.region_code)  # type: ignore[attr-defined]
    return rows

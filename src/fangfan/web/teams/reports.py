"""What the offices read about their teams: roster warnings, monthly attendance, the panel.

Everything is counted in SQL over the region's indexed village codes (members in post,
check-ins a day, approved leave) and handed to the engine's rules
(`fangfan.engine.fieldwork.attendance`) a member at a time; no check-in row is loaded into
Python except for the few members with approved leave in the month (whose days must not
be counted twice).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from django.core.cache import cache
from django.db.models import Count, Max, Model, Q, QuerySet

from fangfan.engine.fieldwork.attendance import (
    MonthAttendance,
    counted_attendance,
    month_attendance,
    month_end,
    previous_month,
    team_warnings,
)
from fangfan.engine.fieldwork.rules import field_rules
from fangfan.web.accounts.access import regions_within, scope, within_region
from fangfan.web.accounts.models import User
from fangfan.web.regions.models import Region
from fangfan.web.teams.models import FIRST_SECRETARIES, CheckIn, Leave, Team, TeamMember, active_on

M = TypeVar("M", bound=Model)


def _scoped(queryset: QuerySet[M], user: User | None) -> QuerySet[M]:
    """The gate's scope for a signed-in user; None is the server's own operator (the CLI), who
    names the region and reads it whole."""
    return queryset if user is None else scope(queryset, user)


def village_names(region: Region) -> dict[str, str]:
    return dict(regions_within(region).filter(level=Region.Level.VILLAGE).values_list("code", "name"))


def active_teams(user: User | None, region: Region, today: dt.date) -> QuerySet[Team]:
    """The region's teams in their term today, with their members in post counted."""
    in_post = active_on(today, "members__joined", "members__left")
    return (
        _scoped(Team.objects.filter(within_region("village_code", region)), user)
        .filter(active_on(today, "term_start", "term_end"))
        .annotate(
            member_count=Count("members", filter=in_post, distinct=True),
            secretary_count=Count(
                "members", filter=in_post & Q(members__duty__in=FIRST_SECRETARIES), distinct=True
            ),
        )
        .order_by("village_code", "pk")
    )


@dataclass(frozen=True)
class Warning:
    village_code: str
    village_name: str
    team: Team | None
    message: str


def roster_warnings(user: User | None, region: Region, today: dt.date) -> list[Warning]:
    """Villages without a team in post, and each team's shortcomings (`team_warnings`)."""
    rules = field_rules(today.year)
    names = village_names(region)
    teams = list(active_teams(user, region, today))
    served = {team.village_code for team in teams}
    found = [
        Warning(code, name, None, "没有在任的驻村工作队")
        for code, name in names.items()
        if code not in served
    ]
    for team in teams:
        for message in team_warnings(
            members=getattr(team, "member_count", 0),
            first_secretaries=getattr(team, "secretary_count", 0),
            term_start=team.term_start,
            term_end=team.term_end,
            rules=rules,
        ):
            found.append(
                Warning(team.village_code, names.get(team.village_code, team.village_code), team, message)
            )
    return sorted(found, key=lambda warning: (warning.village_code, warning.message))


@dataclass(frozen=True)
class PersonMonth:
    member: TeamMember
    village_name: str
    attendance: MonthAttendance


def members_in_month(user: User | None, region: Region, month: dt.date) -> QuerySet[TeamMember]:
    last = month_end(month)
    return (
        _scoped(TeamMember.objects.filter(within_region("village_code", region)), user)
        .filter(joined__lte=last)
        .exclude(left__lt=month)
        .only("village_code", "name", "id_number", "phone", "duty", "joined", "left")
        .order_by("village_code", "duty", "name", "pk")
    )


def attendance(user: User | None, region: Region, month: dt.date, today: dt.date) -> list[PersonMonth]:
    """Every member in post in `month` in the region, with the month's attendance."""
    last, rules = month_end(month), field_rules(month.year)
    members = list(members_in_month(user, region, month))
    in_month = Q(day__gte=month, day__lte=min(last, today), first_of_day=True)
    days = dict(
        _scoped(CheckIn.objects.filter(within_region("village_code", region)), user)
        .filter(in_month)
        .values("member_id")
        .annotate(days=Count("day"))
        .values_list("member_id", "days")
    )
    leaves: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    approved = _scoped(Leave.objects.filter(within_region("village_code", region)), user).filter(
        status=Leave.Status.APPROVED, start__lte=last, end__gte=month
    )
    for member_id, start, end in approved.values_list("member_id", "start", "end"):
        leaves[member_id].append((start, end))
    on_leave_days: dict[int, list[dt.date]] = defaultdict(list)
    for member_id, day in CheckIn.objects.filter(in_month, member_id__in=list(leaves)).values_list(
        "member_id", "day"
    ):
        on_leave_days[member_id].append(day)
    names = village_names(region)
    rows = []
    for member in members:
        if member.pk in leaves:
            month_row = month_attendance(
                month,
                today=today,
                rules=rules,
                check_ins=on_leave_days[member.pk],
                leaves=leaves[member.pk],
                joined=member.joined,
                left=member.left,
            )
        else:
            month_row = counted_attendance(
                month,
                today=today,
                rules=rules,
                checked_in=days.get(member.pk, 0),
                joined=member.joined,
                left=member.left,
            )
        rows.append(PersonMonth(member, names.get(member.village_code, member.village_code), month_row))
    return rows


@dataclass
class VillageMonth:
    code: str
    name: str
    members: int = 0
    met: int = 0
    not_met: int = 0
    running: int = 0
    checked_in: int = 0
    leave_days: int = 0
    absent_without_leave: int = 0

    @property
    def met_share(self) -> int | None:
        decided = self.met + self.not_met
        return round(100 * self.met / decided) if decided else None


def by_village(rows: Iterable[PersonMonth]) -> tuple[list[VillageMonth], VillageMonth]:
    """The month summed per village, and the region's total (code "")."""
    villages: dict[str, VillageMonth] = {}
    total = VillageMonth("", "合计")
    for row in rows:
        village = villages.setdefault(
            row.member.village_code, VillageMonth(row.member.village_code, row.village_name)
        )
        for tally in (village, total):
            tally.members += 1
            met = row.attendance.met
            tally.met += met is True
            tally.not_met += met is False
            tally.running += met is None
            tally.checked_in += row.attendance.checked_in
            tally.leave_days += row.attendance.leave_days
            tally.absent_without_leave += row.attendance.absent_without_leave
    return sorted(villages.values(), key=lambda village: village.code), total


def village_months(
    user: User | None, region: Region, month: dt.date, today: dt.date
) -> tuple[list[VillageMonth], VillageMonth]:
    """The month per village and in total, as a county's or the city's report shows it.

    A county's (a thousand and more members, a few hundred milliseconds of counting) and the
    city's are kept five minutes, like the city's panel: every office of the region reads the
    same numbers, and a monthly report need not be to the minute. A township's and a village's,
    which list every person, are counted afresh.
    """
    if region.level not in (Region.Level.COUNTY, Region.Level.CITY):
        return by_village(attendance(user, region, month, today))
    key = f"teams-month:{region.code}:{month:%Y%m}:{today:%Y%m%d}:{_fingerprint()}"
    found = cache.get(key)
    if isinstance(found, tuple) and len(found) == 2 and isinstance(found[1], VillageMonth):
        villages: list[VillageMonth] = found[0]
        return villages, found[1]
    counted = by_village(attendance(user, region, month, today))
    cache.set(key, counted, CITY_PANEL_SECONDS)
    return counted


TALLIES = ("members", "met", "not_met", "running", "checked_in", "leave_days", "absent_without_leave")


def by_child_region(villages: Iterable[VillageMonth], region: Region) -> list[VillageMonth]:
    """The villages' month summed per township (of a county) or per county (of the city): a
    county's report lists its townships, each a link to its villages and people."""
    length = 9 if region.level == Region.Level.COUNTY else 6
    children: dict[str, VillageMonth] = {}
    for village in villages:
        code = village.code[:length]
        child = children.setdefault(code, VillageMonth(code, code))
        for name in (
            "members",
            "met",
            "not_met",
            "running",
            "checked_in",
            "leave_days",
            "absent_without_leave",
        ):
            setattr(child, name, getattr(child, name) + getattr(village, name))
    names = dict(Region.objects.filter(code__in=children).values_list("code", "name"))
    for child in children.values():
        child.name = names.get(child.code, child.code)
    return sorted(children.values(), key=lambda child: child.code)


def _fingerprint() -> str:
    """What changes whenever a month's attendance can: a check-in or a leave added, a leave
    decided or taken back, a member added or leaving (each an index read or a small table)."""
    check_ins = CheckIn.objects.aggregate(last=Max("pk"))
    approved = Count("pk", filter=Q(status=Leave.Status.APPROVED))
    leaves = Leave.objects.aggregate(last=Max("pk"), decided=Max("decided_at"), approved=approved)
    members = TeamMember.objects.aggregate(last=Max("pk"), latest_left=Max("left"), gone=Count("left"))
    values = ":".join(str(value) for row in (check_ins, leaves, members) for value in row.values())
    return hashlib.sha256(values.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Panel:
    region: Region
    villages: int
    with_team: int
    members: int
    month: dt.date
    last_month: VillageMonth
    warnings: int

    @property
    def without_team(self) -> int:
        return self.villages - self.with_team


CITY_PANEL_SECONDS = 300


def panel(user: User | None, region: Region, today: dt.date) -> Panel:
    """The dashboard's 驻村工作队 panel: teams in post, members, last month's attendance.

    The whole city's (every member's month, a second's work) is kept five minutes: every
    office of the city reads the same numbers, and a dashboard need not be to the minute.
    """
    if region.level != Region.Level.CITY:
        return _panel(user, region, today)
    key = f"teams-panel:{region.code}:{today:%Y%m%d}"
    found = cache.get(key)
    if not isinstance(found, Panel):
        found = _panel(user, region, today)
        cache.set(key, found, CITY_PANEL_SECONDS)
    return found


def _panel(user: User | None, region: Region, today: dt.date) -> Panel:
    villages = regions_within(region).filter(level=Region.Level.VILLAGE).count()
    teams = active_teams(user, region, today)
    with_team = teams.values("village_code").distinct().count()
    members = (
        _scoped(TeamMember.objects.filter(within_region("village_code", region)), user)
        .filter(active_on(today, "joined", "left"))
        .count()
    )
    month = previous_month(today)
    _, total = by_village(attendance(user, region, month, today))
    return Panel(
        region, villages, with_team, members, month, total, len(roster_warnings(user, region, today))
    )

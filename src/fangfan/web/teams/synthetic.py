"""Synthetic village work teams for the bench and the demo (bench/web_fieldwork.py).

    populate(seed=2026, scale=1.0)   # → {"驻村工作队": …, "队员": …, "签到": …, "请假": …}

Every village of the Region table but about 1 % gets a team (a provincial, city, county or
township unit, a two-year term, 3–5 members, one of them the first secretary; a few teams
of two, a few without a first secretary, so the warnings have something to say). Each
member checks in on most days of last month and of this month to date (about one in ten
falls short of the rule), and a few hundred ask for leave: most approved, some waiting,
some refused. Rows are marked `Team.synthetic` and replaced each time.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from fangfan.engine import idnumber
from fangfan.engine.fieldwork.attendance import leave_approver, month_end, previous_month
from fangfan.engine.fieldwork.rules import field_rules
from fangfan.web.regions.models import Region
from fangfan.web.teams.models import CheckIn, Duty, Leave, Team, TeamMember, UnitLevel

REPORT_MARKER = "驻村"  # in both pages' <h1>: 驻村考勤月报, 驻村工作队预警
BATCH = 5_000
TEAM_SHARE = 0.99
SHORT_SHARE = 0.10  # members who fall short of the month's days
LEAVE_SHARE = 0.03  # members who asked for leave last month
UNITS = {
    UnitLevel.PROVINCE: ("省财政厅", "省农业农村厅", "省交通运输厅", "省卫生健康委"),
    UnitLevel.CITY: ("市委组织部", "市水务局", "市教育局", "市人社局"),
    UnitLevel.COUNTY: ("县农业农村局", "县林业和草原局", "县民政局", "县医保局"),
    UnitLevel.TOWNSHIP: ("镇农业服务中心", "镇社会事务办"),
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = ("建国", "小军", "丽", "海燕", "志强", "伟", "芳", "红梅", "晓东", "明", "玉兰", "国庆", "文博", "静")


def _delete_previous() -> None:
    synthetic = Team.objects.filter(synthetic=True)
    CheckIn.objects.filter(member__team__in=synthetic).delete()
    Leave.objects.filter(member__team__in=synthetic).delete()
    TeamMember.objects.filter(team__in=synthetic).delete()
    synthetic.delete()


def _teams(rng: random.Random, villages: list[str], today: dt.date) -> list[Team]:
    teams = []
    for code in villages:
        if rng.random() >= TEAM_SHARE:
            continue
        level = rng.choice(list(UNITS))
        start = today - dt.timedelta(days=rng.randint(30, 600))
        short = rng.random() < 0.03  # a one-year term now and then
        end = start.replace(year=start.year + (1 if short else 2)) - dt.timedelta(days=1)
        teams.append(
            Team(
                village_code=code,
                unit=rng.choice(UNITS[level]),
                unit_level=level,
                term_start=start,
                term_end=end,
                synthetic=True,
            )
        )
    return teams


def _members(rng: random.Random, teams: list[Team]) -> list[TeamMember]:
    members = []
    for index, team in enumerate(teams):
        size = 2 if rng.random() < 0.03 else rng.randint(3, 5)
        duties = [Duty.FIRST_SECRETARY_LEADER if rng.random() < 0.4 else Duty.FIRST_SECRETARY]
        if rng.random() < 0.02:
            duties = [Duty.LEADER]
        duties += [Duty.MEMBER] * (size - 1)
        for number, duty in enumerate(duties):
            born = dt.date(1970 + rng.randint(0, 28), rng.randint(1, 12), rng.randint(1, 28))
            members.append(
                TeamMember(
                    team=team,
                    village_code=team.village_code,
                    name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                    id_number=idnumber.make(team.village_code[:6], born, (index * 7 + number) % 1000),
                    phone=f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}",
                    duty=duty,
                    unit=team.unit,
                    joined=team.term_start,
                )
            )
    return members


def _month_days(first: dt.date, today: dt.date) -> list[dt.date]:
    last = min(month_end(first), today)
    return [first + dt.timedelta(days=offset) for offset in range((last - first).days + 1)]


def _check_ins(
    rng: random.Random,
    members: list[TeamMember],
    months: list[list[dt.date]],
    leave_days: dict[int, set[dt.date]],
) -> list[CheckIn]:
    rows = []
    for member in members:
        short = rng.random() < SHORT_SHARE
        for days in months:
            share = rng.uniform(0.4, 0.6) if short else rng.uniform(0.75, 1.0)
            for day in days:
                if day < member.joined or day in leave_days.get(member.pk, ()) or rng.random() > share:
                    continue
                moment = dt.datetime.combine(day, dt.time(8, rng.randint(0, 59), rng.randint(0, 59)))
                rows.append(
                    CheckIn(
                        member_id=member.pk,
                        village_code=member.village_code,
                        day=day,
                        at=timezone.make_aware(moment),
                        first_of_day=True,
                    )
                )
    return rows


def _leaves(rng: random.Random, members: list[TeamMember], month: dt.date) -> list[Leave]:
    rows = []
    for member in members:
        if rng.random() >= LEAVE_SHARE:
            continue
        days = rng.choice((1, 2, 3, 3, 4, 5, 7))
        start = month + dt.timedelta(days=rng.randint(0, 27 - days))
        end = start + dt.timedelta(days=days - 1)
        roll = rng.random()
        status = (
            Leave.Status.APPROVED
            if roll < 0.8
            else Leave.Status.PENDING
            if roll < 0.9
            else Leave.Status.REJECTED
        )
        rows.append(
            Leave(
                member_id=member.pk,
                village_code=member.village_code,
                start=start,
                end=end,
                days=days,
                reason=rng.choice(("家中老人住院", "参加单位培训", "子女升学", "回单位述职")),
                approver=leave_approver(days, field_rules(start.year)),
                status=status,
                decided_at=None if status == Leave.Status.PENDING else timezone.now(),
            )
        )
    return rows


@transaction.atomic
def populate(*, seed: int = 2026, scale: float = 1.0) -> dict[str, int]:
    """Teams, members, check-ins and leave for every village (`scale` of them), deterministic."""
    rng = random.Random(seed)
    today = timezone.localdate()
    _delete_previous()
    villages = list(
        Region.objects.filter(level=Region.Level.VILLAGE).order_by("code").values_list("code", flat=True)
    )
    villages = villages[: max(1, round(len(villages) * scale))] if villages else []
    teams = Team.objects.bulk_create(_teams(rng, villages, today), batch_size=BATCH)
    members = TeamMember.objects.bulk_create(_members(rng, teams), batch_size=BATCH)
    last_month = previous_month(today)
    leaves = Leave.objects.bulk_create(_leaves(rng, members, last_month), batch_size=BATCH)
    away: dict[int, set[dt.date]] = {}
    for leave in leaves:
        if leave.status == Leave.Status.APPROVED:
            span = (leave.end - leave.start).days + 1
            away.setdefault(leave.member_id, set()).update(
                leave.start + dt.timedelta(days=d) for d in range(span)
            )
    months = [_month_days(last_month, today), _month_days(today.replace(day=1), today)]
    check_ins = 0
    batch: list[CheckIn] = []
    for start in range(0, len(members), 1_000):  # a thousand members' check-ins at a time
        batch = _check_ins(rng, members[start : start + 1_000], months, away)
        CheckIn.objects.bulk_create(batch, batch_size=BATCH)
        check_ins += len(batch)
    return {"驻村工作队": len(teams), "队员": len(members), "签到": check_ins, "请假": len(leaves)}


def report_paths(region_code: str, today: dt.date) -> list[str]:
    """The county's (or township's) monthly attendance report for last month, and its warnings."""
    month = f"{previous_month(today):%Y-%m}"
    return [
        reverse("teams:report", args=[region_code, month]),
        reverse("teams:warnings", args=[region_code]),
    ]

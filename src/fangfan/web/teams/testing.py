"""Test helpers for fangfan.web.teams (the URL matrix reads `url_records` and `URL_ROUTES`).

team = make_team("621226100201", members=[("赵建国", "first_secretary"), ("钱小军", "member")])
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from django.utils import timezone

from fangfan.engine import idnumber
from fangfan.web.accounts.models import User
from fangfan.web.teams.models import CheckIn, Leave, Team, TeamMember

TOKEN = "0" * 32  # an import report nobody has: a 404 for every role

# URL name -> how to fill its parameters from the URL matrix's Place (tests/web/test_url_matrix.py).
URL_ROUTES: dict[str, Callable[[Any], dict[str, Any]]] = {
    "teams:home": lambda place: {},
    **{
        f"teams:{name}": lambda place: {"code": place.village}
        for name in ("region", "team_new", "warnings", "warnings_excel", "roster_excel")
    },
    **{
        f"teams:{name}": lambda place: {"code": place.village, "month": "2026-11"}
        for name in ("report", "report_excel")
    },
    **{
        f"teams:{name}": lambda place: {"team_id": place.field.get("team", 0)}
        for name in ("team", "member_add")
    },
    "teams:member_end": lambda place: {"member_id": place.field.get("team_member", 0)},
    **{
        f"teams:{name}": lambda place: {"leave_id": place.field.get("team_leave", 0)}
        for name in ("leave", "leave_approve", "leave_reject", "leave_cancel")
    },
    **{f"teams:{name}": lambda place: {} for name in ("checkin", "leave_new", "leaves", "import", "panel")},
    "teams:import_report": lambda place: {"token": TOKEN},
}


def make_team(
    village_code: str,
    members: Sequence[tuple[str, str]] = (
        ("赵建国", "first_secretary"),
        ("钱小军", "member"),
        ("孙丽", "member"),
    ),
    *,
    unit: str = "省财政厅",
    unit_level: str = "province",
    term_start: dt.date = dt.date(2025, 3, 1),
    term_end: dt.date | None = dt.date(2027, 2, 28),
    joined: dt.date | None = None,
) -> Team:
    """A team in the village with its members in post since `joined` (default: the term's start)."""
    team = Team.objects.create(
        village_code=village_code, unit=unit, unit_level=unit_level, term_start=term_start, term_end=term_end
    )
    for number, (name, duty) in enumerate(members, start=1):
        TeamMember.objects.create(
            team=team,
            village_code=village_code,
            name=name,
            id_number=idnumber.make(village_code[:6], dt.date(1980, 1, number), 10 + number),
            phone=f"1391234{number:04d}",
            duty=duty,
            unit=unit,
            joined=joined or term_start,
        )
    return team


def url_records(village_code: str, household_id: str) -> dict[str, int]:
    """A team in the village: its first secretary (linked to the village's account, if any)
    checked in today and asked for a 5-day leave, which waits for the county."""
    team = make_team(village_code)
    member = team.members.get(duty="first_secretary")
    account = User.objects.filter(role=User.Role.VILLAGE, region__code=village_code).order_by("pk").first()
    if account is not None and not TeamMember.objects.filter(user=account).exists():
        TeamMember.objects.filter(pk=member.pk).update(user=account)
    now = timezone.now()
    CheckIn.objects.create(member=member, village_code=village_code, day=timezone.localdate(now), at=now)
    start = timezone.localdate() + dt.timedelta(days=3)
    leave = Leave.objects.create(
        member=member,
        village_code=village_code,
        start=start,
        end=start + dt.timedelta(days=4),
        days=5,
        reason="家中老人住院",
        approver=Leave.Approver.COUNTY,
        requested_by=account or User.objects.order_by("pk").first(),
    )
    return {"team": team.pk, "team_member": member.pk, "team_leave": leave.pk}


def crawl_records(users: dict[str, User], home: Any) -> list[str]:
    """For tests/web/test_personal_data_crawl.py: a team in the household's village whose
    members' ID numbers and phones must show masked everywhere, the first secretary linked to
    the village account and on approved leave; the pages to start from."""
    village = home.village_code
    team = make_team(village, term_start=timezone.localdate() - dt.timedelta(days=100), term_end=None)
    member = team.members.get(duty="first_secretary")
    TeamMember.objects.filter(pk=member.pk).update(user=users["village"])
    today = timezone.localdate()
    Leave.objects.create(
        member=member,
        village_code=village,
        start=today - dt.timedelta(days=20),
        end=today - dt.timedelta(days=18),
        days=3,
        reason=f"联系电话{member.phone}",
        approver=Leave.Approver.TOWNSHIP,
        status=Leave.Status.APPROVED,
        requested_by=users["village"],
    )
    month = f"{today:%Y-%m}"
    return [
        f"/teams/team/{team.pk}/",
        f"/teams/region/{village[:9]}/attendance/{month}/",
        f"/teams/region/{village[:9]}/attendance/{month}.xlsx",
        f"/teams/region/{village[:9]}/roster.xlsx",
    ]

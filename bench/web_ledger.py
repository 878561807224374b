"""The city's rectification ledger and grievances for `make bench-web`, bulk-created.

    seed_ledger(problems=20_000, grievances=50_000)

What an office a few months into the year holds, spread over the published city's villages
(and some townships, counties and the city itself):

- problems from every source, in batches, each with its lead unit, measures and deadline
  (30 to 120 days after it was entered, entered over the last 300 days); the older ones
  mostly fixed, accepted or closed out (most on time), some still being fixed past the
  deadline (逾期), a few found again at 回头看 (复发); one 立项 event each;
- grievances over the last 180 days on every channel and category, timed by the real rules
  (`deadlines.set_limits`): the older ones mostly answered and called back, some breached
  and escalated; about one in eight from someone who called within 90 days before (the
  same phone), linked to the earlier ones and counted (`repeat_count`); a few first filed
  at the province or in Beijing.

Rows are written with bulk_create (no audit rows: the bench measures reading). Run again,
it adds only what is missing up to the counts asked for.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import Any

PROBLEM_SOURCES = {  # weight of each source among a city's problems
    "national_assessment": 3,
    "cross_province": 4,
    "east_west": 1,
    "fund_performance": 1,
    "third_party": 2,
    "census": 2,
    "patrol": 3,
    "audit": 3,
    "undercover": 1,
    "screening": 6,
    "self_check": 5,
    "public_report": 2,
    "public_opinion": 1,
    "grievance": 2,
}
CHANNEL_WEIGHTS = {"12317": 5, "12345": 4, "letter": 1, "visit": 2, "online": 2, "mailbox": 1, "township": 3}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = "秀英建国桂兰志强玉梅红霞海军淑珍文华春花永明金凤"
UNITS = ("人民政府", "农业农村局", "教育局", "卫生健康局", "住房和城乡建设局", "水务局", "乡村振兴局")
TOPICS = ("饮水", "住房", "就学", "医疗", "收入")
BENCH_USER = "bench-ledger"


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _places(rng: random.Random) -> tuple[list[str], list[str], list[str]]:
    """Village, township and county codes of the published city (villages with households)."""
    from fangfan.web.registry.models import Household

    villages = sorted(set(Household.objects.values_list("village_code", flat=True).distinct()))
    return villages, sorted({code[:9] for code in villages}), sorted({code[:6] for code in villages})


def _region_of(rng: random.Random, places: tuple[list[str], list[str], list[str]]) -> tuple[str, str]:
    """(scope level, region code) of one problem: mostly villages and households."""
    villages, townships, counties = places
    roll = rng.random()
    if roll < 0.02:
        return "city", "621200"
    if roll < 0.08:
        return "county", rng.choice(counties)
    if roll < 0.20:
        return "township", rng.choice(townships)
    return ("household" if roll < 0.32 else "village"), rng.choice(villages)


def _office() -> Any:
    from fangfan.web.accounts.models import User
    from fangfan.web.regions.models import Region

    user = User.objects.filter(username=BENCH_USER).first()
    if user is None:
        user = User(username=BENCH_USER, first_name="压测录入", role=User.Role.CITY)
        user.region = Region.objects.get(code="621200")
        user.set_unusable_password()
        user.save()
    return user


def _problem(rng: random.Random, places: Any, office: Any, today: dt.date, number: int) -> Any:
    from fangfan.web.rectification.models import CATEGORY_CHOICES, Problem, Source

    source = _weighted(rng, PROBLEM_SOURCES)
    level, code = _region_of(rng, places)
    opened = today - dt.timedelta(days=rng.randint(0, 300))
    deadline = opened + dt.timedelta(days=rng.choice((30, 45, 60, 90, 120)))
    past = deadline < today
    roll = rng.random()
    if past:
        status = (
            "closed"
            if roll < 0.75
            else "accepted"
            if roll < 0.8
            else "fixed"
            if roll < 0.85
            else "in_progress"
        )
    else:
        status = (
            "in_progress" if roll < 0.5 else "fixed" if roll < 0.7 else "accepted" if roll < 0.8 else "closed"
        )
    fixed_on = (
        min(today, deadline - dt.timedelta(days=rng.randint(-10, 20))) if status != "in_progress" else None
    )
    if fixed_on is not None and fixed_on < opened:
        fixed_on = opened
    closed_on = (
        min(today, fixed_on + dt.timedelta(days=rng.randint(1, 15)))
        if status == "closed" and fixed_on
        else None
    )
    recurring = status == "closed" and rng.random() < 0.04
    if recurring:  # found again at 回头看: being fixed again
        status, closed_on = "in_progress", None
    label = Source(source).label
    return Problem(
        source=source,
        batch=f"{opened.year}年{label}反馈问题",
        serial=str(number % 400 + 1),
        scope_level=level,
        region_code=code,
        county_code="" if level == "city" else code[:6],
        township_code=code[:9] if len(code) >= 9 else "",
        description=f"{label}发现：第{number}号问题，{rng.choice(TOPICS)}保障不到位",
        category=rng.choice(CATEGORY_CHOICES)[0],
        lead_unit=f"{code}{rng.choice(UNITS)}",
        responsible_person=rng.choice(SURNAMES) + rng.choice(("主任", "局长", "书记", "镇长")),
        measures="逐户排查，建立台账，限期整改到位",
        deadline=deadline,
        status=status,
        opened_by=office,
        opened_at=dt.datetime.combine(opened, dt.time(9), tzinfo=dt.UTC),
        fixed_on=fixed_on,
        fix_note="已整改到位" if fixed_on else "",
        fixed_by=office if fixed_on else None,
        rechecked_on=closed_on or (fixed_on if status in ("accepted",) else None),
        rechecked_by="县乡村振兴局复核组" if status in ("accepted", "closed") else "",
        closed_on=closed_on,
        recurring=recurring,
        recurrences=1 if recurring else 0,
    )


def seed_problems(count: int, rng: random.Random, places: Any, office: Any) -> int:
    from fangfan.web.rectification.models import Problem, ProblemEvent

    missing = count - Problem.objects.count()
    if missing <= 0:
        return 0
    today = dt.date.today()
    start = Problem.all_objects.count()
    for offset in range(0, missing, 2_000):
        batch = [
            _problem(rng, places, office, today, start + offset + index + 1)
            for index in range(min(2_000, missing - offset))
        ]
        Problem.objects.bulk_create(batch)
        ProblemEvent.objects.bulk_create(
            ProblemEvent(
                problem=problem, user=office, action="import", to_status="in_progress", note="压测数据"
            )
            for problem in batch
        )
    return missing


def _grievance(rng: random.Random, places: Any, office: Any, now: dt.datetime, phone: str, code: str) -> Any:
    from fangfan.web.grievances import deadlines
    from fangfan.web.grievances.models import CATEGORIES, Grievance

    received = now - dt.timedelta(hours=rng.triangular(0, 180 * 24, 0))
    grievance = Grievance(
        channel=_weighted(rng, CHANNEL_WEIGHTS),
        category=rng.choice(CATEGORIES)[0],
        name=rng.choice(SURNAMES) + rng.choice(GIVEN[::2]) + rng.choice(GIVEN[1::2]),
        phone=phone,
        region_code=code,
        county_code=code[:6],
        first_level=rng.choices(
            ("village", "township", "county", "city", "province", "national"), weights=(40, 30, 15, 6, 6, 3)
        )[0],
        content="反映家中防返贫监测帮扶政策落实问题",
        received_at=received,
        recorded_by=office,
    )
    deadlines.set_limits(grievance)
    _advance(rng, grievance, now)
    return grievance


def _advance(rng: random.Random, grievance: Any, now: dt.datetime) -> None:
    """Move the grievance on as offices would have by `now`: most answered in time."""
    from fangfan.web.grievances import deadlines

    roll = rng.random()
    answered_by = grievance.received_at + (grievance.resolution_due - grievance.received_at) * rng.uniform(
        0.2, 1.15
    )
    if answered_by < now and roll < 0.85:
        grievance.stage = "closed" if roll < 0.75 else "replied"
        grievance.replied_at = answered_by
        grievance.outcome, grievance.reply = "已核实办理", "已答复来访人"
        grievance.satisfaction = rng.choice(("satisfied", "satisfied", "fairly", "unsatisfied"))
        if grievance.stage == "replied":
            grievance.satisfaction = ""
        grievance.reopened = 1 if grievance.satisfaction == "unsatisfied" else 0
        grievance.due_at = grievance.warn_at = None
    elif grievance.response_due < now and roll < 0.95:
        grievance.stage = "handling"
        limits = deadlines.running_deadline(grievance.resolution_due, grievance.at_risk_hours)
        grievance.due_at, grievance.warn_at = limits["due_at"], limits["warn_at"]
    grievance.escalations = deadlines.escalations_due(grievance, now) if grievance.due_at else 0


def seed_grievances(count: int, rng: random.Random, places: Any, office: Any) -> int:
    """Grievances up to `count`, one in eight from a phone that called within 90 days before."""
    from django.utils import timezone

    from fangfan.web.grievances.models import Grievance

    missing = count - Grievance.all_objects.count()
    if missing <= 0:
        return 0
    villages, townships, counties = places
    now = timezone.now()
    start = Grievance.all_objects.count()
    callers: list[tuple[str, str]] = []
    rows = []
    for index in range(missing):
        if callers and rng.random() < 0.12:
            phone, code = rng.choice(callers[-5_000:])
        else:
            roll = rng.random()
            pool = villages if roll < 0.85 else townships if roll < 0.95 else counties
            phone, code = f"13{rng.randrange(10**9):09d}", rng.choice(pool)
            callers.append((phone, code))
        grievance = _grievance(rng, places, office, now, phone, code)
        grievance.reference = f"XF{grievance.received_at:%Y%m%d}-B{start + index:06d}"
        rows.append(grievance)
    _link_repeats(rows)
    for offset in range(0, len(rows), 2_000):
        Grievance.objects.bulk_create(rows[offset : offset + 2_000])
    links = [
        Grievance.earlier.through(from_grievance_id=row.pk, to_grievance_id=earlier.pk)
        for row in rows
        for earlier in row.bench_earlier
    ]
    Grievance.earlier.through.objects.bulk_create(links, batch_size=5_000)
    return missing


def _link_repeats(rows: list[Any]) -> None:
    """Each grievance's earlier ones by the same phone within 90 days (in time order)."""
    window = dt.timedelta(days=90)
    seen: dict[str, list[Any]] = defaultdict(list)
    for row in sorted(rows, key=lambda row: row.received_at):
        row.bench_earlier = [
            earlier for earlier in seen[row.phone] if row.received_at - earlier.received_at <= window
        ]
        row.repeat_count = len(row.bench_earlier)
        seen[row.phone].append(row)


def seed_ledger(problems: int, grievances: int, seed: int = 2026) -> dict[str, int]:
    """Problems and grievances up to the counts asked for; how many of each were added."""
    rng = random.Random(seed)
    places = _places(rng)
    office = _office()
    return {
        "problems": seed_problems(problems, rng, places, office),
        "grievances": seed_grievances(grievances, rng, places, office),
    }

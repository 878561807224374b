"""Synthetic public-welfare jobs for the bench and the demo (bench/web_fieldwork.py).

    populate(seed=2026, scale=1.0)   # → {"岗位": 30000, "在岗人员": ~28000, "发放记录": ~336000, …}

At scale 1.0 about 30,000 posts spread over the registry's villages (more where more
households are), about 93 % held by the head of a 脱贫户 or 监测户 of the village, with twelve
months of appraisal and pay (the last twelve whole months; a few absences, now and then a
failed month). A handful of anomalies are planted and found, as last month's check would:
people paid for two posts in one month and holders from ordinary households. Rows are marked
`synthetic` and replaced each time; posts and selections of people's own are left alone.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import Any

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from fangfan.engine.fieldwork.jobs import (
    UNABLE_TO_WORK,
    WORKING_AWAY,
    PaymentFact,
    PersonFacts,
    double_payments,
    eligibility,
    pay_for_month,
)
from fangfan.engine.fieldwork.rules import field_rules
from fangfan.web.jobs.models import (
    JobCheck,
    JobFinding,
    Kind,
    Payment,
    Post,
    Selection,
    SelectionEvent,
    Stage,
)
from fangfan.web.regions.models import Region
from fangfan.web.registry.models import Household, Member

REPORT_MARKER = "公益性岗位"
POSTS = 30_000
HELD_SHARE = 0.93
BATCH = 5_000
PLANTED = 5  # of each kind of anomaly
PAYS = (500, 600, 700, 800, 900, 1000)
KINDS = list(Kind)
ELIGIBLE = ("脱贫户", "监测户")
Person = tuple[str, str, str, str]  # household id, name, ID number, household type


def _months(today: dt.date) -> list[dt.date]:
    """The last twelve whole months, oldest first."""
    month = today.replace(day=1)
    months = []
    for _ in range(12):
        month = (month - dt.timedelta(days=1)).replace(day=1)
        months.append(month)
    return months[::-1]


def _clear() -> None:
    """Remove the previous synthetic rows (and the checks that only held their findings)."""
    JobFinding.objects.filter(selection__synthetic=True)._raw_delete(JobFinding.objects.db)
    empty = list(
        JobCheck.objects.filter(requested_by=None, findings__isnull=True).values_list("pk", flat=True)
    )
    JobCheck.objects.filter(pk__in=empty).delete()
    Payment.objects.filter(selection__synthetic=True)._raw_delete(Payment.objects.db)
    SelectionEvent.objects.filter(selection__synthetic=True)._raw_delete(SelectionEvent.objects.db)
    Selection.all_objects.filter(synthetic=True)._raw_delete(Selection.objects.db)
    Post.all_objects.filter(synthetic=True)._raw_delete(Post.objects.db)


def _candidates(today: dt.date) -> tuple[dict[str, list[Person]], dict[str, list[Person]]]:
    """Village → the people who may hold a post (of 脱贫户/监测户, of age, able, not away), and
    village → a few heads of ordinary households (for the planted anomalies)."""
    rules = field_rules(today.year)
    youngest = today.replace(year=today.year - rules.public_welfare_age_min)
    oldest = today.replace(year=today.year - rules.public_welfare_age_max - 1) + dt.timedelta(days=1)
    members = (
        Member.objects.filter(
            household__household_type__in=ELIGIBLE,
            birth_date__gte=oldest,
            birth_date__lte=youngest,
            member_status="正常",
        )
        .exclude(household__household_type="监测户", household__risk_eliminated=True)
        .exclude(labour__in=UNABLE_TO_WORK)
        .exclude(work_status__in=WORKING_AWAY)
        .values_list("village_code", "household_id", "name", "id_number", "household__household_type")
    )
    eligible: dict[str, list[Person]] = defaultdict(list)
    for village, *person in members.iterator(chunk_size=20_000):
        eligible[village].append((person[0], person[1], person[2], person[3]))
    for rows in eligible.values():
        rows.sort()
    ordinary = Household.objects.filter(household_type="一般农户").exclude(head_id_number="")
    others: dict[str, list[Person]] = defaultdict(list)
    for village, household_id, name, id_number in ordinary.order_by("household_id").values_list(
        "village_code", "household_id", "head_name", "head_id_number"
    )[:5_000]:
        others[village].append((household_id, name, id_number, "一般农户"))
    return eligible, others


def populate(*, seed: int = 2026, scale: float = 1.0) -> dict[str, int]:
    """Fill every village of the registry with posts, holders and a year of pay (see the module)."""
    rng = random.Random(seed)
    today = timezone.localdate()
    months = _months(today)
    with transaction.atomic():
        _clear()
        people, others = _candidates(today)
        villages = sorted(
            set(Household.objects.values_list("village_code", flat=True).distinct())
            or Region.objects.filter(level=Region.Level.VILLAGE).values_list("code", flat=True)
        )
        posts = _posts(rng, villages, people, scale, months[0])
        Post.objects.bulk_create(posts, batch_size=BATCH)
        holders = _holders(rng, posts, people, others, months[0])
        _plant_double_posts(rng, posts, holders, months[0])
        Selection.objects.bulk_create(holders, batch_size=BATCH)
        payments = _payments(rng, holders, months)
        Payment.objects.bulk_create(payments, batch_size=BATCH)
        types = {
            person[0]: person[3] for group in (people, others) for rows in group.values() for person in rows
        }
        findings = _findings(holders, types, payments, months[-1], today)
    _analyze()
    return {
        "岗位": len(posts),
        "在岗人员": len(holders),
        "发放记录": len(payments),
        "检查问题": findings,
    }


def _analyze() -> None:
    """Fresh planner statistics for the tables just filled (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (Post, Selection, Payment, JobFinding):
            cursor.execute(f"ANALYZE {model._meta.db_table}")


def _posts(
    rng: random.Random, villages: list[str], people: dict[str, list[Any]], scale: float, announced: dt.date
) -> list[Post]:
    total = max(int(POSTS * scale), len(villages) and 1)
    households = sum(len(people.get(code, [])) for code in villages) or len(villages)
    posts = []
    for code in villages:
        share = len(people.get(code, [])) / households if people else 1 / len(villages)
        count = max(1, round(total * share + rng.uniform(-0.5, 0.5)))
        for number in range(count):
            kind = rng.choice(KINDS)
            posts.append(
                Post(
                    village_code=code,
                    township_code=code[:9],
                    county_code=code[:6],
                    kind=kind,
                    title=f"{kind.label}{number + 1}号",
                    monthly_pay=rng.choice(PAYS),
                    announced_on=announced - dt.timedelta(days=45),
                    synthetic=True,
                )
            )
    return posts


def _holders(
    rng: random.Random,
    posts: list[Post],
    people: dict[str, list[Person]],
    ordinary: dict[str, list[Person]],
    started: dt.date,
) -> list[Selection]:
    by_village: dict[str, list[Post]] = defaultdict(list)
    for post in posts:
        by_village[post.village_code].append(post)
    holders = []
    # A few vacant posts go to the head of an ordinary household: the check must find them.
    misplaced: list[tuple[Post, tuple[str, str, str, str]]] = []
    for code, village_posts in by_village.items():
        eligible = list(people.get(code, []))
        others = ordinary.get(code, [])
        rng.shuffle(eligible)
        taken: set[str] = set()
        vacant = []
        for post in village_posts:
            while eligible and eligible[-1][2] in taken:
                eligible.pop()
            if rng.random() > HELD_SHARE or not eligible:
                vacant.append(post)
                continue
            household_id, name, id_number, _ = eligible.pop()
            taken.add(id_number)
            holders.append(_selection(rng, post, household_id, name, id_number, started))
        if vacant and others:
            misplaced.append((vacant[0], others[0]))
    for post, (household_id, name, id_number, _) in rng.sample(misplaced, min(PLANTED, len(misplaced))):
        holders.append(_selection(rng, post, household_id, name, id_number, started))
    return holders


def _selection(
    rng: random.Random, post: Post, household_id: str, name: str, id_number: str, started: dt.date
) -> Selection:
    return Selection(
        post=post,
        village_code=post.village_code,
        township_code=post.township_code,
        household_id=household_id,
        name=name,
        id_number=id_number,
        stage=Stage.IN_POST,
        applied_on=started - dt.timedelta(days=40),
        reviewed_on=started - dt.timedelta(days=30),
        checked_on=started - dt.timedelta(days=25),
        notice_start=started - dt.timedelta(days=20),
        notice_end=started - dt.timedelta(days=13),
        notice_result="公示期满无异议",
        recorded_on=started - dt.timedelta(days=5),
        started_on=started,
        priority=rng.random() < 0.06,
        priority_reason="残疾人，优先安排",
        eligibility_note="符合条件",
        synthetic=True,
    )


def _plant_double_posts(
    rng: random.Random, posts: list[Post], holders: list[Selection], started: dt.date
) -> int:
    """A few holders also given a post of another village (paid twice every month)."""
    held = {holder.post_id for holder in holders if holder.post_id}
    vacant = [post for post in posts if post.pk not in held]
    planted = 0
    for holder, post in zip(rng.sample(holders, min(PLANTED, len(holders))), vacant, strict=False):
        holders.append(_selection(rng, post, holder.household_id, holder.name, holder.id_number, started))
        planted += 1
    return planted


def _payments(rng: random.Random, holders: list[Selection], months: list[dt.date]) -> list[Payment]:
    work_days = {month.year: field_rules(month.year).public_welfare_work_days_per_month for month in months}
    payments = []
    for holder in holders:
        for month in months:
            absent = 0 if rng.random() < 0.85 else rng.randint(1, 4)
            grade = "不合格" if rng.random() < 0.01 else ("优秀" if rng.random() < 0.2 else "合格")
            line = pay_for_month(
                holder.post.monthly_pay, absent_days=absent, grade=grade, work_days=work_days[month.year]
            )
            payments.append(
                Payment(
                    selection=holder,
                    village_code=holder.village_code,
                    township_code=holder.township_code,
                    id_number=holder.id_number,
                    month=month,
                    absent_days=absent,
                    grade=grade,
                    gross=line.gross,
                    deduction=line.deduction,
                    net=line.net,
                )
            )
    return payments


def _findings(
    holders: list[Selection], types: dict[str, str], payments: list[Payment], month: dt.date, today: dt.date
) -> int:
    """Last month's check over the city, worded as the check words it (`fangfan jobs check` runs it)."""
    check = JobCheck.objects.create(region_code="621200", month=month, status=JobCheck.Status.DONE)
    rules = field_rules(month.year)
    found = []
    for holder in holders:
        household_type = types.get(holder.household_id, "")
        if household_type in ELIGIBLE:
            continue
        verdict = eligibility(PersonFacts(name=holder.name, household_type=household_type), rules, today)
        found.append(_finding(check, JobFinding.Kind.INELIGIBLE, holder, verdict.reasons[0]))
    repeated: dict[str, int] = defaultdict(int)
    for holder in holders:
        repeated[holder.id_number] += 1
    doubled = {key for key, count in repeated.items() if count > 1}
    facts = [
        PaymentFact(index, row.id_number, row.selection.name, row.selection.post.title, row.month, row.net)
        for index, row in enumerate(payments)
        if row.month == month and row.id_number in doubled
    ]
    for item in double_payments(facts):
        for index in item.payment_ids:
            found.append(_finding(check, JobFinding.Kind.DOUBLE_PAY, payments[index].selection, item.reason))
    JobFinding.objects.bulk_create(found, batch_size=BATCH)
    JobCheck.objects.filter(pk=check.pk).update(
        holders=len(holders), found=len(found), finished_at=timezone.now()
    )
    return len(found)


def _finding(check: JobCheck, kind: str, selection: Selection, reason: str) -> JobFinding:
    return JobFinding(
        check_run=check,
        kind=kind,
        month=check.month,
        village_code=selection.village_code,
        township_code=selection.township_code,
        selection=selection,
        name=selection.name,
        id_number=selection.id_number,
        reason=reason,
    )


def report_paths(region_code: str, today: dt.date) -> list[str]:
    """The pages an office opens: the pay sheet and the findings of last month, the posts."""
    month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    return [
        f"{reverse('jobs:pay_sheet', args=[region_code])}?month={month}",
        f"{reverse('jobs:findings', args=[region_code])}?month={month}",
        reverse("jobs:posts", args=[region_code]),
    ]

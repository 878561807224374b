"""Synthetic 衔接资金项目 over the published registry, for the bench and the demo.

    populate(seed=2026, scale=1.0)     # 5,000 projects over the city's counties, townships, villages
    report_paths("621226", today)      # the county report, the alerts list, the project list

At scale 1.0: 5,000 projects (a fifth at county level, three tenths at township level, the
rest in villages), two or three fund sources each, about three progress reports and four
payments each (no photo files), and about twenty beneficiary households each, drawn from the
households of the project's area. Plans run from a year and a half ago to two months ahead,
so every alert occurs. Deterministic for the seed (on a given day); the previous synthetic
projects are deleted first.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from fangfan.engine.fieldwork.projects import BENEFITS, FUND_LEVELS, KINDS, expected_percent
from fangfan.web.accounts.access import level_prefix
from fangfan.web.projects.models import Beneficiary, FundSource, Payment, ProgressReport, Project
from fangfan.web.regions.models import Region
from fangfan.web.registry.models import Household

REPORT_MARKER = "衔接资金项目"
PROJECTS_AT_SCALE_ONE = 5_000
BATCH = 5_000
NOTES = ("完成基础开挖", "主体工程施工中", "材料进场", "完成主体工程", "附属工程施工", "完工并清理现场")


def report_paths(region_code: str, today: dt.date) -> list[str]:
    """The pages an office opens for a county or township: the report, the alerts, the list."""
    return [
        reverse("projects:report", kwargs={"code": region_code}),
        reverse("projects:alerts", kwargs={"code": region_code}),
        reverse("projects:list", kwargs={"code": region_code}),
    ]


def _households_by_village() -> dict[str, list[str]]:
    villages: dict[str, list[str]] = defaultdict(list)
    rows = Household.objects.order_by("village_code", "household_id").values_list(
        "village_code", "household_id"
    )
    for village, household in rows.iterator(chunk_size=20_000):
        villages[village].append(household)
    return villages


def _delete_previous() -> None:
    synthetic = Project.objects.filter(synthetic=True)
    for model in (Beneficiary, Payment, FundSource):
        model.objects.filter(project__in=synthetic.values("pk")).delete()
    ProgressReport.objects.filter(project__in=synthetic.values("pk")).delete()
    synthetic.delete()


def _place(rng: random.Random, villages: list[str]) -> str:
    village = rng.choice(villages)
    draw = rng.random()
    if draw < 0.2:
        return level_prefix(village, Region.Level.COUNTY)
    if draw < 0.5:
        return level_prefix(village, Region.Level.TOWNSHIP)
    return village


def _project(rng: random.Random, number: int, seed: int, region_code: str, today: dt.date) -> dict[str, Any]:
    """One project's plan, funds and state, as plain values."""
    start = today - dt.timedelta(days=rng.randint(-60, 540))
    finish = start + dt.timedelta(days=rng.randint(90, 400))
    levels = rng.sample([level for level, _ in FUND_LEVELS], rng.choice((2, 2, 3)))
    funds = {level: Decimal(rng.randint(5, 200) * 10_000) for level in levels}
    budget = sum(funds.values(), Decimal(0))
    started = start < today and rng.random() < 0.9
    expected = expected_percent(start, finish, today)
    progress = max(1, min(100, expected + rng.randint(-35, 15))) if started else 0
    actual_start = min(today, start + dt.timedelta(days=rng.randint(0, 30))) if started else None
    actual_finish = None
    if progress == 100 and actual_start is not None:
        actual_finish = min(today, max(actual_start, finish - dt.timedelta(days=rng.randint(-30, 60))))
    accepted_on = None
    if actual_finish is not None and rng.random() < 0.7:
        accepted_on = min(today, actual_finish + dt.timedelta(days=rng.randint(5, 40)))
    share = min(
        Decimal(1), Decimal(progress) / 100 * Decimal(rng.uniform(0.6, 1.3)).quantize(Decimal("0.01"))
    )
    paid = (budget * share).quantize(Decimal("1"))
    return {
        "project": Project(
            number=f"SYN{seed}-{number:05d}",
            name=f"{rng.choice(KINDS)[1]}项目{number:05d}",
            kind=rng.choice(KINDS)[0],
            region_code=region_code,
            county_code=level_prefix(region_code, Region.Level.COUNTY),
            content="硬化道路、修建设施、扶持产业（演示数据）",
            budget_yuan=budget,
            planned_start=start,
            planned_finish=finish,
            actual_start=actual_start,
            actual_finish=actual_finish,
            progress_percent=progress,
            progress_on=today - dt.timedelta(days=rng.randint(0, 20)) if started else None,
            paid_yuan=paid,
            accepted_on=accepted_on,
            accepted_by_names="县乡村振兴局验收组" if accepted_on else "",
            acceptance_note="验收合格" if accepted_on else "",
            synthetic=True,
        ),
        "funds": funds,
        "paid": paid,
    }


def _children(
    rng: random.Random, made: dict[str, Any], households: list[str], today: dt.date
) -> dict[str, list[Any]]:
    project: Project = made["project"]
    funds = [
        FundSource(project=project, level=level, amount_yuan=amount)
        for level, amount in made["funds"].items()
    ]
    reports = []
    if project.actual_start is not None:
        steps = sorted({max(1, project.progress_percent * step // 4) for step in (1, 2, 3, 4)})
        span = max(1, (today - project.actual_start).days)
        for index, percent in enumerate(steps, start=1):
            day = project.actual_start + dt.timedelta(days=span * index // len(steps))
            reports.append(
                ProgressReport(
                    project=project, reported_on=min(day, today), percent=percent, note=rng.choice(NOTES)
                )
            )
    payments = []
    paid: Decimal = made["paid"]
    if paid > 0:
        parts = [paid // 5] * 4 + [paid - paid // 5 * 4]
        first = project.actual_start or project.planned_start
        for index, amount in enumerate(parts):
            if amount > 0:
                day = min(today, first + dt.timedelta(days=30 * index))
                level = rng.choice(list(made["funds"]))
                payments.append(
                    Payment(project=project, paid_on=day, amount_yuan=amount, level=level, note="按进度拨付")
                )
    chosen = rng.sample(households, min(len(households), rng.randint(15, 25)))
    benefits = [
        Beneficiary(
            project=project,
            household_id=household,
            region_code=project.region_code,
            benefit=rng.choice(BENEFITS)[0],
            yuan_per_year=Decimal(rng.randint(5, 80) * 100),
        )
        for household in chosen
    ]
    return {"funds": funds, "reports": reports, "payments": payments, "benefits": benefits}


def _area_households(
    rng: random.Random, region_code: str, villages: dict[str, list[str]], under: dict[str, list[str]]
) -> list[str]:
    if region_code in villages:
        return villages[region_code]
    pool: list[str] = []
    for village in rng.sample(under[region_code], min(3, len(under[region_code]))):
        pool.extend(villages[village])
    return pool


def populate(*, seed: int = 2026, scale: float = 1.0) -> dict[str, int]:
    """Replace the synthetic projects with new ones over every village of the registry."""
    rng = random.Random(seed)
    today = timezone.localdate()
    villages = _households_by_village()
    codes = sorted(villages)
    under: dict[str, list[str]] = defaultdict(list)
    for village in codes:
        under[level_prefix(village, Region.Level.COUNTY)].append(village)
        under[level_prefix(village, Region.Level.TOWNSHIP)].append(village)
    counts = dict.fromkeys(("项目", "资金来源", "进度报告", "资金支付", "受益户"), 0)
    with transaction.atomic():
        _delete_previous()
        if not codes:
            return counts
        total = max(1, round(PROJECTS_AT_SCALE_ONE * scale))
        for start in range(0, total, BATCH):
            made = [
                _project(rng, number, seed, _place(rng, codes), today)
                for number in range(start + 1, min(total, start + BATCH) + 1)
            ]
            Project.objects.bulk_create([item["project"] for item in made], batch_size=BATCH)
            rows: dict[str, list[Any]] = defaultdict(list)
            for item in made:
                households = _area_households(rng, item["project"].region_code, villages, under)
                for name, objects in _children(rng, item, households, today).items():
                    rows[name].extend(objects)
            FundSource.objects.bulk_create(rows["funds"], batch_size=BATCH)
            ProgressReport.objects.bulk_create(rows["reports"], batch_size=BATCH)
            Payment.objects.bulk_create(rows["payments"], batch_size=BATCH)
            Beneficiary.objects.bulk_create(rows["benefits"], batch_size=BATCH)
            counts["项目"] += len(made)
            counts["资金来源"] += len(rows["funds"])
            counts["进度报告"] += len(rows["reports"])
            counts["资金支付"] += len(rows["payments"])
            counts["受益户"] += len(rows["benefits"])
    _analyze()
    return counts


def _analyze() -> None:
    """Fresh planner statistics after a bulk load (PostgreSQL), so the report reads its indexes;
    vacuumed too when not inside a transaction, so the beneficiaries' index is read alone."""
    if connection.vendor != "postgresql":
        return
    tables = [model._meta.db_table for model in (Project, FundSource, ProgressReport, Payment, Beneficiary)]
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    with connection.cursor() as cursor:
        cursor.execute(f"{command} {', '.join(tables)}")

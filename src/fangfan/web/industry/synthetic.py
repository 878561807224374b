"""Synthetic industry income for the bench and the demo (bench/web_fieldwork.py).

    populate(seed=2026, scale=1.0)   # → {"种植记录": …, "养殖记录": …, "登记户": …}

At scale 1.0, about 40 % of the published registry's households get this year's plantings
(1–3 of Longnan's crops) and about 15 % livestock (1–2 kinds), with incomes spread either
side of the targets so that every report has households and villages below them. Rows are
marked 模拟 (`Source.SYNTHETIC`) and replaced each time; households with rows of their own
(走访, 导入) that year are left as they are.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from fangfan.engine.fieldwork import industry as engine
from fangfan.engine.fieldwork.rules import field_rules
from fangfan.web.industry.ledger import rebuild_villages, refresh_household, this_year
from fangfan.web.industry.models import HouseholdIndustry, Livestock, Planting, Source, VillageIndustry
from fangfan.web.registry.models import Household

REPORT_MARKER = "产业收入"
BATCH = 5_000
PLANTING_SHARE = 0.40
LIVESTOCK_SHARE = 0.15
NO_MU_SHARE = 0.02  # plantings recorded without their mu: not judged
# Head per kind (cattle, sheep, pigs, chickens, bee boxes) a smallholding keeps.
HEAD_RANGE = {"牛": (1, 6), "羊": (5, 40), "猪": (2, 12), "鸡": (20, 150), "中蜂": (5, 40)}


Row = dict[str, Any]  # column values by attribute name (`household_id`, `mu`, …)


def _plantings(rng: random.Random, household: tuple[str, str], year: int) -> list[Row]:
    household_id, village_code = household
    rows = []
    no_mu = rng.random() < NO_MU_SHARE
    for crop in rng.sample(engine.CROPS, rng.randint(1, 3)):
        mu = Decimal(rng.randint(1, 12)) / 2
        income = (mu * rng.randint(1_600, 4_600)).quantize(Decimal("1"))
        rows.append(
            {
                "household_id": household_id,
                "village_code": village_code,
                "year": year,
                "crop": crop,
                "mu": None if no_mu else mu,
                "income": income,
                "source": Source.SYNTHETIC.value,
            }
        )
    return rows


def _livestock(rng: random.Random, household: tuple[str, str], year: int) -> list[Row]:
    household_id, village_code = household
    rows = []
    for kind in rng.sample(engine.LIVESTOCK_KINDS, rng.randint(1, 2)):
        low, high = HEAD_RANGE[kind]
        rows.append(
            {
                "household_id": household_id,
                "village_code": village_code,
                "year": year,
                "kind": kind,
                "head": rng.randint(low, high),
                "income": Decimal(rng.randint(25, 90) * 100),
                "source": Source.SYNTHETIC.value,
            }
        )
    return rows


def _tally(
    household: tuple[str, str], year: int, plantings: list[Row], livestock: list[Row], rules: Any
) -> Row:
    found = engine.figures(
        [(row["mu"], row["income"]) for row in plantings], [(row["head"], row["income"]) for row in livestock]
    )
    planting, animals = engine.statuses(found, rules)
    return {
        "household_id": household[0],
        "village_code": household[1],
        "year": year,
        "planting_rows": found.planting_rows,
        "mu": found.mu,
        "planting_income": found.planting_income,
        "planting_status": planting,
        "livestock_rows": found.livestock_rows,
        "head": found.head,
        "livestock_income": found.livestock_income,
        "livestock_status": animals,
    }


class _Batches:
    """Rows waiting to be written, by model, flushed in batches of `BATCH`."""

    def __init__(self) -> None:
        self.waiting: dict[type[Any], list[Row]] = {Planting: [], Livestock: [], HouseholdIndustry: []}
        self.written: dict[type[Any], int] = dict.fromkeys(self.waiting, 0)

    def add(self, model: type[Any], rows: list[Row]) -> None:
        waiting = self.waiting[model]
        waiting.extend(rows)
        if len(waiting) >= BATCH:
            self.flush(model)

    def flush(self, model: type[Any] | None = None) -> None:
        for kind in [model] if model else list(self.waiting):
            rows = self.waiting[kind]
            if rows:
                _write(kind, rows)
                self.written[kind] += len(rows)
                rows.clear()


def _write(model: type[Any], rows: list[Row]) -> None:
    """bulk_create, or on PostgreSQL a COPY (the city's 900,000 rows in seconds, not minutes)."""
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows], batch_size=BATCH)
        return
    now = timezone.now()
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    defaults = {
        field.attname: now if getattr(field, "auto_now_add", False) else field.get_default()
        for field in fields
    }
    names = list(defaults)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row.get(name, defaults[name]) for name in names])


def _analyze() -> None:
    """Fresh planner statistics for the tables just filled (else PostgreSQL plans the reports for
    the empty tables it last saw, and sorts a county's rows instead of reading them in order)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (Planting, Livestock, HouseholdIndustry, VillageIndustry):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def populate(*, seed: int = 2026, scale: float = 1.0) -> dict[str, int]:
    """Replace the synthetic plantings and livestock of this year (see the module's docstring)."""
    year = this_year()
    rules = field_rules(year)
    rng = random.Random(seed)
    planting_share = min(1.0, PLANTING_SHARE * scale)
    livestock_share = min(1.0, LIVESTOCK_SHARE * scale)
    with transaction.atomic():
        Planting.all_objects.filter(source=Source.SYNTHETIC).delete()
        Livestock.all_objects.filter(source=Source.SYNTHETIC).delete()
        HouseholdIndustry.objects.filter(year=year).delete()
        own = set(Planting.objects.filter(year=year).values_list("household_id", flat=True))
        own |= set(Livestock.objects.filter(year=year).values_list("household_id", flat=True))
        batches = _Batches()
        households = Household.objects.order_by("household_id").values_list("household_id", "village_code")
        for household in households.iterator(chunk_size=20_000):
            plants = rng.random() < planting_share
            keeps = rng.random() < livestock_share
            if household[0] in own or not (plants or keeps):
                continue
            plantings = _plantings(rng, household, year) if plants else []
            livestock = _livestock(rng, household, year) if keeps else []
            batches.add(Planting, plantings)
            batches.add(Livestock, livestock)
            batches.add(HouseholdIndustry, [_tally(household, year, plantings, livestock, rules)])
        batches.flush()
        for owner in Household.all_objects.filter(household_id__in=own):
            refresh_household(owner, year)
        villages = rebuild_villages(year)
        _analyze()
    return {
        "种植记录": batches.written[Planting],
        "养殖记录": batches.written[Livestock],
        "登记户": batches.written[HouseholdIndustry],
        "有登记的村": villages,
    }


def report_paths(region_code: str, today: dt.date) -> list[str]:
    """The county's or township's summary, households below target and villages below target."""
    query = f"?year={today.year}"
    return [
        reverse("industry:summary", args=[region_code]) + query,
        reverse("industry:below", args=[region_code]) + query,
        reverse("industry:villages", args=[region_code]) + query,
    ]

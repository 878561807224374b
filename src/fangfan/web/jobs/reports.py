"""What the pages of public-welfare jobs show, aggregated in SQL over a region the user may read.

- `post_summary` / `posts`: posts by kind, held and vacant, and a page of the posts;
- `pay_sheet`: a month's payments of a region, by township, with totals;
- `findings`: the monthly check's findings of a month;
- `panel`: the dashboard's numbers; `household_jobs`: a household page's section.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum

from fangfan.web.accounts.access import within_region
from fangfan.web.jobs.models import JobCheck, JobFinding, Kind, Payment, Post, Selection, Stage
from fangfan.web.regions.models import Region
from fangfan.web.registry.models import Household

ZERO = Decimal("0")


def in_region(model_rows: QuerySet[Any], region: Region) -> QuerySet[Any]:
    return model_rows.filter(within_region("village_code", region))


def posts(region: Region) -> QuerySet[Post]:
    """The region's posts with their holder's name and the applications under way."""
    holder = Selection.objects.filter(post=OuterRef("pk"), stage=Stage.IN_POST)
    annotated: QuerySet[Post] = in_region(Post.objects.all(), region).annotate(
        holder_name=Subquery(holder.values("name")[:1]),
        holder_id=Subquery(holder.values("pk")[:1]),
        applications=Count(
            "selections", filter=Q(selections__stage__in=(Stage.APPLIED, Stage.REVIEWED, Stage.CHECKED))
        ),
    )
    return annotated


@dataclass(frozen=True)
class KindTally:
    label: str
    posts: int
    held: int

    @property
    def vacant(self) -> int:
        return self.posts - self.held


def post_summary(region: Region) -> list[KindTally]:
    """Posts and holders by kind, then the total."""
    held = Exists(Selection.objects.filter(post=OuterRef("pk"), stage=Stage.IN_POST))
    rows = (
        in_region(Post.objects.all(), region)
        .annotate(is_held=held)
        .values("kind")
        .annotate(posts=Count("pk"), held=Count("pk", filter=Q(is_held=True)))
        .order_by("kind")
    )
    tallies = [KindTally(Kind(row["kind"]).label, row["posts"], row["held"]) for row in rows]
    total = KindTally("合计", sum(t.posts for t in tallies), sum(t.held for t in tallies))
    return [*tallies, total]


@dataclass(frozen=True)
class PayTotals:
    people: int
    gross: Decimal
    deduction: Decimal
    net: Decimal


def _totals(rows: QuerySet[Payment]) -> PayTotals:
    sums = rows.aggregate(people=Count("pk"), gross=Sum("gross"), deduction=Sum("deduction"), net=Sum("net"))
    return PayTotals(sums["people"], sums["gross"] or ZERO, sums["deduction"] or ZERO, sums["net"] or ZERO)


def month_payments(region: Region, month: dt.date) -> QuerySet[Payment]:
    rows = in_region(Payment.objects.filter(month=month), region)
    return rows.select_related("selection__post").order_by(
        "township_code", "village_code", "selection__name", "pk"
    )


@dataclass(frozen=True)
class TownshipPay:
    code: str
    name: str
    totals: PayTotals


def pay_by_township(region: Region, month: dt.date) -> list[TownshipPay]:
    rows = (
        in_region(Payment.objects.filter(month=month), region)
        .values("township_code")
        .annotate(people=Count("pk"), gross=Sum("gross"), deduction=Sum("deduction"), net=Sum("net"))
        .order_by("township_code")
    )
    names = region_names({row["township_code"] for row in rows})
    return [
        TownshipPay(
            row["township_code"],
            names.get(row["township_code"], row["township_code"]),
            PayTotals(row["people"], row["gross"] or ZERO, row["deduction"] or ZERO, row["net"] or ZERO),
        )
        for row in rows
    ]


def pay_totals(region: Region, month: dt.date) -> PayTotals:
    return _totals(in_region(Payment.objects.filter(month=month), region))


def region_names(codes: set[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


def findings(region: Region, month: dt.date) -> QuerySet[JobFinding]:
    return in_region(JobFinding.objects.filter(month=month), region).select_related("selection__post")


def finding_counts(region: Region, month: dt.date) -> dict[str, int]:
    rows = findings(region, month).values("kind").annotate(n=Count("pk")).order_by()
    return {row["kind"]: row["n"] for row in rows}


def latest_check(region: Region, month: dt.date) -> JobCheck | None:
    return JobCheck.objects.filter(region_code=region.code, month=month).first()


@dataclass(frozen=True)
class Panel:
    posts: int
    held: int
    priority_holders: int
    paid: PayTotals
    findings: int
    month: dt.date


CITY_PANEL_SECONDS = 300


def panel(region: Region, month: dt.date) -> Panel:
    """The dashboard's 公益性岗位 panel: posts, holders, the month's pay and findings.

    The whole city's (every post and every holder's month, a second's work uncached) is
    kept five minutes, like the teams' city panel: every office of the city reads the same
    numbers, and a dashboard need not be to the minute.
    """
    if region.level != Region.Level.CITY:
        return _panel(region, month)
    key = f"jobs-panel:{region.code}:{month:%Y%m}"
    found = cache.get(key)
    if not isinstance(found, Panel):
        found = _panel(region, month)
        cache.set(key, found, CITY_PANEL_SECONDS)
    return found


def _panel(region: Region, month: dt.date) -> Panel:
    kinds = post_summary(region)[-1]
    holders = in_region(Selection.objects.filter(stage=Stage.IN_POST), region)
    return Panel(
        kinds.posts,
        kinds.held,
        holders.filter(priority=True).count(),
        pay_totals(region, month),
        findings(region, month).count(),
        month,
    )


@dataclass(frozen=True)
class HouseholdJob:
    selection: Selection
    paid_this_year: Decimal
    months_paid: int


def household_jobs(household: Household, year: int) -> list[HouseholdJob]:
    """The household's members in a post or being selected, with this year's pay."""
    rows = (
        Selection.objects.filter(household=household)
        .exclude(stage=Stage.REJECTED)
        .select_related("post")
        .annotate(
            paid=Sum("payments__net", filter=Q(payments__month__year=year)),
            months=Count("payments", filter=Q(payments__month__year=year, payments__net__gt=0)),
        )
        .order_by("-started_on", "-pk")
    )
    return [HouseholdJob(row, row.paid or ZERO, row.months) for row in rows]

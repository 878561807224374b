"""The monthly check (月度资格检查): every holder of a region checked again, and the month's pay.

`run_check(check)` replaces the region's findings of that month with what it finds now:
holders no longer eligible (each reason, as at the month's last day or today if earlier),
people paid for two posts that month, and months paid after a death (公安 户籍状态 死亡 with
its 变动日期). Run by the background worker (`tasks.run_check_task`) or `fangfan jobs check`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from dataclasses import replace

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from fangfan.engine.fieldwork.jobs import PaymentFact, double_payments, eligibility, paid_after_death
from fangfan.engine.fieldwork.rules import field_rules
from fangfan.web.accounts.access import within_region
from fangfan.web.jobs.facts import deaths, facts_for
from fangfan.web.jobs.models import JobCheck, JobFinding, Payment, Selection, Stage
from fangfan.web.regions.models import Region

logger = logging.getLogger("fangfan.jobs")
Kind = JobFinding.Kind


def _inside(check: JobCheck) -> Q:
    """The check's region as a filter (the city's 621200 covers every code starting 6212)."""
    return within_region("village_code", Region.objects.get(code=check.region_code))


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def run_check(check: JobCheck) -> JobCheck:
    """Run one check (a no-op unless it is queued); its findings replace the month's earlier ones."""
    taken = JobCheck.objects.filter(pk=check.pk, status=JobCheck.Status.QUEUED).update(
        status=JobCheck.Status.RUNNING
    )
    if not taken:
        check.refresh_from_db()
        return check
    try:
        findings, holders = _findings(check)
        with transaction.atomic():
            JobFinding.objects.filter(_inside(check), month=check.month).delete()
            JobFinding.objects.bulk_create(findings, batch_size=2_000)
            JobCheck.objects.filter(pk=check.pk).update(
                status=JobCheck.Status.DONE, finished_at=timezone.now(), holders=holders, found=len(findings)
            )
    except Exception:
        logger.exception("jobs check %s failed", check.pk)
        JobCheck.objects.filter(pk=check.pk).update(status=JobCheck.Status.FAILED, finished_at=timezone.now())
        raise
    check.refresh_from_db()
    return check


def _findings(check: JobCheck) -> tuple[list[JobFinding], int]:
    on = min(month_end(check.month), timezone.localdate())
    holders = list(
        Selection.objects.filter(
            _inside(check),
            stage=Stage.IN_POST,
            started_on__lte=month_end(check.month),
        )
        .select_related("post")
        .order_by("village_code", "pk")
    )
    everyone = facts_for([(holder.household_id, holder.id_number) for holder in holders])
    rules = field_rules(on.year)
    found = []
    for holder in holders:
        facts = everyone[(holder.household_id, holder.id_number)]
        verdict = eligibility(replace(facts, other_posts=_without_own(facts.other_posts, holder)), rules, on)
        if not verdict.eligible:
            found.append(_finding(check, Kind.INELIGIBLE, holder, verdict.reason_text))
    return [*found, *_payment_findings(check)], len(holders)


def _without_own(posts: tuple[str, ...], holder: Selection) -> tuple[str, ...]:
    """The person's posts less the one held (once: a second post of the same title still counts)."""
    others = list(posts)
    if holder.post.title in others:
        others.remove(holder.post.title)
    return tuple(others)


def _payment_findings(check: JobCheck) -> list[JobFinding]:
    month_rows = Payment.objects.filter(_inside(check), month=check.month)
    id_numbers = set(month_rows.values_list("id_number", flat=True))
    everywhere = Payment.objects.filter(month=check.month, id_number__in=id_numbers).select_related(
        "selection__post"
    )
    facts = [
        PaymentFact(row.pk, row.id_number, row.selection.name, row.selection.post.title, row.month, row.net)
        for row in everywhere
    ]
    by_id = {row.pk: row for row in everywhere}
    inside = {row.village_code for row in month_rows.only("village_code")}
    found = []
    for item in [*double_payments(facts), *paid_after_death(facts, deaths(id_numbers))]:
        for payment_id in item.payment_ids:
            selection = by_id[payment_id].selection
            if selection.village_code in inside:
                found.append(_finding(check, Kind(item.kind), selection, item.reason))
    return found


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
        reason=reason[:1000],
    )

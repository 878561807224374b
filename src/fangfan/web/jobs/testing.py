"""Test helpers for fangfan.web.jobs (the URL matrix reads `url_records` and `URL_ROUTES`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.utils import timezone

from fangfan.web.jobs.models import JobCheck, JobFinding, Kind, Payment, Post, Selection, Stage, VillageCadre
from fangfan.web.jobs.procedure import SELECTION
from fangfan.web.registry.models import Household


def _code(place: Any) -> dict[str, Any]:
    return {"code": place.village}


def _selection(place: Any) -> dict[str, Any]:
    return {"selection_id": place.field.get("job_selection", 0)}


# URL name -> how to fill its parameters from the URL matrix's Place (tests/web/test_url_matrix.py).
URL_ROUTES: dict[str, Callable[[Any], dict[str, Any]]] = {
    **{
        f"jobs:{name}": _code
        for name in (
            "posts",
            "post_new",
            "pay_sheet",
            "pay_sheet_excel",
            "findings",
            "findings_excel",
            "check",
            "cadres",
            "panel",
        )
    },
    "jobs:post": lambda place: {"post_id": place.field.get("job_post", 0)},
    "jobs:apply": lambda place: {"post_id": place.field.get("job_post", 0)},
    "jobs:selection": _selection,
    "jobs:appraise": _selection,
    **{f"jobs:selection_{verb}": _selection for verb in SELECTION.verbs},
    "jobs:household": lambda place: {"household_id": place.household_id},
}


def make_post(village_code: str, *, kind: str = Kind.RANGER, monthly_pay: int = 800, **fields: Any) -> Post:
    values: dict[str, Any] = {
        "village_code": village_code,
        "township_code": village_code[:9],
        "county_code": village_code[:6],
        "kind": kind,
        "title": f"{Kind(kind).label}{village_code[-3:]}",
        "monthly_pay": monthly_pay,
        "announced_on": timezone.localdate() - dt.timedelta(days=200),
        **fields,
    }
    return Post.objects.create(**values)


def make_holder(post: Post, household: Household, name: str, id_number: str, **fields: Any) -> Selection:
    """A person in post since 180 days ago (straight in: the steps are the verbs' tests)."""
    started = timezone.localdate() - dt.timedelta(days=180)
    values: dict[str, Any] = {
        "post": post,
        "village_code": post.village_code,
        "township_code": post.township_code,
        "household": household,
        "name": name,
        "id_number": id_number,
        "stage": Stage.IN_POST,
        "applied_on": started - dt.timedelta(days=20),
        "started_on": started,
        **fields,
    }
    return Selection.objects.create(**values)


def make_payment(selection: Selection, month: dt.date, net: str = "800", **fields: Any) -> Payment:
    amount = Decimal(net)
    values: dict[str, Any] = {
        "selection": selection,
        "village_code": selection.village_code,
        "township_code": selection.township_code,
        "id_number": selection.id_number,
        "month": month,
        "grade": "合格",
        "gross": amount,
        "deduction": Decimal("0"),
        "net": amount,
        **fields,
    }
    return Payment.objects.create(**values)


def url_records(village_code: str, household_id: str) -> dict[str, int]:
    """A post held by the household's head, a month paid, and a finding of that month."""
    household = Household.objects.get(household_id=household_id)
    post = make_post(village_code)
    holder = make_holder(post, household, household.head_name, household.head_id_number or "X")
    month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    make_payment(holder, month)
    check = JobCheck.objects.create(region_code=village_code, month=month, status=JobCheck.Status.DONE)
    JobFinding.objects.create(
        check_run=check,
        kind=JobFinding.Kind.INELIGIBLE,
        month=month,
        village_code=village_code,
        township_code=village_code[:9],
        selection=holder,
        name=household.head_name,
        id_number=holder.id_number,
        reason=f"{household.head_name}户类型为一般农户（须为脱贫户或监测户）",
    )
    return {"job_post": post.pk, "job_selection": holder.pk}


def crawl_records(users: dict[str, Any], home: Household) -> list[str]:
    """For tests/web/test_personal_data_crawl.py: the household head holding a post (its duties
    carrying his phone) until today, with a month's appraisal whose note and the reason he left
    carry the head's ID number and phone, the head on the village's cadre roster and a finding
    of the month; the pages to start from."""
    village = home.village_code
    numbers = f"户主身份证{home.head_id_number}，电话{home.phone or '13912345678'}"
    post = make_post(village, title="护林员", duties=f"巡山护林，{numbers}")
    holder = make_holder(
        post,
        home,
        home.head_name,
        home.head_id_number or "X",
        stage=Stage.ENDED,
        ended_on=timezone.localdate(),
        end_reason=f"外出务工辞职，{numbers}",
    )
    month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    make_payment(holder, month, note=numbers)
    VillageCadre.objects.create(
        village_code=village, name=home.head_name, id_number=holder.id_number, position="村委会主任"
    )
    check = JobCheck.objects.create(region_code=village, month=month, status=JobCheck.Status.DONE)
    JobFinding.objects.create(
        check_run=check,
        kind=JobFinding.Kind.INELIGIBLE,
        month=month,
        village_code=village,
        township_code=village[:9],
        selection=holder,
        name=home.head_name,
        id_number=holder.id_number,
        reason=f"本人为村干部（村委会主任）；{numbers}",
    )
    query = f"?month={month:%Y-%m}"
    return [
        f"/job-selections/{holder.pk}/",
        f"/job-selections/{holder.pk}/appraise/",
        f"/job-posts/{holder.post_id}/",
        f"/jobs/{village[:9]}/pay/{query}",
        f"/jobs/{village[:9]}/pay.xlsx{query}",
        f"/jobs/{village[:6]}/findings/{query}",
        f"/jobs/{village[:6]}/findings.xlsx{query}",
        f"/jobs/{village}/cadres/",
        f"/households/{home.household_id}/jobs/",
    ]

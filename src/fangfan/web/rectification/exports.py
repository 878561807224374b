"""The ledger's workbooks: the three lists, a region's 整改台账 and the progress report.

The views hand in problems already through the gate (`scope`, `region_for_user`); this
turns them into the engine's plain frame (`fangfan.engine.rectification.report.PROBLEM_FRAME`)
and lets the engine's writers (`fangfan.engine.rectification.workbooks`) lay them out as
offices file them. Personal data stays masked: no export carries whole ID numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO

import polars as pl
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from fangfan.engine.rectification import workbooks
from fangfan.engine.rectification.report import frame
from fangfan.web.rectification.ledger import place_names
from fangfan.web.rectification.models import OPEN_STATUSES, Problem, ProblemEvent, Status
from fangfan.web.regions.models import Region

# Events that reopen a problem: sent back after a fix, found again after close-out.
REOPENING = (ProblemEvent.Action.SEND_BACK, ProblemEvent.Action.RECUR)
Writer = Callable[[IO[bytes]], None]


def problems_frame(problems: QuerySet[Problem]) -> pl.DataFrame:
    """The problems as the engine's frame: labels in Chinese, places by name, households as text."""
    rows = list(
        problems.annotate(reopened=Count("events", filter=Q(events__action__in=REOPENING)))
        .prefetch_related("households")
        .order_by("deadline", "id")
    )
    places = place_names(problem.region_code for problem in rows)
    return frame([_row(problem, places) for problem in rows])


def _row(problem: Problem, places: dict[str, str]) -> dict[str, object]:
    households = "；".join(
        f"{household.head_name}（{household.head_id_number or household.household_id}）"
        for household in problem.households.all()
    )
    return {
        "number": str(problem.pk),
        "source": problem.get_source_display(),
        "batch": problem.batch,
        "county_code": problem.county_code or None,
        "township_code": problem.township_code or None,
        "place_name": places.get(problem.region_code, problem.region_code),
        "description": problem.description,
        "category": problem.get_category_display(),
        "households": households,
        "measures": problem.measures,
        "lead_unit": problem.lead_unit,
        "responsible_person": problem.responsible_person,
        "deadline": problem.deadline,
        "status": problem.get_status_display(),
        "fixed": problem.status not in (Status.IN_PROGRESS,),
        "closed": problem.status not in OPEN_STATUSES,
        "closed_on": problem.closed_on,
        "reopened": getattr(problem, "reopened", 0),
        "recurring": problem.recurring,
    }


def three_lists(problems: QuerySet[Problem], title: str) -> Writer:
    """问题清单, 任务清单, 责任清单 of the problems, titled with the region (and batch)."""
    rows = problems_frame(problems)
    return lambda target: workbooks.write_three_lists(target, rows, title=title, today=timezone.localdate())


def region_ledger(problems: QuerySet[Problem], region: Region, by: str) -> Writer:
    """The 整改台账 of a county (or a township): a sheet per source or per township."""
    rows = problems_frame(problems)

    def write(target: IO[bytes]) -> None:
        workbooks.write_county_ledger(
            target, rows, county_name=region.name, today=timezone.localdate(), by=by
        )

    return write


def progress_report(problems: QuerySet[Problem], region: Region, title: str) -> Writer:
    """Received, closed, overdue, reopened, recurring and closed on time, by source and by the
    places one level below `region` (the city's counties; a county's or township's townships)."""
    rows = problems_frame(problems)
    by_township = region.level != Region.Level.CITY

    def write(target: IO[bytes]) -> None:
        workbooks.write_progress_report(
            target, rows, title=title, today=timezone.localdate(), by_township=by_township
        )

    return write

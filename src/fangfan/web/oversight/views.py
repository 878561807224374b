"""一个不剩总览: the board of the user's region (or a region inside it), its Excel and its lists."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from fangfan.web.accounts.access import REGION_READERS, region_for_user, require_roles
from fangfan.web.grievances.columns import GRIEVANCE_COLUMNS
from fangfan.web.grievances.lists import place_name
from fangfan.web.oversight import board as boards
from fangfan.web.oversight.columns import PROBLEM_COLUMNS, board_sheets
from fangfan.web.procedures.pages import user_of
from fangfan.web.regions.models import Region
from fangfan.web.shared.excel import excel_response, workbook_response


def _region(request: HttpRequest) -> Region:
    """The region asked for (`?region=`), inside the user's (else 404), or the user's own."""
    return region_for_user(request.user, request.GET.get("region") or None)


def _trail(user_region: Region, region: Region) -> list[Region]:
    trail = [region]
    while trail[0].code != user_region.code and trail[0].parent is not None:
        trail.insert(0, trail[0].parent)
    return trail


def _named(rows: Iterable[Any]) -> list[Any]:
    """The first rows of a list, each with its place's name for the page."""
    named = list(rows)
    for row in named:
        row.place_name = place_name(row.region_code)
    return named


@require_GET
@require_roles(*REGION_READERS)
def board(request: HttpRequest) -> HttpResponse:
    """一个不剩: what is open per source and place, overdue and recurring, time limits, campaigns."""
    user = user_of(request)
    region = _region(request)
    assert user.region is not None
    shown = boards.SHOWN
    context = {
        "board": boards.build_board(user, region),
        "region": region,
        "trail": _trail(user.region, region),
        "overdue": _named(boards.overdue_problems(user, region)[:shown]),
        "recurring": _named(boards.recurring_problems(user, region)[:shown]),
        "breached": _named(boards.breached_grievances(user, region)[:shown]),
        "repeats": _named(boards.repeat_callers(user, region)[:shown]),
        "shown": shown,
    }
    return render(request, "oversight/board.html", context)


@require_GET
@require_roles(*REGION_READERS)
def board_excel(request: HttpRequest) -> FileResponse:
    """The board's tables as one workbook, a sheet each."""
    region = _region(request)
    board = boards.build_board(user_of(request), region)
    return workbook_response(f"{region.name}一个不剩总览", board_sheets(board))


@require_GET
@require_roles(*REGION_READERS)
def overdue_excel(request: HttpRequest) -> FileResponse:
    region = _region(request)
    rows = boards.overdue_problems(user_of(request), region)
    return excel_response(f"{region.name}逾期未整改问题", PROBLEM_COLUMNS, rows)


@require_GET
@require_roles(*REGION_READERS)
def recurring_excel(request: HttpRequest) -> FileResponse:
    region = _region(request)
    rows = boards.recurring_problems(user_of(request), region)
    return excel_response(f"{region.name}复发问题", PROBLEM_COLUMNS, rows)


@require_GET
@require_roles(*REGION_READERS)
def breached_excel(request: HttpRequest) -> FileResponse:
    region = _region(request)
    rows = boards.breached_grievances(user_of(request), region)
    return excel_response(f"{region.name}超时信访事项", GRIEVANCE_COLUMNS, rows)


@require_GET
@require_roles(*REGION_READERS)
def repeats_excel(request: HttpRequest) -> FileResponse:
    region = _region(request)
    rows = boards.repeat_callers(user_of(request), region)
    return excel_response(f"{region.name}重复反映", GRIEVANCE_COLUMNS, rows)

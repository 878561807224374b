"""The board's Excel: its tables a sheet each, and the lists behind them (IDs and phones masked)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from fangfan.web.grievances.lists import place_name
from fangfan.web.oversight.board import Board, CampaignRow, ChannelRow, PlaceRow, SourceRow
from fangfan.web.rectification.models import Problem, Source
from fangfan.web.shared.excel import BOOLEAN, DATE, NUMBER, Column, Sheet

PROBLEM_FIELDS = (
    ("收到问题", "received"),
    ("未销号", "open"),
    ("逾期未整改", "overdue"),
    ("3天内到期", "due_soon"),
    ("复发", "recurring"),
    ("已销号", "closed"),
    ("按期销号", "closed_on_time"),
)
GRIEVANCE_FIELDS = (
    ("信访总数", "received"),
    ("未办结", "open"),
    ("正常", "on_track"),
    ("临期", "at_risk"),
    ("超时", "breached"),
    ("按期答复", "replied_on_time"),
    ("超期答复", "replied_late"),
    ("已升级督办", "escalated"),
    ("重复反映", "repeat"),
    ("回访不满意", "unsatisfied"),
)


def _counts(prefix: str, fields: tuple[tuple[str, str], ...]) -> list[Column]:
    return [Column(header, f"{prefix}.{name}", kind=NUMBER, width=10) for header, name in fields]


def place_columns(board: Board) -> list[Column]:
    """各地清零情况: each region a level below, its problems, the open ones per source."""
    level = board.child_level or "区划"

    def open_of(code: str) -> Any:
        return lambda row: row.open_by_source.get(code, 0) if row.received_by_source.get(code) else None

    return [
        Column(level, "name", width=16),
        *_counts("problems", PROBLEM_FIELDS),
        Column("按期销号率", "problems.on_time_share", width=10),
        Column("清零", "problems.cleared", kind=BOOLEAN, width=6),
        *(
            Column(f"未销号·{Source(code).label}", open_of(code), kind=NUMBER, width=10)
            for code in board.source_codes
        ),
    ]


def place_grievance_columns(board: Board) -> list[Column]:
    return [
        Column(board.child_level or "区划", "name", width=16),
        *_counts("grievances", GRIEVANCE_FIELDS),
        Column("按期答复率", "grievances.on_time_share", width=10),
    ]


SOURCE_COLUMNS = (
    Column("问题来源", "name", width=16),
    *_counts("problems", PROBLEM_FIELDS),
    Column("按期销号率", "problems.on_time_share", width=10),
)
CHANNEL_COLUMNS = (
    Column("渠道", "name", width=12),
    *_counts("grievances", GRIEVANCE_FIELDS),
    Column("按期答复率", "grievances.on_time_share", width=10),
)
CAMPAIGN_COLUMNS = (
    Column("专项行动", "title", width=16),
    Column("区划", "place_name", width=16),
    Column("对象户", "counts.targets", kind=NUMBER, width=10),
    Column("已走访", "counts.visited", kind=NUMBER, width=10),
    Column("待走访", "counts.pending", kind=NUMBER, width=10),
    Column("逾期未走访", "counts.overdue", kind=NUMBER, width=10),
    Column("走访率", "counts.visited_share", width=10),
)


def _days_overdue(problem: Problem) -> int:
    return max(-problem.days_left(timezone.localdate()), 0)


PROBLEM_COLUMNS = (
    Column("问题编号", "pk", kind=NUMBER, width=10),
    Column("问题来源", lambda row: row.get_source_display(), width=14),
    Column("批次", "batch", width=24),
    Column("原清单序号", "serial", width=8),
    Column("所在地", lambda row: place_name(row.region_code), width=20),
    Column("问题描述", "description", width=40),
    Column("问题类别", lambda row: row.get_category_display(), width=10),
    Column("责任单位", "lead_unit", width=16),
    Column("责任人", "responsible_person", width=10),
    Column("整改时限", "deadline", kind=DATE, width=14),
    Column("逾期天数", _days_overdue, kind=NUMBER, width=8),
    Column("整改状态", lambda row: row.get_status_display(), width=12),
    Column("复发次数", "recurrences", kind=NUMBER, width=8),
)


def board_sheets(board: Board) -> list[Sheet]:
    """The board's tables, a sheet each (the lists are downloads of their own)."""
    places: list[PlaceRow] = board.places
    sources: list[SourceRow] = board.sources
    channels: list[ChannelRow] = board.channels
    campaigns: list[CampaignRow] = board.campaigns
    return [
        Sheet("各地整改清零情况", place_columns(board), places),
        Sheet("整改问题按来源", SOURCE_COLUMNS, sources),
        Sheet("各地信访办理时限", place_grievance_columns(board), places),
        Sheet("信访办理时限按渠道", CHANNEL_COLUMNS, channels),
        Sheet("专项行动进度", CAMPAIGN_COLUMNS, campaigns),
    ]

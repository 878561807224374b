"""The Excel columns of a campaign's target list and its progress (IDs and phones masked
by `excel_response`)."""

from __future__ import annotations

from fangfan.web.campaigns.models import Target
from fangfan.web.campaigns.progress import ProgressRow
from fangfan.web.shared.excel import DATE, ID, NUMBER, PHONE, Column


def _visit_value(target: Target, name: str) -> object:
    visit = getattr(target, "visit", None)
    if visit is None:
        return None
    if name == "result":
        return visit.get_result_display()
    if name == "follow_up":
        return visit.get_follow_up_display() if visit.follow_up else ""
    if name == "problems":
        return "、".join(visit.problems)
    return getattr(visit, name)


def _evidence(target: Target) -> str:
    return "；".join(
        f"{reason['reason']}（{'，'.join(f'{label}：{value}' for label, value in reason['evidence'])}）"
        if reason["evidence"]
        else str(reason["reason"])
        for reason in target.reasons
    )


TARGET_COLUMNS = (
    Column("户编号", "household.household_id", width=20),
    Column("户主姓名", "household.head_name"),
    Column("户主身份证号", "household.head_id_number", kind=ID, width=20),
    Column("联系电话", "household.phone", kind=PHONE, width=14),
    Column("县(区)", "household.county_name"),
    Column("乡(镇)", "household.township_name"),
    Column("行政村", "household.village_name"),
    Column("列入理由", _evidence, width=50),
    Column("走访截止日期", "visit_by", kind=DATE),
    Column("走访状态", lambda target: target.get_status_display()),
    Column("走访日期", lambda target: _visit_value(target, "visited_on"), kind=DATE),
    Column("走访结果", lambda target: _visit_value(target, "result"), width=18),
    Column("发现的问题", lambda target: _visit_value(target, "problems"), width=24),
    Column("后续处理", lambda target: _visit_value(target, "follow_up"), width=16),
)

PROGRESS_COLUMNS = (
    Column("区划代码", "code", width=14),
    Column("区划", "name", width=16),
    Column("对象户数", "targets", kind=NUMBER),
    Column("已走访", "visited", kind=NUMBER),
    Column("待走访", lambda row: row.pending, kind=NUMBER),
    Column("走访率", lambda row: row.visited_share),
    Column("逾期未走访", "overdue", kind=NUMBER),
    Column("发现问题", "problems", kind=NUMBER),
)

__all__ = ["PROGRESS_COLUMNS", "TARGET_COLUMNS", "ProgressRow"]

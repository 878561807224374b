"""The Excel columns of the grievance and public-opinion lists (ID and phone numbers masked)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from fangfan.web.grievances.deadlines import SLA_LABELS, handling_level, sla_state
from fangfan.web.grievances.lists import place_name
from fangfan.web.grievances.models import Grievance, Level, OpinionItem
from fangfan.web.shared.excel import BOOLEAN, DATE, ID, NUMBER, PHONE, Column


def _sla(row: Grievance | OpinionItem) -> str:
    return SLA_LABELS[sla_state(row.due_at, row.warn_at, timezone.now())]


def _level(grievance: Grievance) -> str:
    return Level(handling_level(grievance)).label


def _place(row: Any) -> str:
    return place_name(row.region_code)


GRIEVANCE_COLUMNS = (
    Column("信访编号", "reference", width=16),
    Column("时限状态", _sla, width=8),
    Column("渠道", lambda row: row.get_channel_display(), width=10),
    Column("类别", lambda row: row.get_category_display(), width=12),
    Column("信访人", "name", width=10),
    Column("身份证号", "id_number", kind=ID, width=20),
    Column("联系电话", "phone", kind=PHONE, width=14),
    Column("户编号", lambda row: row.household.household_id if row.household else "", width=18),
    Column("所在区划", _place, width=20),
    Column("首次反映层级", lambda row: row.get_first_level_display(), width=10),
    Column("反映内容", "content", width=40),
    Column("登记时间", "received_at", kind=DATE, width=14),
    Column("办理环节", lambda row: row.get_stage_display(), width=10),
    Column("当前时限", "due_at", kind=DATE, width=14),
    Column("已升级级数", "escalations", kind=NUMBER, width=8),
    Column("现由哪级督办", _level, width=10),
    Column("90天内此前反映次数", "repeat_count", kind=NUMBER, width=10),
    Column("办理结果", "outcome", width=30),
    Column("答复意见", "reply", width=30),
    Column("回访满意度", lambda row: row.get_satisfaction_display(), width=10),
    Column("不满意重办次数", "reopened", kind=NUMBER, width=8),
    Column("已转监测线索", lambda row: row.intake_id is not None, kind=BOOLEAN, width=8),
    Column("已转整改问题", lambda row: row.problem_id is not None, kind=BOOLEAN, width=8),
)

SKIPPED_COLUMNS = (
    Column("县(区)", "county_name", width=12),
    Column("信访总数", "total", kind=NUMBER, width=10),
    Column("首次到省反映", "province", kind=NUMBER, width=10),
    Column("首次到国家反映", "national", kind=NUMBER, width=10),
    Column("越级合计", "skipped", kind=NUMBER, width=10),
    Column("越级占比(%)", "share", kind=NUMBER, width=10),
)

OPINION_COLUMNS = (
    Column("舆情编号", "reference", width=16),
    Column("时限状态", _sla, width=8),
    Column("平台", lambda row: row.get_platform_display(), width=10),
    Column("链接", "link", width=30),
    Column("发现时间", "found_at", kind=DATE, width=14),
    Column("涉及区划", _place, width=20),
    Column("具体地点", "place", width=16),
    Column("反映内容", "claim", width=40),
    Column("办理环节", lambda row: row.get_stage_display(), width=12),
    Column("核实时限", "verify_due", kind=DATE, width=14),
    Column("现场核实日期", "verified_on", kind=DATE, width=14),
    Column("核实人员", "verified_by", width=12),
    Column("核实用时(小时)", "hours_to_verification", kind=NUMBER, width=10),
    Column("核实结论", lambda row: {True: "属实", False: "不属实"}.get(row.is_true, "未核实"), width=8),
    Column("核实情况", "finding", width=30),
    Column("回应内容", "answer", width=30),
    Column("已转整改问题", lambda row: row.problem_id is not None, kind=BOOLEAN, width=8),
)

REGISTER_COLUMNS = (
    Column("县(区)", "county_name", width=12),
    Column("舆情数", "total", kind=NUMBER, width=8),
    Column("已核实", "verified", kind=NUMBER, width=8),
    Column("平均核实用时(小时)", "average_hours", kind=NUMBER, width=12),
    Column("超时核实或超时未核实", "late", kind=NUMBER, width=12),
    Column("属实", "true", kind=NUMBER, width=8),
    Column("不属实", "untrue", kind=NUMBER, width=8),
    Column("已回应", "answered", kind=NUMBER, width=8),
    Column("转整改问题", "problems", kind=NUMBER, width=10),
)

PERFORMANCE_COLUMNS = (
    Column("县(区)", "county_name", width=12),
    Column("信访总数", "total", kind=NUMBER, width=8),
    Column("未办结", "open", kind=NUMBER, width=8),
    Column("超时", "breached", kind=NUMBER, width=8),
    Column("临期", "at_risk", kind=NUMBER, width=8),
    Column("已升级督办", "escalated", kind=NUMBER, width=10),
    Column("已答复", "replied", kind=NUMBER, width=8),
    Column("按时答复", "replied_on_time", kind=NUMBER, width=8),
    Column("按时答复率(%)", "on_time_share", kind=NUMBER, width=10),
    Column("已回访", "called_back", kind=NUMBER, width=8),
    Column("满意和基本满意", "satisfied", kind=NUMBER, width=10),
    Column("满意率(%)", "satisfied_share", kind=NUMBER, width=10),
    Column("不满意重办", "reopened", kind=NUMBER, width=10),
    Column("重复反映", "repeats", kind=NUMBER, width=8),
)

"""The Excel columns of the monitoring lists (personal numbers masked)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from fangfan.web.monitoring.models import Case, Intake, MonitoredHousehold
from fangfan.web.monitoring.workflow import reassessment_days
from fangfan.web.shared.excel import BOOLEAN, DATE, ID, NUMBER, PHONE, Column


def _days_left(row: Intake | Case) -> int | None:
    """Days left for the decision while the lead or case is still open; None once it is not."""
    if isinstance(row, Intake):
        if row.status != Intake.Status.NEW:
            return None
        return (row.deadline - timezone.localdate()).days
    return row.days_left() if row.is_open else None


INTAKE_COLUMNS = (
    Column("受理编号", "reference", width=15),
    Column("发现渠道", lambda intake: intake.get_source_display(), width=12),
    Column("所在地", "place_name", width=22),
    Column("行政区划代码", "village_code", width=15),
    Column("姓名", "name", width=10),
    Column("身份证号", "id_number", kind=ID, width=21),
    Column("联系电话", "phone", kind=PHONE, width=14),
    Column("匹配农户户编号", lambda intake: intake.household_id or "", width=20),
    Column("匹配方式", lambda intake: intake.get_match_display(), width=12),
    Column("反映情况", "description", width=40),
    Column("反映次数", lambda intake: 1 + getattr(intake, "further_count", 0), kind=NUMBER, width=8),
    Column("发现日期", "discovered_on", kind=DATE, width=11),
    Column("认定时限", "deadline", kind=DATE, width=11),
    Column("剩余天数", _days_left, kind=NUMBER, width=8),
    Column("研判状态", lambda intake: intake.get_status_display(), width=10),
    Column("不予受理理由", "dismiss_reason", width=24),
)

CASE_COLUMNS = (
    Column("受理编号", "intake.reference", width=15),
    Column("发现渠道", lambda case: case.intake.get_source_display(), width=12),
    Column("所在地", "place_name", width=22),
    Column("行政区划代码", "village_code", width=15),
    Column("户主姓名", "name", width=10),
    Column("户编号", lambda case: case.household_id or "", width=20),
    Column("办理环节", lambda case: case.get_stage_display(), width=12),
    Column("发现日期", "discovered_on", kind=DATE, width=11),
    Column("认定时限", "deadline", kind=DATE, width=11),
    Column("剩余天数", _days_left, kind=NUMBER, width=8),
    Column("已超期", lambda case: case.is_overdue(), kind=BOOLEAN, width=7),
    Column("公示开始", "notice_start", kind=DATE, width=11),
    Column("公示结束", "notice_end", kind=DATE, width=11),
    Column("审定日期", "decided_on", kind=DATE, width=11),
    Column("监测对象类别", "category", width=14),
    Column("风险类型", "risk_text", width=20),
    Column("识别监测时间", "monitoring_start", kind=DATE, width=12),
    Column("不予认定理由", "rejected_reason", width=24),
)


def _next_due(monitored: MonitoredHousehold) -> dt.date | None:
    last: dt.date | None = getattr(monitored, "last_assessed", None)  # annotated by the list
    if monitored.status != MonitoredHousehold.Status.MONITORED or last is None:
        return None
    return last + dt.timedelta(days=reassessment_days())


def _clock_note(monitored: MonitoredHousehold) -> str:
    clock = monitored.reassessment_clock_start
    if clock is not None and getattr(monitored, "last_assessed", None) == clock:
        return "国家系统导出未含最近评估日期，自导入日起算"
    return ""


def _state(monitored: MonitoredHousehold) -> str:
    if monitored.status == MonitoredHousehold.Status.MONITORED and getattr(monitored, "proposed", False):
        return "已提出风险消除"
    return monitored.get_status_display()


MONITORED_COLUMNS = (
    Column("户主姓名", "name", width=10),
    Column("户编号", lambda row: row.household_id or "", width=20),
    Column("所在地", "place_name", width=22),
    Column("行政区划代码", "village_code", width=15),
    Column("监测对象类别", "category", width=14),
    Column("风险类型", "risk_text", width=20),
    Column("识别监测时间", "monitoring_start", kind=DATE, width=12),
    Column("来源", lambda row: row.get_source_display(), width=16),
    Column("监测状态", _state, width=14),
    Column("有当前帮扶措施", "has_measure", kind=BOOLEAN, width=8),
    Column("最近回访或走访", "last_assessed", kind=DATE, width=12),
    Column("下次回访时限", _next_due, kind=DATE, width=12),
    Column("回访起算说明", lambda row: _clock_note(row), width=24),
    Column("风险消除时间", "eliminated_on", kind=DATE, width=12),
)

WITHOUT_MEASURE_COLUMNS = (
    Column("户主姓名", "name", width=10),
    Column("户编号", lambda row: row.household_id or "", width=20),
    Column("所在地", "place_name", width=22),
    Column("行政区划代码", "village_code", width=15),
    Column("监测对象类别", "category", width=14),
    Column("风险类型", "risk_text", width=20),
    Column("识别监测时间", "monitoring_start", kind=DATE, width=12),
    Column(
        "已监测天数", lambda row: (timezone.localdate() - row.monitoring_start).days, kind=NUMBER, width=8
    ),
    Column("来源", lambda row: row.get_source_display(), width=16),
    Column(
        "帮扶责任人（系统登记）", lambda row: row.household.helper_name if row.household else "", width=12
    ),
)

WITHOUT_SAFEGUARD_COLUMNS = (
    Column("姓名", "name", width=10),
    Column("身份证号", "id_number", kind=ID, width=21),
    Column("与户主关系", "relation", width=10),
    Column("户主姓名", "household.head_name", width=10),
    Column("户编号", "household_id", width=20),
    Column("所在地", lambda row: f"{row.household.township_name}{row.household.village_name}", width=20),
    Column("行政区划代码", "village_code", width=15),
    Column("健康状况", "health", width=10),
    Column("劳动技能", "labour", width=12),
    Column("在校生情况", "schooling", width=12),
)

ELIMINATION_COLUMNS = (
    Column("户主姓名", "name", width=10),
    Column("户编号", lambda row: row.household_id or "", width=20),
    Column("所在地", "place_name", width=22),
    Column("行政区划代码", "village_code", width=15),
    Column("监测对象类别", "monitored.category", width=14),
    Column("办理环节", lambda row: row.get_stage_display(), width=12),
    Column("提出日期", "proposed_on", kind=DATE, width=11),
    Column("公示开始", "notice_start", kind=DATE, width=11),
    Column("公示结束", "notice_end", kind=DATE, width=11),
    Column("审批日期", "approved_on", kind=DATE, width=11),
    Column("风险消除时间", "eliminated_on", kind=DATE, width=12),
    Column("不予消除理由", "rejected_reason", width=24),
)


def waited_days(row: object) -> int | None:
    flagged = getattr(row, "flagged_at", None)
    return (timezone.localdate() - timezone.localtime(flagged).date()).days if flagged else None


UNCLAIMED_COLUMNS = (
    Column("户主姓名", "head_name", width=10),
    Column("户编号", "household_id", width=20),
    Column("县(区)", "county_name", width=10),
    Column("乡(镇)", "township_name", width=10),
    Column("行政村", "village_name", width=10),
    Column("行政区划代码", "village_code", width=15),
    Column("户类型", "household_type", width=10),
    Column("本批次预警信号", lambda row: getattr(row, "signal_text", ""), width=40),
    Column("首次发布预警", lambda row: timezone.localtime(row.flagged_at).date(), kind=DATE, width=12),
    Column("已等待天数", waited_days, kind=NUMBER, width=10),
)

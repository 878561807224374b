"""The teams' Excel columns: warnings, the roster, the monthly attendance per village and person."""

from __future__ import annotations

from fangfan.web.shared.excel import DATE, ID, NUMBER, PHONE, Column
from fangfan.web.teams.reports import PersonMonth, VillageMonth, Warning


def _team_text(warning: Warning) -> str:
    return warning.team.unit if warning.team else ""


WARNING_COLUMNS = (
    Column("行政区划代码", "village_code", width=14),
    Column("行政村", "village_name", width=14),
    Column("派出单位", _team_text, width=24),
    Column("预警", "message", width=30),
)


ROSTER_COLUMNS = (
    Column("行政区划代码", lambda row: row[0].village_code, width=14),
    Column("行政村", lambda row: row[1], width=14),
    Column("派出单位", lambda row: row[0].unit or row[0].team.unit, width=24),
    Column("派出单位层级", lambda row: row[0].team.get_unit_level_display(), width=8),
    Column("姓名", lambda row: row[0].name, width=10),
    Column("身份证号", lambda row: row[0].id_number, kind=ID, width=20),
    Column("职务", lambda row: row[0].get_duty_display(), width=14),
    Column("联系电话", lambda row: row[0].phone, kind=PHONE, width=14),
    Column("驻村开始", lambda row: row[0].joined, kind=DATE),
    Column("任期结束", lambda row: row[0].team.term_end, kind=DATE),
)


def _share(village: VillageMonth) -> str:
    return "" if village.met_share is None else f"{village.met_share}%"


VILLAGE_COLUMNS = (
    Column("行政区划代码", "code", width=14),
    Column("行政村", "name", width=14),
    Column("在岗队员（人）", "members", kind=NUMBER),
    Column("达标（人）", "met", kind=NUMBER),
    Column("未达标（人）", "not_met", kind=NUMBER),
    Column("本月进行中（人）", "running", kind=NUMBER),
    Column("在村天数（人·天）", "checked_in", kind=NUMBER),
    Column("请假天数（人·天）", "leave_days", kind=NUMBER),
    Column("无故缺勤（人·天）", "absent_without_leave", kind=NUMBER),
    Column("达标率", _share, width=8),
)


def _status(row: PersonMonth) -> str:
    return row.attendance.status


PERSON_COLUMNS = (
    Column("行政区划代码", "member.village_code", width=14),
    Column("行政村", "village_name", width=14),
    Column("姓名", "member.name", width=10),
    Column("身份证号", "member.id_number", kind=ID, width=20),
    Column("职务", lambda row: row.member.get_duty_display(), width=14),
    Column("联系电话", "member.phone", kind=PHONE, width=14),
    Column("应在村（天）", "attendance.required", kind=NUMBER),
    Column("签到（天）", "attendance.checked_in", kind=NUMBER),
    Column("批准请假（天）", "attendance.leave_days", kind=NUMBER),
    Column("无故缺勤（天）", "attendance.absent_without_leave", kind=NUMBER),
    Column("是否达标", _status, width=10),
)

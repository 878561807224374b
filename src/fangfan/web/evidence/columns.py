"""The completeness workbook's columns (`fangfan.web.shared.excel`)."""

from __future__ import annotations

from fangfan.web.shared.excel import NUMBER, Column

TALLY_COLUMNS = (
    Column("区划代码", "code", width=14),
    Column("名称", "name", width=16),
    Column("需佐证户数", "households", kind=NUMBER),
    Column("材料齐全户数", "complete", kind=NUMBER),
    Column("应有材料（项）", "needed", kind=NUMBER),
    Column("已上传（项）", "held", kind=NUMBER),
    Column("缺少（项）", "missing", kind=NUMBER),
    Column("完成率", lambda tally: f"{tally.share:.1%}" if tally.share is not None else "—"),
)
HOUSEHOLD_COLUMNS = (
    Column("县（区）", "household.county_name"),
    Column("乡（镇）", "household.township_name"),
    Column("行政村", "household.village_name"),
    Column("户编号", "household.household_id", width=20),
    Column("户主", "household.head_name"),
    Column("应有材料（项）", "total", kind=NUMBER),
    Column("已上传（项）", "done", kind=NUMBER),
    Column("缺少的材料", lambda evidence: "；".join(need.title for need in evidence.missing), width=60),
)
MISSING_COLUMNS = (
    Column("县（区）", "household.county_name"),
    Column("乡（镇）", "household.township_name"),
    Column("行政村", "household.village_name"),
    Column("户编号", "household.household_id", width=20),
    Column("户主", "household.head_name"),
    Column("政策或问题", "need.label", width=24),
    Column("成员", "need.subject"),
    Column("缺少的材料", "need.proof.name", width=16),
    Column("材料说明", "need.proof.hint", width=50),
)

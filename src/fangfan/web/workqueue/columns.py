"""The work queue's Excel columns: the registry's finding columns and the workflow's."""

from __future__ import annotations

from fangfan.web.registry.columns import FINDING_COLUMNS
from fangfan.web.shared.excel import BOOLEAN, NUMBER, Column

QUEUE_COLUMNS = (
    Column("县(区)", "household.county_name", width=10),
    Column("乡(镇)", "household.township_name", width=12),
    Column("行政村", "household.village_name", width=12),
    Column("户主姓名", "household.head_name", width=10),
    *FINDING_COLUMNS,
    Column("责任人", lambda finding: finding.assignee.display_name if finding.assignee else "", width=12),
    Column("已逾期", "overdue", kind=BOOLEAN, width=7),
    Column("复发次数", "recurrences", kind=NUMBER, width=8),
)

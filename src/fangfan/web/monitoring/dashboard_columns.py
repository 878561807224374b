"""The monitoring dashboard as Excel: one sheet per table of the page."""

from __future__ import annotations

from fangfan.web.monitoring.awareness import AwarenessPanel
from fangfan.web.monitoring.dashboard import MonitoringDashboard
from fangfan.web.shared.excel import NUMBER, Column, Sheet

CATEGORY_COLUMNS = (
    Column("监测对象类别", "category", width=16),
    Column("监测中", "monitoring", kind=NUMBER, width=10),
    Column("已提出风险消除", "proposed", kind=NUMBER, width=14),
    Column("风险已消除", "eliminated", kind=NUMBER, width=10),
    Column("合计", "total", kind=NUMBER, width=8),
)
COUNT_COLUMNS = (Column("项目", "label", width=16), Column("户数", "households", kind=NUMBER, width=10))
MONTH_COLUMNS = (
    Column("月份", "label", width=12),
    Column("新识别纳入监测", "identified", kind=NUMBER, width=14),
    Column("风险消除", "eliminated", kind=NUMBER, width=10),
    Column("净增", "net", kind=NUMBER, width=8),
)
FIGURE_COLUMNS = (
    Column("识别中", "figures.identifying", kind=NUMBER, width=8),
    Column("监测中", "figures.monitoring", kind=NUMBER, width=8),
    Column("已提出风险消除", "figures.proposed", kind=NUMBER, width=14),
    Column("风险已消除", "figures.eliminated", kind=NUMBER, width=10),
    Column("识别超期", "figures.overdue_cases", kind=NUMBER, width=10),
    Column("回访超期", "figures.overdue_reassessments", kind=NUMBER, width=10),
    Column("无帮扶措施户", "figures.without_measures", kind=NUMBER, width=12),
    Column("无防返贫措施人", "figures.without_safeguards", kind=NUMBER, width=14),
    Column("应纳未纳", "figures.unclaimed_candidates", kind=NUMBER, width=10),
)


def dashboard_sheets(board: MonitoringDashboard) -> list[Sheet]:
    totals = [board]  # the region itself as the 汇总 sheet's one row: `figures` and a name
    sheets = [
        Sheet("汇总", (Column("区域", "region.name", width=16), *FIGURE_COLUMNS), totals),
        Sheet("按类别", CATEGORY_COLUMNS, board.categories),
        Sheet("按风险类型", COUNT_COLUMNS, board.risks),
        Sheet("按环节", COUNT_COLUMNS, board.stages),
        Sheet("逐月新增与消除", MONTH_COLUMNS, board.months),
    ]
    if board.children:
        level = board.child_level
        columns = (Column(level, "name", width=16), Column("代码", "code", width=14), *FIGURE_COLUMNS)
        sheets.append(Sheet(f"各{level}比较", columns, board.children))
    return sheets


AWARENESS_COLUMNS = (
    Column("区域", "name", width=16),
    Column("代码", "code", width=14),
    Column("走访户数", "awareness.households", kind=NUMBER, width=10),
    Column("享受政策项数", "awareness.received", kind=NUMBER, width=12),
    Column("知晓项数", "awareness.known", kind=NUMBER, width=10),
    Column("知晓率", "awareness.rate_text", width=10),
)


def awareness_sheet(panel: AwarenessPanel) -> Sheet:
    """政策知晓率: the region's row first, then each child region's (`awareness.AwarenessPanel.rows`)."""
    return Sheet("政策知晓率", AWARENESS_COLUMNS, panel.rows)

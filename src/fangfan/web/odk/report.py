"""The import report as Excel: every row of an export that could not be placed, and why."""

from __future__ import annotations

from fangfan.web.odk.models import SubmissionImport
from fangfan.web.shared.excel import NUMBER, Column, Sheet

UNPLACED_COLUMNS = (
    Column("文件", lambda item: item["file"], width=28),
    Column("行号", "row", kind=NUMBER, width=8),
    Column("列", "column", width=28),
    Column("值", "value", width=24),
    Column("户编号", "household_id", width=20),
    Column("问题", "problem", width=60),
)
SUMMARY_COLUMNS = (
    Column("文件", "file_name", width=28),
    Column("来源", "source", width=14),
    Column("提交记录数", "rows", kind=NUMBER, width=10),
    Column("新增走访", "created", kind=NUMBER, width=10),
    Column("生成发现线索", "leads", kind=NUMBER, width=12),
    Column("重复提交（已忽略）", "duplicates", kind=NUMBER, width=16),
    Column("未能导入的行", "unplaced_count", kind=NUMBER, width=12),
    Column("整个文件未能导入的原因", "refused", width=60),
)


def report_sheets(batch: SubmissionImport) -> list[Sheet]:
    rows = [{**item, "file": batch.file_name} for item in batch.unplaced]
    return [Sheet("未能导入的行", UNPLACED_COLUMNS, rows), Sheet("导入汇总", SUMMARY_COLUMNS, [batch])]

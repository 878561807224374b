"""部门数据匹配情况.xlsx: the linkage report and the rows an officer should look at.

Sheets:

- 匹配情况: per feed and county, rows linked exactly, probabilistically, unlinked and
  ambiguous (`linkage_report`);
- 存疑: rows with two or more close candidates — none was chosen; the candidates are
  listed for the officer to decide;
- 未匹配: rows that reached nobody in the registry (a person outside the registry, or
  an ID and name too far from anyone's);
- 概率匹配: rows linked by Splink, with the ID and name the department wrote beside
  the registry person they were linked to, for spot checks;
- 备注: exact links with a note (a name that differs from the registry's, a person
  listed in two households).

Every text cell is written as a string (no formulas), headers are frozen and filtered.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import xlsxwriter

from fangfan.engine.ledger import scratch_dir
from fangfan.engine.link.report import REPORT_HEADERS, feed_labels

METHODS = {
    "exact": "证件号一致",
    "exact_15_to_18": "15位旧证件号换算",
    "probabilistic": "概率匹配",
    "none": "—",
}
STATUSES = {"linked": "已匹配", "ambiguous": "存疑", "unlinked": "未匹配"}
# (header, column, width) of the row sheets
ROW_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("部门数据", "feed_label", 18),
    ("文件", "_file", 22),
    ("工作表", "_sheet", 10),
    ("行号", "_row", 7),
    ("部门所填证件号", "id_as_written", 21),
    ("部门所填姓名", "name", 10),
    ("匹配到的证件号", "linked_id_number", 21),
    ("户编号", "linked_household_id", 20),
    ("匹配方式", "method_label", 14),
    ("匹配概率", "probability_text", 9),
    ("状态", "status_label", 8),
    ("候选人", "candidates", 40),
    ("备注", "note", 30),
)
_STATUS, _METHOD = pl.col("status"), pl.col("method")
# (sheet, the rows it lists)
SHEETS: tuple[tuple[str, pl.Expr], ...] = (
    ("存疑", _STATUS == "ambiguous"),
    ("未匹配", _STATUS == "unlinked"),
    ("概率匹配", (_STATUS == "linked") & (_METHOD == "probabilistic")),
    ("备注", (_STATUS == "linked") & (_METHOD != "probabilistic") & (pl.col("note").fill_null("") != "")),
)
SHOWN = pl.any_horizontal(rule for _, rule in SHEETS)  # the rows any sheet lists
# What the row sheets show, and how they are ordered.
READ_COLUMNS = (
    "feed",
    "_file",
    "_sheet",
    "_row",
    "id_as_written",
    "name",
    "linked_id_number",
    "linked_household_id",
    "method",
    "match_probability",
    "status",
    "candidates",
    "note",
)


def write_linkage_workbook(report: pl.DataFrame, links: pl.DataFrame | pl.LazyFrame, path: Path) -> Path:
    """Write the report and the row sheets to `path` (its folder is created).

    `links` may be a scan of links.parquet (`LinkResult.scan()`): only the columns the
    sheets show are read, and only the rows one of them lists (`SHOWN`), a few in a
    thousand of the city's millions.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = _readable(links.lazy().select(READ_COLUMNS).filter(SHOWN).collect())
    options = {"strings_to_formulas": False, "strings_to_numbers": False, "tmpdir": scratch_dir()}
    workbook = xlsxwriter.Workbook(str(path), options)
    header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    cell = workbook.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    _write_report(workbook, header, cell, report)
    for name, rule in SHEETS:
        _write_rows(workbook, header, cell, name, rows.filter(rule))
    workbook.close()
    return path


def _readable(links: pl.DataFrame) -> pl.DataFrame:
    probability = pl.col("match_probability")
    return links.with_columns(
        pl.col("feed").replace_strict(feed_labels(), default=pl.col("feed")).alias("feed_label"),
        pl.col("method").replace_strict(METHODS, default=pl.col("method")).alias("method_label"),
        pl.col("status").replace_strict(STATUSES, default=pl.col("status")).alias("status_label"),
        pl.when(probability.is_not_null())
        .then(((probability * 10_000).floor() / 10_000).cast(pl.String))
        .otherwise(pl.lit(""))
        .alias("probability_text"),
    ).sort("feed", "_file", "_sheet", "_row", nulls_last=True)


def _write_report(workbook: xlsxwriter.Workbook, header: object, cell: object, report: pl.DataFrame) -> None:
    sheet = workbook.add_worksheet("匹配情况")
    columns = list(REPORT_HEADERS)
    for column, key in enumerate(columns):
        sheet.write_string(0, column, REPORT_HEADERS[key], header)
        sheet.set_column(column, column, 18 if column < 2 else 10)
    for row, record in enumerate(report.select(columns).iter_rows(), start=1):
        for column, value in enumerate(record):
            if isinstance(value, int):
                sheet.write_number(row, column, value, cell)
            else:
                sheet.write_string(row, column, "" if value is None else str(value), cell)
    sheet.freeze_panes(1, 0)


def _write_rows(
    workbook: xlsxwriter.Workbook, header: object, cell: object, name: str, frame: pl.DataFrame
) -> None:
    sheet = workbook.add_worksheet(name)
    for column, (title, _, width) in enumerate(ROW_COLUMNS):
        sheet.write_string(0, column, title, header)
        sheet.set_column(column, column, width)
    present = [source for _, source, _ in ROW_COLUMNS]
    for row, record in enumerate(frame.select(present).iter_rows(), start=1):
        for column, value in enumerate(record):
            sheet.write_string(row, column, "" if value is None else str(value), cell)
    if frame.is_empty():
        sheet.write_string(1, 0, "（无）", cell)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(frame.height, 1), len(ROW_COLUMNS) - 1)

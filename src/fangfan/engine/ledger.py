"""Excel ledgers (问题台账) for the counties: a workbook per county, a sheet per township.

Each row is one finding on one household (or one of its members), ready to print:
Chinese headers, frozen header row, fixed column widths, landscape A4 fitted to the
page width, the header repeated on every printed page. The first sheet counts
findings by category and by village. Every text cell is written as a string, so
a value beginning with = + - or @ can never become a formula.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import xlsxwriter

from fangfan.engine import regions

CATEGORY_NAMES = {
    "FOOD_CLOTHING": "吃穿",
    "EDUCATION": "义务教育",
    "MEDICAL": "基本医疗",
    "HOUSING": "住房安全",
    "WATER": "饮水安全",
    "INCOME": "收入",
    "ASSISTANCE": "帮扶措施",
    "EMPLOYMENT": "就业",
    "SOCIAL_SECURITY": "社会保障",
    "IDENTITY": "身份信息",
    "CONSISTENCY": "数据一致性",
    "PROPERTY": "财产信息",
    "MONITORING": "监测预警",
    "EVIDENCE": "佐证资料",
}
SEVERITY_NAMES = {"high": "高", "medium": "中", "low": "低"}

# (header, source column, width)
LEDGER_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("序号", "_number", 6),
    ("行政村", "village_name", 12),
    ("户编号", "household_id", 20),
    ("户主姓名", "head_name", 9),
    ("户类型", "household_type", 9),
    ("成员姓名", "person_name", 9),
    ("身份证号", "id_number", 20),
    ("类别", "category_name", 10),
    ("否决项", "veto_text", 7),
    ("严重程度", "severity_text", 8),
    ("规则编号", "rule_code", 10),
    ("问题", "message", 40),
    ("依据数据", "evidence", 40),
    ("整改责任人", "_blank", 10),
    ("整改时限", "_blank", 10),
    ("整改情况", "_blank", 16),
)


@dataclass(frozen=True)
class LedgerFile:
    county_code: str
    county_name: str
    path: Path
    rows: int


def unformula(value: Any) -> str:
    """Text for a cell; never a formula, whatever it begins with."""
    return "" if value is None else str(value)


def prepare_ledger_rows(
    findings: pl.DataFrame, households: pl.DataFrame, members: pl.DataFrame, villages: pl.DataFrame
) -> pl.DataFrame:
    """Findings joined with the names a cadre needs, veto items first."""
    heads = households.select("household_id", "head_name", "household_type")
    names = members.select("household_id", "id_number", pl.col("name").alias("person_name")).unique(
        ["household_id", "id_number"], keep="first"
    )
    village_names = villages.select("village_code", "village_name").unique("village_code", keep="first")
    return (
        findings.join(heads, on="household_id", how="left")
        .join(names, on=["household_id", "id_number"], how="left")
        .join(village_names, on="village_code", how="left")
        .with_columns(
            township_code=pl.col("village_code").str.slice(0, 9),
            county_code=pl.col("village_code").str.slice(0, 6),
            category_name=pl.col("category").replace_strict(CATEGORY_NAMES, default=pl.col("category")),
            veto_text=pl.when(pl.col("veto")).then(pl.lit("是")).otherwise(pl.lit("否")),
            severity_text=pl.col("severity").replace_strict(SEVERITY_NAMES, default=pl.col("severity")),
            severity_order=pl.col("severity").replace_strict({"high": 0, "medium": 1, "low": 2}, default=3),
        )
        .sort(
            [
                "county_code",
                "township_code",
                "village_code",
                "household_id",
                "veto",
                "severity_order",
                "rule_code",
            ],
            descending=[False, False, False, False, True, False, False],
            nulls_last=True,
        )
    )


def write_ledgers(rows: pl.DataFrame, out_dir: Path) -> list[LedgerFile]:
    """One workbook per county present in `rows` (the output of `prepare_ledger_rows`)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    county_names = {code: county.name for code, county in regions.counties().items()}
    for (county_code,), county_rows in rows.group_by(["county_code"], maintain_order=True):
        name = county_names.get(str(county_code), str(county_code))
        path = out_dir / f"{name}问题台账.xlsx"
        _write_county_workbook(path, name, county_rows)
        written.append(LedgerFile(str(county_code), name, path, county_rows.height))
    return written


def _write_county_workbook(path: Path, county_name: str, rows: pl.DataFrame) -> None:
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False})
    formats = _formats(workbook)
    _write_summary_sheet(workbook, formats, county_name, rows)
    township_names = regions.townships()
    for (township_code,), township_rows in rows.group_by(["township_code"], maintain_order=True):
        township = township_names.get(str(township_code))
        sheet_name = (township.name if township else str(township_code))[:31]
        _write_township_sheet(workbook, formats, sheet_name, f"{county_name}{sheet_name}", township_rows)
    workbook.close()


def _formats(workbook: xlsxwriter.Workbook) -> dict[str, Any]:
    border = {"border": 1, "valign": "top", "font_name": "宋体", "font_size": 10}
    return {
        "title": workbook.add_format({"bold": True, "font_size": 14, "align": "center", "font_name": "黑体"}),
        "header": workbook.add_format({**border, "bold": True, "bg_color": "#DDEBF7", "text_wrap": True}),
        "cell": workbook.add_format({**border, "text_wrap": True}),
        "veto": workbook.add_format({**border, "text_wrap": True, "font_color": "#C00000", "bold": True}),
        "number": workbook.add_format({**border, "num_format": "#,##0"}),
    }


def _write_township_sheet(
    workbook: xlsxwriter.Workbook, formats: dict[str, Any], sheet_name: str, title: str, rows: pl.DataFrame
) -> None:
    sheet = workbook.add_worksheet(sheet_name)
    sheet.merge_range(0, 0, 0, len(LEDGER_COLUMNS) - 1, f"{title}问题台账", formats["title"])
    for column, (header, _, width) in enumerate(LEDGER_COLUMNS):
        sheet.write_string(1, column, header, formats["header"])
        sheet.set_column(column, column, width)
    for index, row in enumerate(rows.iter_rows(named=True)):
        cell_format = formats["veto"] if row.get("veto") else formats["cell"]
        for column, (_, source, _) in enumerate(LEDGER_COLUMNS):
            if source == "_number":
                sheet.write_number(index + 2, column, index + 1, formats["number"])
            else:
                value = "" if source == "_blank" else row.get(source)
                sheet.write_string(index + 2, column, unformula(value), cell_format)
    sheet.freeze_panes(2, 0)
    sheet.autofilter(1, 0, max(rows.height + 1, 1), len(LEDGER_COLUMNS) - 1)
    _print_setup(sheet, header_rows=(1, 1))


def _write_summary_sheet(
    workbook: xlsxwriter.Workbook, formats: dict[str, Any], county_name: str, rows: pl.DataFrame
) -> None:
    sheet = workbook.add_worksheet("汇总")
    categories = [c for c in CATEGORY_NAMES if c in set(rows["category"].to_list())]
    headers = [
        "乡镇",
        "行政村",
        "问题户数",
        "问题条数",
        "其中否决项",
        *(CATEGORY_NAMES[c] for c in categories),
    ]
    sheet.merge_range(0, 0, 0, len(headers) - 1, f"{county_name}问题汇总（按类别、按村）", formats["title"])
    for column, header in enumerate(headers):
        sheet.write_string(1, column, header, formats["header"])
        sheet.set_column(column, column, 12 if column < 2 else 9)
    by_village = _counts_by_village(rows, categories)
    township_names = regions.townships()
    for index, row in enumerate(by_village.iter_rows(named=True)):
        township = township_names.get(row["township_code"])
        values: Sequence[Any] = [
            township.name if township else row["township_code"],
            row["village_name"] or row["village_code"],
            row["households"],
            row["findings"],
            row["veto_findings"],
            *(row[c] for c in categories),
        ]
        for column, value in enumerate(values):
            if isinstance(value, int):
                sheet.write_number(index + 2, column, value, formats["number"])
            else:
                sheet.write_string(index + 2, column, unformula(value), formats["cell"])
    total_row = by_village.height + 2
    sheet.write_string(total_row, 0, "合计", formats["header"])
    sheet.write_string(total_row, 1, "", formats["header"])
    totals = [by_village[c].sum() for c in ("households", "findings", "veto_findings", *categories)]
    for offset, value in enumerate(totals):
        sheet.write_number(total_row, 2 + offset, int(value), formats["number"])
    sheet.freeze_panes(2, 2)
    _print_setup(sheet, header_rows=(1, 1))


def _counts_by_village(rows: pl.DataFrame, categories: list[str]) -> pl.DataFrame:
    return (
        rows.group_by("township_code", "village_code")
        .agg(
            pl.col("village_name").first(),
            pl.col("household_id").n_unique().alias("households"),
            pl.len().alias("findings"),
            pl.col("veto").sum().alias("veto_findings"),
            *[(pl.col("category") == c).sum().alias(c) for c in categories],
        )
        .sort("township_code", "village_code")
    )


def _print_setup(sheet: Any, header_rows: tuple[int, int]) -> None:
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(*header_rows)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    sheet.set_footer("&C第 &P 页，共 &N 页")

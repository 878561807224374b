"""The industry workbooks' columns (`fangfan.web.shared.excel`) and their rows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from fangfan.engine.fieldwork import industry as engine
from fangfan.engine.fieldwork.industry_workbook import TEMPLATE_HEADERS
from fangfan.engine.fieldwork.rules import FieldRules
from fangfan.web.industry.models import HouseholdIndustry
from fangfan.web.shared.excel import ID, MONEY, NUMBER, Column

__all__ = ["AREA_COLUMNS", "HOUSEHOLD_COLUMNS", "TEMPLATE_HEADERS", "area_row", "household_rows"]

AREA_COLUMNS = (
    Column("区划代码", "code", width=14),
    Column("名称", "name", width=18),
    Column("种植户数（户）", "summary.planting_households", kind=NUMBER),
    Column("种植面积（亩）", "summary.mu", kind=NUMBER),
    Column("种植收入（元）", "summary.planting_income", kind=MONEY, width=16),
    Column("每亩收入（元）", "summary.per_mu", kind=MONEY, width=14),
    Column("种植未达标户数（户）", "summary.planting_below", kind=NUMBER),
    Column("种植未达标占比", lambda row: engine.share_text(row["summary"].planting_below_share)),
    Column("未登记面积户数（户）", "summary.planting_not_judged", kind=NUMBER),
    Column("养殖户数（户）", "summary.livestock_households", kind=NUMBER),
    Column("养殖数量（头、只、箱）", "summary.head", kind=NUMBER),
    Column("养殖收入（元）", "summary.livestock_income", kind=MONEY, width=16),
    Column("养殖未达标户数（户）", "summary.livestock_below", kind=NUMBER),
    Column("养殖未达标占比", lambda row: engine.share_text(row["summary"].livestock_below_share)),
)
HOUSEHOLD_COLUMNS = (
    Column("县（区）", "household.county_name"),
    Column("乡（镇）", "household.township_name"),
    Column("行政村", "household.village_name"),
    Column("户编号", "household.household_id", width=20),
    Column("户主", "household.head_name"),
    Column("户主身份证号", "household.head_id_number", kind=ID, width=20),
    Column("种植面积（亩）", "tally.mu", kind=NUMBER),
    Column("种植收入（元）", "tally.planting_income", kind=MONEY, width=14),
    Column("种植", "planting.label"),
    Column("养殖收入（元）", "tally.livestock_income", kind=MONEY, width=14),
    Column("养殖", "livestock.label"),
    Column(
        "依据",
        lambda row: "；".join(v.text for v in (row["planting"], row["livestock"]) if v.status),
        width=70,
    ),
)


def area_row(code: str, name: str, summary: engine.AreaSummary) -> dict[str, Any]:
    return {"code": code, "name": name, "summary": summary}


HOUSEHOLD_FIELDS = (
    "county_name",
    "township_name",
    "village_name",
    "household_id",
    "head_name",
    "head_id_number",
)
TALLY_FIELDS = ("planting_rows", "mu", "planting_income", "livestock_rows", "head", "livestock_income")


def household_rows(tallies: QuerySet[HouseholdIndustry], rules: FieldRules) -> Iterator[dict[str, Any]]:
    """The sheet's rows, read as plain values (a city's list is a hundred thousand households)."""
    names = [f"household__{name}" for name in HOUSEHOLD_FIELDS]
    for values in tallies.values(*TALLY_FIELDS, *names).iterator(chunk_size=5_000):
        figures = engine.HouseholdIndustryFigures(*(values[name] for name in TALLY_FIELDS))
        planting, livestock = engine.judge(figures, rules)
        yield {
            "tally": values,
            "household": {name: values[f"household__{name}"] for name in HOUSEHOLD_FIELDS},
            "planting": planting,
            "livestock": livestock,
        }

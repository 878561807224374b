"""`--messy`: files the way offices make them, plus the import-level problems.

Layout (none of it a problem): the registry's three tables as Sheet1–Sheet3 of one
workbook per county with a merged title row, blank rows and a 合计 row; header
synonyms; dates in every form; several feeds as sheets of one workbook; GB18030 CSV;
15-digit IDs as number cells. Problems (each a ground-truth row with its place):
18-digit IDs as number cells (ID_EXCEL_NUMBER) and the IMPORT_* kinds.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from importlib import resources
from pathlib import Path

import numpy as np
import polars as pl

from fangfan.engine.regions import RegionSet
from fangfan.engine.schema import TABLES, Kind
from fangfan.engine.synth.imports import inject_imports
from fangfan.engine.synth.regions import LONGNAN, city_of_county_name
from fangfan.engine.synth.truth import Truth
from fangfan.engine.synth.writers import MAX_SHEET_ROWS, Sheet, Workbook, headers_of

DATE_FORMATS = ("%Y-%m-%d", "%Y/%-m/%-d", "%Y年%-m月%-d日", "%Y%m%d")
FEED_BOOK = (
    "school_roll",
    "disability",
    "social_assistance",
    "housing_appraisal",
    "water_supply",
    "disasters",
)
PROPERTY_BOOK = ("business_registry", "vehicles", "real_estate")
GB18030_CSV = ("medical_insurance", "employment", "civil_registration")
NUMBER_ID_SHEETS = ("disability", "social_assistance")


def messy_books(
    rng: np.random.Generator,
    tables: dict[str, pl.DataFrame],
    out_dir: Path,
    as_of: dt.date,
    truth: Truth,
    region: RegionSet = LONGNAN,
) -> list[Workbook]:
    tables = {name: _text_dates(rng, name, frame, name not in GB18030_CSV) for name, frame in tables.items()}
    inject_imports(rng, tables, truth)
    for name in NUMBER_ID_SHEETS:
        tables[name] = _ids_as_numbers(rng, name, tables[name], tables["households"], truth)
    synonyms = _synonyms()
    stamp = f"{as_of.year}年{as_of.month}月{as_of.day}日"
    books: list[Workbook] = []
    counties = tables["households"]["county_name"].unique(maintain_order=True).sort().to_list()
    cities = city_of_county_name(region)
    for county in counties:
        sheets = [
            _sheet(
                rng,
                f"Sheet{i + 1}",
                name,
                tables[name].filter(pl.col("_county") == county),
                synonyms,
                title=f"{cities[county]}{county}建档立卡{TABLES[name].title}（截至{stamp}）",
                totals=name != "members",
            )
            for i, name in enumerate(("households", "members", "income"))
        ]
        books.append(Workbook(out_dir / f"{county}建档立卡数据.xlsx", sheets))
    feed_sheets = [
        _sheet(
            rng, TABLES[n].title, n, tables[n], synonyms, title=f"{TABLES[n].department}部门{TABLES[n].title}"
        )
        for n in FEED_BOOK
    ]
    books.append(Workbook(out_dir / "行业部门数据.xlsx", feed_sheets))
    books.append(
        Workbook(
            out_dir / "财产登记信息.xlsx",
            [_sheet(rng, TABLES[n].title, n, tables[n], synonyms) for n in PROPERTY_BOOK],
        )
    )
    claims = tables["medical_claims"]
    room = MAX_SHEET_ROWS - 200
    books.append(
        Workbook(
            out_dir / "医疗费用结算.xlsx",
            [
                _sheet(rng, f"结算{i + 1}", "medical_claims", claims.slice(start, room), synonyms)
                for i, start in enumerate(range(0, max(claims.height, 1), room))
            ],
        )
    )
    for name in GB18030_CSV:
        title = f"{TABLES[name].title}（截至{stamp}）" if name == "civil_registration" else None
        sheet = Sheet("", name, tables[name], title=title, headers=_headers(rng, name, synonyms))
        books.append(
            Workbook(
                out_dir / f"{TABLES[name].department}_{TABLES[name].title}.csv", [sheet], encoding="gb18030"
            )
        )
    return books


def _sheet(
    rng: np.random.Generator,
    name: str,
    table: str,
    frame: pl.DataFrame,
    synonyms: dict[str, dict[str, list[str]]],
    *,
    title: str | None = None,
    totals: bool = True,
) -> Sheet:
    blank_every = int(rng.integers(200, 600))
    number_ids = [f.name for f in TABLES[table].fields if f.kind is Kind.ID_NUMBER]
    return Sheet(
        name,
        table,
        frame,
        title=title,
        headers=_headers(rng, table, synonyms),
        blank_every=blank_every,
        totals=totals,
        number_ids=number_ids,
    )


def _synonyms() -> dict[str, dict[str, list[str]]]:
    text = resources.files("fangfan.engine.reference").joinpath("header_synonyms.toml").read_text("utf-8")
    return tomllib.loads(text)


def _headers(rng: np.random.Generator, table: str, synonyms: dict[str, dict[str, list[str]]]) -> list[str]:
    headers = headers_of(table)
    options = synonyms.get(table, {})
    for i, field in enumerate(TABLES[table].fields):
        names = options.get(field.name, [])
        if names and rng.random() < 0.35:
            headers[i] = names[int(rng.integers(0, len(names)))]
    return headers


def _text_dates(rng: np.random.Generator, table: str, frame: pl.DataFrame, serials: bool) -> pl.DataFrame:
    """Date columns as text in a random form per row; some rows flagged for Excel date numbers."""
    dates = [f.name for f in TABLES[table].fields if f.kind is Kind.DATE]
    choice = pl.Series(rng.integers(0, len(DATE_FORMATS), frame.height))
    exprs = []
    for name in dates:
        forms = [pl.col(name).dt.strftime(form) for form in DATE_FORMATS]
        expr = (
            pl.when(choice == 1)
            .then(forms[1])
            .when(choice == 2)
            .then(forms[2])
            .when(choice == 3)
            .then(forms[3])
        )
        exprs.append(expr.otherwise(forms[0]).alias(name))
    serial = pl.Series(serials & (rng.random(frame.height) < 0.2)) & (choice == 0)
    return frame.with_columns(*exprs, _serial_dates=serial if dates else pl.lit(False))


def _ids_as_numbers(
    rng: np.random.Generator, table: str, frame: pl.DataFrame, households: pl.DataFrame, truth: Truth
) -> pl.DataFrame:
    """15-digit IDs always as numbers (lossless); a few 18-digit ones too (ID_EXCEL_NUMBER)."""
    frame = frame.with_row_index("_index")
    eligible = frame.filter(
        (pl.col("_hh") >= 0)
        & pl.col("_mark").is_null()
        & pl.col("id_number").str.contains(r"^[0-9]{18}$")
        & ~pl.col("_typo").fill_null(False)  # a link-level typo stays as written
    )
    count = min(eligible.height, max(3, frame.height // 400))
    chosen = eligible.sample(n=count, seed=int(rng.integers(0, 2**31)))
    chosen_rows = chosen.select(
        "_index",
        "id_number",
        "_hh",
        value=pl.col("id_number")
        .cast(pl.Float64)
        .map_elements(lambda v: f"{v:.14E}", return_dtype=pl.String),
    )
    ids = truth.add(
        "ID_EXCEL_NUMBER",
        households_of(chosen_rows, households),
        table=table,
        field_name="id_number",
        detail="18位身份证号被存成数字，后几位丢失",
        wrong_source=table,
        import_code="ID_PRECISION_LOST",
    )
    marks = pl.DataFrame({"_index": chosen["_index"], "_new_mark": ids})
    frame = frame.join(marks, on="_index", how="left", maintain_order="left")
    fifteen = pl.col("id_number").str.contains(r"^[0-9]{15}$")
    return frame.with_columns(
        _mark=pl.coalesce("_new_mark", "_mark"), _as_number=pl.col("_new_mark").is_not_null() | fifteen
    ).drop("_index", "_new_mark")


def households_of(rows: pl.DataFrame, households: pl.DataFrame) -> pl.DataFrame:
    return rows.join(households.select("_hh", "household_id"), on="_hh", how="left", maintain_order="left")

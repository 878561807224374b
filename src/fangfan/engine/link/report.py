"""The linkage report: links by method, unlinked and ambiguous rows, per feed and county."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from fangfan.engine.regions import counties, old_area_codes
from fangfan.engine.schema import DEPARTMENT_FEEDS

UNKNOWN_COUNTY = "未知"
REPORT_HEADERS = {
    "department": "部门",
    "county_name": "县区",
    "exact": "精确匹配",
    "probabilistic": "概率匹配",
    "unlinked": "未匹配",
    "ambiguous": "存疑",
    "total": "合计",
}


def feed_labels() -> dict[str, str]:
    """Chinese label of each feed: department and table title."""
    return {t.name: f"{t.department}·{t.title}" for t in DEPARTMENT_FEEDS}


def county_expr(written: str = "id_as_written") -> pl.Expr:
    """County code of a link: its village, else the ID's (possibly pre-2004) address code."""
    return pl.coalesce(pl.col("linked_village_code").str.slice(0, 6), _id_county(pl.col(written)))


def _id_county(written: pl.Expr) -> pl.Expr:
    """Address codes in force before 2004 (DOMAIN.md) read as the county each became."""
    return written.fill_null("").str.replace_all(r"\D", "").str.slice(0, 6).replace(old_area_codes())


def linkage_report(links: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """One row per feed and county: counts of exact, probabilistic, unlinked and ambiguous rows.

    Counted first per feed and village county, with the ID as written kept only for the
    rows no village places (a few thousand of millions), so the ID is read for those alone.
    `links` may be a scan of links.parquet (`LinkResult.scan()`): only the five columns
    counted are read, in a streaming pass.
    """
    names = {code: region.name for code, region in counties().items()}
    status = pl.col("status")
    method = pl.col("method")
    counted = (
        links.lazy()
        .group_by(
            "feed",
            pl.col("linked_village_code").str.slice(0, 6).alias("linked_village_code"),
            pl.when(pl.col("linked_village_code").is_null())
            .then(pl.col("id_as_written"))
            .alias("unplaced_id"),
        )
        .agg(
            method.is_in(["exact", "exact_15_to_18"]).sum().alias("exact"),
            (method == "probabilistic").sum().alias("probabilistic"),
            (status == "unlinked").sum().alias("unlinked"),
            (status == "ambiguous").sum().alias("ambiguous"),
            pl.len().alias("total"),
        )
        .collect(engine="streaming")
        .with_columns(county_expr("unplaced_id").alias("county_code"))
    )
    report = (
        counted.with_columns(
            pl.col("county_code").replace_strict(names, default=UNKNOWN_COUNTY).alias("county_name")
        )
        .group_by("feed", "county_name")
        .agg(*[pl.col(c).sum() for c in ("exact", "probabilistic", "unlinked", "ambiguous", "total")])
    )
    report = report.with_columns(
        pl.col("feed").replace_strict(feed_labels(), default=pl.col("feed")).alias("department")
    )
    return report.sort("feed", "county_name").select("feed", *REPORT_HEADERS)


def write_report_excel(report: pl.DataFrame, path: Path) -> Path:
    """The report as an Excel sheet 匹配情况, every text cell written as a string."""
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("匹配情况")
    bold = workbook.add_format({"bold": True})
    columns = list(REPORT_HEADERS)
    for column, key in enumerate(columns):
        sheet.write_string(0, column, REPORT_HEADERS[key], bold)
    for row, record in enumerate(report.select(columns).iter_rows(), start=1):
        for column, value in enumerate(record):
            if isinstance(value, str):
                sheet.write_string(row, column, value)
            else:
                sheet.write_number(row, column, value)
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, len(columns) - 1, 12)
    workbook.close()
    return path

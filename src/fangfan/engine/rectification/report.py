"""Where rectification stands: deadline marks and the progress report by source and region.

Both read a plain frame of problems, one row per problem (`PROBLEM_FRAME` names the
columns; the web builds it from its models, a test by hand):

>>> problems = pl.DataFrame(
...     {
...         "source": ["省际交叉考核", "省际交叉考核"],
...         "county_code": ["621202", "621202"],
...         "deadline": [dt.date(2021, 3, 31), dt.date(2021, 3, 31)],
...         "fixed": [True, False],
...         "closed": [True, False],
...         "closed_on": [dt.date(2021, 3, 30), None],
...         "reopened": [0, 0],
...         "recurring": [False, False],
...     }
... )
>>> counts = progress_rows(problems, today=dt.date(2021, 4, 10))
>>> counts.select("received", "closed", "overdue", "on_time_share").row(0)
(2, 1, 1, 1.0)

- received: problems handed to the region (every row);
- closed: 已销号; open: the rest;
- overdue: past its deadline on `today` and its fix not yet reported (a fix waiting for
  acceptance is not the fixer's delay);
- reopened: reopened at least once: sent back (退回) after a reported fix, or reopened
  after close-out;
- recurring: found again after close-out (复发);
- closed on time: closed on or before the deadline (a problem with no date to keep,
  长期坚持, cannot be late); the share is of the closed ones (null when none is).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from fangfan.engine import regions

# The columns the report and the workbooks read (a frame may hold more).
PROBLEM_FRAME = {
    "number": pl.String,  # the problem's number as the office writes it
    "source": pl.String,  # 问题来源, its Chinese label
    "batch": pl.String,
    "county_code": pl.String,  # null for a city-level problem
    "township_code": pl.String,
    "place_name": pl.String,  # 涉及地区 as read: 武都区汉王镇大庄村
    "description": pl.String,
    "category": pl.String,
    "households": pl.String,  # the households it lists, as text (ID numbers masked on writing)
    "measures": pl.String,
    "lead_unit": pl.String,
    "responsible_person": pl.String,
    "deadline": pl.Date,
    "deadline_text": pl.String,  # 立行立改, 长期坚持 … as written
    "status": pl.String,  # its Chinese label
    "fixed": pl.Boolean,  # its fix is reported (已整改待验收 or later)
    "closed": pl.Boolean,
    "closed_on": pl.Date,
    "reopened": pl.Int64,  # times sent back or reopened
    "recurring": pl.Boolean,
}
DUE_SOON_DAYS = 3
MARK_OVERDUE = "逾期"
MARK_DUE_SOON = "临期"
CITY_LEVEL = "市级"
COUNTY_LEVEL = "县级"
PROGRESS_COUNTS = ("received", "closed", "open", "overdue", "reopened", "recurring", "closed_on_time")


def frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    """A problems frame from dicts (missing columns null), typed as `PROBLEM_FRAME`."""
    return pl.DataFrame(
        [{name: row.get(name) for name in PROBLEM_FRAME} for row in rows], schema=PROBLEM_FRAME, orient="row"
    )


def deadline_mark(deadline: pl.Expr, done: pl.Expr, today: dt.date) -> pl.Expr:
    """逾期 for a problem past its deadline with no fix reported, 临期 for one due within 3 days, else ""."""
    return (
        pl.when(done)
        .then(pl.lit(""))
        .when(deadline < pl.lit(today))
        .then(pl.lit(MARK_OVERDUE))
        .when(deadline <= pl.lit(today + dt.timedelta(days=DUE_SOON_DAYS)))
        .then(pl.lit(MARK_DUE_SOON))
        .otherwise(pl.lit(""))
    )


def with_marks(problems: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    """`problems` with `mark` (逾期/临期/"") and overdue and due-soon ones first, each by deadline."""
    order = {MARK_OVERDUE: 0, MARK_DUE_SOON: 1, "": 2}
    marked = problems.with_columns(mark=deadline_mark(pl.col("deadline"), _done(), today))
    return marked.sort(
        pl.col("mark").replace_strict(order, default=2),
        "deadline",
        "number",
        nulls_last=True,
        maintain_order=True,
    )


def progress_rows(
    problems: pl.DataFrame, *, today: dt.date, by: tuple[str, ...] = ("source", "county_code")
) -> pl.DataFrame:
    """The counts of the progress report, one row per value of `by` (see the module's docstring).

    Adds `county_name` when `county_code` is among `by` (市级 for city-level problems),
    `township_name` when `township_code` is (县级 for a county's own problems), and
    `on_time_share` (closed on time / closed).
    """
    closed = pl.col("closed").fill_null(False)
    counted = problems.group_by(by, maintain_order=True).agg(
        pl.len().alias("received"),
        closed.sum().alias("closed"),
        (~closed).sum().alias("open"),
        ((~_done()) & (pl.col("deadline") < pl.lit(today))).sum().alias("overdue"),
        (pl.col("reopened").fill_null(0) > 0).sum().alias("reopened"),
        pl.col("recurring").fill_null(False).sum().alias("recurring"),
        (closed & (pl.col("deadline").is_null() | (pl.col("closed_on") <= pl.col("deadline"))))
        .sum()
        .alias("closed_on_time"),
    )
    counted = counted.with_columns(
        [pl.col(name).cast(pl.Int64) for name in PROGRESS_COUNTS],
    ).with_columns(
        on_time_share=pl.when(pl.col("closed") > 0).then(pl.col("closed_on_time") / pl.col("closed"))
    )
    if "county_code" in by:
        names = {code: county.name for code, county in regions.counties().items()}
        counted = counted.with_columns(
            county_name=pl.col("county_code")
            .replace_strict(names, default=pl.col("county_code"))
            .fill_null(CITY_LEVEL)
        )
    if "township_code" in by:
        townships = {code: township.name for code, township in regions.townships().items()}
        counted = counted.with_columns(
            township_name=pl.col("township_code")
            .replace_strict(townships, default=pl.col("township_code"))
            .fill_null(COUNTY_LEVEL)
        )
    return counted.sort(list(by), nulls_last=True)


def _done() -> pl.Expr:
    """Its fix reported or closed: no longer the fixer's to do by the deadline."""
    return pl.col("closed").fill_null(False) | pl.col("fixed").fill_null(False)


def totals_row(progress: pl.DataFrame) -> dict[str, object]:
    """The counts of `progress` added up, with the share worked out again (not averaged)."""
    sums: dict[str, object] = {name: int(progress[name].sum()) for name in PROGRESS_COUNTS}
    closed = int(progress["closed"].sum())
    sums["on_time_share"] = int(progress["closed_on_time"].sum()) / closed if closed else None
    return sums

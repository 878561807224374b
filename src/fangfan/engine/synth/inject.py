"""Problems injected on purpose, and the natural ones, recorded in the ground truth.

Each kind takes its own households (never shared with another injected kind), so an
injection has no side effect another kind's definition would see; the few changes
that ripple (a dropped-out child's school roll, a household with nobody working) are
carried through to every table here. Rates are small: `share` of the households per
kind, at least `MINIMUM`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from fangfan.engine.policy import load_policy
from fangfan.engine.synth.truth import Truth

Tables = dict[str, pl.DataFrame]
MINIMUM = 4
SHARE = 0.003


@dataclass
class Context:
    rng: np.random.Generator
    tables: Tables
    years: tuple[int, int]
    as_of: dt.date
    truth: Truth

    @property
    def households(self) -> pl.DataFrame:
        return self.tables["households"]

    @property
    def members(self) -> pl.DataFrame:
        return self.tables["members"]

    def quota(self, share: float = SHARE) -> int:
        return max(MINIMUM, round(self.households.height * share))

    def take_households(self, eligible: pl.Expr, count: int | None = None) -> pl.DataFrame:
        """`count` unused households matching `eligible`, marked used."""
        free = self.households.filter(eligible & ~pl.col("_hh").is_in(list(self.truth.used_households)))
        chosen = free.sample(n=min(count or self.quota(), free.height), seed=self._seed()).sort("_hh")
        self.truth.used_households.update(chosen["_hh"].to_list())
        return chosen

    def take_people(self, eligible: pl.Expr, count: int | None = None) -> pl.DataFrame:
        """One eligible member from each of `count` unused households."""
        people = self.members.filter(eligible & ~pl.col("_hh").is_in(list(self.truth.used_households)))
        one_each = people.sample(fraction=1.0, shuffle=True, seed=self._seed()).unique(
            "_hh", keep="first", maintain_order=True
        )
        chosen = one_each.sample(n=min(count or self.quota(), one_each.height), seed=self._seed()).sort(
            "_row"
        )
        self.truth.used_households.update(chosen["_hh"].to_list())
        return chosen

    def update(self, table: str, where: pl.Expr, **values: object) -> None:
        frame = self.tables[table]
        self.tables[table] = frame.with_columns(
            **{
                name: pl.when(where)
                .then(value if isinstance(value, pl.Expr) else pl.lit(value))
                .otherwise(pl.col(name))
                for name, value in values.items()
            }
        )

    def append(self, table: str, rows: pl.DataFrame) -> None:
        frame = self.tables[table]
        self.tables[table] = pl.concat([frame, rows.select(frame.columns).cast(frame.schema)], how="vertical")

    def remove(self, table: str, where: pl.Expr) -> None:
        self.tables[table] = self.tables[table].filter(~where)

    def record(
        self, kind: str, rows: pl.DataFrame, field: str, detail: str, *, table: str = "", **kw: str
    ) -> None:
        default_table = "members" if "id_number" in rows.columns else "households"
        self.truth.add(kind, rows, table=table or default_table, field_name=field, detail=detail, **kw)

    def _seed(self) -> int:
        return int(self.rng.integers(0, 2**31))


def inject_structure(rng: np.random.Generator, members: pl.DataFrame, truth: Truth) -> pl.DataFrame:
    """PERSON_IN_TWO_HOUSEHOLDS: before sizes and incomes are derived, so both households stay consistent."""
    members = members.with_row_index("_row").with_columns(pl.col("_row").cast(pl.Int64))
    households = members["_hh"].n_unique()
    count = max(MINIMUM, round(households * SHARE / 2))
    plain = (
        (pl.col("_slot") > 0)
        & pl.col("_age").is_between(20, 59)
        & (pl.col("member_status") == "正常")
        & (pl.col("dibao") == "否")
        & (pl.col("tekun") == "否")
        & (pl.col("health") == "健康")
        & (pl.col("schooling") == "非在校生")
        & (pl.col("work_status") == "未务工")
    )
    people = members.filter(plain).sample(fraction=1.0, shuffle=True, seed=int(rng.integers(0, 2**31)))
    people = people.unique("_hh", keep="first", maintain_order=True).head(count)
    targets = rng.choice(households, size=people.height * 3, replace=False)
    targets = np.setdiff1d(targets, people["_hh"].to_numpy())[: people.height]
    rng.shuffle(targets)
    people = people.head(len(targets))
    household_ids = members.filter(pl.col("_slot") == 0).sort("_hh")["household_id"]
    copies = people.with_columns(
        _hh=pl.Series(targets, dtype=pl.Int64),
        household_id=household_ids.gather(targets),
        relation=pl.lit("其他"),
        _slot=pl.lit(99, dtype=pl.Int64),
        _row=pl.int_range(members.height, members.height + people.height, dtype=pl.Int64),
    )
    members = pl.concat([members, copies.select(members.columns).cast(members.schema)]).sort("_hh", "_slot")
    for side in (people, copies):
        truth.add(
            "PERSON_IN_TWO_HOUSEHOLDS",
            side.select("household_id", "id_number", value=pl.col("household_id")),
            table="members",
            field_name="id_number",
            detail="同一人同时登记在两户",
        )
    truth.used_households.update(people["_hh"].to_list() + copies["_hh"].to_list())
    return members


def natural_income_tail(tables: Tables, newer_year: int, truth: Truth) -> None:
    threshold = load_policy(newer_year).number("income.monitoring_threshold")
    income = tables["income"].filter(pl.col("year") == newer_year)
    below = income.filter(pl.col("net_income") / pl.col("_size") < threshold)
    rows = below.select("household_id", value=pl.col("net_income_per_capita").cast(pl.String))
    truth.add(
        "INCOME_BELOW_THRESHOLD",
        rows,
        table="income",
        field_name="net_income_per_capita",
        detail="人均纯收入低于当年监测标准（自然分布）",
        origin="natural",
    )
    truth.used_households.update(below["_hh"].to_list())


def inject_rules(
    rng: np.random.Generator, tables: Tables, years: tuple[int, int], as_of: dt.date, truth: Truth
) -> None:
    """Every rule-level kind of docs/ground_truth.md, on households of its own."""
    from fangfan.engine.synth import inject_households, inject_people

    context = Context(rng, tables, years, as_of, truth)
    steps: list[Callable[[Context], None]] = [*inject_households.STEPS, *inject_people.STEPS]
    for step in steps:
        step(context)
    inject_households.water_village_conflict(context)

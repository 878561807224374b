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


PROPERTY_KINDS = {
    "VEHICLE_OWNED": (
        "vehicles",
        pl.col("vehicle_type").is_in(["小型轿车", "小型普通客车", "货车"]) & (pl.col("status") == "正常"),
    ),
    "BUSINESS_OWNED": ("business_registry", pl.col("registration_status") == "存续"),
    "URBAN_HOME_OWNED": ("real_estate", pl.col("usage").is_in(["住宅", "商业"])),
}


def natural_occurrences(tables: Tables, years: tuple[int, int], truth: Truth) -> None:
    """Record, as origin natural, every household or person that meets a kind's definition
    as a side effect (a copied property owner, an income cut that is also a sharp drop).

    Runs after every rule-level injection and before the link-level ones, which change
    how IDs are written but not who has what.
    """
    recorded = truth.table().select("kind", "household_id", "id_number")
    for kind, rows, table, field, detail in (
        *_natural_property(tables),
        _natural_sharp_drop(tables, years),
        _natural_large_selfpay(tables, years),
    ):
        new = rows.join(recorded.filter(pl.col("kind") == kind), on=["household_id", "id_number"], how="anti")
        if new.height:
            truth.add(kind, new, table=table, field_name=field, detail=detail, origin="natural")
            # kept out of later injections (the import-level mismatches)
            found = tables["households"].join(new.select("household_id"), on="household_id", how="semi")
            truth.used_households.update(found["_hh"].to_list())


def _natural_property(tables: Tables) -> list[tuple[str, pl.DataFrame, str, str, str]]:
    helped = tables["households"].filter(pl.col("household_type").is_in(["脱贫户", "监测户"]))
    people = tables["members"].join(helped.select("household_id"), on="household_id", how="semi")
    found = []
    for kind, (table, keep) in PROPERTY_KINDS.items():
        owners = tables[table].filter(keep).select("id_number").unique()
        rows = (
            people.join(owners, on="id_number", how="semi")
            .select("household_id", "id_number", value=pl.lit(table))
            .unique(["household_id", "id_number"])
            .sort("household_id", "id_number")
        )
        found.append((kind, rows, table, "id_number", "脱贫/监测户成员名下有登记财产（自然发生）"))
    return found


def _natural_sharp_drop(tables: Tables, years: tuple[int, int]) -> tuple[str, pl.DataFrame, str, str, str]:
    """INCOME_SHARP_DROP as the sieve computes it: recomputed net income, per member 正常."""
    share = load_policy(years[1]).number("income.sharp_drop_share")
    normal = (
        tables["members"]
        .filter(pl.col("member_status") == "正常")
        .group_by("household_id")
        .agg(_normal=pl.len())
    )
    parts = ("wage_income", "business_income", "property_income", "transfer_income")

    def net(year: int, name: str) -> pl.DataFrame:
        frame = tables["income"].filter(pl.col("year") == year).unique("household_id", keep="first")
        value = pl.sum_horizontal(parts) - pl.col("business_cost").fill_null(0)
        return frame.select("household_id", value.alias(name))

    frame = (
        net(years[1], "_newer")
        .join(net(years[0], "_older"), on="household_id")
        .join(normal, on="household_id")
    )
    drop = frame.filter((pl.col("_older") > 0) & (pl.col("_newer") < pl.col("_older") * (1 - share))).sort(
        "household_id"
    )
    rows = drop.select(
        "household_id",
        id_number=pl.lit(""),
        value=(pl.col("_newer") / pl.col("_normal")).round(2).cast(pl.String),
    )
    return (
        "INCOME_SHARP_DROP",
        rows,
        "income",
        "net_income_per_capita",
        "人均纯收入比上年大幅下降（自然发生）",
    )


def _natural_large_selfpay(tables: Tables, years: tuple[int, int]) -> tuple[str, pl.DataFrame, str, str, str]:
    """LARGE_MEDICAL_SELFPAY as the sieve computes it, e.g. after an income cut: the newer
    year's compliant self-pay of the household's members over either policy limit."""
    from fangfan.engine.idnumber import to_18

    policy = load_policy(years[1])
    share = policy.number("medical.selfpay_share_of_income")
    alert = policy.number("medical.selfpay_alert_yuan")
    claims = tables["medical_claims"].filter(pl.col("settlement_date").dt.year() == years[1])
    per_person = claims.group_by(_person=pl.col("id_number")).agg(_selfpay=pl.col("compliant_selfpay").sum())
    members = tables["members"].select(
        "household_id", _person=pl.col("id_number").map_elements(to_18, return_dtype=pl.String)
    )
    selfpay = (
        members.join(per_person, on="_person").group_by("household_id").agg(_selfpay=pl.col("_selfpay").sum())
    )
    parts = ("wage_income", "business_income", "property_income", "transfer_income")
    income = tables["income"].filter(pl.col("year") == years[1]).unique("household_id", keep="first")
    net = income.select("household_id", _net=pl.sum_horizontal(parts) - pl.col("business_cost").fill_null(0))
    over = (
        selfpay.join(net, on="household_id", how="left")
        .filter(
            (pl.col("_selfpay") > 0)
            & ((pl.col("_selfpay") > share * pl.col("_net")) | (pl.col("_selfpay") > alert))
        )
        .sort("household_id")
    )
    rows = over.select(
        "household_id", id_number=pl.lit(""), value=pl.col("_selfpay").round(2).cast(pl.String)
    )
    return (
        "LARGE_MEDICAL_SELFPAY",
        rows,
        "medical_claims",
        "compliant_selfpay",
        "合规自付医疗费用过高（自然发生）",
    )


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

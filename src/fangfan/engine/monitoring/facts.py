"""Per-household facts the signals and the summary read: one row per household.

Most columns come straight from the sieve's `household_wide`; the rest are what the
sieve does not keep:

- from `person_wide`: labour capacity among living members, 低保/特困 (registry or
  民政), a member the labour department lists as unemployed, students beyond
  compulsory education;
- from the snapshot's income table: the registry's own medical self-pay (used when
  the claims feed is absent) and last year's income by component;
- from the disasters feed: the direct losses since the start of the income year;
- from the previous snapshot, when there is one: its per-capita net income.

Income is recomputed the way `fangfan.engine.wide` does it: wage + business +
property + transfer − business costs, per member with 人员状态 正常.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

import polars as pl

from fangfan.engine.monitoring.catalogue import ELIMINATED, MONITORED, NOT_MONITORED
from fangfan.engine.people import able_to_work
from fangfan.engine.policy import Policy
from fangfan.engine.snapshot import Snapshot, SnapshotStore
from fangfan.engine.wide import PersonKey, WideTables, newer_income_year

SENIOR_SECONDARY = ("高中", "中职")
TERTIARY = ("高职", "大专及以上")
DEAD = ("死亡", "注销")
# Joins of whole tables run faster in memory than streamed (as in `wide`): at city scale the
# facts, signals and summary take about a fifth less time in memory than streamed.
ENGINE: Final = "in-memory"
_HOUSEHOLD_WIDE = (
    "household_id",
    "village_code",
    "county_code",
    "township_code",
    "household_type",
    "head_id_number",
    "head_name",
    "monitoring_category",
    "risk_eliminated",
    "exit_year",
    "members_normal",
    "net_income",
    "net_income_per_capita",
    "previous_net_income_per_capita",
    "wage_income",
    "business_income",
    "business_cost",
    "property_income",
    "transfer_income",
    "claims_selfpay",
    "income_year",
    "has_safety_net_measure",
)


@dataclass(frozen=True)
class Context:
    """One run's inputs: the snapshot, its wide tables, the policy year and the feed keys."""

    snapshot: Snapshot
    wide: WideTables
    policy: Policy
    person_key: PersonKey
    previous: Snapshot | None

    @property
    def income_year(self) -> int:
        return self.wide.income_year

    @property
    def window_start(self) -> dt.date:
        """Events (deaths, disasters) count from the first day of the income year."""
        return dt.date(self.income_year, 1, 1)

    def feed(self, name: str) -> pl.LazyFrame | None:
        """A person or household feed with `person_key`: the registry ID it belongs to."""
        if not self.snapshot.has(name):
            return None
        return self.person_key(name, self.snapshot.scan(name))


def previous_snapshot(snapshot: Snapshot) -> Snapshot | None:
    """The newest snapshot in the same store whose as-of date is earlier, if any."""
    earlier = [s for s in SnapshotStore(snapshot.path.parent) if s.as_of < snapshot.as_of]
    return max(earlier, key=lambda s: (s.as_of, s.id), default=None)


def household_facts(context: Context) -> pl.DataFrame:
    """Every household with the facts listed in the module docstring."""
    threshold = context.policy.number("income.monitoring_threshold")
    frame = (
        context.wide.household_wide.lazy()
        .select(*_HOUSEHOLD_WIDE, pl.col("main_risk").alias("registry_main_risk"))
        .with_columns(
            business_net=_business_net(),
            other_income=pl.sum_horizontal("property_income", "transfer_income"),
        )
        .join(_member_facts(context), on="household_id", how="left")
        .join(
            _components(context.snapshot, context.income_year - 1, "previous_"), on="household_id", how="left"
        )
        .join(_registry_selfpay(context), on="household_id", how="left")
        .join(_disaster_losses(context), on="head_id_number", how="left")
        .join(_previous_snapshot_income(context.previous), on="household_id", how="left")
    )
    frame = frame.with_columns(
        pl.col(c).fill_null(False) for c in ("has_labour_capacity", "on_dibao", "on_tekun", "any_unemployed")
    ).with_columns(
        pl.lit(threshold).alias("monitoring_threshold"),
        (pl.col("net_income_per_capita") < threshold).fill_null(False).alias("below_threshold"),
        (pl.col("on_dibao") | pl.col("on_tekun")).alias("on_safety_net"),
        _monitoring_status().alias("monitoring_status"),
        (pl.col("household_type").eq("脱贫户") | pl.col("exit_year").is_not_null()).alias("exited"),
        *_spending(context),
    )
    return frame.with_columns(
        pl.sum_horizontal(_SPENDING).alias("rigid_spending"),
        _income_risk().alias("income_risk"),
        _fall_risk("previous_").alias("year_fall_risk"),
        _fall_risk("previous_snapshot_").alias("snapshot_fall_risk"),
    ).collect(engine=ENGINE)


_SPENDING = ("medical_spending", "schooling_spending", "disaster_loss")


def _business_net() -> pl.Expr:
    return pl.col("business_income").fill_null(0) - pl.col("business_cost").fill_null(0)


def _income_risk() -> pl.Expr:
    """Why income is low, as far as the data tells: no labour, a losing business, lost work."""
    return (
        pl.when(~pl.col("has_labour_capacity"))
        .then(pl.lit("缺劳力"))
        .when(pl.col("business_net") < 0)
        .then(pl.lit("因产业项目失败"))
        .when(pl.col("any_unemployed"))
        .then(pl.lit("因务工就业不稳"))
        .otherwise(pl.lit("其他"))
    )


def _fall_risk(prefix: str) -> pl.Expr:
    """Why income fell: the part that fell most — wages (因务工就业不稳), business net of
    costs (因产业项目失败) or property and transfers (其他); 缺劳力 or 其他 when none fell."""
    drops = {
        part: pl.col(f"{prefix}{part}").fill_null(0) - pl.col(part).fill_null(0)
        for part in ("wage_income", "business_net", "other_income")
    }
    wage, business, other = drops.values()
    return (
        pl.when((business > 0) & (business >= wage) & (business >= other))
        .then(pl.lit("因产业项目失败"))
        .when((wage > 0) & (wage >= other))
        .then(pl.lit("因务工就业不稳"))
        .when(other > 0)
        .then(pl.lit("其他"))
        .when(~pl.col("has_labour_capacity"))
        .then(pl.lit("缺劳力"))
        .otherwise(pl.lit("其他"))
    )


def _member_facts(context: Context) -> pl.LazyFrame:
    """Per household: labour, safety net, unemployment and students, among living members."""
    policy = context.policy
    alive = (pl.col("member_status") == "正常") & ~pl.col("registration_status").is_in(DEAD).fill_null(False)
    capable = alive & able_to_work(policy)
    return (
        context.wide.person_wide.lazy()
        .group_by("household_id")
        .agg(
            capable.sum().cast(pl.Int32).alias("labour_capable_count"),
            capable.any().alias("has_labour_capacity"),
            (alive & ((pl.col("dibao") == "是") | pl.col("active_dibao").fill_null(False)))
            .any()
            .alias("on_dibao"),
            (alive & ((pl.col("tekun") == "是") | pl.col("active_tekun").fill_null(False)))
            .any()
            .alias("on_tekun"),
            (alive & pl.col("employment_unemployed").fill_null(False)).any().alias("any_unemployed"),
            (alive & pl.col("schooling").is_in(SENIOR_SECONDARY))
            .sum()
            .cast(pl.Int32)
            .alias("senior_students"),
            (alive & pl.col("schooling").is_in(TERTIARY)).sum().cast(pl.Int32).alias("tertiary_students"),
        )
    )


def _money(schema: pl.Schema, name: str) -> pl.Expr:
    if name in schema:
        return pl.col(name).cast(pl.Float64)
    return pl.lit(None, dtype=pl.Float64)


def _income_rows(snapshot: Snapshot, year: int) -> pl.LazyFrame:
    frame = snapshot.scan("income")
    # The first row of a household and year, as the wide tables take it; `is_first_distinct`
    # costs a tenth of `unique(keep="first")` at city scale.
    this_year = frame.filter(pl.col("year").cast(pl.Int32) == year)
    return this_year.filter(pl.col("household_id").is_first_distinct())


def _components(snapshot: Snapshot, year: int, prefix: str) -> pl.LazyFrame:
    """Net income and its parts for `year`: wage, business net of costs, everything else."""
    frame = _income_rows(snapshot, year)
    schema = frame.collect_schema()
    wage, business, cost = (_money(schema, c) for c in ("wage_income", "business_income", "business_cost"))
    other = pl.sum_horizontal(_money(schema, "property_income"), _money(schema, "transfer_income"))
    gross = pl.sum_horizontal(
        wage, business, _money(schema, "property_income"), _money(schema, "transfer_income")
    )
    return frame.select(
        "household_id",
        (gross - cost.fill_null(0)).alias(f"{prefix}net_income"),
        wage.alias(f"{prefix}wage_income"),
        (business.fill_null(0) - cost.fill_null(0)).alias(f"{prefix}business_net"),
        other.alias(f"{prefix}other_income"),
    )


def _registry_selfpay(context: Context) -> pl.LazyFrame:
    frame = _income_rows(context.snapshot, context.income_year)
    schema = frame.collect_schema()
    return frame.select("household_id", _money(schema, "medical_selfpay").alias("registry_medical_selfpay"))


def _disaster_losses(context: Context) -> pl.LazyFrame:
    """Direct losses (直接经济损失) reported since the income year began, per head's ID."""
    feed = context.feed("disasters")
    schema = {"head_id_number": pl.String, "disaster_loss": pl.Float64}
    if feed is None:
        return pl.LazyFrame(schema=schema)
    recent = feed.filter(pl.col("occurred_on").cast(pl.Date) >= context.window_start)
    return recent.group_by(pl.col("person_key").alias("head_id_number")).agg(
        # rounded to the fen: a float sum's last digit depends on the threads' order
        pl.col("direct_loss").cast(pl.Float64).fill_null(0).sum().round(2).alias("disaster_loss")
    )


def _previous_snapshot_income(previous: Snapshot | None) -> pl.LazyFrame:
    """The previous snapshot's newer-year income per capita and its parts."""
    names = ("net_income_per_capita", "income_year", "wage_income", "business_net", "other_income")
    if previous is None or not (previous.has("income") and previous.has("members")):
        schema: dict[str, pl.DataType] = {"household_id": pl.String(), "previous_snapshot_id": pl.String()}
        schema |= {
            f"previous_snapshot_{n}": pl.Int32() if n == "income_year" else pl.Float64() for n in names
        }
        return pl.LazyFrame(schema=schema)
    year = newer_income_year(previous)
    people = (
        previous.scan("members")
        .filter(pl.col("member_status") == "正常")
        .group_by("household_id")
        .agg(pl.len().cast(pl.Float64).alias("_people"))
    )
    prefix = "previous_snapshot_"
    return (
        _components(previous, year, prefix)
        .join(people, on="household_id", how="left")
        .select(
            "household_id",
            pl.lit(previous.id).alias("previous_snapshot_id"),
            (pl.col(f"{prefix}net_income") / pl.col("_people")).alias(f"{prefix}net_income_per_capita"),
            pl.lit(year, dtype=pl.Int32).alias(f"{prefix}income_year"),
            pl.col(f"{prefix}wage_income"),
            pl.col(f"{prefix}business_net"),
            pl.col(f"{prefix}other_income"),
        )
    )


def _monitoring_status() -> pl.Expr:
    """监测中, 风险已消除 or 未纳入监测, from 户类型, 监测对象类别 and 风险是否消除."""
    category = pl.col("monitoring_category").fill_null("").str.strip_chars()
    monitored = (pl.col("household_type") == "监测户").fill_null(False) | (category != "")
    return (
        pl.when(monitored & (pl.col("risk_eliminated") == "是").fill_null(False))
        .then(pl.lit(ELIMINATED))
        .when(monitored)
        .then(pl.lit(MONITORED))
        .otherwise(pl.lit(NOT_MONITORED))
    )


def _spending(context: Context) -> tuple[pl.Expr, ...]:
    """Medical self-pay (claims feed, else the registry's figure), schooling and disaster losses."""
    policy = context.policy
    senior = policy.number("monitoring.schooling_cost_senior_secondary_yuan")
    tertiary = policy.number("monitoring.schooling_cost_tertiary_yuan")
    claims_present = context.snapshot.has("medical_claims")
    medical = pl.col("claims_selfpay") if claims_present else pl.col("registry_medical_selfpay")
    return (
        medical.fill_null(0).alias("medical_spending"),
        pl.lit("医保结算" if claims_present else "收入信息").alias("medical_source"),
        (
            pl.col("senior_students").fill_null(0) * senior
            + pl.col("tertiary_students").fill_null(0) * tertiary
        ).alias("schooling_spending"),
        (
            pl.col("disaster_loss").fill_null(0)
            if context.snapshot.has("disasters")
            else pl.col("disaster_loss")
        ),
    )

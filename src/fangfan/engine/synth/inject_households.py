"""Household-level injections: food, housing, water, income, assistance, size, disasters."""

from __future__ import annotations

import numpy as np
import polars as pl

from fangfan.engine.policy import load_policy
from fangfan.engine.synth.feeds import cap_wages, dates_in_year, days_before, finish, scale_monthly_income
from fangfan.engine.synth.income import declare
from fangfan.engine.synth.inject import Context

HELPED = pl.col("household_type").is_in(["脱贫户", "监测户"])


def _in(chosen: pl.DataFrame) -> pl.Expr:
    return pl.col("_hh").is_in(chosen["_hh"].to_list())


def _rows(chosen: pl.DataFrame, value: pl.Expr | pl.Series | str) -> pl.DataFrame:
    return chosen.select("household_id", value=value if isinstance(value, pl.Expr) else pl.lit(value))


def employment_wages(context: Context) -> None:
    """Not an injection: before any, bring the employment feed within the registry's wage
    income (feeds.cap_wages), so only injected or recorded households meet
    WAGE_INCOME_CONFLICT. Income cuts below carry their factor through to the feed."""
    context.tables["employment"] = cap_wages(
        context.tables["employment"], context.members, context.tables["income"], context.years[1]
    )


def _carry_to_employment(context: Context, factors: pl.DataFrame) -> None:
    """The newer year's wage income of households `factors` (`_hh`, `_scale`) was scaled:
    scale their employment feed's monthly incomes alike (rounded down)."""
    context.tables["employment"] = scale_monthly_income(
        context.tables["employment"], factors.select("_hh", _factor="_scale")
    )


def food_and_clothing(context: Context) -> None:
    for kind, field, text in (
        ("FOOD_NOT_ENOUGH", "food_enough", "平常吃不饱"),
        ("FOOD_NO_PROTEIN", "food_protein", "不能随时吃肉蛋奶或豆制品"),
        ("NO_SEASONAL_CLOTHES", "seasonal_clothes", "没有换季衣服"),
        ("NO_WINTER_BEDDING", "winter_bedding", "没有御寒被褥"),
    ):
        chosen = context.take_households(pl.lit(True))
        context.update("households", _in(chosen), **{field: "否"})
        context.record(kind, _rows(chosen, "否"), field, text)


def housing(context: Context) -> None:
    not_relocated = pl.col("relocated") == "否"
    chosen = context.take_households(not_relocated)
    grade = pl.Series(np.where(context.rng.random(chosen.height) < 0.6, "C", "D"))
    chosen = chosen.with_columns(house_grade=grade)
    _set_each(context, chosen, "house_grade", house_renovated="否")
    context.remove("housing_appraisal", _in(chosen))
    context.append("housing_appraisal", _appraisal(context, chosen, "未改造"))
    context.record("HOUSE_UNSAFE", _rows(chosen, pl.col("house_grade")), "house_grade", "C/D级危房未改造")

    safe = pl.col("house_grade").is_in(["A", "B"]) & not_relocated
    chosen = context.take_households(safe | (pl.col("house_renovated") == "是"))
    context.remove("housing_appraisal", _in(chosen))
    grades = np.where(context.rng.random(chosen.height) < 0.5, "C", "D")
    conflict = _appraisal(context, chosen.with_columns(house_grade=pl.Series(grades)), "未改造")
    context.append("housing_appraisal", conflict)
    context.record(
        "HOUSE_APPRAISAL_CONFLICT",
        _rows(chosen, pl.col("house_grade")),
        "house_grade",
        "住建鉴定为C/D级未改造，户信息为安全住房",
    )

    chosen = context.take_households(pl.col("relocated") == "是")
    context.update("households", _in(chosen), relocated_moved_in="否")
    context.record(
        "RELOCATED_NOT_MOVED_IN", _rows(chosen, "否"), "relocated_moved_in", "易地扶贫搬迁后未入住"
    )


def _appraisal(context: Context, chosen: pl.DataFrame, status: str) -> pl.DataFrame:
    frame = chosen.select(
        "head_id_number",
        "head_name",
        "village_code",
        "_hh",
        _county=pl.col("county_name"),
        appraisal_grade=pl.col("house_grade"),
        renovation_status=pl.lit(status),
    ).with_columns(appraisal_date=days_before(context.rng, context.as_of, chosen.height, 30, 700))
    return finish("housing_appraisal", frame)


def water(context: Context) -> None:
    for kind, field, text in (
        ("WATER_QUANTITY", "water_quantity_ok", "水量不达标"),
        ("WATER_QUALITY", "water_quality_ok", "水质不达标"),
    ):
        chosen = context.take_households(pl.lit(True))
        context.update("households", _in(chosen), **{field: "否"})
        context.record(kind, _rows(chosen, "否"), field, text)
    chosen = context.take_households(pl.lit(True))
    minutes = pl.Series(context.rng.integers(30, 91, chosen.height))
    chosen = chosen.with_columns(water_trip_minutes=minutes)
    _set_each(context, chosen, "water_trip_minutes", water_supply="分散供水")
    context.record(
        "WATER_TRIP_TOO_LONG",
        _rows(chosen, pl.col("water_trip_minutes").cast(pl.String)),
        "water_trip_minutes",
        "取水往返时间超过20分钟",
    )
    chosen = context.take_households(pl.lit(True))
    chosen = chosen.with_columns(water_short_days=pl.Series(context.rng.integers(40, 121, chosen.height)))
    _set_each(context, chosen, "water_short_days")
    context.record(
        "WATER_SHORT_DAYS",
        _rows(chosen, pl.col("water_short_days").cast(pl.String)),
        "water_short_days",
        "年缺水天数超过36天",
    )


def _set_each(context: Context, chosen: pl.DataFrame, field: str, **also: object) -> None:
    """Set `field` per household from `chosen` (a join, not a loop)."""
    frame = context.tables["households"]
    values = chosen.select("_hh", pl.col(field).alias("_new"))
    frame = frame.join(values, on="_hh", how="left", maintain_order="left")
    extra = {
        name: pl.when(pl.col("_new").is_not_null()).then(pl.lit(v)).otherwise(pl.col(name))
        for name, v in also.items()
    }
    context.tables["households"] = frame.with_columns(
        pl.coalesce(pl.col("_new").cast(frame.schema[field]), pl.col(field)).alias(field), **extra
    ).drop("_new")


def water_village_conflict(context: Context) -> None:
    """A village the water feed calls short or unsafe, while its households say all is fine."""
    households = context.households
    average = max(1, households.height // max(1, context.tables["water_supply"].height))
    count = max(1, round(context.quota() / average))
    codes = context.tables["water_supply"].sample(n=count, seed=int(context.rng.integers(0, 2**31)))[
        "village_code"
    ]
    where = pl.col("village_code").is_in(codes.to_list())
    short = context.rng.random(count) < 0.5
    for code, is_short in zip(codes, short, strict=True):
        if is_short:
            context.update(
                "water_supply", pl.col("village_code") == code, short_days=int(context.rng.integers(45, 90))
            )
        else:
            context.update("water_supply", pl.col("village_code") == code, quality_result="不合格")
    fine = (pl.col("water_quantity_ok") == "是") & (pl.col("water_quality_ok") == "是")
    affected = households.filter(where & fine)
    context.record(
        "WATER_VILLAGE_CONFLICT",
        _rows(affected, pl.col("village_code")),
        "water_quality_ok",
        "水务部门数据显示本村缺水或水质不合格，户信息为达标",
    )


def income(context: Context) -> None:
    newer = context.years[1]
    threshold = load_policy(newer).number("income.monitoring_threshold")
    chosen = context.take_households(pl.lit(True))
    target = pl.Series(context.rng.uniform(0.5, 0.95, chosen.height) * threshold)
    factors = chosen.select("_hh", _target=target)
    frame = context.tables["income"].join(factors, on="_hh", how="left", maintain_order="left")
    scale = (
        pl.when(pl.col("_target").is_not_null() & (pl.col("year") == newer))
        .then(pl.col("_target") / (pl.col("net_income") / pl.col("_size")))
        .otherwise(1.0)
    )
    parts = ("wage_income", "business_income", "property_income", "transfer_income", "business_cost")
    frame = frame.with_columns(_scale=scale)
    _carry_to_employment(context, frame.filter(pl.col("year") == newer, pl.col("_scale") != 1.0))
    frame = frame.with_columns([(pl.col(p) * pl.col("_scale")).round(2) for p in parts]).drop(
        "_target", "_scale"
    )
    context.tables["income"] = declare(frame)
    rows = context.tables["income"].filter(_in(chosen) & (pl.col("year") == newer))
    context.record(
        "INCOME_BELOW_THRESHOLD",
        _rows(rows, pl.col("net_income_per_capita").cast(pl.String)),
        "net_income_per_capita",
        "人均纯收入低于当年监测标准",
        table="income",
    )

    income_sharp_drop(context, threshold)

    chosen = context.take_households(pl.lit(True))
    bump = pl.Series(np.round(context.rng.uniform(200, 3000, chosen.height), 2))
    which = pl.Series(context.rng.random(chosen.height) < 0.5)
    plan = chosen.select("_hh", _bump=bump, _net=which)
    frame = context.tables["income"].join(plan, on="_hh", how="left", maintain_order="left")
    hit = pl.col("_bump").is_not_null() & (pl.col("year") == newer)
    frame = frame.with_columns(
        net_income=pl.when(hit & pl.col("_net"))
        .then(pl.col("net_income") + pl.col("_bump"))
        .otherwise("net_income"),
        net_income_per_capita=pl.when(hit & ~pl.col("_net"))
        .then(pl.col("net_income_per_capita") + pl.col("_bump") / 10)
        .otherwise("net_income_per_capita"),
    )
    context.tables["income"] = frame.drop("_bump", "_net")
    rows = context.tables["income"].filter(_in(chosen) & (pl.col("year") == newer))
    context.record(
        "INCOME_DECLARED_MISMATCH",
        _rows(rows, pl.col("net_income").cast(pl.String)),
        "net_income",
        "申报纯收入与分项收入合计不一致",
        table="income",
    )


def income_sharp_drop(context: Context, threshold: float) -> None:
    """INCOME_SHARP_DROP: the newer year's income falls well past the policy share (37–46% at
    0.3) yet stays above the monitoring threshold."""
    older, newer = context.years
    share = load_policy(newer).number("income.sharp_drop_share")
    previous = (
        context.tables["income"]
        .filter(pl.col("year") == older)
        .select("_hh", _previous=pl.col("net_income") / pl.col("_size"))
    )
    high = 0.9 * (1 - share)  # keep at most 90% of the allowed share: clearly a sharp drop
    low = high - 0.1
    eligible = pl.col("_hh").is_in(
        previous.filter(pl.col("_previous") * low > threshold * 1.05)["_hh"].to_list()
    )
    chosen = context.take_households(eligible)
    kept = pl.Series(context.rng.uniform(low, high, chosen.height))
    plan = chosen.select("_hh", _kept=kept).join(previous, on="_hh")
    frame = context.tables["income"].join(plan, on="_hh", how="left", maintain_order="left")
    scale = (
        pl.when(pl.col("_kept").is_not_null() & (pl.col("year") == newer))
        .then(pl.col("_kept") * pl.col("_previous") / (pl.col("net_income") / pl.col("_size")))
        .otherwise(1.0)
    )
    parts = ("wage_income", "business_income", "property_income", "transfer_income", "business_cost")
    frame = frame.with_columns(_scale=scale)
    _carry_to_employment(context, frame.filter(pl.col("year") == newer, pl.col("_scale") != 1.0))
    frame = frame.with_columns([(pl.col(p) * pl.col("_scale")).round(2) for p in parts]).drop(
        "_kept", "_previous", "_scale"
    )
    context.tables["income"] = declare(frame)
    rows = context.tables["income"].filter(_in(chosen) & (pl.col("year") == newer))
    context.record(
        "INCOME_SHARP_DROP",
        _rows(rows, pl.col("net_income_per_capita").cast(pl.String)),
        "net_income_per_capita",
        "人均纯收入比上年下降超过监测口径",
        table="income",
    )


def assistance(context: Context) -> None:
    chosen = context.take_households(HELPED)
    context.update(
        "households", _in(chosen), helper_name=pl.lit(None, pl.String), helper_phone=pl.lit(None, pl.String)
    )
    context.record("NO_HELPER", _rows(chosen, ""), "helper_name", "未落实帮扶责任人")
    chosen = context.take_households(HELPED)
    context.update("households", _in(chosen), measures=pl.lit(None, pl.String))
    context.record("NO_MEASURE", _rows(chosen, ""), "measures", "未落实帮扶措施")


def consistency(context: Context) -> None:
    chosen = context.take_households(pl.lit(True))
    step = np.where(
        (chosen["household_size"].to_numpy() <= 1) | (context.rng.random(chosen.height) < 0.5), 1, -1
    )
    chosen = chosen.with_columns(household_size=pl.col("household_size") + pl.Series(step))
    _set_each(context, chosen, "household_size")
    context.record(
        "HOUSEHOLD_SIZE_MISMATCH",
        _rows(chosen, pl.col("household_size").cast(pl.String)),
        "household_size",
        "家庭人口数与正常状态成员数不一致",
    )


def disasters(context: Context) -> None:
    chosen = context.take_households(pl.lit(True))
    count = chosen.height
    damage = np.where(context.rng.random(count) < 0.7, "严重损坏", "倒塌")
    frame = chosen.select(
        "village_code",
        "head_id_number",
        "head_name",
        "_hh",
        _county=pl.col("county_name"),
        disaster_type=pl.Series(context.rng.choice(["洪涝", "滑坡", "泥石流"], count)),
        house_damage=pl.Series(damage),
        direct_loss=pl.Series(np.round(context.rng.uniform(20_000, 90_000, count), 0)),
        occurred_on=dates_in_year(context.rng, context.years[1], count, context.as_of),
    )
    context.append("disasters", finish("disasters", frame))
    context.record(
        "DISASTER_DAMAGE",
        _rows(chosen, pl.Series(damage)),
        "house_damage",
        "受灾房屋严重损坏或倒塌",
        table="disasters",
        wrong_source="disasters",
    )
    safe_grades = load_policy(context.years[1]).value("housing.safe_grades")
    safe = chosen.filter(pl.col("house_grade").is_in(list(safe_grades)) | (pl.col("house_renovated") == "是"))
    context.record(
        "DISASTER_HOUSE_REGISTERED_SAFE",
        _rows(safe, pl.col("house_grade")),
        "house_grade",
        "因灾房屋严重损坏或倒塌，户信息仍登记住房安全",
    )


STEPS = (employment_wages, food_and_clothing, housing, water, income, assistance, consistency, disasters)

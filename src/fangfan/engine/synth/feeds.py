"""The 13 line-department feeds, drawn consistent with the registry.

Every person-level feed row carries `_hh` (the registry household, -1 for people the
registry does not hold), `_county` (for splitting files) and `_mark` (the ground-truth
problem id of an import-coded row, else null).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from fangfan.engine.idnumber import to_18
from fangfan.engine.schema import TABLES

STAGE_OF_SCHOOLING = {
    "小学": "小学",
    "七年级": "初中",
    "八年级": "初中",
    "九年级": "初中",
    "高中": "高中",
    "中职": "中职",
    "高职": "高校",
    "大专及以上": "高校",
    "送教上门": "小学",
}
SCHOOL_SUFFIX = {
    "小学": "中心小学",
    "初中": "初级中学",
    "高中": "中学",
    "中职": "职业中等专业学校",
    "高校": "职业技术学院",
}


def days_before(rng: np.random.Generator, as_of: dt.date, count: int, low: int, high: int) -> pl.Series:
    """Dates between `high` and `low` days before `as_of`."""
    offsets = rng.integers(low, high, count).astype("timedelta64[D]")
    return pl.Series(np.datetime64(as_of, "D") - offsets).cast(pl.Date)


def dates_in_year(rng: np.random.Generator, year: int, count: int, until: dt.date) -> pl.Series:
    start = np.datetime64(f"{year}-01-01")
    end = min(np.datetime64(f"{year}-12-31"), np.datetime64(until, "D"))
    span = max(int((end - start).astype(np.int64)), 1)
    return pl.Series(start + rng.integers(0, span, count).astype("timedelta64[D]")).cast(pl.Date)


def finish(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Schema columns in order, then the hidden ones."""
    fields = list(TABLES[table].field_names)
    for hidden, dtype in (("_hh", pl.Int64), ("_county", pl.String), ("_mark", pl.Int64)):
        if hidden not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=dtype).alias(hidden))
    return frame.select(*fields, pl.col("_hh").cast(pl.Int64), "_county", pl.col("_mark").cast(pl.Int64))


# National systems that re-issued every old 15-digit ID in its 18-digit form; the other
# feeds write a person's ID as the registry does.
EIGHTEEN_DIGIT_FEEDS = ("medical_insurance", "medical_claims", "civil_registration")


def eighteen_digit(ids: pl.Series) -> dict[str, str]:
    """The 18-digit form (`idnumber.to_18`) of each old 15-digit ID in `ids`."""
    return {number: to_18(number) for number in ids.filter(ids.str.len_chars() == 15).unique().to_list()}


def person_base(members: pl.DataFrame, *, widened: bool = False) -> list[pl.Expr]:
    """ID, name and hidden columns of a person feed row; `widened` writes 18-digit IDs."""
    number = pl.col("id_number")
    if widened:
        number = number.replace(eighteen_digit(members["id_number"]))
    return [number, pl.col("name"), pl.col("_hh"), pl.col("_county")]


def school_roll(members: pl.DataFrame, households: pl.DataFrame) -> pl.DataFrame:
    students = members.filter(pl.col("schooling").is_in(list(STAGE_OF_SCHOOLING)))
    township = households["township_name"].gather(students["_hh"])
    stage = students["schooling"].replace_strict(STAGE_OF_SCHOOLING)
    frame = students.select(person_base(members)).with_columns(
        school_stage=stage,
        school_name=township.str.replace("(镇|乡|街道)$", "") + stage.replace_strict(SCHOOL_SUFFIX),
        enrolment_status=pl.when(students["schooling"] == "送教上门")
        .then(pl.lit("送教上门"))
        .otherwise(pl.lit("在读")),
    )
    return finish("school_roll", frame)


def medical_insurance(members: pl.DataFrame, years: tuple[int, int]) -> pl.DataFrame:
    insured = members.filter(pl.col("medical_insured") != "未参加")
    scheme = (
        pl.when(pl.col("medical_insured") == "职工基本医疗保险")
        .then(pl.lit("职工"))
        .otherwise(pl.lit("城乡居民"))
    )
    frames = [
        insured.select(
            *person_base(members, widened=True),
            scheme=scheme,
            insurance_year=pl.lit(year),
            insurance_status=pl.lit("参保"),
        )
        for year in years
    ]
    return finish("medical_insurance", pl.concat(frames).sort("_hh", "id_number", "insurance_year"))


def medical_claims(
    rng: np.random.Generator, members: pl.DataFrame, years: tuple[int, int], as_of: dt.date
) -> pl.DataFrame:
    ill = members["health"].is_in(["长期慢性病", "患有大病", "残疾"]).to_numpy()
    frames = []
    for year in years:
        visits = np.where(
            ill, rng.integers(1, 4, members.height), (rng.random(members.height) < 0.03).astype(np.int64)
        )
        rows = members.select(person_base(members, widened=True))[
            np.repeat(np.arange(members.height), visits)
        ]
        total = np.round(rng.lognormal(np.log(3000), 0.7, rows.height), 2)
        basic = np.round(total * rng.uniform(0.55, 0.7, rows.height), 2)
        critical = np.round(np.where(total > 8000, total * 0.1, 0.0), 2)
        aid = np.round(np.where(rng.random(rows.height) < 0.2, total * 0.05, 0.0), 2)
        frames.append(
            rows.with_columns(
                settlement_date=dates_in_year(rng, year, rows.height, as_of),
                total_cost=pl.Series(total),
                basic_reimbursed=pl.Series(basic),
                critical_illness_reimbursed=pl.Series(critical),
                medical_aid=pl.Series(aid),
                compliant_selfpay=pl.Series(np.round((total - basic - critical - aid) * 0.6, 2)),
            )
        )
    return finish("medical_claims", pl.concat(frames))


def cap_selfpay(claims: pl.DataFrame, income: pl.DataFrame, newer_year: int, limit: float) -> pl.DataFrame:
    """Scale self-pay so no clean household comes near the alert limits (LARGE_MEDICAL_SELFPAY)."""
    year = pl.col("settlement_date").dt.year()
    sums = claims.group_by("_hh", year.alias("year")).agg(_sum=pl.col("compliant_selfpay").sum())
    net = income.select("_hh", "year", "net_income")
    cap = sums.join(net, on=["_hh", "year"]).with_columns(
        _factor=pl.min_horizontal(
            pl.lit(1.0), 0.3 * pl.col("net_income") / pl.col("_sum"), limit * 0.6 / pl.col("_sum")
        )
    )
    claims = claims.with_columns(year.alias("year")).join(
        cap.select("_hh", "year", "_factor"), on=["_hh", "year"], how="left", maintain_order="left"
    )
    del newer_year
    return claims.with_columns(
        compliant_selfpay=(pl.col("compliant_selfpay") * pl.col("_factor").fill_null(1.0)).round(2)
    ).drop("year", "_factor")


def housing_appraisal(rng: np.random.Generator, households: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    listed = households.filter(pl.col("house_grade").is_in(["C", "D"]) | (pl.col("house_renovated") == "是"))
    frame = listed.select(
        "head_id_number",
        "head_name",
        "village_code",
        "_hh",
        _county=pl.col("county_name"),
        appraisal_grade=pl.col("house_grade"),
        renovation_status=pl.lit("已竣工"),
    ).with_columns(appraisal_date=days_before(rng, dt.date(2020, 12, 31), listed.height, 0, 1800))
    return finish("housing_appraisal", frame)


def water_supply(rng: np.random.Generator, villages: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    count = villages.height
    frame = villages.select(
        "village_code",
        _county=pl.col("county_name"),
        project_name=pl.col("village_name") + pl.lit("集中供水工程"),
        supply_mode=pl.lit("集中供水入户"),
        short_days=pl.Series(np.where(rng.random(count) < 0.8, 0, rng.integers(1, 31, count))),
        quality_result=pl.lit("合格"),
        test_date=days_before(rng, as_of, count, 10, 300),
    )
    return finish("water_supply", frame)


def social_assistance(rng: np.random.Generator, members: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    active = members.filter((pl.col("dibao") == "是") | (pl.col("tekun") == "是"))
    kind = pl.when(pl.col("tekun") == "是").then(pl.lit("特困")).otherwise(pl.lit("低保"))
    current = active.select(*person_base(members), assistance_type=kind).with_columns(
        start_date=days_before(rng, as_of, active.height, 60, 2500),
        end_date=pl.lit(None, dtype=pl.Date),
        monthly_amount=pl.Series(np.round(rng.uniform(300, 700, active.height), 0)),
    )
    temporary = members.filter(pl.col("member_status") == "正常").sample(
        fraction=0.004, seed=int(rng.integers(0, 2**31))
    )
    start = days_before(rng, as_of, temporary.height, 400, 1500)
    ended = temporary.select(*person_base(members), assistance_type=pl.lit("临时救助")).with_columns(
        start_date=start, end_date=start + pl.duration(days=30), monthly_amount=pl.lit(1000.0)
    )
    return finish("social_assistance", pl.concat([current, ended]))


def disability(rng: np.random.Generator, members: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    disabled = members.filter(pl.col("health") == "残疾")
    kinds = ["视力", "听力", "言语", "肢体", "智力", "精神", "多重"]
    frame = disabled.select(*person_base(members), "disability_grade").with_columns(
        disability_kind=pl.Series(
            rng.choice(kinds, disabled.height, p=[0.12, 0.15, 0.03, 0.45, 0.1, 0.1, 0.05])
        ),
        certificate_date=days_before(rng, as_of, disabled.height, 100, 5000),
        two_subsidies=pl.Series(np.where(rng.random(disabled.height) < 0.6, "是", "否")),
    )
    return finish("disability", frame)


WORK_PLACES = {"县内务工": "本县", "省内县外务工": "兰州市", "省外务工": "浙江省", "乡村公益性岗位": "本村"}


def employment(rng: np.random.Generator, members: pl.DataFrame) -> pl.DataFrame:
    workers = members.filter(pl.col("work_status") != "未务工").sample(
        fraction=0.75, seed=int(rng.integers(0, 2**31))
    )
    count = workers.height
    welfare = workers["work_status"] == "乡村公益性岗位"
    places = np.array(["广东省", "浙江省", "江苏省", "新疆", "北京市", "陕西省"])
    far = places[rng.integers(0, len(places), count)]
    place = workers["work_status"].replace_strict(WORK_PLACES).to_numpy()
    place = np.where(workers["work_status"].to_numpy() == "省外务工", far, place)
    income = np.where(
        welfare.to_numpy(),
        rng.integers(3, 11, count) * 100,
        np.round(rng.lognormal(np.log(3800), 0.3, count), 0),
    )
    frame = workers.select(*person_base(members)).with_columns(
        employment_status=pl.when(welfare).then(pl.lit("公益性岗位")).otherwise(pl.lit("就业")),
        work_place=pl.Series(place),
        monthly_income=pl.Series(income.astype(float)),
        pension_insured=pl.when(workers["pension_insured"] == "未参加")
        .then(pl.lit("否"))
        .otherwise(pl.lit("是")),
    )
    return finish("employment", frame)


PAID_WORK = ("就业", "公益性岗位")
CLEAN_WAGE_SHARE = 0.8  # clean: the feed's paid work, annualised, is at most this share of 工资性收入


def annual_wages(employment: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """`household_id`, `_hh`, `_annual`: the employment feed's paid work as the sieve reads it
    (wide.employment_annual_wage): monthly income × 12 of each member 正常 listed as 就业 or
    公益性岗位 with an income, a person once at the highest monthly income."""
    paid = employment.filter(pl.col("employment_status").is_in(PAID_WORK) & (pl.col("monthly_income") > 0))
    per_person = paid.group_by("id_number").agg(_monthly=pl.col("monthly_income").max())
    normal = members.filter(pl.col("member_status") == "正常").select("household_id", "_hh", "id_number")
    return (
        normal.unique()
        .join(per_person, on="id_number")
        .group_by("household_id", "_hh")
        .agg(_annual=(pl.col("_monthly") * 12).sum())
        .sort("_hh")
    )


def wage_conflicts(
    employment: pl.DataFrame, members: pl.DataFrame, income: pl.DataFrame, year: int, gap: float, share: float
) -> pl.DataFrame:
    """Households meeting WAGE_INCOME_CONFLICT (docs/ground_truth.md): `household_id`, `_hh`,
    `_annual`, `_wage` where the annualised paid work exceeds `year`'s 工资性收入 by more than
    `gap` yuan and by more than `share` of it."""
    wage = (
        income.filter(pl.col("year") == year).unique("_hh", keep="first").select("_hh", _wage="wage_income")
    )
    joined = annual_wages(employment, members).join(wage, on="_hh")
    over = (pl.col("_annual") > pl.col("_wage") + gap) & (pl.col("_annual") > pl.col("_wage") * (1 + share))
    return joined.filter(over)


def scale_monthly_income(
    employment: pl.DataFrame, factors: pl.DataFrame, *, up: bool = False
) -> pl.DataFrame:
    """Multiply the monthly income of the rows of households `factors` names (`_hh`, `_factor`),
    rounded to whole yuan downwards (upwards with `up`), never below 1 yuan."""
    joined = employment.join(factors.select("_hh", "_factor"), on="_hh", how="left", maintain_order="left")
    scaled = pl.col("monthly_income") * pl.col("_factor")
    scaled = (scaled.ceil() if up else scaled.floor()).clip(lower_bound=1.0)
    hit = pl.col("_factor").is_not_null() & (pl.col("monthly_income") > 0)
    return joined.with_columns(
        monthly_income=pl.when(hit).then(scaled).otherwise(pl.col("monthly_income"))
    ).drop("_factor")


def cap_wages(
    employment: pl.DataFrame, members: pl.DataFrame, income: pl.DataFrame, year: int
) -> pl.DataFrame:
    """Scale the feed's monthly incomes so no clean household comes near WAGE_INCOME_CONFLICT:
    the annualised paid work stays within `CLEAN_WAGE_SHARE` of `year`'s 工资性收入 (the
    registry's figure also holds work the feed does not list)."""
    wage = (
        income.filter(pl.col("year") == year).unique("_hh", keep="first").select("_hh", _wage="wage_income")
    )
    factors = (
        annual_wages(employment, members)
        .join(wage, on="_hh")
        .with_columns(_factor=CLEAN_WAGE_SHARE * pl.col("_wage") / pl.col("_annual"))
        .filter(pl.col("_factor") < 1)
    )
    return scale_monthly_income(employment, factors)


def civil_registration(rng: np.random.Generator, members: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    changed = members.filter(pl.col("member_status") != "正常")
    frame = changed.select(
        *person_base(members, widened=True), registration_status=pl.col("member_status")
    ).with_columns(change_date=days_before(rng, as_of, changed.height, 30, 1500))
    newborn = members.filter(pl.col("_age") == 0)
    births = newborn.select(
        *person_base(members, widened=True),
        registration_status=pl.lit("正常"),
        change_date=pl.col("birth_date"),
    )
    return finish("civil_registration", pl.concat([frame, births]))

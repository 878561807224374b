"""Person-level injections: schooling, medical, assistance, work, pensions, identity, property."""

from __future__ import annotations

import numpy as np
import polars as pl

from fangfan.engine.policy import load_policy
from fangfan.engine.synth.feeds import (
    EIGHTEEN_DIGIT_FEEDS,
    annual_wages,
    dates_in_year,
    days_before,
    eighteen_digit,
    finish,
    person_base,
    scale_monthly_income,
    wage_conflicts,
)
from fangfan.engine.synth.inject import Context
from fangfan.engine.synth.registry import SAFETY_NET_BIT, measures_text

NORMAL = pl.col("member_status") == "正常"
HELPED = pl.col("_type").is_in(["脱贫户", "监测户"])
CHILD = pl.col("_age").is_between(6, 15)
ILL = pl.col("health").is_in(["长期慢性病", "患有大病", "残疾"])
PLAIN_ADULT = (
    NORMAL
    & pl.col("_age").is_between(20, 59)
    & (pl.col("schooling") == "非在校生")
    & (pl.col("dibao") == "否")
    & (pl.col("tekun") == "否")
    & (pl.col("health") == "健康")
)


def _rows_of(people: pl.DataFrame, value: pl.Expr | pl.Series | str) -> pl.DataFrame:
    return people.select(
        "household_id", "id_number", value=value if isinstance(value, pl.Expr) else pl.lit(value)
    )


def _who(people: pl.DataFrame) -> pl.Expr:
    """Feed rows of `people`, whether the feed writes an old ID in 15 or 18 digits."""
    ids = people["id_number"]
    return pl.col("id_number").is_in([*ids.to_list(), *eighteen_digit(ids).values()])


def _rows(people: pl.DataFrame) -> pl.Expr:
    return pl.col("_row").is_in(people["_row"].to_list())


def _feed_rows(table: str, people: pl.DataFrame, **columns: pl.Expr | pl.Series) -> pl.DataFrame:
    frame = people.select(*person_base(people, widened=table in EIGHTEEN_DIGIT_FEEDS)).with_columns(**columns)
    return finish(table, frame)


def education(context: Context) -> None:
    compulsory = pl.col("schooling").is_in(["小学", "七年级", "八年级", "九年级"])
    chosen = context.take_people(NORMAL & pl.col("_age").is_between(7, 15) & compulsory)
    dropped = pl.Series(np.where(context.rng.random(chosen.height) < 0.6, "失学辍学", "非在校生"))
    chosen = chosen.with_columns(schooling=dropped)
    gone = chosen.filter(pl.col("schooling") == "非在校生")
    for value in ("失学辍学", "非在校生"):
        context.update("members", _rows(chosen.filter(pl.col("schooling") == value)), schooling=value)
    context.update("school_roll", _who(chosen), enrolment_status="辍学")
    context.remove("school_roll", _who(gone))
    context.record(
        "CHILD_DROPPED_OUT_REGISTRY",
        _rows_of(chosen, pl.col("schooling")),
        "schooling",
        "义务教育阶段适龄儿童失学辍学",
    )

    chosen = context.take_people(NORMAL & CHILD & compulsory)
    context.update("school_roll", _who(chosen), enrolment_status="辍学")
    context.record(
        "CHILD_DROPPED_OUT_SCHOOL_ROLL",
        _rows_of(chosen, pl.col("schooling")),
        "schooling",
        "学籍系统显示辍学，户信息为在校",
    )

    chosen = context.take_people(NORMAL & CHILD & compulsory)
    context.remove("school_roll", _who(chosen))
    context.record(
        "CHILD_MISSING_FROM_ROLL",
        _rows_of(chosen, ""),
        "id_number",
        "户信息在校，学籍系统无此学生",
        table="school_roll",
        wrong_source="school_roll",
    )

    late = NORMAL & pl.col("_age").is_between(14, 15) & pl.col("schooling").is_in(["八年级", "九年级"])
    early = NORMAL & pl.col("_age").is_between(8, 10) & (pl.col("schooling") == "小学")
    chosen = context.take_people(late | early)
    old = chosen.filter(pl.col("_age") >= 14)
    young = chosen.filter(pl.col("_age") < 14)
    context.update("members", _rows(old), schooling="小学")
    context.update("members", _rows(young), schooling="七年级")
    context.update("school_roll", _who(old), school_stage="小学")
    context.update("school_roll", _who(young), school_stage="初中")
    grade = pl.when(pl.col("_age") >= 14).then(pl.lit("小学")).otherwise(pl.lit("七年级"))
    context.record(
        "SCHOOL_GRADE_AGE_MISMATCH", _rows_of(chosen, grade), "schooling", "在校年级与年龄明显不符"
    )


def medical(context: Context) -> None:
    chosen = context.take_people(NORMAL & (pl.col("medical_insured") == "城乡居民基本医疗保险"))
    context.update("members", _rows(chosen), medical_insured="未参加")
    context.update("medical_insurance", _who(chosen), insurance_status="未参保")
    context.record("MEMBER_NOT_INSURED", _rows_of(chosen, "未参加"), "medical_insured", "未参加基本医疗保险")

    chosen = context.take_people(NORMAL & (pl.col("medical_insured") == "城乡居民基本医疗保险"))
    context.update("members", _rows(chosen), medical_insured="未参加")  # the roll still says 参保
    context.record(
        "REGISTRY_INSURANCE_OUTDATED",
        _rows_of(chosen, "未参加"),
        "medical_insured",
        "户信息为未参加基本医疗保险，医保参保数据为参保",
    )

    chosen = context.take_people(NORMAL & (pl.col("medical_insured") == "城乡居民基本医疗保险"))
    newer = pl.col("insurance_year") == context.years[1]
    stopped = chosen.sample(fraction=0.5, seed=int(context.rng.integers(0, 2**31)))
    context.update("medical_insurance", _who(stopped) & newer, insurance_status="停保")
    context.remove("medical_insurance", _who(chosen) & ~_who(stopped) & newer)
    context.record(
        "INSURED_NOT_IN_ROLL",
        _rows_of(chosen, pl.col("medical_insured")),
        "medical_insured",
        "户信息为已参保，医保参保数据为未参保或无记录",
    )

    chosen = context.take_people(NORMAL & ILL & (pl.col("family_doctor") == "是"))
    context.update("members", _rows(chosen), family_doctor="否")
    context.record(
        "NO_FAMILY_DOCTOR", _rows_of(chosen, "否"), "family_doctor", "患病或残疾人员未签约家庭医生"
    )

    chosen = context.take_people(NORMAL)
    selfpay = np.round(context.rng.uniform(12_000, 30_000, chosen.height), 2)
    claims = _feed_rows(
        "medical_claims",
        chosen,
        settlement_date=dates_in_year(context.rng, context.years[1], chosen.height, context.as_of),
        total_cost=pl.Series(np.round(selfpay / 0.35, 2)),
        basic_reimbursed=pl.Series(np.round(selfpay / 0.35 * 0.55, 2)),
        critical_illness_reimbursed=pl.Series(np.round(selfpay / 0.35 * 0.1, 2)),
        medical_aid=pl.lit(0.0),
        compliant_selfpay=pl.Series(selfpay),
    )
    context.append("medical_claims", claims)
    extra = chosen.select("_hh", _extra=pl.Series(selfpay))
    income = context.tables["income"].join(extra, on="_hh", how="left", maintain_order="left")
    newer = (pl.col("year") == context.years[1]) & pl.col("_extra").is_not_null()
    context.tables["income"] = income.with_columns(
        medical_selfpay=pl.when(newer)
        .then(pl.col("medical_selfpay") + pl.col("_extra"))
        .otherwise("medical_selfpay")
    ).drop("_extra")
    rows = chosen.select("household_id", value=pl.Series(selfpay).cast(pl.String))
    context.record(
        "LARGE_MEDICAL_SELFPAY",
        rows,
        "compliant_selfpay",
        "合规自付医疗费用过高",
        table="medical_claims",
        wrong_source="medical_claims",
    )


def safety_net(context: Context) -> None:
    eligible = NORMAL & HELPED & PLAIN_ADULT & (pl.col("work_status") == "未务工")
    chosen = context.take_people(eligible)
    context.update("members", _rows(chosen), labour="丧失劳动力")
    households = context.tables["households"]
    where = pl.col("_hh").is_in(chosen["_hh"].to_list())
    bits = pl.col("_measures") & ~SAFETY_NET_BIT
    bits = pl.when(bits == 0).then(1).otherwise(bits)

    households = households.with_columns(_measures=pl.when(where).then(bits).otherwise("_measures"))
    context.tables["households"] = households.with_columns(
        measures=pl.when(where).then(measures_text(pl.col("_measures"))).otherwise("measures")
    )
    context.record(
        "NO_SAFETY_NET", _rows_of(chosen, "丧失劳动力"), "labour", "丧失劳动力人员未纳入低保特困或兜底保障"
    )


def employment(context: Context) -> None:
    able = NORMAL & pl.col("_age").is_between(16, 59) & pl.col("labour").is_in(["技能劳动力", "普通劳动力"])
    chosen = context.take_people(HELPED & able)
    households = chosen["_hh"].to_list()
    in_household = pl.col("_hh").is_in(households)
    context.update("members", in_household, work_status="未务工", work_months=0)
    context.remove("employment", in_household)
    income = context.tables["income"]
    moved = (
        pl.col("transfer_income")
        + pl.col("wage_income")
        + pl.col("business_income")
        - pl.col("business_cost")
    )
    context.tables["income"] = income.with_columns(
        transfer_income=pl.when(in_household).then(moved.round(2)).otherwise("transfer_income"),
        wage_income=pl.when(in_household).then(0.0).otherwise("wage_income"),
        business_income=pl.when(in_household).then(0.0).otherwise("business_income"),
        business_cost=pl.when(in_household).then(0.0).otherwise("business_cost"),
    )
    rows = context.households.filter(pl.col("_hh").is_in(households)).select(
        "household_id", value=pl.lit("未务工")
    )
    context.record("NO_EMPLOYMENT", rows, "work_status", "有劳动能力但无人务工且无经营收入")

    employed = context.tables["employment"]["id_number"].to_list()
    chosen = context.take_people(
        PLAIN_ADULT & (pl.col("work_status") == "未务工") & ~pl.col("id_number").is_in(employed)
    )
    wages = pl.Series(np.round(context.rng.uniform(2500, 6000, chosen.height), 0))
    feed = _feed_rows(
        "employment",
        chosen,
        employment_status=pl.lit("就业"),
        work_place=pl.lit("浙江省"),
        monthly_income=wages,
        pension_insured=pl.lit("是"),
    )
    context.append("employment", feed)
    context.record(
        "EMPLOYMENT_CONFLICT", _rows_of(chosen, "未务工"), "work_status", "人社数据显示就业，户信息为未务工"
    )

    chosen = context.take_people(
        NORMAL
        & (pl.col("_age") >= 16)
        & (pl.col("schooling") == "非在校生")
        & (pl.col("pension_insured") == "城乡居民基本养老保险")
    )
    context.update("members", _rows(chosen), pension_insured="未参加")
    context.update("employment", _who(chosen), pension_insured="否")
    context.record("NOT_PENSION_INSURED", _rows_of(chosen, "未参加"), "pension_insured", "未参加基本养老保险")


def wage_income_conflict(context: Context) -> None:
    """WAGE_INCOME_CONFLICT: the employment feed shows the household's listed workers earning
    well past the registry's 工资性收入 (their monthly incomes raised; the registry is unchanged,
    so no income kind moves). Only members the registry already lists as working, so the
    registry's work status still agrees with the feed."""
    newer = context.years[1]
    policy = load_policy(newer)
    gap = policy.number("employment.wage_gap_yuan")
    share = policy.number("employment.wage_gap_share")
    feed = context.tables["employment"]
    employed = feed.filter((pl.col("employment_status") == "就业") & (pl.col("monthly_income") > 0))
    chosen = context.take_people(
        NORMAL
        & (pl.col("work_status") != "未务工")
        & pl.col("id_number").is_in(employed["id_number"].to_list())
    )
    wage = context.tables["income"].filter(pl.col("year") == newer).select("_hh", _wage="wage_income")
    plan = (
        annual_wages(feed, context.members)
        .join(chosen.select("_hh"), on="_hh", how="semi")
        .join(wage, on="_hh")
        .sort("_hh")
    )
    ratio = pl.Series(context.rng.uniform(1.3, 1.8, plan.height))
    extra = pl.Series(context.rng.uniform(2.0, 4.0, plan.height))
    target = pl.max_horizontal(pl.col("_wage") * (1 + share) * ratio, pl.col("_wage") + gap * extra)
    plan = plan.with_columns(_factor=target / pl.col("_annual"))
    context.tables["employment"] = scale_monthly_income(feed, plan, up=True)
    rows = plan.select("household_id", value=pl.col("_wage").cast(pl.String))
    context.record(
        "WAGE_INCOME_CONFLICT",
        rows,
        "wage_income",
        "人社就业数据折算的务工收入明显高于户信息工资性收入",
        table="income",
    )


def natural_wage_conflicts(context: Context) -> None:
    """Record, as origin natural, every other household that meets WAGE_INCOME_CONFLICT after
    the injections: a member the registry calls 未务工 whom the employment feed lists as
    employed (EMPLOYMENT_CONFLICT) brings pay the registry's wage income never counted."""
    newer = context.years[1]
    policy = load_policy(newer)
    found = wage_conflicts(
        context.tables["employment"],
        context.members,
        context.tables["income"],
        newer,
        policy.number("employment.wage_gap_yuan"),
        policy.number("employment.wage_gap_share"),
    )
    recorded = context.truth.table().filter(pl.col("kind") == "WAGE_INCOME_CONFLICT").select("household_id")
    new = found.join(recorded, on="household_id", how="anti").sort("_hh")
    if new.height:
        context.truth.add(
            "WAGE_INCOME_CONFLICT",
            new.select("household_id", value=pl.col("_wage").cast(pl.String)),
            table="income",
            field_name="wage_income",
            detail="人社就业数据折算的务工收入明显高于户信息工资性收入（自然发生）",
            origin="natural",
        )
        context.truth.used_households.update(new["_hh"].to_list())


def assistance_and_disability(context: Context) -> None:
    on_dibao = NORMAL & (pl.col("dibao") == "是")
    chosen = context.take_people(on_dibao, max(1, context.quota() // 2))
    context.remove("social_assistance", _who(chosen) & pl.col("end_date").is_null())
    context.record("DIBAO_CONFLICT", _rows_of(chosen, "是"), "dibao", "户信息享受低保，民政无在保记录")
    chosen = context.take_people(PLAIN_ADULT, max(1, context.quota() // 2))
    feed = _feed_rows(
        "social_assistance",
        chosen,
        assistance_type=pl.lit("低保"),
        start_date=days_before(context.rng, context.as_of, chosen.height, 60, 900),
        end_date=pl.lit(None, pl.Date),
        monthly_amount=pl.lit(480.0),
    )
    context.append("social_assistance", feed)
    context.record("DIBAO_CONFLICT", _rows_of(chosen, "否"), "dibao", "民政有在保低保记录，户信息为未享受")

    chosen = context.take_people(PLAIN_ADULT, max(1, context.quota() // 2))
    feed = _feed_rows(
        "disability",
        chosen,
        disability_kind=pl.lit("肢体"),
        disability_grade=pl.lit("四级"),
        certificate_date=days_before(context.rng, context.as_of, chosen.height, 60, 900),
        two_subsidies=pl.lit("否"),
    )
    context.append("disability", feed)
    context.record("DISABILITY_CONFLICT", _rows_of(chosen, "健康"), "health", "残联有残疾证，户信息非残疾")
    chosen = context.take_people(NORMAL & (pl.col("health") == "残疾"), max(1, context.quota() // 2))
    other = {"一级": "三级", "二级": "四级", "三级": "一级", "四级": "二级"}
    for grade, new in other.items():
        group = chosen.filter(pl.col("disability_grade") == grade)
        context.update("disability", _who(group), disability_grade=new)
    context.record(
        "DISABILITY_CONFLICT",
        _rows_of(chosen, pl.col("disability_grade")),
        "disability_grade",
        "残疾证等级与户信息残疾等级不一致",
    )


def identity(context: Context) -> None:
    chosen = context.take_households(pl.col("household_size") >= 2)
    spouse = context.members.filter(pl.col("_hh").is_in(chosen["_hh"].to_list()) & (pl.col("_slot") == 1))
    context.update("members", _rows(spouse), relation="户主")
    context.record(
        "HEAD_COUNT_WRONG", spouse.select("household_id", value=pl.lit("户主")), "relation", "户主人数不为1"
    )

    chosen = context.take_people(NORMAL & pl.col("relation").is_in(["之父", "之母"]))
    relabel = pl.when(pl.col("relation") == "之父").then(pl.lit("之子")).otherwise(pl.lit("之女"))
    chosen = chosen.with_columns(relation=relabel)
    for value in ("之子", "之女"):
        context.update("members", _rows(chosen.filter(pl.col("relation") == value)), relation=value)
    context.record(
        "AGE_RELATION_IMPLAUSIBLE", _rows_of(chosen, pl.col("relation")), "relation", "与户主关系与年龄矛盾"
    )

    for kind, status, text in (
        ("DEAD_PERSON_LISTED", "死亡", "公安户籍显示已死亡，户信息仍为正常"),
        ("MOVED_OUT_PERSON_LISTED", "迁出", "公安户籍显示已迁出，户信息仍为正常"),
    ):
        chosen = context.take_people(PLAIN_ADULT & (pl.col("_slot") > 0))
        written: pl.Series | pl.Expr = (
            pl.Series(np.where(context.rng.random(chosen.height) < 0.2, "注销", status))
            if status == "死亡"
            else pl.lit(status)
        )
        feed = _feed_rows(
            "civil_registration",
            chosen,
            registration_status=written,
            change_date=days_before(context.rng, context.as_of, chosen.height, 30, 700),
        )
        context.append("civil_registration", feed)
        context.record(kind, _rows_of(chosen, "正常"), "member_status", text, wrong_source="registry")


def property_owned(context: Context) -> None:
    owner = NORMAL & HELPED & pl.col("_age").is_between(22, 70)
    chosen = context.take_people(owner)
    kinds = pl.Series(context.rng.choice(["小型轿车", "小型普通客车", "货车"], chosen.height))
    feed = _feed_rows(
        "vehicles",
        chosen,
        vehicle_type=kinds,
        status=pl.lit("正常"),
        registration_date=days_before(context.rng, context.as_of, chosen.height, 30, 1500),
    )
    context.append("vehicles", feed)
    context.record(
        "VEHICLE_OWNED",
        _rows_of(chosen, kinds),
        "vehicle_type",
        "脱贫/监测户成员名下有小汽车或货车",
        table="vehicles",
    )
    chosen = context.take_people(owner)
    feed = _feed_rows(
        "business_registry",
        chosen,
        company_name=pl.col("_county") + pl.col("name") + "商贸有限公司",
        registration_status=pl.lit("存续"),
        registered_capital=pl.lit(50.0),
        role=pl.lit("法定代表人"),
    )
    context.append("business_registry", feed)
    context.record(
        "BUSINESS_OWNED",
        _rows_of(chosen, "存续"),
        "company_name",
        "脱贫/监测户成员名下有存续企业",
        table="business_registry",
    )
    chosen = context.take_people(owner)
    feed = _feed_rows(
        "real_estate",
        chosen,
        location=pl.col("_county") + "城区幸福小区",
        usage=pl.lit("住宅"),
        floor_area=pl.lit(96.5),
        registration_date=days_before(context.rng, context.as_of, chosen.height, 30, 1500),
    )
    context.append("real_estate", feed)
    context.record(
        "URBAN_HOME_OWNED",
        _rows_of(chosen, "住宅"),
        "usage",
        "脱贫/监测户成员在城镇购置房产",
        table="real_estate",
    )


STEPS = (
    education,
    medical,
    safety_net,
    employment,
    wage_income_conflict,
    assistance_and_disability,
    identity,
    property_owned,
    natural_wage_conflicts,
)

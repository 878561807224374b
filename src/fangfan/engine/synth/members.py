"""Member attributes: birth, ID, name, schooling, health, labour, work, insurance, status."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from fangfan.engine.synth import people
from fangfan.engine.synth.names import person_names
from fangfan.engine.synth.regions import MAJORITY_MINORITIES, TIBETAN_COUNTIES

IN_SCHOOL = ("小学", "七年级", "八年级", "九年级", "高中", "中职", "高职", "大专及以上", "送教上门")


def member_frame(
    rng: np.random.Generator, households: pl.DataFrame, members: pl.DataFrame, as_of: dt.date
) -> pl.DataFrame:
    household = members["_hh"].to_numpy()
    male = members["_male"].to_numpy()
    born = people.birth_dates(rng, members["_age"].to_numpy(), as_of)
    county = households["county_code"].cast(pl.Int64).to_numpy()[household]
    members = members.with_columns(
        household_id=households["household_id"].gather(household),
        _type=households["household_type"].gather(household),
        _county=households["county_name"].gather(household),
        name=person_names(rng, male),
        id_number=pl.Series(people.id_numbers(rng, county, born, male)),
        sex=pl.Series(np.where(male, "男", "女")),
        birth_date=pl.Series(born).cast(pl.Date),
    ).with_columns(_age=people.exact_age(pl.col("birth_date"), as_of))
    members = _family_surnames(members)
    members = members.with_columns(ethnicity=_ethnicity(rng, households, household))
    count = members.height
    age = members["_age"].to_numpy()
    health, grade = _health(rng, age)
    schooling = _schooling(rng, age, health)
    labour = _labour(rng, age, health, grade, schooling)
    members = members.with_columns(
        schooling=pl.Series(schooling),
        health=pl.Series(health),
        disability_grade=pl.Series(grade).replace("", None),
        labour=pl.Series(labour),
    )
    members = members.with_columns(**_work(rng, members))
    members = members.with_columns(**_insurance(rng, age))
    members = members.with_columns(
        family_doctor=pl.Series(np.where((health != "健康") | (rng.random(count) < 0.6), "是", "否"))
    )
    members = members.with_columns(**_assistance(rng, members, households))
    return members.with_columns(member_status=_status(rng, members))


def _family_surnames(members: pl.DataFrame) -> pl.DataFrame:
    """Children and grandchildren of a male head carry his surname."""
    heads = members.filter(pl.col("_slot") == 0).select("_hh", _head_name="name", _head_male="_male")
    members = members.join(heads, on="_hh", how="left", maintain_order="left")
    descendant = pl.col("relation").is_in(["之子", "之女", "之孙子", "之孙女"]) & pl.col("_head_male")
    return members.with_columns(
        name=pl.when(descendant)
        .then(pl.col("_head_name").str.slice(0, 1) + pl.col("name").str.slice(1))
        .otherwise(pl.col("name"))
    ).drop("_head_name", "_head_male")


def _ethnicity(rng: np.random.Generator, households: pl.DataFrame, household: np.ndarray) -> pl.Series:
    count = len(household)
    tibetan_county = households["county_code"].is_in(TIBETAN_COUNTIES).to_numpy()[household]
    draw = rng.random(len(households))[household]  # a household shares its ethnicity
    ethnicity = np.where(draw < 0.022, "回族", "汉族")
    ethnicity = np.where(tibetan_county & (draw > 0.93), "藏族", ethnicity)
    county = households["county_code"]  # the province's minorities: none in Longnan
    shares = {code: share for code, (_, share) in MAJORITY_MINORITIES.items()}
    names = {code: minority for code, (minority, _) in MAJORITY_MINORITIES.items()}
    share = county.replace_strict(shares, default=0.0, return_dtype=pl.Float64).to_numpy()[household]
    minority = county.replace_strict(names, default="汉族").to_numpy().astype(str)[household]
    ethnicity = np.where(draw > 1 - share, minority, ethnicity)
    other = rng.random(count) < 0.002
    return pl.Series(np.where(other, rng.choice(["东乡族", "满族", "土族"], count), ethnicity))


def _health(rng: np.random.Generator, age: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    count = len(age)
    disabled = 0.015 + 0.0006 * age
    major = 0.004 + 0.0003 * age
    chronic = np.where(age < 20, 0.005, 0.002 * age)
    draw = rng.random(count)
    health = np.select(
        [draw < disabled, draw < disabled + major, draw < disabled + major + chronic],
        ["残疾", "患有大病", "长期慢性病"],
        default="健康",
    )
    grade = rng.choice(["一级", "二级", "三级", "四级"], count, p=[0.1, 0.2, 0.3, 0.4])
    return health, np.where(health == "残疾", grade, "")


def _schooling(rng: np.random.Generator, age: np.ndarray, health: np.ndarray) -> np.ndarray:
    count = len(age)
    draw = rng.random(count)
    grade = np.select(
        [
            age < 3,
            age < 6,
            age == 6,
            age <= 11,
            age == 12,
            age == 13,
            age == 14,
            age == 15,
            age <= 18,
            age <= 22,
        ],
        [
            "非在校生",
            "学前教育",
            np.where(draw < 0.8, "小学", "学前教育"),
            "小学",
            np.where(draw < 0.5, "小学", "七年级"),
            np.where(draw < 0.5, "七年级", "八年级"),
            np.where(draw < 0.5, "八年级", "九年级"),
            np.where(draw < 0.5, "九年级", np.where(draw < 0.8, "高中", "中职")),
            np.where(draw < 0.5, "高中", np.where(draw < 0.7, "中职", "非在校生")),
            np.where(draw < 0.2, "大专及以上", np.where(draw < 0.35, "高职", "非在校生")),
        ],
        default="非在校生",
    )
    special = (health == "残疾") & (age >= 6) & (age <= 15)
    home = np.where(rng.random(count) < 0.65, "送教上门", "因身体原因不具备学习条件")
    return np.where(special & (rng.random(count) < 0.75), home, grade)


def _labour(
    rng: np.random.Generator, age: np.ndarray, health: np.ndarray, grade: np.ndarray, schooling: np.ndarray
) -> np.ndarray:
    count = len(age)
    draw = rng.random(count)
    student = np.isin(schooling, IN_SCHOOL)
    working_age = np.select(
        [health == "残疾", health == "患有大病"],
        [
            np.where(np.isin(grade, ["一级", "二级"]), "丧失劳动力", "弱劳动力或半劳动力"),
            np.where(draw < 0.5, "丧失劳动力", "弱劳动力或半劳动力"),
        ],
        default=np.where(
            draw < 0.25, "技能劳动力", np.where(draw < 0.95, "普通劳动力", "弱劳动力或半劳动力")
        ),
    )
    older = np.where(draw < 0.4, "普通劳动力", "弱劳动力或半劳动力")
    oldest = np.where(draw < 0.3, "弱劳动力或半劳动力", "无劳动力")
    return np.select(
        [(age < 16) | student, age <= 59, age <= 64],
        [np.full(count, "无劳动力"), working_age, older],
        default=oldest,
    )


def _work(rng: np.random.Generator, members: pl.DataFrame) -> dict[str, pl.Series]:
    count = members.height
    able = members["labour"].is_in(["技能劳动力", "普通劳动力"]).to_numpy() & (
        members["_age"].to_numpy() <= 59
    )
    helped = members["_type"].is_in(["脱贫户", "监测户"]).to_numpy()
    place = rng.choice(
        ["县内务工", "省内县外务工", "省外务工", "乡村公益性岗位"], count, p=[0.25, 0.2, 0.48, 0.07]
    )
    place = np.where((place == "乡村公益性岗位") & ~helped, "县内务工", place)
    works = able & (rng.random(count) < 0.68)
    return {
        "work_status": pl.Series(np.where(works, place, "未务工")),
        "work_months": pl.Series(np.where(works, rng.integers(3, 13, count), 0)),
    }


def _insurance(rng: np.random.Generator, age: np.ndarray) -> dict[str, pl.Series]:
    count = len(age)
    employee = (age >= 20) & (age <= 59) & (rng.random(count) < 0.0025)
    return {
        "medical_insured": pl.Series(np.where(employee, "职工基本医疗保险", "城乡居民基本医疗保险")),
        "pension_insured": pl.Series(
            np.where(age < 16, "未参加", np.where(employee, "职工基本养老保险", "城乡居民基本养老保险"))
        ),
    }


def _assistance(
    rng: np.random.Generator, members: pl.DataFrame, households: pl.DataFrame
) -> dict[str, pl.Series]:
    count = members.height
    household = members["_hh"].to_numpy()
    helped = households["household_type"].is_in(["脱贫户", "监测户"]).to_numpy()
    dibao_household = rng.random(len(households)) < np.where(helped, 0.12, 0.01)
    sizes = np.bincount(household, minlength=len(households))
    age = members["_age"].to_numpy()
    tekun = (sizes[household] == 1) & (age >= 60) & (rng.random(count) < 0.35)
    unable = (members["labour"] == "丧失劳动力").to_numpy() & (age >= 16) & (age <= 59)
    dibao = (dibao_household[household] | unable) & ~tekun
    return {"dibao": pl.Series(np.where(dibao, "是", "否")), "tekun": pl.Series(np.where(tekun, "是", "否"))}


def _status(rng: np.random.Generator, members: pl.DataFrame) -> pl.Series:
    """A few plain adults (not heads, not ill, not on assistance) have died or moved out."""
    count = members.height
    plain = (
        (pl.col("_slot") > 0)
        & (pl.col("_age") >= 20)
        & (pl.col("health") == "健康")
        & (pl.col("dibao") == "否")
        & (pl.col("tekun") == "否")
        & (pl.col("work_status") == "未务工")
        & (pl.col("schooling") == "非在校生")
    )
    eligible = members.select(plain).to_series().to_numpy()
    draw = rng.random(count)
    status = np.where(eligible & (draw < 0.03), "死亡", np.where(eligible & (draw < 0.06), "迁出", "正常"))
    return pl.Series(status)

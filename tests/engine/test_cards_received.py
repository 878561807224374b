"""Which policies a household receives (明白卡), read from the registry and linked department rows.

The cast (礼县 城关镇; ID numbers from tests/cast.py where the person is there):

- 孙桂兰 (上坪村) lives alone on 低保: the registry says so, and 民政 pays her ¥500 a month
  since 2025-03-01. Her 2026 card shows ¥6,000 (twelve months), her 2025 card ¥5,000 (ten).
- 张德顺 (上坪村) heads an ordinary household (一般农户): he is in the residents' medical
  insurance like everybody, but the premium subsidy is for exited and monitored households
  only, so his card lists nothing.
- 王秀英 (石桥村, 脱贫户): her son 李明's serious illness was settled twice in 2026 (medical aid
  ¥3,200 and ¥1,800, serious-illness insurance ¥12,000) and once in 2025 (aid ¥900); her
  granddaughter 李娜 is in primary school (the school roll says 在读); her grandson 李浩 left
  school in grade 8 (失学辍学, the roll says 辍学): no education aid for him.
- 周建军 (石桥村, 一般农户) has a grade-2 physical disability: 残联 pays the two subsidies, his
  residents' pension premium is paid for him, and he holds a village public-welfare job at
  ¥1,000 a month (人社).
- 赵永福 (石桥村): the flood brought his house down; 民政 paid ¥2,000 temporary assistance in
  July 2026.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from cast import LI_HAO, LI_MING, SUN_GUILAN, WANG_XIUYING
from fangfan.engine import idnumber
from fangfan.engine.cards.catalogue import CatalogueError, load_catalogue
from fangfan.engine.cards.received import CardInputs, feed_source_expr, received_policies

SUN = "6212261002020001"
ZHANG = "6212261002020002"
WANG = "6212261002010001"
ZHOU = "6212261002010002"
ZHAO = "6212261002010003"
LI_NA_ID = idnumber.make("621226", dt.date(2017, 9, 1), 44)
ZHOU_ID = idnumber.make("621226", dt.date(1975, 4, 2), 15)
ZHANG_ID = idnumber.make("621226", dt.date(1970, 1, 8), 19)
ZHAO_ID = idnumber.make("621226", dt.date(1966, 6, 6), 27)

MEMBER_DEFAULTS = {
    "member_status": "正常",
    "dibao": False,
    "tekun": False,
    "family_doctor": False,
    "work_status": "未务工",
    "medical_insured": "城乡居民基本医疗保险",
    "pension_insured": "未参加",
    "schooling": "非在校生",
    "disability_grade": None,
}


def _member(household_id: str, name: str, id_number: str, **fields: object) -> dict[str, object]:
    return {"household_id": household_id, "name": name, "id_number": id_number, **MEMBER_DEFAULTS, **fields}


def _feed(feed: str, rows: list[dict[str, object]]) -> pl.DataFrame:
    frame = pl.DataFrame(rows, infer_schema_length=None).with_columns(
        pl.lit(f"{feed}.xlsx").alias("_file"),
        pl.lit("").alias("_sheet"),
        pl.int_range(2, len(rows) + 2).alias("_row"),
    )
    return frame.with_columns(feed_source_expr(feed).alias("source"))


@pytest.fixture(scope="module")
def inputs() -> CardInputs:
    households = pl.DataFrame(
        {
            "household_id": [SUN, ZHANG, WANG, ZHOU, ZHAO],
            "household_type": ["脱贫户", "一般农户", "脱贫户", "一般农户", "脱贫户"],
            "house_renovated": [False, False, False, False, None],
            "relocated": [False, False, False, False, False],
        }
    )
    members = pl.DataFrame(
        [
            _member(SUN, SUN_GUILAN.name, SUN_GUILAN.id_number, dibao=True),
            _member(ZHANG, "张德顺", ZHANG_ID),
            _member(WANG, WANG_XIUYING.name, WANG_XIUYING.id_number, family_doctor=True),
            _member(WANG, LI_MING.name, LI_MING.id_number, family_doctor=True),
            _member(WANG, LI_HAO.name, LI_HAO.id_number, schooling="失学辍学"),
            _member(WANG, "李娜", LI_NA_ID, schooling="小学"),
            _member(
                ZHOU,
                "周建军",
                ZHOU_ID,
                disability_grade="二级",
                pension_insured="城乡居民基本养老保险",
                work_status="乡村公益性岗位",
            ),
            _member(ZHAO, "赵永福", ZHAO_ID),
        ]
    )

    def person(household_id: str, id_number: str, name: str, **fields: object) -> dict[str, object]:
        return {"household_id": household_id, "person_id_number": id_number, "name": name, **fields}

    records = {
        "social_assistance": _feed(
            "social_assistance",
            [
                person(
                    SUN,
                    SUN_GUILAN.id_number,
                    "孙贵兰",
                    assistance_type="低保",  # 民政 spells her 贵
                    start_date=dt.date(2025, 3, 1),
                    end_date=None,
                    monthly_amount=500.0,
                ),
                person(
                    ZHAO,
                    ZHAO_ID,
                    "赵永福",
                    assistance_type="临时救助",
                    start_date=dt.date(2026, 7, 12),
                    end_date=dt.date(2026, 8, 11),
                    monthly_amount=2000.0,
                ),
            ],
        ),
        "medical_claims": _feed(
            "medical_claims",
            [
                person(
                    WANG,
                    LI_MING.id_number,
                    "李明",
                    settlement_date=dt.date(2026, 3, 2),
                    medical_aid=3200.0,
                    critical_illness_reimbursed=12000.0,
                ),
                person(
                    WANG,
                    LI_MING.id_number,
                    "李明",
                    settlement_date=dt.date(2026, 9, 20),
                    medical_aid=1800.0,
                    critical_illness_reimbursed=0.0,
                ),
                person(
                    WANG,
                    LI_MING.id_number,
                    "李明",
                    settlement_date=dt.date(2025, 11, 5),
                    medical_aid=900.0,
                    critical_illness_reimbursed=0.0,
                ),
            ],
        ),
        "medical_insurance": _feed(
            "medical_insurance",
            [
                person(
                    WANG,
                    WANG_XIUYING.id_number,
                    "王秀英",
                    scheme="城乡居民",
                    insurance_year=2026,
                    insurance_status="参保",
                ),
                person(
                    ZHANG, ZHANG_ID, "张德顺", scheme="城乡居民", insurance_year=2026, insurance_status="参保"
                ),
            ],
        ),
        "school_roll": _feed(
            "school_roll",
            [
                person(WANG, LI_NA_ID, "李娜", school_stage="小学", enrolment_status="在读"),
                person(WANG, LI_HAO.id_number, "李浩", school_stage="初中", enrolment_status="辍学"),
            ],
        ),
        "disability": _feed(
            "disability", [person(ZHOU, ZHOU_ID, "周建军", disability_grade="二级", two_subsidies=True)]
        ),
        "employment": _feed(
            "employment",
            [person(ZHOU, ZHOU_ID, "周建军", employment_status="公益性岗位", monthly_income=1000.0)],
        ),
    }
    return CardInputs(households=households, members=members, records=records)


def _card(
    inputs: CardInputs, household_id: str, year: int = 2026
) -> dict[tuple[str, str], dict[str, object]]:
    frame = received_policies(inputs, load_catalogue(year)).filter(pl.col("household_id") == household_id)
    return {(row["key"], row["member_name"]): row for row in frame.iter_rows(named=True)}


def test_dibao_household_gets_the_years_months_of_her_monthly_allowance(inputs: CardInputs) -> None:
    card = _card(inputs, SUN)
    dibao = card[("dibao", "孙桂兰")]
    assert dibao["amount"] == 6000.0
    assert dibao["name"] == "最低生活保障" and dibao["department"] == "民政"
    assert "民政·社会救助（social_assistance.xlsx第2行）" in str(dibao["source"])
    assert "国扶办系统·成员信息「是否享受低保」" in str(dibao["source"])
    assert _card(inputs, SUN, 2025)[("dibao", "孙桂兰")]["amount"] == 5000.0


def test_a_department_spelling_gives_way_to_the_registry_name(inputs: CardInputs) -> None:
    assert all(member != "孙贵兰" for _, member in _card(inputs, SUN))


def test_ordinary_household_with_nothing_gets_an_empty_card(inputs: CardInputs) -> None:
    assert _card(inputs, ZHANG) == {}


def test_medical_aid_adds_up_the_years_claims_only(inputs: CardInputs) -> None:
    card = _card(inputs, WANG)
    assert card[("medical_aid", "李明")]["amount"] == 5000.0
    assert card[("serious_illness_insurance", "李明")]["amount"] == 12000.0
    assert _card(inputs, WANG, 2025)[("medical_aid", "李明")]["amount"] == 900.0


def test_pupil_in_school_gets_education_aid_and_the_boy_who_left_does_not(inputs: CardInputs) -> None:
    card = _card(inputs, WANG)
    assert ("education_aid", "李娜") in card
    assert card[("education_aid", "李娜")]["amount"] is None
    assert not any(key == "education_aid" and member == "李浩" for key, member in card)


def test_exited_household_members_get_the_insurance_subsidy_and_family_doctor(inputs: CardInputs) -> None:
    card = _card(inputs, WANG)
    assert ("medical_insurance_subsidy", "王秀英") in card
    assert ("family_doctor", "李明") in card
    keys = [key for key, _ in card]
    assert keys == sorted(keys, key=load_catalogue(2026).keys.index), "in the catalogue's order"


def test_disabled_man_gets_the_two_subsidies_the_pension_and_a_years_job_pay(inputs: CardInputs) -> None:
    card = _card(inputs, ZHOU)
    assert card[("disability_allowance", "周建军")]["department"] == "残联"
    assert ("pension_subsidy", "周建军") in card
    job = card[("public_welfare_job", "周建军")]
    assert job["amount"] == 12000.0
    assert "人社·就业信息" in str(job["source"]) and "国扶办系统·成员信息「务工状态」" in str(job["source"])
    assert ("medical_insurance_subsidy", "周建军") not in card, "一般农户"


def test_temporary_assistance_counts_in_the_year_it_was_paid(inputs: CardInputs) -> None:
    assert _card(inputs, ZHAO)[("temporary_assistance", "赵永福")]["amount"] == 2000.0
    assert ("temporary_assistance", "赵永福") not in _card(inputs, ZHAO, 2025)


def test_a_policy_left_out_of_the_catalogue_is_left_off_every_card(inputs: CardInputs) -> None:
    catalogue = load_catalogue(2026)
    trimmed = type(catalogue)(year=2026, policies=tuple(p for p in catalogue.policies if p.key != "dibao"))
    frame = received_policies(inputs, trimmed)
    assert frame.height and "dibao" not in frame["key"].to_list()


def test_catalogue_of_a_year_without_a_file_is_refused_in_chinese() -> None:
    with pytest.raises(CatalogueError, match="没有2019年度的帮扶政策目录"):
        load_catalogue(2019)


def test_every_stable_key_is_in_both_years_catalogues() -> None:
    stable = {
        "dibao", "tekun", "temporary_assistance", "medical_insurance_subsidy", "medical_aid",
        "serious_illness_insurance", "education_aid", "housing_renovation", "relocation", "industry_award",
        "public_welfare_job", "disability_allowance", "pension_subsidy", "family_doctor",
    }  # fmt: skip
    for year in (2025, 2026):
        catalogue = load_catalogue(year)
        assert stable <= set(catalogue.keys)
        assert catalogue.by_key("education_aid").department == "教育"

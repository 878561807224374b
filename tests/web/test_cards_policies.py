"""`policies_for_households`: the published registry read for the cards, in a fixed number of queries.

The cast (礼县 城关镇), as published: 孙桂兰 of 上坪村 lives alone on 低保 (民政 pays her ¥500 a
month since 2025-03-01; the record's values arrive as the publish keeps them, dates as text);
张德顺 of 上坪村 heads an ordinary household and receives nothing; 周建军 of 石桥村 has the two
disability subsidies from 残联. A department record of an earlier snapshot is no longer
current and counts for nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cast import SHANGPING, SHIQIAO, SUN_GUILAN
from fangfan.engine import idnumber
from fangfan.web.cards.policies import ReceivedPolicy, policies_for_households
from fangfan.web.registry.models import DepartmentRecord, Household, Member
from fangfan.web.workqueue.testing import current_run, make_household

pytestmark = pytest.mark.django_db
ZHOU_ID = idnumber.make("621226", dt.date(1975, 4, 2), 15)


def _member(household: Household, name: str, id_number: str, **fields: object) -> Member:
    return Member.objects.create(
        household=household,
        village_code=household.village_code,
        name=name,
        id_number=id_number,
        member_status="正常",
        last_run=current_run(),
        **fields,
    )


def _record(
    household: Household, feed: str, id_number: str, name: str, data: dict[str, object], **kw: object
) -> None:
    DepartmentRecord.objects.create(
        snapshot_id=kw.pop("snapshot_id", current_run().snapshot_id),
        feed=feed,
        household=household,
        village_code=household.village_code,
        linked_id_number=id_number,
        id_as_written=id_number,
        name=name,
        data=data,
        method="exact",
        source_file=f"{feed}.xlsx",
        source_sheet="Sheet1",
        source_row=7,
    )


@pytest.fixture
def cast() -> dict[str, Household]:
    sun = make_household(SHANGPING, 1, head_name=SUN_GUILAN.name, household_type="脱贫户")
    _member(sun, SUN_GUILAN.name, SUN_GUILAN.id_number, dibao=True)
    _record(
        sun,
        "social_assistance",
        SUN_GUILAN.id_number,
        SUN_GUILAN.name,
        {"assistance_type": "低保", "start_date": "2025-03-01", "end_date": None, "monthly_amount": 500.0},
    )
    _record(  # an earlier snapshot's record: not what the current run shows
        sun,
        "social_assistance",
        SUN_GUILAN.id_number,
        SUN_GUILAN.name,
        {
            "assistance_type": "临时救助",
            "start_date": "2026-02-01",
            "end_date": None,
            "monthly_amount": 800.0,
        },
        snapshot_id="snap-older",
    )
    zhang = make_household(SHANGPING, 2, head_name="张德顺", household_type="一般农户")
    _member(
        zhang,
        "张德顺",
        idnumber.make("621226", dt.date(1970, 1, 8), 19),
        medical_insured="城乡居民基本医疗保险",
    )
    zhou = make_household(SHIQIAO, 2, head_name="周建军", household_type="一般农户")
    _member(zhou, "周建军", ZHOU_ID)
    _record(zhou, "disability", ZHOU_ID, "周建军", {"disability_grade": "二级", "two_subsidies": True})
    return {"sun": sun, "zhang": zhang, "zhou": zhou}


def test_dibao_household_page_reads_her_allowance_and_its_source(cast: dict[str, Household]) -> None:
    policies = policies_for_households([cast["sun"]], year=2026)[cast["sun"].household_id]
    assert [p.key for p in policies] == ["dibao"]
    dibao = policies[0]
    assert isinstance(dibao, ReceivedPolicy)
    assert dibao.amount == Decimal("6000.00")
    assert dibao.member_name == "孙桂兰" and dibao.department == "民政"
    assert "民政·社会救助（social_assistance.xlsx「Sheet1」第7行）" in dibao.source


def test_the_default_year_is_the_current_runs_policy_year(cast: dict[str, Household]) -> None:
    run = current_run()
    run.policy_year = 2025
    run.save()
    [dibao] = policies_for_households([cast["sun"].household_id])[cast["sun"].household_id]
    assert dibao.amount == Decimal("5000.00")  # March to December 2025


def test_household_with_nothing_is_there_with_an_empty_list(cast: dict[str, Household]) -> None:
    assert policies_for_households([cast["zhang"].household_id], year=2026) == {
        cast["zhang"].household_id: []
    }


def test_disability_allowance_from_the_disability_federation(cast: dict[str, Household]) -> None:
    [allowance] = policies_for_households([cast["zhou"]], year=2026)[cast["zhou"].household_id]
    assert (allowance.key, allowance.department, allowance.amount) == ("disability_allowance", "残联", None)


def test_a_whole_village_costs_the_same_queries_as_one_household(
    cast: dict[str, Household], django_assert_num_queries: pytest.FixtureRequest
) -> None:
    for number in range(10, 40):
        extra = make_household(SHANGPING, number, household_type="脱贫户")
        _member(extra, f"村民{number}", idnumber.make("621226", dt.date(1980, 1, 1), number), dibao=True)
    village = list(Household.objects.filter(village_code=SHANGPING))
    with django_assert_num_queries(3):
        one = policies_for_households([cast["zhang"]], year=2026)
    with django_assert_num_queries(3):
        many = policies_for_households(village, year=2026)
    assert len(one) == 1 and len(many) == len(village) == 32
    assert sum(1 for policies in many.values() if policies) == 31

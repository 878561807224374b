"""佐证资料要求: the requirements files name only policies and rules that exist, and a
household's needs follow from what it receives and its open findings.

王秀英's household (石桥村) had its house renovated (农村危房改造) and her grandson 李浩
gets education aid (教育资助); 李浩 also left school (EDU-001 open). Her neighbour 赵永福
has a food finding (FC-002, only its category FOOD_CLOTHING asks for proof) and a
vehicle in his name (PRO-001, which needs no proof at all).
"""

from __future__ import annotations

import pytest

from cast import LI_HAO
from fangfan.engine.cards.catalogue import load_catalogue as load_policies
from fangfan.engine.evidence.needs import (
    OpenFinding,
    Received,
    RequirementsError,
    load_requirements,
    needs_of,
    requirement_years,
)
from fangfan.engine.rules.model import CATEGORIES
from fangfan.engine.rules.model import load_catalogue as load_rules


def test_there_are_requirements_for_2025_and_2026() -> None:
    assert {2025, 2026} <= set(requirement_years())


@pytest.mark.parametrize("year", requirement_years())
def test_every_policy_named_is_in_that_years_policy_catalogue(year: int) -> None:
    policies = set(load_policies(year).keys)
    named = set(load_requirements(year).named("policy"))

    assert named and named - policies == set()


@pytest.mark.parametrize("year", requirement_years())
def test_every_rule_and_category_named_is_in_that_years_rules(year: int) -> None:
    rules = {rule.code for rule in load_rules(year)}
    requirements = load_requirements(year)

    assert set(requirements.named("rule")) - rules == set()
    assert set(requirements.named("category")) - set(CATEGORIES) == set()


def test_housing_renovation_needs_the_appraisal_report_and_completion_photos() -> None:
    requirements = load_requirements(2026)

    housing = requirements.for_policy("housing_renovation")
    assert housing is not None and [proof.name for proof in housing.proofs] == ["鉴定报告", "竣工照片"]
    medical = requirements.for_policy("medical_aid")
    assert medical is not None and [proof.name for proof in medical.proofs] == ["报销单据"]


def test_wang_xiuyings_household_needs_its_renovation_proofs_and_li_haos_own() -> None:
    received = [
        Received("housing_renovation", "农村危房改造"),
        Received("education_aid", "教育资助", LI_HAO.name),
        Received("no_such_policy", "没有要求的政策"),  # no requirement: nothing needed
    ]
    findings = [OpenFinding("EDU-001", "EDUCATION", "适龄儿童失学辍学", LI_HAO.name)]

    needs = needs_of(load_requirements(2026), received, findings)

    assert [need.title for need in needs] == [
        "农村危房改造·鉴定报告",
        "农村危房改造·竣工照片",
        "教育资助（李浩）·资助发放记录",
        "适龄儿童失学辍学（李浩）·在校证明",
    ]
    assert needs[2].slot == ("policy:education_aid", "李浩", "education_aid_record")


def test_a_household_wide_policy_asks_once_whichever_member_receives_it() -> None:
    received = [
        Received("housing_renovation", "农村危房改造", "王秀英"),
        Received("housing_renovation", "农村危房改造"),
    ]

    needs = needs_of(load_requirements(2026), received, [])

    assert [need.title for need in needs] == ["农村危房改造·鉴定报告", "农村危房改造·竣工照片"]


def test_zhao_yongfus_food_finding_asks_by_category_and_his_vehicle_asks_nothing() -> None:
    findings = [
        OpenFinding("FC-002", "FOOD_CLOTHING", "不能随时吃肉蛋奶或豆制品"),
        OpenFinding("PRO-001", "PROPERTY", "脱贫/监测户成员名下有车辆", "赵永福"),
    ]

    needs = needs_of(load_requirements(2026), [], findings)

    assert [need.title for need in needs] == ["不能随时吃肉蛋奶或豆制品·家中情况照片"]


def test_a_year_without_a_file_is_refused_in_chinese() -> None:
    with pytest.raises(RequirementsError, match="没有2019年度的佐证资料要求"):
        load_requirements(2019)

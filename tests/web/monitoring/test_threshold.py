"""The year's threshold as the visit form reads it, and the 算细账 it is held against.

Plain functions, no database: the policy file of the income year assessed, the newest one
when a year has no file yet — each saying which year and whether it is confirmed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fangfan.engine.policy import applicable_policy_year, monitoring_threshold_for
from fangfan.web.monitoring import threshold
from fangfan.web.monitoring.income import income_account


def test_the_threshold_comes_from_the_income_years_policy_file_and_says_whether_it_is_confirmed():
    assert threshold.monitoring_threshold(2023).yuan == Decimal(7200)
    found = threshold.monitoring_threshold(2024)
    assert (found.yuan, found.placeholder, found.note) == (Decimal(7800), False, "2024年度政策文件")
    assert found.label == "标准：2024年度 ¥7,800（已确认）"
    placeholder = threshold.monitoring_threshold(2025)
    assert placeholder.placeholder and placeholder.label == "标准：2025年度 ¥8,300（暂定，待省里公布）"
    assert str(threshold.monitoring_threshold(2026).yuan) == "8700"  # never 8.7E+3


def test_a_year_without_a_policy_file_uses_the_newest_one_and_is_a_placeholder():
    found = threshold.monitoring_threshold(2031)
    assert found.yuan == threshold.monitoring_threshold(2026).yuan and found.placeholder
    assert found.note.startswith("尚无2031年度监测标准，暂按2026年度政策文件")
    assert found.label.endswith("（暂定，待省里公布），暂按2026年度政策文件")


def test_a_visit_in_2026_assesses_2025_income_as_the_screen_does():
    assert threshold.income_year_on(dt.date(2026, 12, 4)) == 2025
    applies = monitoring_threshold_for(2025)
    assert (applies.policy_year, applies.yuan, applies.placeholder) == (2025, 8300.0, True)
    assert applicable_policy_year(2025) == 2025 and applicable_policy_year(2031) == 2026
    assert threshold.monitoring_threshold(2025).yuan == Decimal(str(applies.yuan)).quantize(Decimal(1))


def test_the_account_is_net_income_over_the_household_size_against_the_line():
    account = income_account(
        wage=6000,
        business=2000,
        property=0,
        transfer=1200,
        business_cost=800,
        household_size=3,
        threshold=7800,
    )
    assert (account.net_income, account.per_capita) == (Decimal(8400), Decimal("2800.00"))
    assert account.below_threshold and account.in_range and not account.spending_exceeds_income
    assert account.reasons() == ["人均纯收入2,800元，低于监测标准7,800元"]
    just_at = income_account(
        wage=23400, business=0, property=0, transfer=0, business_cost=0, household_size=3, threshold=7800
    )
    assert just_at.per_capita == Decimal("7800.00") and not just_at.in_range
    sick = income_account(
        wage=30000,
        business=0,
        property=0,
        transfer=0,
        business_cost=0,
        household_size=2,
        threshold=7800,
        rigid_spending=30000.01,
    )
    assert sick.spending_exceeds_income and not sick.below_threshold and sick.in_range

"""The year's threshold as the visit form reads it, and the 算细账 it is held against.

Plain functions, no database: the policy files' figure, the documented Gansu figures when a
file lacks it, the newest earlier year's when a year has no file yet — each saying so.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from fangfan.engine.policy import PolicyError
from fangfan.web.monitoring import threshold
from fangfan.web.monitoring.income import income_account


def test_the_threshold_comes_from_the_years_policy_file():
    assert threshold.monitoring_threshold(2023).yuan == Decimal(7200)
    found = threshold.monitoring_threshold(2024)
    assert (found.yuan, found.placeholder) == (Decimal(7800), False)
    assert found.note == "2024年度政策文件"
    assert "占位数值" in threshold.monitoring_threshold(2026).note


def test_a_policy_file_without_the_threshold_falls_back_to_the_documented_gansu_figures(monkeypatch):
    def no_threshold(year: int) -> None:
        raise PolicyError(f"{year}年度政策文件中没有参数 income.monitoring_threshold")

    monkeypatch.setattr(threshold, "load_policy", no_threshold)
    for year, yuan in ((2023, 7200), (2024, 7800)):
        found = threshold.monitoring_threshold(year)
        assert found.yuan == Decimal(yuan) and "按甘肃省公布的标准" in found.note
    with pytest.raises(PolicyError):
        threshold.monitoring_threshold(2026)


def test_a_year_without_a_policy_file_uses_the_newest_earlier_one_and_says_so():
    found = threshold.monitoring_threshold(2031)
    assert found.yuan == threshold.monitoring_threshold(2026).yuan and found.placeholder
    assert found.note.startswith("尚无2031年度监测标准，暂按2026年度政策文件")


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

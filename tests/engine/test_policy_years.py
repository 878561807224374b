"""Policy years: discovered from the files, each year laid over the one before, a year
without a file never silently replaced by another."""

from __future__ import annotations

import itertools
from importlib import resources

import pytest

from fangfan.engine.config import ConfigError
from fangfan.engine.policy import (
    PACKAGE,
    Policy,
    PolicyError,
    applicable_policy_year,
    borrowed_year_warning,
    deep_merge,
    load_policy,
    monitoring_threshold_for,
    policy_years,
    year_file,
)

# Gansu's monitoring thresholds and the poverty line as the files say them (docs/monitoring.md:
# 7,200 for 2023 and 7,800 for 2024 are the public record; the others are placeholders).
KNOWN = {
    2020: (4000, 4000, True),
    2021: (4100, 6000, True),
    2022: (4200, 6600, True),
    2023: (4300, 7200, False),
    2024: (4400, 7800, False),
    2025: (4500, 8300, True),
    2026: (4600, 8700, True),
}


def test_the_years_are_the_files_present() -> None:
    names = [entry.name for entry in resources.files(PACKAGE).iterdir() if entry.name.endswith(".toml")]
    assert policy_years() == tuple(sorted(int(name.removesuffix(".toml")) for name in names))
    assert policy_years()[0] == 2020


@pytest.mark.parametrize("year", policy_years())
def test_every_year_resolves_every_parameter_the_first_year_has(year: int) -> None:
    base = load_policy(policy_years()[0])
    policy = load_policy(year)
    assert set(policy.parameters()) == set(base.parameters())
    for name in base.parameters():
        assert policy.is_placeholder(name) == policy.is_placeholder(name)  # resolvable
        assert type(policy.value(name)) is type(base.value(name)), name
    assert policy.data["year"] == year


@pytest.mark.parametrize("year", sorted(KNOWN))
def test_known_numbers_of_each_year(year: int) -> None:
    poverty_line, threshold, placeholder = KNOWN[year]
    policy = load_policy(year)
    assert policy.number("income.poverty_line") == poverty_line
    assert policy.number("income.monitoring_threshold") == threshold
    assert policy.is_placeholder("income.monitoring_threshold") is placeholder
    assert str(year) in policy.note("income.monitoring_threshold")
    # Numbers no later year changes come from 2020.toml.
    assert (policy.number("employment.labour_age_min"), policy.number("employment.labour_age_max")) == (
        16,
        60,
    )
    assert policy.value("housing.safe_grades") == ["A", "B"]
    assert policy.number("monitoring.serious_illness_total_cost_yuan") == 50000


def test_a_later_file_holds_only_what_changed_since_the_year_before() -> None:
    years = policy_years()
    for previous, year in itertools.pairwise(years):
        before, written = load_policy(previous), Policy(year, year_file(year))
        assert written.parameters(), f"{year}.toml changes nothing: delete it"
        for name in written.parameters():
            entry = (written.value(name), written.is_placeholder(name), written.note(name))
            assert entry != (before.value(name), before.is_placeholder(name), before.note(name)), (
                f"{year}.toml restates {name} unchanged since {previous}"
            )


def test_tables_merge_key_by_key_and_a_parameter_table_is_replaced_whole() -> None:
    base = {"income": {"line": {"value": 1, "placeholder": True, "note": "旧"}, "share": 0.3}}
    merged = deep_merge(base, {"income": {"line": {"value": 2}}})
    assert merged == {"income": {"line": {"value": 2}, "share": 0.3}}
    assert base["income"]["line"]["value"] == 1  # the base is not changed


def test_a_year_after_the_newest_file_borrows_it_and_says_so() -> None:
    assert applicable_policy_year(2031) == 2026
    assert (
        borrowed_year_warning(2031)
        == "尚无2031年度政策文件，暂按2026年度政策文件（数值可能已变，请以省里文件为准）"
    )
    assert borrowed_year_warning(2024) == ""
    borrowed = monitoring_threshold_for(2031)
    assert (borrowed.policy_year, borrowed.yuan, borrowed.placeholder) == (2026, 8700.0, True)


def test_a_year_before_the_first_file_is_refused_in_chinese() -> None:
    with pytest.raises(PolicyError, match="2019年早于最早的政策文件（已有 2020–2026 年）") as refused:
        applicable_policy_year(2019)
    assert isinstance(refused.value, ConfigError)
    with pytest.raises(PolicyError, match="没有2019年度的政策文件"):
        load_policy(2019)
    with pytest.raises(PolicyError):
        monitoring_threshold_for(2019)


def test_a_year_without_a_file_between_two_files_is_refused_by_load_and_borrowed_by_lookup(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import fangfan.engine.policy as policy

    monkeypatch.setattr(policy, "policy_years", lambda: (2020, 2022))
    assert policy.applicable_policy_year(2021) == 2020
    assert policy.resolve(2022)["income"]["monitoring_threshold"]["value"] == 6600
    assert policy.resolve(2022)["employment"]["labour_age_max"] == 60


def test_a_run_on_income_after_the_newest_file_borrows_it_and_its_summary_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from fangfan.engine import screen

    monkeypatch.setattr(screen, "newer_income_year", lambda snapshot: 2027)
    assert screen.policy_year_for(None) == 2026  # type: ignore[arg-type]
    assert screen.policy_warnings(None, None) == [  # type: ignore[arg-type]
        "尚无2027年度政策文件，暂按2026年度政策文件（数值可能已变，请以省里文件为准）"
    ]
    assert screen.policy_warnings(None, 2026) == []  # type: ignore[arg-type]  # the year was chosen
    monkeypatch.setattr(screen, "newer_income_year", lambda snapshot: 2019)
    with pytest.raises(PolicyError, match="2019年早于最早的政策文件"):
        screen.policy_year_for(None)  # type: ignore[arg-type]

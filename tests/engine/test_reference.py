"""Reference data shipped in the package: regions, policy years, header synonyms."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from fangfan.engine import regions, schema
from fangfan.engine.policy import PolicyError, load_policy, policy_years


def test_the_city_has_nine_counties_and_199_townships() -> None:
    assert len(regions.counties()) == 9
    assert len(regions.townships()) == 199
    assert regions.counties()["621226"].name == "礼县"
    assert all(code.startswith(tuple(regions.counties())) for code in regions.townships())


def test_every_township_code_has_nine_digits_under_its_county() -> None:
    for code, township in regions.townships().items():
        assert len(code) == 9 and code.isdigit()
        assert township.parent_code == regions.county_of(code)


@pytest.mark.parametrize("year", policy_years())
def test_every_policy_year_has_the_parameters_rules_need(year: int) -> None:
    policy = load_policy(year)
    for name in (
        "income.monitoring_threshold",
        "income.poverty_line",
        "water.max_trip_minutes",
        "water.max_short_days",
        "medical.selfpay_share_of_income",
        "education.compulsory_age_min",
        "education.compulsory_age_max",
    ):
        assert policy.number(name) > 0


def test_gansu_thresholds_known_from_the_public_record_are_not_placeholders() -> None:
    assert load_policy(2023).number("income.monitoring_threshold") == 7200
    assert load_policy(2024).number("income.monitoring_threshold") == 7800
    assert not load_policy(2024).is_placeholder("income.monitoring_threshold")
    assert load_policy(2026).is_placeholder("income.monitoring_threshold")


def test_an_unknown_year_or_parameter_is_refused_in_chinese() -> None:
    with pytest.raises(PolicyError, match="2019"):
        load_policy(2019)
    with pytest.raises(PolicyError, match=r"water\.nonexistent"):
        load_policy(2024).number("water.nonexistent")


def test_header_synonyms_name_only_real_fields_and_never_twice_in_a_table() -> None:
    text = resources.files("fangfan.engine.reference").joinpath("header_synonyms.toml").read_text("utf-8")
    synonyms = tomllib.loads(text)
    for table_name, fields in synonyms.items():
        table = schema.TABLES[table_name]
        seen: dict[str, str] = {f.header: f.name for f in table.fields}
        for field_name, names in fields.items():
            assert field_name in table.field_names, f"{table_name}.{field_name}"
            for name in names:
                assert seen.setdefault(name, field_name) == field_name, f"{table_name}: {name}"


def test_every_table_of_the_contract_is_in_the_schema() -> None:
    assert len(schema.REGISTRY_TABLES) == 3
    assert len(schema.DEPARTMENT_FEEDS) == 13
    for table in schema.ALL_TABLES:
        assert set(table.key) <= set(table.field_names)
        assert len({f.header for f in table.fields}) == len(table.fields)

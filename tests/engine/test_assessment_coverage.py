"""Proof of the assessment statistics (issue 16): the 95 % intervals cover the true rate.

A population of three counties is planted in memory at chosen rates, some near 0–2 %
(错退率 0.5 %, 1.5 %, 3 %; 漏评率 0.3 %, 1 %, 2 %), with a village effect so villages
differ as they do in the field; the true rate each interval must cover is the planted
population's own (it comes out near, not at, the chosen rate). 1,000 seeded samples are
drawn under a simple random plan, the national (stratified two-stage) plan and the targeted
self-check; every interval is checked against that true rate. The table printed with `-s` is the
one docs/assessment.md reports.
"""

from __future__ import annotations

import polars as pl
import pytest

from fangfan.engine.assessment.estimate import METHOD_DESIGN, METHOD_EXACT
from fangfan.engine.assessment.plan import load_plan
from fangfan.engine.assessment.simulate import coverage, planted_population

DRAWS = 1000
PLANS = ("simple", "national", "self_check")


@pytest.fixture(scope="module")
def planted():
    return planted_population(seed=16, villages_per_county=30, households_per_village=(60, 180))


@pytest.fixture(scope="module")
def tables(planted) -> dict[str, pl.DataFrame]:
    return {name: coverage(planted, load_plan(name), DRAWS, seed=2020) for name in PLANS}


def test_planted_population_has_true_rates_near_zero_to_two_percent(planted):
    truth = planted.true_rates()
    assert min(truth["错退率"][:3]) < 0.01
    assert min(truth["漏评率"][:3]) < 0.01
    assert sum(rate < 0.02 for rate in truth["错退率"][:3]) >= 2


@pytest.mark.parametrize("plan", PLANS)
def test_95_percent_intervals_cover_the_true_rate_in_at_least_93_percent_of_draws(tables, plan):
    table = tables[plan]
    with pl.Config(tbl_rows=40, tbl_cols=12, tbl_width_chars=200):
        print(table.select("plan", "measure", "scope", "county", "true_rate", "coverage", "mean_width"))
    assert table.height == 16  # 4 measures × (3 counties + the city)
    low = table.filter(pl.col("coverage") < 0.93)
    assert low.is_empty(), low


def test_a_simple_sample_gives_household_measures_the_exact_clopper_pearson_interval(tables):
    methods = dict(tables["simple"].group_by("measure").agg(pl.col("method").first()).iter_rows())
    assert methods["认可度"] == METHOD_EXACT
    assert methods["错退率"] == METHOD_DESIGN  # people, not households: a ratio of clusters
    assert set(tables["national"]["method"]) == {METHOD_DESIGN}


def test_targeted_self_check_weighted_estimate_is_unbiased_within_three_standard_errors(tables):
    table = tables["self_check"]
    biased = table.filter(pl.col("bias_in_standard_errors").abs() > 3)
    assert biased.is_empty(), biased


def test_targeted_self_check_unweighted_share_overstates_wrongful_exits(tables):
    # The flagged households are oversampled and are more often wrongly exited: the plain
    # share of the sample is far above the truth, which is why the weights matter.
    rows = tables["self_check"].filter(pl.col("measure") == "错退率", pl.col("scope") == "county")
    for row in rows.iter_rows(named=True):
        if row["true_rate"] > 0.01:
            assert row["mean_unweighted"] > row["true_rate"] * 1.5, row

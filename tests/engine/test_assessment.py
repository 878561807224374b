"""Assessment readiness (issue 16): plans, the sampling frame, the draw, the estimates.

The cast: 礼县 (621226) planted with a true 错退率 of 3 %, above the 2 % bar; 武都区 (621202)
at 0.5 %, well inside it. Their villages are synthetic (`simulate.planted_population`).
In 礼县's 石桥村 (cast.SHIQIAO) 王秀英 heads an exited household of three living members
(her late husband is still listed, 死亡), so she counts three people for the person-level
rates; 张德顺's 一般农户 household in 上坪村 is not registered and never exited.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace

import numpy as np
import polars as pl
import pytest
from scipy.special import betainc

from cast import LIXIAN, SHANGPING, SHIQIAO, WANG_XIUYING, ZHANG_DESHUN
from fangfan.engine.assessment.estimate import (
    VERDICT_FAILED,
    VERDICT_MET,
    VERDICT_UNCERTAIN,
    Design,
    estimate,
    ratios,
)
from fangfan.engine.assessment.intervals import clopper_pearson, t_quantile, wilson
from fangfan.engine.assessment.plan import PlanError, load_bars, load_plan, plan_names
from fangfan.engine.assessment.population import population
from fangfan.engine.assessment.sample import Frame, draw_indices, draw_sample
from fangfan.engine.assessment.simulate import planted_population, population_frame
from fangfan.engine.assessment.size import cochran_size, margin_of_error

WUDU = "621202"


@pytest.fixture(scope="module")
def two_counties():
    """礼县 at a true 错退率 of 3 %, 武都区 at 0.5 %; every household's true answers attached."""
    rates = {"错退率": (0.03, 0.005), "漏评率": (0.01, 0.01), "认可度": (0.95, 0.95), "知晓率": (0.95, 0.95)}
    planted = planted_population(
        seed=3, rates=rates, villages_per_county=60, households_per_village=(150, 250), village_spread=0.0
    )
    frame, flagged = population_frame(planted, [LIXIAN, WUDU])
    return planted, frame, flagged


def test_plans_are_data_with_the_assessors_defaults():
    national = load_plan("national")
    assert national.villages_per_county == 29
    assert 950 <= national.households_per_county_expected <= 1050
    assert national.registered_share == 0.5
    assert national.targeted_share == 0
    assert load_plan("self_check").targeted_share > 0
    assert [name for name, _ in plan_names()][:3] == ["national", "provincial", "self_check"]


def test_bars_are_kept_once_with_their_direction():
    bars = load_bars()
    assert (bars["错退率"].bar, bars["错退率"].kind) == (0.02, "<")
    assert (bars["漏评率"].bar, bars["漏评率"].kind) == (0.02, "<")
    assert (bars["认可度"].bar, bars["认可度"].kind) == (0.90, ">")
    assert "本地" in bars["知晓率"].note


def test_unknown_plan_names_the_plans_there_are():
    with pytest.raises(PlanError, match="national"):
        load_plan("nonsense")


def test_plan_file_with_a_share_above_one_is_refused_in_chinese(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        'name = "bad"\nlabel = "错的"\nvillages_per_county = 5\npoor_village_share = 0.5\n'
        "households_per_village = 10\nregistered_share = 1.5\ntargeted_share = 0\n",
        encoding="utf-8",
    )
    with pytest.raises(PlanError, match="registered_share 应在 0 到 1 之间"):
        load_plan(path)


def test_a_sample_drawn_twice_with_one_seed_is_identical(two_counties):
    _, frame, flagged = two_counties
    plan = load_plan("self_check")
    first = draw_sample(frame, plan, seed=7, flagged=flagged)
    again = draw_sample(frame.sample(fraction=1.0, shuffle=True, seed=1), plan, seed=7, flagged=flagged)
    assert first.equals(again)  # the population's row order does not matter either
    other = draw_sample(frame, plan, seed=8, flagged=flagged)
    assert not first["household_id"].equals(other["household_id"])


def test_national_sample_takes_29_villages_and_half_registered_households(two_counties):
    _, frame, _ = two_counties
    sample = draw_sample(frame, load_plan("national"), seed=7, counties=[LIXIAN])
    assert sample["county_code"].unique().to_list() == [LIXIAN]
    assert sample["village_code"].n_unique() == 29
    assert sample.height == 29 * 35
    assert (
        sample.group_by("village_code").agg(pl.col("registered").sum())["registered"].to_list() == [18] * 29
    )
    assert sample.filter(pl.col("stratum") == "原贫困村")["village_code"].n_unique() == round(29 * 0.6)


def test_inclusion_probabilities_are_exact(two_counties):
    # Horvitz–Thompson: the weights of each drawn cell add up to the cell's size over the
    # village's probability, and the village weights to the number of villages, exactly.
    _, frame, flagged = two_counties
    sample = draw_sample(frame, load_plan("self_check"), seed=11, flagged=flagged, counties=[LIXIAN])
    flagged_frame = frame.with_columns(targeted=pl.col("household_id").is_in(list(flagged)))
    cells = flagged_frame.group_by("village_code", "registered", "targeted").len()
    drawn = sample.group_by("village_code", "registered", "targeted").agg(
        pl.col("weight").sum(), pl.col("village_prob").first()
    )
    joined = drawn.join(cells, on=["village_code", "registered", "targeted"])
    assert joined.height == drawn.height
    assert np.allclose(joined["weight"] * joined["village_prob"], joined["len"])
    villages = sample.group_by("village_code", "stratum").agg(pl.col("village_prob").first())
    by_stratum = villages.group_by("stratum").agg(villages=(1 / pl.col("village_prob")).sum())
    counts = (
        frame.filter(pl.col("county_code") == LIXIAN)
        .group_by("poor_village")
        .agg(pl.col("village_code").n_unique())
    )
    assert sorted(by_stratum["villages"].round(9).to_list()) == sorted(
        counts["village_code"].cast(pl.Float64).to_list()
    )


def test_lixian_true_wrongful_exit_rate_of_3_percent_fails_the_bar_on_a_full_check(two_counties, tmp_path):
    planted, frame, _ = two_counties
    truth = planted.true_rates()["错退率"]
    assert 0.025 < truth[0] < 0.035 and truth[1] < 0.01
    # Every registered household of every village: enough units for the interval to clear 2 %.
    path = tmp_path / "full.toml"
    path.write_text(
        'name = "full"\nlabel = "全面核查"\nvillages_per_county = 60\npoor_village_share = 0.4\n'
        "households_per_village = 120\nregistered_share = 1.0\ntargeted_share = 0\n",
        encoding="utf-8",
    )
    full = load_plan(path)
    results = frame.select(
        "household_id", "wrongly_exited", "should_register", "approves", "aware_count", "policy_count"
    )
    units = draw_sample(frame, full, seed=1).join(results, on="household_id")
    rows = estimate(units, full).filter(pl.col("measure") == "错退率", pl.col("scope") == "county")
    lixian = rows.filter(pl.col("county_code") == LIXIAN).row(0, named=True)
    assert lixian["verdict"] == VERDICT_FAILED
    assert lixian["lower"] > 0.02 and lixian["lower"] <= truth[0] <= lixian["upper"]
    assert lixian["n_units"] > 2000
    wudu = rows.filter(pl.col("county_code") == WUDU).row(0, named=True)
    assert wudu["verdict"] == VERDICT_MET and wudu["upper"] < 0.02


def test_the_national_sample_of_lixian_cannot_tell_3_from_2_percent(two_counties):
    # About 470 exited households: the interval straddles the bar, and says so.
    _, frame, _ = two_counties
    national = load_plan("national")
    results = frame.select(
        "household_id", "wrongly_exited", "should_register", "approves", "aware_count", "policy_count"
    )
    units = draw_sample(frame, national, seed=7).join(results, on="household_id")
    row = (
        estimate(units, national)
        .filter(pl.col("measure") == "错退率", pl.col("county_code") == LIXIAN)
        .row(0, named=True)
    )
    assert row["verdict"] == VERDICT_UNCERTAIN
    assert row["lower"] < 0.02 < row["upper"]
    assert row["n_units"] == units.filter(pl.col("exited"), pl.col("county_code") == LIXIAN).height


def test_missing_results_leave_a_measure_uncertain_not_crashed(two_counties):
    _, frame, _ = two_counties
    national = load_plan("national")
    units = draw_sample(frame, national, seed=7, counties=[WUDU])  # no result columns at all
    table = estimate(units, national)
    assert set(table["verdict"]) == {VERDICT_UNCERTAIN}
    assert table["estimate"].null_count() == table.height
    assert set(table["n_units"]) == {0}


def test_population_counts_living_members_and_marks_registered_and_exited(tmp_path):
    households = pl.DataFrame(
        {
            "household_id": ["H-WANG", "H-ZHANG"],
            "village_code": [SHIQIAO, SHANGPING],
            "village_name": ["石桥村", "上坪村"],
            "household_type": ["脱贫户", "一般农户"],
            "exit_year": [2019, None],
            "household_size": [4, 3],
        }
    )
    members = pl.DataFrame(
        {
            "household_id": ["H-WANG"] * 4 + ["H-ZHANG"] * 3,
            "name": [WANG_XIUYING.name, "李明", "李浩", "李大山", ZHANG_DESHUN.name, "张妻", "张子"],
            "member_status": ["正常", "正常", "正常", "死亡", "正常", "正常", "正常"],
        }
    )
    households.write_parquet(tmp_path / "households.parquet")
    members.write_parquet(tmp_path / "members.parquet")
    frame = population(tmp_path)
    wang = frame.filter(pl.col("household_id") == "H-WANG").row(0, named=True)
    assert (wang["members"], wang["registered"], wang["exited"]) == (3, True, True)
    assert wang["county_code"] == LIXIAN and wang["township_code"] == SHIQIAO[:9]
    zhang = frame.filter(pl.col("household_id") == "H-ZHANG").row(0, named=True)
    assert (zhang["members"], zhang["registered"], zhang["exited"]) == (3, False, False)


def test_cochran_size_with_finite_population_and_design_effect():
    # n0 = 1.96² × 0.02 × 0.98 / 0.01² = 752.9
    assert cochran_size(0.02, 0.01) == 753
    assert cochran_size(0.02, 0.01, population=5000) == math.ceil(752.93 / (1 + 751.93 / 5000) - 0.01)
    assert cochran_size(0.02, 0.01, design_effect=1.5) == 1130
    assert margin_of_error(753, 0.02) == pytest.approx(0.01, abs=2e-5)
    assert margin_of_error(753, 0.02, population=753) == 0.0
    with pytest.raises(ValueError, match="误差范围"):
        cochran_size(0.02, 0.0)


def test_clopper_pearson_solves_its_defining_equations():
    lower, upper = clopper_pearson(np.array([0.0, 3.0, 100.0]), np.array([100.0, 100.0, 100.0]))
    assert upper[0] == pytest.approx(1 - 0.025 ** (1 / 100), rel=1e-9)  # x = 0 has a closed form
    assert lower[2] == pytest.approx(0.025 ** (1 / 100), rel=1e-9)
    # P(X ≥ 3 | p = lower) = 0.025 and P(X ≤ 3 | p = upper) = 0.025
    assert betainc(3.0, 98.0, lower[1]) == pytest.approx(0.025, abs=1e-9)
    assert 1 - betainc(4.0, 97.0, upper[1]) == pytest.approx(0.025, abs=1e-9)
    wilson_lower, wilson_upper = wilson(np.array([0.03]), np.array([100.0]))
    assert lower[1] < wilson_lower[0] < 0.03 < wilson_upper[0] < upper[1]  # exact is the wider


def test_clopper_pearson_gives_the_published_values():
    # Tables of the exact interval: 0 of 100 → (0, 3.62 %); 5 of 50 → (3.33 %, 21.81 %).
    lower, upper = clopper_pearson(np.array([0.0, 5.0]), np.array([100.0, 50.0]))
    assert (lower[0], round(float(upper[0]), 4)) == (0.0, 0.0362)
    assert (round(float(lower[1]), 4), round(float(upper[1]), 4)) == (0.0333, 0.2181)
    # a fractional (effective) count lies between its integer neighbours
    middle_lower, middle_upper = clopper_pearson(np.array([5.5]), np.array([50.0]))
    assert lower[1] < middle_lower[0] and upper[1] < middle_upper[0]


def test_t_quantile_is_the_two_sided_student_quantile():
    assert t_quantile(np.array([1.0, 10.0, 1e9])) == pytest.approx([12.7062, 2.2281, 1.95996], abs=1e-4)


def test_generator_plants_assessment_truth_and_leaves_every_other_file_byte_identical(tmp_path):
    from fangfan.engine.synth import generate_dataset

    plain = generate_dataset(tmp_path / "plain", households=400, seed=5, as_of=dt.date(2026, 10, 31))
    planted = generate_dataset(
        tmp_path / "planted", households=400, seed=5, as_of=dt.date(2026, 10, 31), assessment_truth="default"
    )
    names = {path.name for path in planted.files} - {path.name for path in plain.files}
    assert names == {"assessment_truth.csv"}
    for path in plain.files:
        if path.name != "generate.json":
            assert path.read_bytes() == (tmp_path / "planted" / path.name).read_bytes(), path.name
    truth = pl.read_csv(
        tmp_path / "planted" / "assessment_truth.csv", schema_overrides={"household_id": pl.String}
    )
    assert truth.height == 400
    assert (
        truth.filter(~pl.col("exited"))["wrongly_exited"].null_count()
        == truth.filter(~pl.col("exited")).height
    )
    assert truth.filter(pl.col("registered"))["should_register"].null_count() == truth["registered"].sum()


def test_planted_truth_follows_the_rates_file_per_county():
    from fangfan.engine.synth.assessment import assessment_truth, load_rates

    size = 40_000
    rng = np.random.default_rng(0)
    county = np.where(np.arange(size) < size // 2, LIXIAN, WUDU)
    households = pl.DataFrame(
        {
            "household_id": [f"{i:08d}" for i in range(size)],
            "village_code": [f"{c}100{i % 50:03d}" for i, c in enumerate(county)],
            "household_type": np.where(rng.random(size) < 0.6, "脱贫户", "一般农户"),
            "exit_year": np.full(size, 2019),
        }
    ).with_columns(exit_year=pl.when(pl.col("household_type") == "脱贫户").then(pl.col("exit_year")))
    truth = assessment_truth(households, seed=1, rates=load_rates("default"))
    rates = truth.filter(pl.col("exited")).group_by("county_code").agg(pl.col("wrongly_exited").mean())
    by_county = dict(rates.iter_rows())
    assert 0.02 < by_county[LIXIAN] < 0.04  # planted at 3 % (礼县's override)
    assert 0.004 < by_county[WUDU] < 0.016  # the default 1 %


def test_every_household_is_drawn_as_often_as_its_inclusion_probability_says():
    # Villages of 3 to 40 households, several smaller than the quota of 8 (those are taken
    # whole), a self-check's flagged cells: over 4,000 draws each household turns up in the
    # share of samples its probability says, and it carries the same probability every time.
    rng = np.random.default_rng(5)
    sizes = np.array([3, 6, 9, 12, 20, 40, 8, 15, 30, 5])
    village = np.repeat(np.arange(sizes.size), sizes)
    size = village.size
    frame = Frame(
        np.zeros(size, dtype=np.int64),
        village,
        np.isin(village, [0, 1, 2, 6]),
        rng.random(size) < 0.4,
        rng.random(size) < 0.2,
    )
    plan = replace(load_plan("self_check"), villages_per_county=5, households_per_village=8)
    draws = 4000
    hits, probability = np.zeros(size), np.full(size, np.nan)
    for _ in range(draws):
        draw = draw_indices(frame, plan, rng)
        drawn = draw.village_prob * draw.household_prob
        seen = probability[draw.index]
        assert np.all(np.isnan(seen) | np.isclose(seen, drawn))
        probability[draw.index], hits[draw.index] = drawn, hits[draw.index] + 1
    assert not np.isnan(probability).any()  # every household can be drawn
    standard_error = np.sqrt(probability * (1 - probability) / draws)
    assert np.all(np.abs(hits / draws - probability) <= 4.5 * standard_error + 1e-12)


def _two_village_design(rng: np.random.Generator, village_fraction: float) -> tuple[Design, np.ndarray]:
    # two villages (one stratum) of 12 drawn households each, in cells of 4 and 8 drawn at 1/5 and 1/3
    cell = np.repeat(np.arange(4), [4, 8, 4, 8])
    cell_fraction = np.where(cell % 2 == 0, 0.2, 1 / 3)
    psu_fraction = np.full(cell.size, village_fraction)
    design = Design(
        np.zeros(cell.size, dtype=np.int64),
        cell // 2,
        np.zeros(cell.size, dtype=np.int64),
        1 / (psu_fraction * cell_fraction),
        psu_fraction,
        cell,
        cell_fraction,
    )
    return design, (rng.random(cell.size) < 0.7).astype(float)


def test_with_every_village_drawn_the_variance_is_the_stratified_household_one():
    design, y = _two_village_design(np.random.default_rng(3), village_fraction=1.0)
    z, mask = np.ones_like(y), np.ones(y.size, dtype=bool)
    result = ratios(design, 1, mask, y, z)
    weighted_total = design.weight.sum()
    residual = (y - result.estimate[0]) / weighted_total
    expected = 0.0
    for code in range(4):  # Σ_c N_c² (1 − f_c) s_c² / m_c over the cells (textbook SRSWOR)
        inside = design.cell == code
        m, f = inside.sum(), design.cell_fraction[inside][0]
        expected += (m / f) ** 2 * (1 - f) * residual[inside].var(ddof=1) / m
    assert result.variance[0] == pytest.approx(expected, rel=1e-12)


def test_with_few_villages_drawn_the_variance_is_the_ultimate_cluster_one():
    design, y = _two_village_design(np.random.default_rng(3), village_fraction=1e-9)
    z, mask = np.ones_like(y), np.ones(y.size, dtype=bool)
    corrected = ratios(design, 1, mask, y, z).variance[0]
    with_replacement = ratios(replace(design, psu_fraction=None), 1, mask, y, z).variance[0]
    assert corrected == pytest.approx(with_replacement, rel=1e-6)

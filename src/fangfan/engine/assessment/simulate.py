"""Proof by simulation: plant known true rates in a population, draw many samples, and see
how often the 95 % intervals cover the truth (docs/assessment.md, tests, bench).

The population is built in memory with numpy (no files), so a thousand draws take seconds.
Wrongful exits, omissions, disapproval and unawareness are planted per county at given
rates, with a village effect (some villages worse than others, as in the field) so the
clustering the design's variance must account for is really there. Flagged households
(the sieve's and monitoring's signals) are far more often the wrongly exited or omitted
ones, so a targeted self-check's unweighted share is biased and its weighted one is not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from fangfan.engine.assessment.estimate import (
    MEASURES,
    Design,
    Ratios,
    intervals,
    ratios,
    values_from_arrays,
)
from fangfan.engine.assessment.intervals import normal_quantile
from fangfan.engine.assessment.plan import SamplingPlan, load_bars
from fangfan.engine.assessment.sample import Draw, Frame, draw_indices

# Per county: true-rate targets of each measure (near the bars, and near 0–2 %).
DEFAULT_RATES: dict[str, tuple[float, ...]] = {
    "错退率": (0.005, 0.015, 0.03),
    "漏评率": (0.003, 0.01, 0.02),
    "认可度": (0.88, 0.93, 0.97),
    "知晓率": (0.85, 0.92, 0.96),
}


@dataclass(frozen=True)
class Planted:
    """A population with every household's true answers."""

    frame: Frame
    members: np.ndarray
    exited: np.ndarray
    wrong: np.ndarray  # float 0/1 (NaN outside the measure's domain)
    omitted: np.ndarray
    approves: np.ndarray
    aware: np.ndarray
    policies: np.ndarray
    counties: int

    def values(
        self, index: np.ndarray | slice = slice(None)
    ) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        return values_from_arrays(
            self.exited[index],
            self.frame.registered[index],
            self.members[index],
            self.wrong[index],
            self.omitted[index],
            self.approves[index],
            self.aware[index],
            self.policies[index],
        )

    def true_rates(self) -> dict[str, np.ndarray]:
        """measure → true rate per county, then the city (the finite population's own)."""
        result = {}
        for measure, (mask, y, z) in self.values().items():
            county = self.frame.county
            top = np.bincount(county, mask * y, minlength=self.counties)
            bottom = np.bincount(county, mask * z, minlength=self.counties)
            result[measure] = np.append(top / bottom, (mask * y).sum() / (mask * z).sum())
        return result


@dataclass(frozen=True)
class Answers:
    """Every household's true answers (float arrays; NaN outside a measure's domain)."""

    wrong: np.ndarray
    omitted: np.ndarray
    approves: np.ndarray
    aware: np.ndarray
    policies: np.ndarray
    bad_news: np.ndarray  # bool: wrongly exited or omitted (what the sieve tends to flag)


def plant_answers(
    rng: np.random.Generator,
    rates: dict[str, np.ndarray],
    village: np.ndarray,
    registered: np.ndarray,
    exited: np.ndarray,
    village_spread: float = 1.0,
) -> Answers:
    """Plant the four measures at per-household `rates` (measure → array, e.g. the county's rate).

    A village effect with mean 1 and variance `village_spread` (Gamma; 0 = none) scales the
    chance of a bad answer, so some villages are worse than others. The generator
    (`fangfan generate --assessment-truth`) and the simulation share this function.
    """
    size = village.size
    villages = int(village.max()) + 1 if size else 0
    if village_spread > 0:
        shape = 1.0 / village_spread
        effect = rng.gamma(shape, 1.0 / shape, villages)[village]
    else:
        effect = np.ones(size)

    def planted(measure: str, domain: np.ndarray, bad: bool) -> np.ndarray:
        chance = np.clip((rates[measure] if bad else 1 - rates[measure]) * effect, 0, 1)
        event = rng.random(size) < chance
        return np.where(domain, (event if bad else ~event).astype(float), np.nan)

    wrong = planted("错退率", exited, True)
    omitted = planted("漏评率", ~registered, True)
    approves = planted("认可度", np.ones(size, dtype=bool), False)
    policies = np.where(registered, 2 + rng.poisson(2.0, size), 1 + rng.poisson(0.5, size)).astype(float)
    unaware = np.clip((1 - rates["知晓率"]) * effect, 0, 1)
    aware = (policies - rng.binomial(policies.astype(np.int64), unaware)).astype(float)
    bad_news = (np.nan_to_num(wrong) > 0) | (np.nan_to_num(omitted) > 0)
    return Answers(wrong, omitted, approves, aware, policies, bad_news)


def planted_population(
    seed: int,
    rates: dict[str, Sequence[float]] | None = None,
    villages_per_county: int = 36,
    households_per_village: tuple[int, int] = (80, 260),
    flag_share: float = 0.08,
    flag_lift: float = 8.0,
    village_spread: float = 0.5,
) -> Planted:
    """A population of len(rates[...]) counties with the given true rates planted."""
    rates = {measure: tuple(values) for measure, values in (rates or DEFAULT_RATES).items()}
    counties = len(rates["错退率"])
    rng = np.random.default_rng(seed)
    villages = counties * villages_per_county
    sizes = rng.integers(households_per_village[0], households_per_village[1] + 1, villages)
    village_county = np.repeat(np.arange(counties), villages_per_county)
    village_registered = rng.beta(8, 16, villages)
    rank = np.argsort(np.argsort(-village_registered.reshape(counties, -1), axis=1), axis=1).reshape(-1)
    village_poor = rank < round(villages_per_county * 0.4)
    village = np.repeat(np.arange(villages), sizes)
    county = village_county[village]
    size = village.size
    registered = rng.random(size) < village_registered[village]
    exited = registered & (rng.random(size) < 0.9)
    members = 1 + rng.poisson(2.9, size)
    household_rates = {measure: np.asarray(values)[county] for measure, values in rates.items()}
    answers = plant_answers(rng, household_rates, village, registered, exited, village_spread)
    flag_chance = np.where(answers.bad_news, min(1.0, flag_share * flag_lift), flag_share)
    flagged = rng.random(size) < flag_chance
    frame = Frame(county, village, village_poor[village], registered, flagged)
    return Planted(
        frame,
        members.astype(float),
        exited,
        answers.wrong,
        answers.omitted,
        answers.approves,
        answers.aware,
        answers.policies,
        counties,
    )


def population_frame(planted: Planted, county_codes: Sequence[str]) -> tuple[pl.DataFrame, set[str]]:
    """The planted population as `population()` would give it, with the true answers as
    result columns (wrongly_exited …), and the set of flagged household ids."""
    frame = planted.frame
    county = np.asarray(county_codes)[frame.county]
    villages = pl.Series(frame.village).cast(pl.String).str.zfill(3)
    village_code = pl.Series(county) + "100" + villages
    household = pl.Series(np.arange(frame.county.size)).cast(pl.String).str.zfill(6)
    population = pl.DataFrame(
        {
            "household_id": village_code + household,
            "county_code": pl.Series(county),
            "township_code": pl.Series(county) + "100",
            "village_code": village_code,
            "village_name": "第" + villages + "村",
            "poor_village": frame.poor_village,
            "household_type": np.where(
                frame.registered, np.where(planted.exited, "脱贫户", "监测户"), "一般农户"
            ),
            "registered": frame.registered,
            "exited": planted.exited,
            "members": planted.members.astype(np.int32),
            "wrongly_exited": _boolean(planted.wrong),
            "should_register": _boolean(planted.omitted),
            "approves": _boolean(planted.approves),
            "aware_count": pl.Series(planted.aware).cast(pl.Int64),
            "policy_count": pl.Series(planted.policies).cast(pl.Int64),
        }
    )
    flagged = set(population.filter(pl.Series(frame.targeted))["household_id"].to_list())
    return population, flagged


def _boolean(values: np.ndarray) -> pl.Series:
    return pl.Series(values).fill_nan(None).cast(pl.Boolean)


def _design(frame: Frame, plan: SamplingPlan, draw: Draw, county: np.ndarray, weight: np.ndarray) -> Design:
    """The design codes `estimate.design_of` would give the drawn units."""
    if plan.design == "simple":
        return Design(county, np.arange(county.size), county, weight, draw.household_prob)
    village = frame.village[draw.index]
    psu = np.unique(village, return_inverse=True)[1]
    stratum = np.unique(county * 2 + frame.poor_village[draw.index], return_inverse=True)[1]
    targeted = frame.targeted[draw.index] if plan.targeted_share > 0 else False
    cell = np.unique(psu * 4 + frame.registered[draw.index] * 2 + targeted, return_inverse=True)[1]
    return Design(county, psu, stratum, weight, draw.village_prob, cell, draw.household_prob)


def _stacked(design: Design, counties: int) -> Design:
    """One design holding every measure at both scopes, so a draw costs one `ratios` call:
    the units repeated once per (scope, measure) block, each block with psus, strata and
    cells of its own. Groups: measure k of county c is k·counties + c; of the city,
    len(MEASURES)·counties + k (the `coverage` loop reads them back in that order)."""
    measures, size = len(MEASURES), design.group.size
    block = np.repeat(np.arange(2 * measures), size)  # blocks 0..3 county scope, 4..7 city

    def tiled(codes: np.ndarray) -> np.ndarray:
        return np.tile(codes, 2 * measures) + block * (int(codes.max()) + 1)

    measure = block % measures
    group = np.where(
        block < measures,
        measure * counties + np.tile(design.group, 2 * measures),
        measures * counties + measure,
    )
    return Design(
        group,
        tiled(design.psu),
        tiled(design.stratum),
        np.tile(design.weight, 2 * measures),
        None if design.psu_fraction is None else np.tile(design.psu_fraction, 2 * measures),
        None if design.cell is None else tiled(design.cell),
        None if design.cell_fraction is None else np.tile(design.cell_fraction, 2 * measures),
    )


def coverage(planted: Planted, plan: SamplingPlan, draws: int, seed: int) -> pl.DataFrame:
    """Draw `draws` samples of `plan`; per measure and county (and the city): the true rate,
    coverage of the 95 % interval, mean width, mean estimate, its standard error over the
    draws, the mean unweighted share and the bias in standard errors of the mean."""
    rng = np.random.default_rng(seed)
    groups = planted.counties + 1
    collected: dict[str, list[np.ndarray]] = {m: [] for m in MEASURES}
    stats_names = (
        "estimate",
        "variance",
        "n_units",
        "n_positive",
        "unweighted",
        "degrees",
        "equal_weights",
        "kish_n",
    )
    population_values = planted.values()
    for _ in range(draws):
        draw = draw_indices(planted.frame, plan, rng)
        index = draw.index
        weight = 1.0 / (draw.village_prob * draw.household_prob)
        county = planted.frame.county[index]
        design = _stacked(_design(planted.frame, plan, draw, county, weight), planted.counties)
        mask, y, z = (
            np.tile(np.concatenate([population_values[m][part][index] for m in MEASURES]), 2)
            for part in range(3)
        )
        result = ratios(design, len(MEASURES) * groups, mask, y, z)
        table = np.stack([getattr(result, name) for name in stats_names]).reshape(len(stats_names), -1)
        for k, measure in enumerate(MEASURES):
            county_part = table[:, k * planted.counties : (k + 1) * planted.counties]
            city_part = table[:, len(MEASURES) * planted.counties + k, None]
            collected[measure].append(np.concatenate([county_part, city_part], axis=1))
    truth = planted.true_rates()
    bars = load_bars()
    records = []
    for measure in MEASURES:
        stack = np.stack(collected[measure])  # draws × stats × groups
        fields = {name: stack[:, i, :].reshape(-1) for i, name in enumerate(stats_names)}
        result = Ratios(**{k: (v > 0.5 if k == "equal_weights" else v) for k, v in fields.items()})
        household_level = bars[measure].level == "household"
        lower, upper, _, methods = intervals(
            result, plan.design == "simple", household_level, plan.confidence
        )
        lower, upper = lower.reshape(draws, groups), upper.reshape(draws, groups)
        estimate = fields["estimate"].reshape(draws, groups)
        unweighted = fields["unweighted"].reshape(draws, groups)
        # The textbook Wald interval p̂ ± z·SE, for contrast only (never used for a verdict).
        wald_half = normal_quantile(plan.confidence) * np.sqrt(fields["variance"].reshape(draws, groups))
        for group in range(groups):
            true = truth[measure][group]
            covered = (lower[:, group] <= true + 1e-12) & (true - 1e-12 <= upper[:, group])
            spread = np.nanstd(estimate[:, group], ddof=1) / np.sqrt(draws)
            mean = float(np.nanmean(estimate[:, group]))
            records.append(
                {
                    "plan": plan.name,
                    "measure": measure,
                    "scope": "city" if group == planted.counties else "county",
                    "county": None if group == planted.counties else group,
                    "true_rate": float(true),
                    "coverage": float(np.mean(covered)),
                    "mean_width": float(np.nanmean(upper[:, group] - lower[:, group])),
                    "mean_estimate": mean,
                    "standard_error_of_mean": float(spread),
                    "bias_in_standard_errors": float((mean - true) / spread) if spread > 0 else 0.0,
                    "mean_unweighted": float(np.nanmean(unweighted[:, group])),
                    "wald_coverage": float(np.mean(np.abs(estimate[:, group] - true) <= wald_half[:, group])),
                    "method": methods[group],
                }
            )
    return pl.DataFrame(records)

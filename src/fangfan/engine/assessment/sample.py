"""A reproducible stratified two-stage sample with each unit's exact inclusion probability.

Stage 1 (villages): within each county the villages form two strata, former poor villages
and the rest; `villages_per_county` are split `poor_village_share` : rest and drawn by simple
random sampling without replacement inside each stratum, so a village's probability is
n_h / N_h exactly. A stratum with too few villages gives all of them (probability 1) and its
unused draws to the other stratum.

Stage 2 (households): in each drawn village, `households_per_village` are split
`registered_share` : rest between registered households (脱贫户/监测户) and the others, and
inside each of those groups `targeted_share` of the draws come from flagged households (the
sieve's findings, monitoring warnings) and the rest from the unflagged; each of the (up to)
four cells is a simple random sample without replacement, so a household's conditional
probability is k_cell / N_cell exactly. A cell that runs short hands its draws to its twin.
A self-check always keeps at least one unflagged draw in a group that has unflagged
households, so every household has a positive probability and the weighted estimate stays
unbiased.

`design = "simple"` skips villages: `households_per_county` households at random per county.

The same population, plan, flagged set and seed give the identical frame: the population is
put in household_id order first and every random number comes from one numpy Generator.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from fangfan.engine.assessment.plan import SamplingPlan

STRATUM_POOR = "原贫困村"
STRATUM_OTHER = "非贫困村"
STRATUM_SIMPLE = "全县简单随机"
SAMPLE_COLUMNS = (
    "county_code",
    "township_code",
    "village_code",
    "village_name",
    "household_id",
    "household_type",
    "stratum",
    "registered",
    "exited",
    "members",
    "targeted",
    "village_prob",
    "household_prob",
    "inclusion_prob",
    "weight",
)


@dataclass(frozen=True)
class Frame:
    """The population as integer-coded numpy arrays, one entry per household."""

    county: np.ndarray  # int codes
    village: np.ndarray  # int codes, villages numbered within the whole population
    poor_village: np.ndarray  # bool
    registered: np.ndarray  # bool
    targeted: np.ndarray  # bool


@dataclass(frozen=True)
class Draw:
    """Indices of the drawn households into the Frame, with their probabilities."""

    index: np.ndarray
    village_prob: np.ndarray
    household_prob: np.ndarray


def draw_sample(
    population: pl.DataFrame,
    plan: SamplingPlan,
    seed: int,
    flagged: pl.Series | set[str] | None = None,
    counties: Iterable[str] | None = None,
) -> pl.DataFrame:
    """Draw `plan`'s sample from `population` (see `population.population`).

    >>> sample = draw_sample(frame, load_plan("national"), seed=7)  # doctest: +SKIP
    >>> sample["weight"].sum()  # about the number of households in the population  # doctest: +SKIP
    """
    frame = population
    if counties is not None:
        frame = frame.filter(pl.col("county_code").is_in(list(counties)))
    frame = frame.sort("household_id")
    flagged_ids = pl.Series("flagged", sorted(flagged or ()), dtype=pl.String)
    targeted = (
        pl.col("household_id").is_in(flagged_ids.implode()) if plan.targeted_share > 0 else pl.lit(False)
    )
    frame = frame.with_columns(targeted=targeted)
    arrays = Frame(
        county=_codes(frame["county_code"]),
        village=_codes(frame["village_code"]),
        poor_village=frame["poor_village"].to_numpy().astype(bool),
        registered=frame["registered"].to_numpy().astype(bool),
        targeted=frame["targeted"].to_numpy().astype(bool),
    )
    draw = draw_indices(arrays, plan, np.random.default_rng(seed))
    stratum = (
        pl.lit(STRATUM_SIMPLE)
        if plan.design == "simple"
        else pl.when(pl.col("poor_village")).then(pl.lit(STRATUM_POOR)).otherwise(pl.lit(STRATUM_OTHER))
    )
    drawn = frame[draw.index].with_columns(
        stratum=stratum,
        village_prob=pl.Series(draw.village_prob),
        household_prob=pl.Series(draw.household_prob),
    )
    drawn = drawn.with_columns(inclusion_prob=pl.col("village_prob") * pl.col("household_prob"))
    drawn = drawn.with_columns(weight=1.0 / pl.col("inclusion_prob"))
    present = [c for c in SAMPLE_COLUMNS if c in drawn.columns]
    return drawn.select(present).sort("county_code", "village_code", "household_id")


def _codes(series: pl.Series) -> np.ndarray:
    """0, 1, 2 … in the sort order of the values (polars ranks strings far faster than numpy)."""
    return (series.rank("dense").to_numpy() - 1).astype(np.int64)


def draw_indices(frame: Frame, plan: SamplingPlan, rng: np.random.Generator) -> Draw:
    """The numpy core of `draw_sample` (the simulation calls it directly, a thousand times)."""
    size = frame.county.size
    if plan.design == "simple":
        cell = frame.county
        want = np.full(cell.max() + 1 if size else 0, plan.households_per_county)
        index, probability = _srs_by_cell(cell, want, rng.random(size))
        return Draw(index, np.ones(index.size), probability)
    villages, first = np.unique(frame.village, return_index=True)
    village_county = frame.county[first]
    village_poor = frame.poor_village[first]
    village_prob = _village_probabilities(village_county, village_poor, plan, rng.random(villages.size))
    household_keys = rng.random(size)
    chosen = village_prob[frame.village] > 0
    targeted = frame.targeted if plan.targeted_share > 0 else np.zeros(size, dtype=bool)
    cell = frame.village * 4 + frame.registered * 2 + targeted
    counts = np.bincount(cell[chosen], minlength=(villages.size) * 4).reshape(-1, 4)
    want = _household_allocation(counts, plan).reshape(-1)
    want[np.repeat(village_prob <= 0, 4)] = 0
    index, probability = _srs_by_cell(cell, want, household_keys)
    return Draw(index, village_prob[frame.village[index]], probability)


def _srs_by_cell(cell: np.ndarray, want: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per cell, the `want[cell]` units with the smallest keys, and want/N as their probability.

    Only units of cells that want any are sorted (villages not drawn cost nothing)."""
    counts = np.bincount(cell, minlength=want.size)
    take = np.minimum(want, counts)
    candidates = np.flatnonzero(take[cell] > 0)
    cells = cell[candidates]
    # keys are in [0, 1): cell + key orders by cell, then by key within the cell
    order = candidates[np.argsort(cells + keys[candidates], kind="stable")]
    sorted_cells = cell[order]
    starts = np.concatenate(([0], np.cumsum(np.bincount(cells, minlength=want.size))[:-1]))
    rank = np.arange(order.size) - starts[sorted_cells]
    picked = np.sort(order[rank < take[sorted_cells]])
    probability = take[cell[picked]] / counts[cell[picked]]
    return picked, probability


def _round(x: np.ndarray | float) -> np.ndarray:
    return np.floor(np.asarray(x, dtype=float) + 0.5).astype(np.int64)


def _village_probabilities(
    county: np.ndarray, poor: np.ndarray, plan: SamplingPlan, keys: np.ndarray
) -> np.ndarray:
    """n_h / N_h for drawn villages, 0 for the others."""
    strata = county * 2 + poor
    counts = np.bincount(strata, minlength=(county.max() + 1) * 2 if county.size else 0).reshape(-1, 2)
    want_poor = np.minimum(_round(plan.villages_per_county * plan.poor_village_share), counts[:, 1])
    want_other = np.minimum(plan.villages_per_county - want_poor, counts[:, 0])
    want_poor = np.minimum(plan.villages_per_county - want_other, counts[:, 1])
    want = np.stack([want_other, want_poor], axis=1).reshape(-1)
    picked, probability = _srs_by_cell(strata, want, keys)
    result = np.zeros(county.size)
    result[picked] = probability
    return result


def _household_allocation(counts: np.ndarray, plan: SamplingPlan) -> np.ndarray:
    """Draws per village and cell; columns: (other, untargeted), (other, targeted),
    (registered, untargeted), (registered, targeted)."""
    total_other = counts[:, 0] + counts[:, 1]
    total_registered = counts[:, 2] + counts[:, 3]
    m = plan.households_per_village
    registered = np.minimum(_round(m * plan.registered_share), total_registered)
    other = np.minimum(m - registered, total_other)
    registered = np.minimum(m - other, total_registered)
    result = np.zeros_like(counts)
    for column, group in ((0, other), (2, registered)):
        untargeted_n, targeted_n = counts[:, column], counts[:, column + 1]
        targeted = np.minimum(_round(group * plan.targeted_share), targeted_n)
        keep_one = (plan.targeted_share > 0) & (untargeted_n > 0) & (group >= 1)
        targeted = np.where(keep_one, np.minimum(targeted, group - 1), targeted)
        untargeted = np.minimum(group - targeted, untargeted_n)
        targeted = np.minimum(group - untargeted, targeted_n)
        result[:, column], result[:, column + 1] = untargeted, targeted
    return result


def flagged_households(run_dir: Path) -> set[str]:
    """Households a run flags: any finding, department warning or monitoring signal."""
    flagged: set[str] = set()
    for name in ("findings", "warnings", "monitoring_signals"):
        path = Path(run_dir) / f"{name}.parquet"
        if path.exists():
            ids = pl.scan_parquet(path).select(pl.col("household_id").cast(pl.String)).unique().collect()
            flagged.update(ids["household_id"].drop_nulls().to_list())
    return flagged

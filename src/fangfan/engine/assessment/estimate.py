"""Design-weighted estimates of the four exit measures, with 95 % intervals and verdicts.

Every measure is a ratio R = Σ w·y / Σ w·z over the sampled units of its domain (w = 1/π,
the inclusion probability's inverse):

    错退率  exited households with a result      y = members × wrongly_exited   z = members
    漏评率  non-registered households with one    y = members × should_register  z = members
    认可度  households with an answer             y = approves                   z = 1
    知晓率  households asked about policies       y = aware_count                z = policy_count

so the person-level rates count people, as DOMAIN.md defines them. The variance is the
linearised (Taylor) one of a stratified two-stage sample: the "ultimate cluster" estimator
over the villages shrunk by the first-stage finite-population correction (1 − f_h), plus
the household stage's own term for what the shrinking takes out (`_finite_population`);
without the design's probabilities it is the with-replacement estimator, which errs on the
wide side. A stratum with one village is merged with its county's other stratum. The interval
is Clopper–Pearson on the Korn–Graubard effective sample size, or plain Clopper–Pearson on
the counts for a household measure of a simple random sample (docs/assessment.md).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import polars as pl

from fangfan.engine.assessment.intervals import clopper_pearson, korn_graubard
from fangfan.engine.assessment.plan import SamplingPlan, load_bars

MEASURES = ("错退率", "漏评率", "认可度", "知晓率")
RESULT_COLUMNS = ("wrongly_exited", "should_register", "approves", "aware_count", "policy_count")
METHOD_EXACT = "Clopper–Pearson 精确区间（简单随机样本）"
METHOD_DESIGN = "Korn–Graubard 区间（按有效样本量的 Clopper–Pearson，分层整群方差）"
VERDICT_MET, VERDICT_FAILED, VERDICT_UNCERTAIN = "达标", "不达标", "不确定"


@dataclass(frozen=True)
class Design:
    """Integer codes of a sample's structure, one entry per unit."""

    group: np.ndarray  # domain of the estimate (county index, or 0 for the city)
    psu: np.ndarray  # first-stage unit (village; the household itself in a simple sample)
    stratum: np.ndarray  # variance stratum of the psu (county × village stratum)
    weight: np.ndarray
    # Finite-population correction (None: the psus are treated as drawn with replacement).
    psu_fraction: np.ndarray | None = None  # the psu's own probability (n_h / N_h)
    cell: np.ndarray | None = None  # second-stage cell: village × registered × flagged
    cell_fraction: np.ndarray | None = None  # the household's probability within its village

    @cached_property
    def structure(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per psu its stratum and group; per stratum its psu count and group (shared by measures)."""
        first = np.full(int(self.psu.max()) + 1, -1)
        first[self.psu[::-1]] = np.arange(self.psu.size)[::-1]
        psu_stratum, psu_group = self.stratum[first], self.group[first]
        n_h = np.bincount(psu_stratum).astype(float)
        stratum_group = np.zeros(n_h.size, dtype=np.int64)
        stratum_group[psu_stratum] = psu_group
        return psu_stratum, psu_group, n_h, stratum_group


@dataclass(frozen=True)
class Ratios:
    """Per group: the weighted ratio and what its interval needs."""

    estimate: np.ndarray
    variance: np.ndarray
    n_units: np.ndarray
    n_positive: np.ndarray
    unweighted: np.ndarray
    degrees: np.ndarray
    equal_weights: np.ndarray
    kish_n: np.ndarray  # (Σwz)² / Σ(wz)²: the weights' own effective size


def measure_values(units: pl.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """measure → (in domain with a result, y, z) as numpy arrays over the units."""
    height = units.height

    def column(name: str, dtype: type) -> np.ndarray:
        if name not in units.columns:
            return np.full(height, np.nan)
        return units[name].cast(pl.Float64).to_numpy().astype(float)

    members = units["members"].cast(pl.Float64).to_numpy() if "members" in units.columns else np.ones(height)
    exited = units["exited"].to_numpy().astype(bool)
    registered = units["registered"].to_numpy().astype(bool)
    wrong, omitted = column("wrongly_exited", bool), column("should_register", bool)
    approves, aware, policies = (
        column("approves", bool),
        column("aware_count", int),
        column("policy_count", int),
    )
    return values_from_arrays(exited, registered, members, wrong, omitted, approves, aware, policies)


def values_from_arrays(
    exited: np.ndarray,
    registered: np.ndarray,
    members: np.ndarray,
    wrong: np.ndarray,
    omitted: np.ndarray,
    approves: np.ndarray,
    aware: np.ndarray,
    policies: np.ndarray,
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The (mask, y, z) of each measure from result arrays (NaN = no result)."""
    aware_ok = ~np.isnan(aware) & ~np.isnan(policies) & (np.nan_to_num(policies) > 0)
    return {
        "错退率": (exited & ~np.isnan(wrong), members * np.nan_to_num(wrong), members),
        "漏评率": (~registered & ~np.isnan(omitted), members * np.nan_to_num(omitted), members),
        "认可度": (~np.isnan(approves), np.nan_to_num(approves), np.ones_like(members, dtype=float)),
        "知晓率": (
            aware_ok,
            np.minimum(np.nan_to_num(aware), np.nan_to_num(policies)),
            np.nan_to_num(policies),
        ),
    }


def ratios(design: Design, groups: int, mask: np.ndarray, y: np.ndarray, z: np.ndarray) -> Ratios:
    """Weighted ratio Σwy/Σwz per group with its linearised stratified-cluster variance."""
    w = design.weight * mask
    total_y = np.bincount(design.group, w * y, minlength=groups)
    total_z = np.bincount(design.group, w * z, minlength=groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(total_z > 0, total_y / total_z, np.nan)
        residual = np.where(mask, w * (y - np.nan_to_num(ratio)[design.group] * z), 0.0)
        linearised = residual / np.where(total_z > 0, total_z, 1.0)[design.group]
    psu_total = np.bincount(design.psu, linearised)
    psu_stratum, psu_group, n_h, stratum_group = design.structure
    strata = n_h.size
    mean_h = np.bincount(psu_stratum, psu_total, minlength=strata) / np.maximum(n_h, 1)
    squares = np.bincount(psu_stratum, (psu_total - mean_h[psu_stratum]) ** 2, minlength=strata)
    stratum_variance = np.where(n_h > 1, n_h / np.maximum(n_h - 1, 1) * squares, 0.0)
    variance = np.bincount(stratum_group, stratum_variance, minlength=groups)
    if design.psu_fraction is not None:
        variance = _finite_population(design, groups, linearised, stratum_variance)
    used_strata = np.bincount(stratum_group[n_h > 0], minlength=groups)
    degrees = np.bincount(psu_group, minlength=groups) - used_strata
    counted = mask.astype(float)
    n_units = np.bincount(design.group, counted, minlength=groups)
    n_positive = np.bincount(design.group, counted * (y > 0), minlength=groups)
    plain_y = np.bincount(design.group, counted * y, minlength=groups)
    plain_z = np.bincount(design.group, counted * z, minlength=groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        unweighted = np.where(plain_z > 0, plain_y / plain_z, np.nan)
    return Ratios(
        ratio,
        variance,
        n_units,
        n_positive,
        unweighted,
        degrees,
        _equal_weights(design.group[mask], design.weight[mask], groups),
        _kish(design.group[mask], (design.weight * z)[mask], groups),
    )


def _finite_population(
    design: Design, groups: int, linearised: np.ndarray, stratum_variance: np.ndarray
) -> np.ndarray:
    """Two-stage variance with the villages drawn without replacement (Särndal et al. 4.3):
    Σ_h (1 − f_h)·v_h + Σ_c f_v (1 − f_c)·m_c/(m_c − 1)·Σ_{i∈c} (u_i − ū_c)², where v_h is the
    ultimate-cluster term above, f_h the stratum's village fraction, and the second sum runs
    over the cells c (m_c households drawn at the fraction f_c) of the drawn villages (of
    probability f_v). With every village drawn it is the stratified household variance; with
    few it is the ultimate-cluster one. A cell of one household adds nothing (no spread)."""
    assert design.psu_fraction is not None
    psu_stratum, _, n_h, stratum_group = design.structure
    psu_fraction = np.bincount(design.psu, design.psu_fraction) / np.bincount(design.psu)
    stratum_fraction = np.bincount(psu_stratum, psu_fraction, minlength=n_h.size) / np.maximum(n_h, 1)
    variance = np.bincount(stratum_group, (1.0 - stratum_fraction) * stratum_variance, minlength=groups)
    if design.cell is None or design.cell_fraction is None:
        return variance
    m_c = np.bincount(design.cell).astype(float)
    mean_c = np.bincount(design.cell, linearised) / np.maximum(m_c, 1)
    squares_c = np.bincount(design.cell, (linearised - mean_c[design.cell]) ** 2)
    per_cell = np.where(m_c > 1, m_c / np.maximum(m_c - 1, 1) * squares_c, 0.0)
    share = (1.0 - design.cell_fraction) * design.psu_fraction / m_c[design.cell]
    # each unit carries 1/m_c of its cell's term, so the sum per group needs no cell → group map
    return variance + np.bincount(design.group, share * per_cell[design.cell], minlength=groups)


def _kish(group: np.ndarray, weight: np.ndarray, groups: int) -> np.ndarray:
    total = np.bincount(group, weight, minlength=groups)
    squares = np.bincount(group, weight * weight, minlength=groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(squares > 0, total * total / squares, 0.0))


def _equal_weights(group: np.ndarray, weight: np.ndarray, groups: int) -> np.ndarray:
    """Per group: are all the weights of its units the same (a self-weighting sample)?"""
    count = np.bincount(group, minlength=groups)
    total = np.bincount(group, weight, minlength=groups)
    squares = np.bincount(group, weight * weight, minlength=groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = count * squares - total * total
        return np.asarray(np.nan_to_num(spread / np.maximum(total * total, 1e-300)) < 1e-9)


def intervals(
    result: Ratios, simple: bool, household_level: bool, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """lower, upper, effective n and the method's name, per group."""
    estimate = np.nan_to_num(result.estimate)
    lower, upper, effective = korn_graubard(
        estimate, result.variance, result.n_units, result.degrees, confidence, result.kish_n
    )
    exact = simple & household_level & result.equal_weights
    if np.any(exact):
        exact_lower, exact_upper = clopper_pearson(result.n_positive, result.n_units, confidence)
        lower, upper = np.where(exact, exact_lower, lower), np.where(exact, exact_upper, upper)
        effective = np.where(exact, result.n_units, effective)
    methods = [METHOD_EXACT if flag else METHOD_DESIGN for flag in np.broadcast_to(exact, estimate.shape)]
    empty = result.n_units <= 0
    return np.where(empty, np.nan, lower), np.where(empty, np.nan, upper), effective, methods


def verdicts(lower: np.ndarray, upper: np.ndarray, bar: float, kind: str) -> list[str]:
    """达标 when the whole interval is on the right side of the bar, 不达标 when on the wrong side."""
    result = []
    for low, high in zip(lower, upper, strict=True):
        if np.isnan(low):
            result.append(VERDICT_UNCERTAIN)
        elif (kind == "<" and high < bar) or (kind == ">" and low > bar):
            result.append(VERDICT_MET)
        elif (kind == "<" and low > bar) or (kind == ">" and high < bar):
            result.append(VERDICT_FAILED)
        else:
            result.append(VERDICT_UNCERTAIN)
    return result


def design_of(units: pl.DataFrame, plan: SamplingPlan) -> tuple[Design, list[str]]:
    """County-scope design codes of a sample, and the county codes in index order."""
    counties, county = np.unique(units["county_code"].to_numpy(), return_inverse=True)
    weight = units["weight"].cast(pl.Float64).to_numpy()
    group = county.astype(np.int64)
    if plan.design == "simple" or "village_code" not in units.columns:
        psu = np.arange(units.height)
        fraction = _column(units, "inclusion_prob")
        return Design(group, psu, group, weight, fraction), [str(c) for c in counties]
    _, psu = np.unique(units["village_code"].to_numpy(), return_inverse=True)
    labels = units["stratum"].to_numpy() if "stratum" in units.columns else np.zeros(units.height)
    _, stratum_code = np.unique(labels, return_inverse=True)
    stratum = _collapse_single_psu_strata(county * (stratum_code.max() + 1) + stratum_code, psu, county)
    village_fraction, household_fraction = _column(units, "village_prob"), _column(units, "household_prob")
    cell = None
    if household_fraction is not None:
        registered = units["registered"].fill_null(False).to_numpy().astype(np.int64)
        targeted = (
            units["targeted"].fill_null(False).to_numpy().astype(np.int64)
            if "targeted" in units.columns
            else 0
        )
        cell = np.unique(psu * 4 + registered * 2 + targeted, return_inverse=True)[1].astype(np.int64)
    design = Design(group, psu.astype(np.int64), stratum, weight, village_fraction, cell, household_fraction)
    return design, [str(c) for c in counties]


def _column(units: pl.DataFrame, name: str) -> np.ndarray | None:
    """A design probability column as floats, or None when absent or incomplete (then the
    variance is the with-replacement one, which errs on the wide side)."""
    if name not in units.columns or units[name].null_count() > 0:
        return None
    values = units[name].cast(pl.Float64).to_numpy()
    return values if bool(np.all((values > 0) & (values <= 1))) else None


def _collapse_single_psu_strata(stratum: np.ndarray, psu: np.ndarray, county: np.ndarray) -> np.ndarray:
    """A stratum with one psu has no variance estimate: merge it into its county."""
    pairs = np.unique(np.stack([stratum, psu]), axis=1)
    psus_per_stratum = np.bincount(pairs[0], minlength=stratum.max() + 1)
    lonely = psus_per_stratum[stratum] < 2
    merged = np.where(lonely, -1 - county, stratum)
    _, codes = np.unique(merged, return_inverse=True)
    return codes.astype(np.int64)


def estimate(units: pl.DataFrame, plan: SamplingPlan) -> pl.DataFrame:
    """One row per (scope, county_code, measure): estimate, 95 % interval, counts, verdict.

    `units` is a sample from `draw_sample` with the result columns (RESULT_COLUMNS; a
    missing column or a null means no result for that measure).
    """
    if units.height == 0:
        return _frame([])
    design, counties = design_of(units, plan)
    values = measure_values(units)
    bars = load_bars()
    city = replace(design, group=np.zeros_like(design.group))
    rows: list[dict[str, object]] = []
    for scope, scope_design, codes in (("county", design, counties), ("city", city, [None])):
        for measure in MEASURES:
            mask, y, z = values[measure]
            result = ratios(scope_design, len(codes), mask, y, z)
            bar = bars[measure]
            household_level = bar.level == "household"
            lower, upper, effective, methods = intervals(
                result, plan.design == "simple", household_level, plan.confidence
            )
            for index, code in enumerate(codes):
                rows.append(
                    {
                        "scope": scope,
                        "county_code": code,
                        "measure": measure,
                        "estimate": _number(result.estimate[index]),
                        "lower": _number(lower[index]),
                        "upper": _number(upper[index]),
                        "n_units": int(result.n_units[index]),
                        "n_positive": int(result.n_positive[index]),
                        "unweighted": _number(result.unweighted[index]),
                        "effective_n": _number(effective[index]),
                        "standard_error": _number(np.sqrt(result.variance[index])),
                        "bar": bar.bar,
                        "bar_kind": bar.kind,
                        "verdict": verdicts(
                            lower[index : index + 1], upper[index : index + 1], bar.bar, bar.kind
                        )[0],
                        "method": methods[index],
                    }
                )
    return _frame(rows)


def _number(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


SCHEMA = {
    "scope": pl.String,
    "county_code": pl.String,
    "measure": pl.String,
    "estimate": pl.Float64,
    "lower": pl.Float64,
    "upper": pl.Float64,
    "n_units": pl.Int64,
    "n_positive": pl.Int64,
    "unweighted": pl.Float64,
    "effective_n": pl.Float64,
    "standard_error": pl.Float64,
    "bar": pl.Float64,
    "bar_kind": pl.String,
    "verdict": pl.String,
    "method": pl.String,
}


def _frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMA)

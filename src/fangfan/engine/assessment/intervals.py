"""Confidence intervals for a proportion, vectorised over numpy arrays.

>>> lower, upper = clopper_pearson(np.array([0.0]), np.array([100.0]))
>>> round(float(upper[0]), 4)  # no positives in 100: the rate is below 3.6 % with 95 % confidence
0.0362

`clopper_pearson` accepts non-integer counts, which the Korn–Graubard interval needs
(x* = p̂·n*, n* the effective sample size). The beta and Student t quantiles are SciPy's
(`scipy.special.betaincinv`, `scipy.special.stdtrit`), which take such counts as they are.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
from scipy.special import betaincinv, stdtrit


def normal_quantile(confidence: float = 0.95) -> float:
    """z such that a standard normal is within ±z with probability `confidence`."""
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def t_quantile(degrees: np.ndarray, confidence: float = 0.95) -> np.ndarray:
    """Two-sided Student t quantile with `degrees` degrees of freedom (≥ 1)."""
    degrees = np.maximum(np.asarray(degrees, dtype=float), 1.0)
    return np.asarray(stdtrit(degrees, 0.5 + confidence / 2), dtype=float)


def clopper_pearson(
    positives: np.ndarray, n: np.ndarray, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Clopper–Pearson ("exact") interval; counts may be fractional (effective counts)."""
    x = np.asarray(positives, dtype=float)
    n = np.asarray(n, dtype=float)
    x, n = np.broadcast_arrays(x, n)
    alpha = 1.0 - confidence
    safe_n = np.maximum(n, 1e-9)
    lower_a, lower_b = np.maximum(x, 1e-12), np.maximum(safe_n - x + 1.0, 1e-12)
    upper_a, upper_b = x + 1.0, np.maximum(safe_n - x, 1e-12)
    lower = np.where(x <= 0, 0.0, betaincinv(lower_a, lower_b, alpha / 2))
    upper = np.where(x >= safe_n, 1.0, betaincinv(upper_a, upper_b, 1.0 - alpha / 2))
    empty = n <= 0
    return np.where(empty, 0.0, lower), np.where(empty, 1.0, upper)


def wilson(proportion: np.ndarray, n: np.ndarray, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion from n (possibly effective) units."""
    p = np.asarray(proportion, dtype=float)
    n = np.maximum(np.asarray(n, dtype=float), 1e-9)
    z = normal_quantile(confidence)
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def korn_graubard(
    proportion: np.ndarray,
    variance: np.ndarray,
    n: np.ndarray,
    degrees: np.ndarray,
    confidence: float = 0.95,
    degenerate_n: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Korn & Graubard (1998): Clopper–Pearson on the effective sample size.

    n_eff = p̂(1−p̂)/v̂ (Kish's idea: the size of a simple sample as precise as this one),
    never above the actual n (so a design is never credited with more than it has), then
    shrunk by (t_{n−1}/t_df)² for the design's degrees of freedom. A sample with p̂ = 0 or 1
    has v̂ = 0 and says nothing about its design effect; it gets `degenerate_n` (the
    weights' Kish size, (Σw)²/Σw², in `estimate`), or n. Returns lower, upper, n_eff.
    """
    p = np.asarray(proportion, dtype=float)
    n = np.asarray(n, dtype=float)
    variance = np.asarray(variance, dtype=float)
    informative = (variance > 0) & (p > 0) & (p < 1)
    fallback = n if degenerate_n is None else np.minimum(np.asarray(degenerate_n, dtype=float), n)
    effective = np.where(informative, p * (1 - p) / np.where(informative, variance, 1.0), fallback)
    effective = np.minimum(effective, fallback)
    degrees = np.asarray(degrees, dtype=float)
    adjust = degrees < n - 1
    if np.any(adjust):
        ratio = t_quantile(np.maximum(n - 1, 1), confidence) / t_quantile(np.maximum(degrees, 1), confidence)
        effective = np.where(adjust, effective * ratio**2, effective)
    lower, upper = clopper_pearson(p * effective, effective, confidence)
    return lower, upper, effective

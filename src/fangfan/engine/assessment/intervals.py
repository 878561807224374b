"""Confidence intervals for a proportion, vectorised over numpy arrays (no SciPy needed).

>>> lower, upper = clopper_pearson(np.array([0.0]), np.array([100.0]))
>>> round(float(upper[0]), 4)  # no positives in 100: the rate is below 3.6 % with 95 % confidence
0.0362

`clopper_pearson` accepts non-integer counts, which the Korn–Graubard interval needs
(x* = p̂·n*, n* the effective sample size). The beta quantile is found by bisection on the
regularised incomplete beta function (continued fraction, Numerical Recipes §6.4).
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

_TINY = 1e-300
_EPS = 3e-15
_ITERATIONS = 400
_BISECTIONS = 100
_lgamma = np.vectorize(math.lgamma, otypes=[float])


def normal_quantile(confidence: float = 0.95) -> float:
    """z such that a standard normal is within ±z with probability `confidence`."""
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def _continued_fraction(a: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = np.ones_like(x)
    d = 1.0 - qab * x / qap
    d = 1.0 / np.where(np.abs(d) < _TINY, _TINY, d)
    h = d.copy()
    for m in range(1, _ITERATIONS + 1):
        m2 = 2 * m
        for numerator in (
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / np.where(np.abs(d) < _TINY, _TINY, d)
            c = 1.0 + numerator / c
            c = np.where(np.abs(c) < _TINY, _TINY, c)
            step = d * c
            h = h * step
        if np.all(np.abs(step - 1.0) < _EPS):
            break
    return h


def incomplete_beta(a: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The regularised incomplete beta function I_x(a, b) for a, b > 0."""
    a, b, x = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, b, x)))
    inside = np.clip(x, 1e-300, 1 - 1e-16)
    swap = inside > (a + 1.0) / (a + b + 2.0)
    aa, bb = np.where(swap, b, a), np.where(swap, a, b)
    xx = np.where(swap, 1.0 - inside, inside)
    log_front = aa * np.log(xx) + bb * np.log1p(-xx) - (_lgamma(aa) + _lgamma(bb) - _lgamma(aa + bb))
    part = np.exp(log_front) * _continued_fraction(aa, bb, xx) / aa
    value = np.where(swap, 1.0 - part, part)
    return np.where(x <= 0, 0.0, np.where(x >= 1, 1.0, value))


def beta_quantile(q: np.ndarray | float, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """x with I_x(a, b) = q (a, b > 0): Newton steps kept inside a shrinking bracket.

    Only the entries not yet converged are worked on, so a batch of many intervals costs
    about as many incomplete-beta evaluations as its slowest few entries need."""
    a, b, q = (np.array(v, dtype=float) for v in np.broadcast_arrays(a, b, q))
    shape = a.shape
    log_beta = _lgamma(a) + _lgamma(b) - _lgamma(a + b)
    low, high = np.zeros_like(a), np.ones_like(a)
    x = np.clip(a / (a + b), 1e-12, 1 - 1e-12)
    active = np.flatnonzero(np.ones(a.shape, dtype=bool).reshape(-1))
    a, b, q, log_beta, low, high, x = (v.reshape(-1) for v in (a, b, q, log_beta, low, high, x))
    for _ in range(_BISECTIONS):
        if active.size == 0:
            break
        xa, qa, aa, ba = x[active], q[active], a[active], b[active]
        value = incomplete_beta(aa, ba, xa)
        below = value < qa
        low[active] = np.where(below, xa, low[active])
        high[active] = np.where(below, high[active], xa)
        density = np.exp((aa - 1) * np.log(xa) + (ba - 1) * np.log1p(-xa) - log_beta[active])
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            step = xa - (value - qa) / density
        inside = (step >= low[active]) & (step <= high[active]) & np.isfinite(step)
        new = np.where(inside, step, (low[active] + high[active]) / 2)
        done = (np.abs(new - xa) <= 1e-10 * xa + 1e-15) | (np.abs(value - qa) < 1e-13)
        x[active] = new
        active = active[~done]
    return x.reshape(shape)


def t_quantile(degrees: np.ndarray, confidence: float = 0.95) -> np.ndarray:
    """Two-sided Student t quantile with `degrees` degrees of freedom (≥ 1)."""
    degrees = np.maximum(np.asarray(degrees, dtype=float), 1.0)
    x = beta_quantile(np.full_like(degrees, 1.0 - confidence), degrees / 2, np.full_like(degrees, 0.5))
    return np.asarray(np.sqrt(degrees * (1.0 - x) / x), dtype=float)


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
    lower = np.where(x <= 0, 0.0, beta_quantile(alpha / 2, lower_a, lower_b))
    upper = np.where(x >= safe_n, 1.0, beta_quantile(1.0 - alpha / 2, upper_a, upper_b))
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

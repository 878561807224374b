"""Sample-size calculator for an office's own check (Cochran, with the finite-population
correction and a design effect).

>>> cochran_size(0.02, 0.01)
753
>>> round(margin_of_error(753, 0.02), 4)
0.01
"""

from __future__ import annotations

import math

from fangfan.engine.assessment.intervals import normal_quantile


def cochran_size(
    p: float,
    margin: float,
    population: int | None = None,
    confidence: float = 0.95,
    design_effect: float = 1.0,
) -> int:
    """Units needed so the interval's half-width is `margin` for a true share near `p`.

    n₀ = z² p(1−p) / e² × deff, then n = n₀ / (1 + (n₀ − 1)/N) when N is given.
    """
    _check(p, confidence, design_effect)
    if not 0 < margin < 1:
        raise ValueError("误差范围应在 0 和 1 之间")
    z = normal_quantile(confidence)
    n0 = z * z * p * (1 - p) / (margin * margin) * design_effect
    if population:
        n0 = n0 / (1 + (n0 - 1) / population)
    return max(1, math.ceil(n0 - 1e-9))


def margin_of_error(
    n: int,
    p: float,
    population: int | None = None,
    confidence: float = 0.95,
    design_effect: float = 1.0,
) -> float:
    """The half-width a sample of `n` units buys for a true share near `p`."""
    _check(p, confidence, design_effect)
    if n < 1:
        raise ValueError("样本量应至少为 1")
    z = normal_quantile(confidence)
    fpc = 1.0 if not population or population <= 1 else max(0.0, (population - n) / (population - 1))
    return z * math.sqrt(design_effect * p * (1 - p) / n * fpc)


def _check(p: float, confidence: float, design_effect: float) -> None:
    if not 0 < p < 1:
        raise ValueError("预计比例应在 0 和 1 之间")
    if not 0.5 <= confidence < 1:
        raise ValueError("置信水平应在 0.5 和 1 之间")
    if design_effect < 1:
        raise ValueError("设计效应应不小于 1")

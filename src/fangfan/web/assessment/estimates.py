"""A round's estimates, as pages and reports read them: the engine's figures
(`fangfan.engine.assessment.estimate`) over the units the user may see, named and worded.

    frame = round_estimates(user, round)          # one row per (scope, county, measure)
    rows = estimate_rows(frame)                   # + county name, percent texts
    verdicts = county_verdicts(frame)             # county → 达标 / 不达标 / 不确定
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from fangfan.engine.assessment.estimate import (
    MEASURES,
    VERDICT_FAILED,
    VERDICT_MET,
    VERDICT_UNCERTAIN,
    estimate,
)
from fangfan.engine.assessment.plan import load_plan
from fangfan.web.accounts.models import User
from fangfan.web.assessment.models import Round
from fangfan.web.assessment.rounds import units_for_user, units_frame
from fangfan.web.regions.models import Region

CITY_NAME = "全市"


def round_estimates(user: User, round: Round) -> pl.DataFrame:
    """The engine's estimates from the visited units of `round` inside the user's region."""
    return estimate(units_frame(units_for_user(user, round)), load_plan(round.plan))


def percent(value: Any) -> str:
    """0.0183 → "1.83%"; nothing → —."""
    if value is None:
        return "—"
    return f"{float(value) * 100:.2f}%"


def county_names(codes: list[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


def estimate_rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Each estimate as a dict with its place's name and its figures as people read them."""
    names = county_names([code for code in frame["county_code"].drop_nulls().unique()])
    order = {measure: index for index, measure in enumerate(MEASURES)}
    rows = []
    for row in frame.iter_rows(named=True):
        code = row["county_code"]
        rows.append(
            {
                **row,
                "place": CITY_NAME if row["scope"] == "city" else names.get(code, code),
                "estimate_text": percent(row["estimate"]),
                "interval_text": f"{percent(row['lower'])} – {percent(row['upper'])}"
                if row["lower"] is not None
                else "—",
                "unweighted_text": percent(row["unweighted"]),
                "bar_text": f"{row['bar_kind']} {percent(row['bar'])}",
                "order": (row["scope"] != "city", code or "", order.get(row["measure"], 9)),
            }
        )
    return sorted(rows, key=lambda row: row["order"])


@dataclass(frozen=True)
class CountyVerdict:
    code: str
    name: str
    verdict: str
    measures: list[dict[str, Any]]


def overall(verdicts: list[str]) -> str:
    """One failing measure blocks exit; all met is met; anything else is uncertain."""
    if VERDICT_FAILED in verdicts:
        return VERDICT_FAILED
    if verdicts and all(verdict == VERDICT_MET for verdict in verdicts):
        return VERDICT_MET
    return VERDICT_UNCERTAIN


def county_verdicts(rows: list[dict[str, Any]]) -> list[CountyVerdict]:
    """Each county (and the city) with its measures and its overall verdict."""
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault((row["county_code"] or "", row["place"]), []).append(row)
    verdicts = [
        CountyVerdict(code, name, overall([row["verdict"] for row in measures]), measures)
        for (code, name), measures in grouped.items()
    ]
    counties = [verdict for verdict in verdicts if verdict.code]
    # The city of one county is that county again: shown once.
    return verdicts if len(counties) > 1 else counties

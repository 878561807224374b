"""温暖越冬 drawn from a real published run: the synthetic city of the conftest (300
households, seed 7), imported, linked, screened and published by the engine itself.

Each rule's households are worked out again here from the snapshot's own Parquet (not from
the database the draw reads), so the draw is checked against the data, not against itself.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources

import polars as pl
import pytest

from fangfan.engine.campaigns import campaign, parse_campaign
from fangfan.web.campaigns.actions import draw_targets
from fangfan.web.campaigns.models import Target
from fangfan.web.regions.models import Region

from .conftest import EngineData

pytestmark = pytest.mark.django_db
WARM = campaign("warm_winter")
LIVING = "正常"


def _drawn_by(rule: str) -> set[str]:
    return {
        target.household_id
        for target in Target.objects.filter(campaign=WARM.code)
        if rule in [reason["code"] for reason in target.reasons]
    }


def _years_before(day: dt.date, years: int) -> dt.date:
    return day.replace(year=day.year - years)


def test_warm_winter_draws_the_published_city_by_each_rule_with_its_reasons(published: EngineData) -> None:
    city = Region.objects.get(level=Region.Level.CITY)
    draw = draw_targets(None, WARM, city)

    households = pl.read_parquet(published.first_snapshot / "households.parquet")
    members = pl.read_parquet(published.first_snapshot / "members.parquet")
    no_bedding = set(
        households.filter(pl.col("winter_bedding").cast(pl.String).is_in(["否", "false"]))["household_id"]
    )
    unsafe = set(households.filter(pl.col("house_grade").is_in(["C", "D"]))["household_id"])
    living = members.filter(pl.col("member_status").is_null() | (pl.col("member_status") == LIVING))
    alone = living.group_by("household_id").agg(pl.len().alias("people"), pl.col("birth_date").first())
    born_by = _years_before(WARM.start, 60)
    elderly_alone = set(
        alone.filter((pl.col("people") == 1) & (pl.col("birth_date").cast(pl.Date) <= born_by))[
            "household_id"
        ]
    )
    assert no_bedding and unsafe, "the synthetic city has households of both kinds"
    assert _drawn_by("no_bedding") == no_bedding
    assert _drawn_by("unsafe_house") == unsafe
    assert _drawn_by("elderly_alone") == elderly_alone
    everyone = Target.objects.filter(campaign=WARM.code)
    assert draw.added == everyone.count() >= len(no_bedding | unsafe | elderly_alone)
    assert all(target.reasons for target in everyone)

    again = draw_targets(None, WARM, city)
    assert (again.added, again.kept) == (0, draw.added)


def test_the_published_disasters_of_the_campaigns_year_draw_their_households(published: EngineData) -> None:
    """The synthetic floods are of 2024 and 2025: 温暖越冬 2026 draws none of them; the same
    file run for the winter of 2025 draws the households of the damaging 2025 ones."""
    disasters = pl.read_parquet(published.first_snapshot / "disasters.parquet")
    damaging = pl.col("house_damage").is_in(["一般损坏", "严重损坏", "倒塌"])
    in_2025 = disasters.filter(damaging & (pl.col("occurred_on").cast(pl.Date).dt.year() == 2025))
    assert disasters.filter(pl.col("occurred_on").cast(pl.Date).dt.year() == 2026).is_empty()
    city = Region.objects.get(level=Region.Level.CITY)
    draw_targets(None, WARM, city)
    assert _drawn_by("disaster") == set()

    source = (resources.files("fangfan.engine.campaigns") / "warm_winter.toml").read_text("utf-8")
    last_winter = parse_campaign(
        source.replace("start = 2026-11-01", "start = 2025-11-01")
        .replace("visit_by = 2026-12-31", "visit_by = 2025-12-31")
        .replace('code = "warm_winter"', 'code = "warm_winter_2025"'),
        "warm_winter_2025.toml",
    )
    draw_targets(None, last_winter, city)
    drawn = Target.objects.filter(campaign="warm_winter_2025")
    hit = [target for target in drawn if "disaster" in [reason["code"] for reason in target.reasons]]
    assert in_2025.height and hit, "the synthetic city had damaging floods in 2025"
    heads = set(in_2025["head_name"])
    assert {target.household.head_name for target in hit} <= heads
    for target in hit:
        [reason] = [reason for reason in target.reasons if reason["code"] == "disaster"]
        evidence = dict(reason["evidence"])
        assert evidence["发生日期"].startswith("2025年") and evidence["房屋受损"] in (
            "一般损坏",
            "严重损坏",
            "倒塌",
        )

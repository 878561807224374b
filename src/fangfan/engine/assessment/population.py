"""The sampling frame: one row per household of a snapshot.

Columns: household_id, county_code, township_code, village_code, village_name,
poor_village (bool), household_type, registered (脱贫户 or 监测户), exited (has an exit
year), members (people living in the household: members listed 正常, else the declared size).

The registry carries no 贫困村 flag, so a former poor village is taken to be one whose share
of registered households is in the top `population.toml` share of its county's villages;
a `villages` table with a boolean `poor_village` column overrides that.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from fangfan.engine.assessment.plan import poor_village_top_share
from fangfan.engine.snapshot import SnapshotError

REGISTERED_TYPES = ("脱贫户", "监测户")
COLUMNS = (
    "household_id",
    "county_code",
    "township_code",
    "village_code",
    "village_name",
    "poor_village",
    "household_type",
    "registered",
    "exited",
    "members",
)


def population(snapshot_dir: Path) -> pl.DataFrame:
    """The frame of `snapshot_dir` (a snapshot folder), sorted by household_id."""
    households_path = Path(snapshot_dir) / "households.parquet"
    if not households_path.exists():
        raise SnapshotError(f"快照 {snapshot_dir} 中没有户信息（households.parquet）")
    households = pl.scan_parquet(households_path).select(
        "household_id", "village_code", "village_name", "household_type", "exit_year", "household_size"
    )
    joined = households.join(_member_counts(Path(snapshot_dir)), on="household_id", how="left")
    frame = joined.with_columns(
        county_code=pl.col("village_code").str.slice(0, 6),
        township_code=pl.col("village_code").str.slice(0, 9),
        registered=pl.col("household_type").is_in(REGISTERED_TYPES),
        exited=pl.col("exit_year").is_not_null(),
        members=pl.coalesce(pl.col("_living"), pl.col("household_size"), pl.lit(1))
        .clip(lower_bound=1)
        .cast(pl.Int32),
    ).collect()
    poor = _poor_villages(frame, Path(snapshot_dir) / "villages.parquet")
    frame = frame.join(poor, on="village_code", how="left").with_columns(
        pl.col("poor_village").fill_null(False)
    )
    return frame.select(COLUMNS).sort("household_id")


def _member_counts(snapshot_dir: Path) -> pl.LazyFrame:
    path = snapshot_dir / "members.parquet"
    if not path.exists():
        return pl.LazyFrame(schema={"household_id": pl.String, "_living": pl.UInt32})
    members = pl.scan_parquet(path).select("household_id", "member_status")
    living = pl.col("member_status").is_null() | (pl.col("member_status") == "正常")
    counts = members.filter(living).group_by("household_id").agg(_living=pl.len())
    return counts.filter(pl.col("_living") > 0)


def _poor_villages(frame: pl.DataFrame, villages_path: Path) -> pl.DataFrame:
    if villages_path.exists():
        villages = pl.read_parquet(villages_path)
        if "poor_village" in villages.columns:
            return villages.select("village_code", pl.col("poor_village").cast(pl.Boolean))
    return mark_poor_villages(frame)


def mark_poor_villages(frame: pl.DataFrame, top_share: float | None = None) -> pl.DataFrame:
    """village_code → poor_village: the top `top_share` of each county's villages by registered share."""
    top_share = poor_village_top_share() if top_share is None else top_share
    shares = frame.group_by("county_code", "village_code").agg(share=pl.col("registered").mean())
    rank = pl.col("share").rank("ordinal", descending=True).over("county_code")
    count = pl.len().over("county_code")
    # Ties broken by village code so the marking never depends on row order.
    shares = shares.sort("village_code")
    return shares.select("village_code", poor_village=rank <= (count * top_share).round(0))

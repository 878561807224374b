"""Where an uploaded file's rows belong, and what a file holds next to the one it replaces.

    registry = Registry.from_snapshot(snapshot)             # the current run's people
    places = row_places(table, outcome.data, registry)      # a region code per row, or null
    problems = outside_rows(table, outcome.data, places, "621226", raw)
    profile = file_profile(table, raw_rows, outcome.data, places, registry)

A row's place is its village code where the table has one; a member's or an income
row's is its household's; a person's is the village of the registry member with that
exact ID number, else the county the number was issued in when that is one of the
city's. A row whose place is unknown (a person the registry does not know, born outside
the city) belongs to no one's region and is kept.

Plain Python: no Django here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import polars as pl

from fangfan.engine import regions
from fangfan.engine.ingest import validate
from fangfan.engine.schema import Kind, Table

CODE_OUTSIDE = "OUTSIDE_REGION"
# Household-level tables without a village code reach one through their household.
THROUGH_HOUSEHOLD = ("members", "income")


@dataclass(frozen=True)
class Registry:
    """The current snapshot's households (household_id → village_code) and people (id → village)."""

    households: pl.DataFrame
    people: pl.DataFrame

    @classmethod
    def empty(cls) -> Registry:
        return cls(
            pl.DataFrame(schema={"household_id": pl.String, "village_code": pl.String}),
            pl.DataFrame(schema={"id_number": pl.String, "village_code": pl.String}),
        )

    @classmethod
    def from_frames(cls, households: pl.DataFrame | None, members: pl.DataFrame | None) -> Registry:
        empty = cls.empty()
        if households is None:
            return empty
        homes = households.select("household_id", pl.col("village_code").cast(pl.String)).unique(
            "household_id"
        )
        people = empty.people
        if members is not None:
            people = (
                members.select("household_id", "id_number")
                .join(homes, on="household_id", how="inner")
                .select("id_number", "village_code")
                .unique("id_number")
            )
        return cls(homes, people)

    def with_households(self, households: pl.DataFrame) -> Registry:
        """This registry with a file's own households first (members are checked against them)."""
        own = households.select("household_id", pl.col("village_code").cast(pl.String))
        merged = pl.concat([own, self.households], how="vertical_relaxed").unique(
            "household_id", keep="first"
        )
        return Registry(merged, self.people)


def _id_field(table: Table) -> str | None:
    for name in ("id_number", "head_id_number"):
        if name in table.field_names and table.field(name).kind == Kind.ID_NUMBER:
            return name
    return None


def place_field(table: Table) -> str | None:
    """The field a row's place is read from, as the problem names it."""
    if "village_code" in table.field_names:
        return "village_code"
    if table.name in THROUGH_HOUSEHOLD:
        return "household_id"
    return _id_field(table)


def row_places(table: Table, data: pl.DataFrame, registry: Registry) -> pl.Series:
    """A region code (12-digit village, or 6-digit county) for each row of `data`, null if unknown."""
    field = place_field(table)
    if field is None or data.height == 0:
        return pl.Series("place", [None] * data.height, dtype=pl.String)
    if field == "village_code":
        return data.get_column("village_code").cast(pl.String).alias("place")
    if field == "household_id":
        looked_up = data.select("household_id").join(registry.households, on="household_id", how="left")
        return looked_up.get_column("village_code").alias("place")
    looked_up = data.select(pl.col(field).alias("id_number")).join(
        registry.people, on="id_number", how="left"
    )
    issued = pl.col("id_number").str.slice(0, 6)
    city = regions.CITY_CODE[:4]
    return looked_up.select(
        pl.coalesce(
            "village_code",
            pl.when(issued.str.starts_with(city) & issued.is_in(list(regions.counties()))).then(issued),
        ).alias("place")
    ).to_series()


def _outside(places: pl.Series, prefix: str) -> pl.Series:
    """True where a known place is not within `prefix` (compared over the shorter of the two)."""
    code = pl.col("place")
    inside = (
        code.is_null()
        | code.str.starts_with(prefix)
        | ((code.str.len_chars() < len(prefix)) & pl.lit(prefix).str.starts_with(code))
    )
    return pl.DataFrame({"place": places}).select((~inside).alias("outside")).to_series()


def outside_rows(
    table: Table, data: pl.DataFrame, places: pl.Series, prefix: str, headers: pl.DataFrame
) -> pl.DataFrame:
    """One problem per row of `data` placed outside `prefix` (the engine's problem columns)."""
    field = place_field(table)
    outside = _outside(places, prefix) if data.height else pl.Series([], dtype=pl.Boolean)
    if field is None or not outside.any():
        return pl.DataFrame(schema=validate.PROBLEM_COLUMNS)
    rows = data.with_columns(places.alias("_place")).filter(outside)
    column = _column(headers, table, field)
    own = _region_name(prefix)
    return rows.select(
        pl.col("_file").alias("file"),
        pl.col("_sheet").alias("sheet"),
        pl.col("_row").alias("row"),
        pl.lit(table.name).alias("table"),
        pl.lit(column).alias("column"),
        pl.lit(field).alias("field"),
        pl.col(field).cast(pl.String).alias("value"),
        pl.lit(CODE_OUTSIDE).alias("code"),
        pl.col("_place")
        .map_elements(
            lambda code: f"该行属于{_region_name(code)}，不在您的区划（{own}）内，该行未导入",
            return_dtype=pl.String,
        )
        .alias("message"),
        pl.lit("excluded").alias("action"),
    )


def _column(headers: pl.DataFrame, table: Table, field: str) -> str:
    written = headers.filter(pl.col("field") == field).get_column("column")
    return str(written[0]) if written.len() else table.field(field).header


def _region_name(code: str) -> str:
    """陇南市礼县 style names: the township where known, else the county, else the code."""
    township = regions.townships().get(code[:9]) if len(code) >= 9 else None
    county = regions.counties().get(code[:6])
    if township and county:
        return f"{county.name}{township.name}"
    if county:
        return county.name
    return "陇南市以外" if not code.startswith(regions.CITY_CODE[:4]) else f"区划 {code}"


@dataclass(frozen=True)
class Profile:
    """What one table of a file holds: rows, shares of valid and registry-known IDs, places covered."""

    rows: int
    valid_ids: float | None  # share of rows, 0–1; None for tables without ID numbers
    linked: float | None  # share of rows whose ID is a registry member's
    counties: tuple[str, ...]
    townships: int

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "counties": list(self.counties)}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Profile:
        counties = data.get("counties") or []
        assert isinstance(counties, list)
        return cls(
            rows=int(str(data["rows"])),
            valid_ids=_share(data.get("valid_ids")),
            linked=_share(data.get("linked")),
            counties=tuple(str(code) for code in counties),
            townships=int(str(data.get("townships") or 0)),
        )


def _share(value: object) -> float | None:
    return None if value is None else float(str(value))


def file_profile(
    table: Table, rows: int, data: pl.DataFrame, places: pl.Series, registry: Registry
) -> Profile:
    """`rows` is every data row of the table in the file, imported or not."""
    field = _id_field(table)
    valid = linked = None
    if field is not None and rows:
        valid = int(data.get_column(f"{field}_valid").fill_null(False).sum()) / rows
        known = data.get_column(field).is_in(registry.people.get_column("id_number").implode())
        linked = int(known.fill_null(False).sum()) / rows
    codes = places.drop_nulls()
    counties = tuple(
        sorted(code for code in codes.str.slice(0, 6).unique().to_list() if code in regions.counties())
    )
    townships = codes.filter(codes.str.len_chars() >= 9).str.slice(0, 9).n_unique()
    return Profile(rows, valid, linked, counties, townships)


@dataclass(frozen=True)
class Thresholds:
    """When a new file is too much poorer than the current one (settings FANGFAN_UPLOAD_HOLD_*)."""

    rows_percent: int = 50
    valid_id_drop: int = 10
    linked_drop: int = 20
    counties_lost: int = 0


def drops(new: Profile, current: Profile, limits: Thresholds) -> list[str]:
    """Why `new` should wait for the city office before it replaces `current` (Chinese), or []."""
    reasons = []
    if current.rows and new.rows * 100 < current.rows * limits.rows_percent:
        reasons.append(f"行数从 {current.rows:,} 降到 {new.rows:,}（不到在用文件的 {limits.rows_percent}%）")
    for label, now, before, limit in (
        ("有效身份证号占比", new.valid_ids, current.valid_ids, limits.valid_id_drop),
        ("能在建档立卡人员中找到的占比", new.linked, current.linked, limits.linked_drop),
    ):
        if now is not None and before is not None and (before - now) * 100 > limit:
            reasons.append(f"{label}从 {before:.0%} 降到 {now:.0%}（下降超过 {limit} 个百分点）")
    lost = sorted(set(current.counties) - set(new.counties))
    if len(lost) > limits.counties_lost:
        names = "、".join(regions.counties()[code].name for code in lost)
        reasons.append(
            f"不再覆盖{names}（在用文件覆盖 {len(current.counties)} 个县区，新文件 {len(new.counties)} 个）"
        )
    return reasons


def comparison_rows(comparison: list[dict[str, object]]) -> list[dict[str, object]]:
    """A held upload's stored comparison as the page shows it: per table, labelled lines."""
    shown = []
    for item in comparison:
        current = Profile.from_dict(_mapping(item["current"]))
        new = Profile.from_dict(_mapping(item["new"]))
        lines = [
            ("行数", f"{current.rows:,}", f"{new.rows:,}"),
            ("有效身份证号占比", _percent(current.valid_ids), _percent(new.valid_ids)),
            ("能在建档立卡人员中找到的占比", _percent(current.linked), _percent(new.linked)),
            ("覆盖的县区", _counties(current.counties), _counties(new.counties)),
            ("覆盖的乡镇", f"{current.townships} 个", f"{new.townships} 个"),
        ]
        shown.append({"title": item["title"], "lines": lines, "reasons": item["reasons"]})
    return shown


def _mapping(value: object) -> dict[str, object]:
    assert isinstance(value, dict)
    return value


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share:.1%}"


def _counties(codes: tuple[str, ...]) -> str:
    names = [regions.counties()[code].name for code in codes if code in regions.counties()]
    return f"{len(names)} 个（{'、'.join(names)}）" if names else "0 个"

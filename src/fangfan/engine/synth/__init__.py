"""Synthetic Longnan: the registry, the 13 department feeds and their ground truth.

>>> result = generate_dataset(Path("/tmp/demo"), households=2000, seed=1)  # doctest: +SKIP
>>> result.counts["households"]  # doctest: +SKIP
2000

The same seed and arguments give byte-identical files. Problems are injected on
purpose (and arise naturally in the income tail); each one is a row of
`ground_truth.csv`, as docs/ground_truth.md defines. A province (`province="gansu"`)
is generated and written one city at a time, so memory holds the largest city, not the
province (`_generate_province`).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from fangfan.engine.progress import Progress, SilentProgress
from fangfan.engine.regions import RegionSet
from fangfan.engine.schema import ALL_TABLES
from fangfan.engine.synth import feeds, property, writers
from fangfan.engine.synth.income import build_income, finish_households
from fangfan.engine.synth.inject import (
    inject_rules,
    inject_structure,
    natural_income_tail,
    natural_occurrences,
)
from fangfan.engine.synth.links import inject_links
from fangfan.engine.synth.regions import city_shares, region_of
from fangfan.engine.synth.registry import build_registry
from fangfan.engine.synth.truth import Truth

__all__ = ["GenerateResult", "default_as_of", "generate_dataset"]

STREAMS = ("registry", "structure", "income", "feeds", "rules", "links", "messy")
CITY_FLOOR = 20  # households each city of a province gets at least: the generator needs about a dozen


@dataclass
class GenerateResult:
    out_dir: Path
    files: list[Path]
    counts: dict[str, int]
    kinds: dict[str, int]
    seconds: float
    income_years: tuple[int, int] = (0, 0)
    as_of: dt.date = field(default_factory=dt.date.today)


def default_as_of(today: dt.date | None = None) -> dt.date:
    """The last day of the previous month."""
    today = today or dt.date.today()
    return today.replace(day=1) - dt.timedelta(days=1)


def generate_dataset(
    out_dir: Path,
    households: int,
    seed: int,
    *,
    messy: bool = False,
    file_format: str = "csv",
    as_of: dt.date | None = None,
    progress: Progress | None = None,
    assessment_truth: str | Path | None = None,
    province: str | None = None,
) -> GenerateResult:
    """Write the synthetic city (or `province`, "gansu") into `out_dir` and return what was written.

    `assessment_truth` ("default" or a TOML path) also plants assessment answers at known
    rates and writes `assessment_truth.csv` (`synth.assessment`); the other files do not change.
    """
    started = time.perf_counter()
    progress = progress or SilentProgress()
    as_of = as_of or default_as_of()
    years = (as_of.year - 2, as_of.year - 1)
    if province is not None:
        return _generate_province(
            out_dir, households, seed, province, as_of, years, progress, assessment_truth, messy, file_format
        )
    rngs = _streams(np.random.SeedSequence(seed))
    truth = Truth()
    region = region_of(province)
    tables = _tables(rngs, households, as_of, years, truth, progress, region)
    out_dir.mkdir(parents=True, exist_ok=True)
    books = _layout(rngs["messy"], tables, out_dir, messy, file_format, as_of, truth, region)
    progress.start("写出文件", total=len(books))
    places = writers.write_books(books, workers=2, progress=lambda name: progress.advance("写出文件"))
    progress.finish("写出文件")
    ground_truth = truth.table(places)
    ground_truth.write_csv(out_dir / "ground_truth.csv")
    counts = {name: frame.height for name, frame in tables.items()}
    kinds = dict(sorted(ground_truth.group_by("kind").len().iter_rows()))
    extra_files = []
    if assessment_truth is not None:
        from fangfan.engine.synth.assessment import write_assessment_truth

        extra_files.append(write_assessment_truth(out_dir, tables["households"], seed, assessment_truth))
    _write_manifest(
        out_dir, seed, households, as_of, years, counts, kinds, messy, file_format, assessment_truth, province
    )
    files = [
        *sorted({b.path for b in books}),
        out_dir / "ground_truth.csv",
        *extra_files,
        out_dir / "generate.json",
    ]
    return GenerateResult(out_dir, files, counts, kinds, time.perf_counter() - started, years, as_of)


def _streams(sequence: np.random.SeedSequence) -> dict[str, np.random.Generator]:
    """One generator per stream of `STREAMS`, spawned from `sequence`."""
    return dict(
        zip(
            STREAMS,
            (np.random.default_rng(s) for s in sequence.spawn(len(STREAMS))),
            strict=True,
        )
    )


def _tables(
    rngs: dict[str, np.random.Generator],
    households: int,
    as_of: dt.date,
    years: tuple[int, int],
    truth: Truth,
    progress: Progress,
    region: RegionSet,
    city: str | None = None,
    task: str = "生成户籍与成员",
) -> dict[str, pl.DataFrame]:
    """The registry, the feeds and every rule- and link-level problem of one city (`city` of a
    province, or the whole of `region`), the problems recorded in `truth`."""
    progress.start(task, total=4)
    registry = build_registry(rngs["registry"], households, as_of, region, city)
    progress.advance(task)
    members = inject_structure(rngs["structure"], registry.members, truth)
    households_frame = finish_households(registry.households, members)
    income = build_income(rngs["income"], households_frame, years)
    progress.advance(task)
    tables = _feeds(rngs["feeds"], households_frame, members, income, registry.villages, years, as_of)
    progress.advance(task)
    natural_income_tail(tables, years[1], truth)
    inject_rules(rngs["rules"], tables, years, as_of, truth)
    natural_occurrences(tables, years, truth)
    inject_links(rngs["links"], tables, truth)
    progress.finish(task)
    return tables


def _generate_province(
    out_dir: Path,
    households: int,
    seed: int,
    province: str,
    as_of: dt.date,
    years: tuple[int, int],
    progress: Progress,
    assessment_truth: str | Path | None,
    messy: bool,
    file_format: str,
) -> GenerateResult:
    """The province one city at a time: each city's registry, feeds and problems generated,
    appended to the files and dropped, so memory holds one city, never the province.

    The households are split over the cities first (at least `CITY_FLOOR` each); each city
    then draws from its own seed sequence, spawned from `seed`, so the files are the same
    for the same seed. Problem ids run on from city to city.
    """
    from fangfan.engine.config import ConfigError

    started = time.perf_counter()
    if messy or file_format != "csv":
        raise ConfigError("全省数据按市州逐个追加写出，只能写成规范的 CSV：请去掉 --messy 和 --format xlsx")
    region = region_of(province)
    shares = city_shares(region)
    if households < CITY_FLOOR * len(shares):
        raise ConfigError(f"全省至少要 {CITY_FLOOR * len(shares):,} 户（每个市州至少 {CITY_FLOOR} 户）")
    sequences = np.random.SeedSequence(seed).spawn(len(shares) + 1)
    split = np.random.default_rng(sequences[0])
    per_city = split.multinomial(households - CITY_FLOOR * len(shares), list(shares.values())) + CITY_FLOOR
    out_dir.mkdir(parents=True, exist_ok=True)
    cities = region.cities()
    rows_written: dict[Path, int] = {}
    counts: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    next_id = 1
    extra_files: list[Path] = []
    for part, (city, count) in enumerate(zip(shares, per_city, strict=True), start=1):
        name = cities[city].name
        rngs = _streams(sequences[part])
        truth = Truth(next_id=next_id)
        tables = _tables(rngs, int(count), as_of, years, truth, progress, region, city, f"生成{name}")
        books = _layout(rngs["messy"], tables, out_dir, False, "csv", as_of, truth, region)
        progress.start(f"写出{name}", total=len(books))
        places = writers.append_csv(books, rows_written)
        progress.finish(f"写出{name}")
        ground_truth = truth.table(places)
        _append_csv(ground_truth, out_dir / "ground_truth.csv", first=part == 1)
        next_id = truth.next_id
        counts.update({table: frame.height for table, frame in tables.items()})
        kinds.update(dict(ground_truth.group_by("kind").len().iter_rows()))
        if assessment_truth is not None:
            from fangfan.engine.synth.assessment import write_assessment_truth

            path = write_assessment_truth(
                out_dir, tables["households"], seed, assessment_truth, part, append=part > 1
            )
            extra_files = [path]
        del tables, books, ground_truth, truth
    kinds_sorted = dict(sorted(kinds.items()))
    _write_manifest(
        out_dir,
        seed,
        households,
        as_of,
        years,
        dict(counts),
        kinds_sorted,
        False,
        "csv",
        assessment_truth,
        province,
    )
    files = [*sorted(rows_written), out_dir / "ground_truth.csv", *extra_files, out_dir / "generate.json"]
    seconds = time.perf_counter() - started
    return GenerateResult(out_dir, files, dict(counts), kinds_sorted, seconds, years, as_of)


def _append_csv(frame: pl.DataFrame, path: Path, *, first: bool) -> None:
    if first:
        frame.write_csv(path)
        return
    with path.open("ab") as out:
        frame.write_csv(out, include_header=False)


def _feeds(
    rng: np.random.Generator,
    households: pl.DataFrame,
    members: pl.DataFrame,
    income: pl.DataFrame,
    villages: pl.DataFrame,
    years: tuple[int, int],
    as_of: dt.date,
) -> dict[str, pl.DataFrame]:
    registry_members = members
    members = members.unique(
        "id_number", keep="first", maintain_order=True
    )  # a person listed twice is one person
    claims = feeds.medical_claims(rng, members, years, as_of)
    claims = feeds.cap_selfpay(claims, income, years[1], 10_000)
    selfpay = claims.group_by("_hh", pl.col("settlement_date").dt.year().alias("year")).agg(
        _selfpay=pl.col("compliant_selfpay").sum().round(2)
    )
    income = (
        income.join(selfpay, on=["_hh", "year"], how="left", maintain_order="left")
        .with_columns(medical_selfpay=pl.col("_selfpay").fill_null(0.0))
        .drop("_selfpay")
    )
    return {
        "households": households,
        "members": registry_members,
        "income": income,
        "school_roll": feeds.school_roll(members, households),
        "medical_insurance": feeds.medical_insurance(members, years),
        "medical_claims": claims,
        "housing_appraisal": feeds.housing_appraisal(rng, households, as_of),
        "water_supply": feeds.water_supply(rng, villages, as_of),
        "social_assistance": feeds.social_assistance(rng, members, as_of),
        "disability": feeds.disability(rng, members, as_of),
        "employment": feeds.employment(rng, members),
        "civil_registration": feeds.civil_registration(rng, members, as_of),
        "business_registry": property.business_registry(rng, members),
        "vehicles": property.vehicles(rng, members, as_of),
        "real_estate": property.real_estate(rng, members, households, as_of),
        "disasters": property.disasters(rng, households, years, as_of),
    }


def _layout(
    rng: np.random.Generator,
    tables: dict[str, pl.DataFrame],
    out_dir: Path,
    messy: bool,
    file_format: str,
    as_of: dt.date,
    truth: Truth,
    region: RegionSet,
) -> list[writers.Workbook]:
    registry_tables = {"households", "members", "income"}
    exported = {
        name: _export_columns(
            name, frame.with_columns(_county=pl.col("county_name")) if name == "households" else frame
        )
        for name, frame in tables.items()
    }
    del registry_tables
    if messy:
        from fangfan.engine.synth.messy import messy_books

        return messy_books(rng, exported, out_dir, as_of, truth, region)
    return writers.clean_books(exported, out_dir, file_format)


def _export_columns(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    table = next(t for t in ALL_TABLES if t.name == name)
    hidden = [c for c in ("_hh", "_county", "_mark", "_slot", "_age", "_typo") if c in frame.columns]
    frame = (
        frame.with_columns(pl.lit(None, dtype=pl.Int64).alias("_mark"))
        if "_mark" not in frame.columns
        else frame
    )
    return frame.select(*table.field_names, *dict.fromkeys([*hidden, "_mark"]))


def _write_manifest(
    out_dir: Path,
    seed: int,
    households: int,
    as_of: dt.date,
    years: tuple[int, int],
    counts: dict[str, int],
    kinds: dict[str, int],
    messy: bool,
    file_format: str,
    assessment_truth: str | Path | None = None,
    province: str | None = None,
) -> None:
    manifest: dict[str, object] = {
        "seed": seed,
        "households": households,
        "as_of": as_of.isoformat(),
        "income_years": list(years),
        "newer_income_year": years[1],
        "messy": messy,
        "format": file_format,
        "counts": counts,
        "kinds": kinds,
    }
    if assessment_truth is not None:
        manifest["assessment_truth"] = str(assessment_truth)
    if province is not None:
        manifest["province"] = province  # FANGFAN_REGION=province to import it
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=False)
    (out_dir / "generate.json").write_text(text + "\n", encoding="utf-8")

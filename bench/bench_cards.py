"""Policy cards (issue 17): a township's cards, about 3,000 households, against the 60 s target.

    python -m bench.bench_cards [--city-csv DIR] [--out bench/out] [--json FILE]

A township of Longnan's size exists only at city scale (600,000 households, about 3,000 a
township). The city's generated CSV export (`--city-csv`, default bench/out/city/csv as
`make bench` leaves it, else /work/city/csv) is cut down to the township whose household
count is nearest 3,000: its households, members and incomes, every department row about
its people (by ID number), its houses (by the head's ID) and its villages (by code). That
township is imported and linked in its own FANGFAN_HOME (not measured), then
`fangfan cards --township CODE` is run as a child process and measured: wall time, CPU
time, peak memory of the process tree. Reading the city's files runs under
`flock /tmp/city.lock` (the city data is shared).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from bench.measure import Measurement, run_measured
from fangfan.engine.schema import TABLES, Kind

TARGET_SECONDS = 60.0
TOWNSHIP_HOUSEHOLDS = 3_000
CITY_LOCK = Path("/tmp/city.lock")
DEFAULT_CITY = (Path("bench/out/city/csv"), Path("/work/city/csv"))


def fangfan(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "fangfan.cli", *arguments]


@contextlib.contextmanager
def city_lock() -> Iterator[None]:
    with CITY_LOCK.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _read(path: Path) -> pl.LazyFrame:
    return pl.scan_csv(path, infer_schema=False)


def township_export(city_csv: Path, out: Path) -> tuple[str, int]:
    """Write the township nearest TOWNSHIP_HOUSEHOLDS households to `out`; its code and size."""
    titles = {table.title: table for table in TABLES.values()}
    households_file = city_csv / f"{TABLES['households'].title}.csv"
    counts = (
        _read(households_file)
        .group_by(pl.col("行政区划代码").str.slice(0, 9).alias("township"))
        .len()
        .collect()
        .with_columns((pl.col("len") - TOWNSHIP_HOUSEHOLDS).abs().alias("distance"))
        .sort("distance", "township")
    )
    township, size = counts.row(0)[:2]
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    households = _read(households_file).filter(pl.col("行政区划代码").str.starts_with(township)).collect()
    ids = households.select("户编号")
    members = (
        _read(city_csv / f"{TABLES['members'].title}.csv").join(ids.lazy(), on="户编号", how="semi").collect()
    )
    people = members.select(pl.col("证件号码").alias("_id"))
    heads = households.select(pl.col("户主身份证号").alias("_id"))
    for path in sorted(city_csv.glob("*.csv")):
        table = titles.get(path.stem)
        if table is None:  # ground_truth.csv and the like
            continue
        frame = _subset(_read(path), table, ids, people, heads, township)
        frame.collect().write_csv(out / path.name)
    return str(township), int(size)


def _subset(
    rows: pl.LazyFrame,
    table: object,
    ids: pl.DataFrame,
    people: pl.DataFrame,
    heads: pl.DataFrame,
    township: str,
) -> pl.LazyFrame:
    names = rows.collect_schema().names()
    fields = {field.header: field for field in table.fields}  # type: ignore[attr-defined]
    if "户编号" in names:
        return rows.join(ids.lazy(), on="户编号", how="semi")
    if "行政区划代码" in names and table.level != "person":  # type: ignore[attr-defined]
        return rows.filter(pl.col("行政区划代码").str.starts_with(township))
    id_header = next(header for header, field in fields.items() if field.kind is Kind.ID_NUMBER)
    wanted = heads if id_header.startswith("户主") else people
    return rows.join(wanted.lazy(), left_on=id_header, right_on="_id", how="semi")


def measure(city_csv: Path, out: Path) -> tuple[Measurement, dict[str, object]]:
    root = out / "cards"
    export, home = root / "township", root / "home"
    with city_lock():
        township, households = township_export(city_csv, export)
    shutil.rmtree(home, ignore_errors=True)
    env = {"FANGFAN_HOME": str(home)}
    subprocess.run(fangfan("import", str(export)), env={**_environ(), **env}, check=True, capture_output=True)
    subprocess.run(fangfan("link"), env={**_environ(), **env}, check=True, capture_output=True)
    pdf = root / f"{township}.pdf"
    measurement = run_measured(
        f"cards: township {township} ({households:,} households)",
        fangfan("cards", "--township", township, "--out", str(pdf)),
        env,
    )
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = re.search(r"^Pages:\s+(\d+)$", info, re.MULTILINE)
    figures = {
        "township": township,
        "households": households,
        "pages": int(pages.group(1)) if pages else 0,
        "megabytes": round(pdf.stat().st_size / 1024**2, 1),
        "wall_seconds": round(measurement.seconds, 1),
        "cpu_seconds": round(measurement.cpu_seconds, 1),
        "peak_mb": round(measurement.peak_rss_mb),
        "load_at_start": round(measurement.load, 1),
        "target_seconds": TARGET_SECONDS,
    }
    return measurement, figures


def _environ() -> dict[str, str]:
    return dict(os.environ)


def line(figures: dict[str, object]) -> str:
    wall = float(figures["wall_seconds"])  # type: ignore[arg-type]
    verdict = "meets" if wall <= TARGET_SECONDS else "MISSES"
    return (
        f"- cards: township {figures['township']}, {figures['households']:,} households → "
        f"{figures['pages']:,} pages ({figures['megabytes']} MB) in {wall:,.1f} s "
        f"(CPU {figures['cpu_seconds']} s, peak {figures['peak_mb']:,} MB, load {figures['load_at_start']}) "
        f"— {verdict} the target of {TARGET_SECONDS:.0f} s."
    )


def lines(json_path: Path) -> list[str]:
    """The figure's line for bench/RESULTS.md, when the benchmark ran (`make bench`)."""
    return [line(json.loads(json_path.read_text("utf-8")))] if json_path.exists() else []


def command(json_path: Path, out: Path, city_csv: Path | None = None) -> list[str]:
    """The benchmark as a child command (`make bench` runs it after the city scale)."""
    chosen = ["--city-csv", str(city_csv)] if city_csv else []
    return [sys.executable, "-m", "bench.bench_cards", "--out", str(out), "--json", str(json_path), *chosen]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_cards")
    parser.add_argument("--city-csv", type=Path)
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    parser.add_argument("--json", type=Path)
    arguments = parser.parse_args()
    city = arguments.city_csv or next((path for path in DEFAULT_CITY if (path / "户信息.csv").exists()), None)
    if city is None:
        raise SystemExit("没有城市规模的 CSV：先 make bench（生成 bench/out/city/csv）或用 --city-csv 指定")
    _, figures = measure(city, arguments.out)
    if arguments.json:
        arguments.json.write_text(json.dumps(figures, ensure_ascii=False), "utf-8")
    print(line(figures))


if __name__ == "__main__":
    main()

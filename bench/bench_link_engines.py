"""Linkage on each engine (issue 19, part 4): the default engine and Spark local[2].

    python -m bench.bench_link_engines [--scales county] [--out bench/out/link-engines]
                                       [--exports city=/work/city/csv] [--json FILE]
                                       [--runs default,spark-stored,spark-trains]

For each scale (bench_engines.SCALES: county 60,000 households, city 600,000; seed 2020)
the data is generated and imported once (`bench_engines.prepare`), then linked in a
child process per engine, each in a fresh FANGFAN_HOME/derived (the snapshot shared):

1. `default (trains)`: the default engine, which trains the model and keeps it;
2. `spark (stored model)`: Spark local[2] with that model (what a second engine does);
3. `spark (trains)`: Spark local[2] with no stored model: the model trained as the default
   engine trains it (DuckDB on the driver, on a sample), the pairs scored on Spark.

`--runs` picks some of them (the default engine's always runs first: it trains the model
the second uses). All must write the same links (every row) before any figure is shown.
Figures: wall seconds and peak memory of the child's whole process tree (the JVM included), and
the link step's own timings (exact, probabilistic, predict).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import polars as pl

from bench.bench_engines import SCALES, TreePeak, parse_exports, prepare
from bench.measure import machine_description, run_measured

RUNS = (
    ("default (trains)", "polars", False),
    ("spark (stored model)", "spark", True),
    ("spark (trains)", "spark", False),
)
RUN_NAMES = {"default": RUNS[0], "spark-stored": RUNS[1], "spark-trains": RUNS[2]}
ORDER = ["feed", "_file", "_sheet", "_row"]


def link_child(home: Path, derived: Path, engine: str, result: Path) -> None:
    """In the child: link the latest snapshot on `engine`, figures to `result`."""
    os.environ["FANGFAN_HOME"] = str(home)
    from fangfan.engine.link import link_snapshot
    from fangfan.engine.snapshot import SnapshotStore

    peak = TreePeak()
    started = time.perf_counter()
    session = None
    if engine == "spark":
        from fangfan.engine.spark import spark_session

        session = spark_session()
    spark_start = time.perf_counter() - started
    linked = link_snapshot(SnapshotStore().latest(), engine=engine, session=session)
    seconds = time.perf_counter() - started
    figures = {
        "seconds": round(seconds, 1),
        "spark_start": round(spark_start, 1),
        "peak_mb": round(peak.finish()),
        "timings": {k: round(v, 1) for k, v in linked.timings.items()},
        "links": str(linked.path),
        "rows": linked.scan().select(pl.len()).collect().item(),
    }
    result.write_text(json.dumps(figures, indent=2), "utf-8")


def measure_scale(
    scale: str, out: Path, exports: Path | None = None, runs: tuple[str, ...] = tuple(RUN_NAMES)
) -> dict[str, Any]:
    folder = out / scale
    home = prepare(folder, SCALES[scale], exports)
    from fangfan.engine.snapshot import SnapshotStore

    snapshot = SnapshotStore(home / "snapshots").latest().id
    model = home / "derived" / snapshot / "link_model.json"
    kept = folder / "link_model.json"
    by_run: dict[str, Any] = {}
    for label, engine, stored in (RUN_NAMES[name] for name in ("default", *runs) if name in RUN_NAMES):
        if label in by_run:
            continue
        shutil.rmtree(home / "derived", ignore_errors=True)
        if stored:
            model.parent.mkdir(parents=True)
            shutil.copy(kept, model)
        result = folder / f"link-{engine}-{'stored' if stored else 'trains'}.json"
        script = [
            sys.executable,
            "-m",
            "bench.bench_link_engines",
            "--child",
            engine,
            str(home),
            "-",
            str(result),
        ]
        env = {"FANGFAN_SPARK_MASTER": "local[2]"}
        env["FANGFAN_SPARK_DRIVER_MEMORY"] = os.environ.get("FANGFAN_SPARK_DRIVER_MEMORY", "6g")
        whole = run_measured(f"{scale}: link, {label}", script, env=env)
        figures = json.loads(result.read_text("utf-8"))
        links = folder / f"links-{engine}-{'stored' if stored else 'trains'}.parquet"
        shutil.copy(figures["links"], links)
        if not stored and engine == "polars":
            shutil.copy(model, kept)
        by_run[label] = {**figures, "whole": whole.__dict__, "copy": str(links)}
    first = pl.read_parquet(by_run[RUNS[0][0]]["copy"]).sort(ORDER, nulls_last=True)
    for label in list(by_run)[1:]:
        other = pl.read_parquet(by_run[label]["copy"]).sort(ORDER, nulls_last=True)
        if not first.equals(other):
            raise SystemExit(
                f"{scale}: {label} wrote other links than the default engine; no figures are shown"
            )
    print(f"  {scale}: {', '.join(list(by_run)[1:])} wrote the default engine's {first.height:,} links")
    return by_run


def table(scale: str, by_run: dict[str, Any]) -> list[str]:
    lines = [
        f"**{scale}** ({SCALES[scale]:,} households)",
        "",
        "| run | wall s (child) | peak MB (tree) | Spark start s | exact s | probabilistic s | predict s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, figures in by_run.items():
        timings = figures["timings"]
        steps = " | ".join(f"{timings.get(step, 0):.1f}" for step in ("exact", "probabilistic", "predict"))
        lines.append(
            f"| {label} | {figures['seconds']:,.1f} | {figures['peak_mb']:,} | "
            f"{figures['spark_start']:.1f} | {steps} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="county")
    parser.add_argument("--out", type=Path, default=Path("bench/out/link-engines"))
    parser.add_argument("--exports", help="SCALE=FOLDER,…: import these exports instead of generating")
    parser.add_argument("--runs", default=",".join(RUN_NAMES), help="of default,spark-stored,spark-trains")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        engine, home, _, result = arguments.child
        link_child(Path(home), Path(home) / "derived", engine, Path(result))
        return
    out = arguments.out.resolve()
    print(machine_description())
    exports = parse_exports(arguments.exports)
    runs = tuple(arguments.runs.split(","))
    unknown = sorted(set(runs) - set(RUN_NAMES))
    if unknown:
        raise SystemExit(f"--runs: {', '.join(unknown)} not among {', '.join(RUN_NAMES)}")
    measured = {}
    for scale in arguments.scales.split(","):
        measured[scale] = measure_scale(scale, out, exports.get(scale), runs)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    print(f"\ncommit {commit}, load {os.getloadavg()[0]:.1f} at the end\n")
    for scale, by_run in measured.items():
        print("\n".join(table(scale, by_run)) + "\n")
    if arguments.json:
        arguments.json.write_text(json.dumps({"commit": commit, "scales": measured}, indent=2), "utf-8")


if __name__ == "__main__":
    main()

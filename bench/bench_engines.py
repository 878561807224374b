"""The sieve on each engine (issue 19, part 4, first row): Polars, DuckDB and Spark local[2].

    python -m bench.bench_engines [--scales county,city] [--engines polars,duckdb,spark]
                                  [--out bench/out/engines] [--json FILE]
                                  [--exports city=/work/city/csv,county=DIR]
    python -m bench.bench_engines --scaling county.json city.json   # time and peak against size

For each scale (county 60,000 households, city 600,000; seed 2020, as of 2026-10-31) the
data is generated and imported once under OUT/<scale>/ (reused while its prepared.json
says it is the same; with --exports a folder `fangfan generate` already wrote for that
scale is imported instead, read only), then for each engine a child process screens the snapshot
(`screen_snapshot` with that engine's adapter, no linkage: department rows join on the
ID as written, the same for every engine) in a fresh runs folder. The child measures each
step — Spark's start (Spark only), wide tables, rules, monitoring signals, writing —
for wall time and peak memory of the whole process tree (the JVM of Spark included,
sampled every 20 ms with psutil); bench/measure.py measures the child as a whole.

Before any figure is shown every engine's findings, reconciliation, warnings and
monitoring signals are checked equal to Polars' (run_id aside): a faster but different
engine fails here and shows nothing. Then one table per scale: each step's seconds and
peak MB per engine, and the ratios to Polars.

Spark runs with FANGFAN_SPARK_MASTER=local[2] and FANGFAN_SPARK_DRIVER_MEMORY (default
here 6g); the wide tables are built by Polars in the driver's Python process for every
engine (one definition, `fangfan.engine.wide`), so Spark's row is the rules on Spark plus
what feeding it costs. `make bench-engines` runs the county and the city.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import polars as pl

from bench.measure import Measurement, machine_description, run_measured

SCALES = {"county": 60_000, "city": 600_000}
ENGINES = ("polars", "duckdb", "spark")
SEED = 2020
AS_OF = dt.date(2026, 10, 31)
COMPARED = ("findings", "reconciliation", "warnings", "monitoring_signals", "monitoring_households")
STEPS = ("spark_start", "wide_tables", "rules", "monitoring", "write")
STEP_NAMES = {
    "启动 Spark": "spark_start",
    "构建宽表": "wide_tables",
    "执行筛查规则": "rules",
    "计算防返贫监测信号": "monitoring",
    "写出筛查结果": "write",
}


class TreePeak:
    """The peak resident memory of this process and its children (the JVM), sampled every 20 ms."""

    def __init__(self) -> None:
        import psutil

        self.process = psutil.Process()
        self.peak = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        while not self.stop.wait(0.02):
            total = 0
            try:
                for process in [self.process, *self.process.children(recursive=True)]:
                    total += process.memory_info().rss
            except Exception:  # a child that ended between listing and reading
                continue
            self.peak = max(self.peak, total)

    def finish(self) -> float:
        self.stop.set()
        self.thread.join()
        return self.peak / 1024**2


class MeasuringProgress:
    """A `Progress` that records the wall time and tree peak of each step of the screening."""

    def __init__(self) -> None:
        self.steps: dict[str, dict[str, float]] = {}
        self._open: dict[str, tuple[float, TreePeak]] = {}

    def start(self, task: str, total: int | None = None) -> None:
        if task in STEP_NAMES:
            self._open[task] = (time.perf_counter(), TreePeak())

    def advance(self, task: str, amount: int = 1) -> None:
        pass

    def finish(self, task: str) -> None:
        if task in self._open:
            started, peak = self._open.pop(task)
            self.steps[STEP_NAMES[task]] = {
                "seconds": round(time.perf_counter() - started, 2),
                "peak_mb": round(peak.finish(), 0),
            }


def screen_child(home: Path, runs: Path, engine: str, result: Path) -> None:
    """In the child: screen the snapshot on `engine`, write the step figures to `result`."""
    os.environ["FANGFAN_HOME"] = str(home)
    from fangfan.engine.rules.adapters import Adapter
    from fangfan.engine.screen import ENGINES as ADAPTERS
    from fangfan.engine.screen import screen_snapshot
    from fangfan.engine.snapshot import SnapshotStore

    progress = MeasuringProgress()
    adapter: Adapter = ADAPTERS[engine]()
    if engine == "spark":
        from fangfan.engine.rules.adapters import SparkAdapter
        from fangfan.engine.spark import spark_session

        progress.start("启动 Spark")
        adapter = SparkAdapter(spark_session())
        progress.finish("启动 Spark")
    snapshot = SnapshotStore().latest()
    screened = screen_snapshot(snapshot, runs_root=runs, progress=progress, adapter=adapter)
    figures = {
        "steps": progress.steps,
        "run_dir": str(screened.paths["summary"].parent),
        "findings": screened.findings.height,
        "households": screened.summary["households"],
    }
    result.write_text(json.dumps(figures, ensure_ascii=False, indent=2), "utf-8")


def prepare(folder: Path, households: int, exports: Path | None = None) -> Path:
    """Generate (or take `exports`, a folder `fangfan generate` wrote) and import the scale once;
    the FANGFAN_HOME holding its snapshot. Given exports must be this scale's: their
    generate.json is checked for the households, seed and date (they are read, never written)."""
    marker = folder / "prepared.json"
    wanted: dict[str, Any] = {"households": households, "seed": SEED, "as_of": AS_OF.isoformat()}
    csv = folder / "csv"
    if exports is not None:
        csv = exports.resolve()
        made = json.loads((csv / "generate.json").read_text("utf-8"))
        found = {"households": made["households"], "seed": made["seed"], "as_of": made["as_of"]}
        if found != wanted:
            raise SystemExit(f"{csv} holds {found}, not {wanted}")
        wanted["exports"] = str(csv)
    if marker.exists() and json.loads(marker.read_text("utf-8")) == wanted:
        return folder / "home"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(folder / "home", ignore_errors=True)
    fangfan = [sys.executable, "-m", "fangfan.cli"]
    if exports is None:
        generate = [*fangfan, "generate", "--households", str(households), "--seed", str(SEED)]
        generate += ["--out", str(csv), "--as-of", AS_OF.isoformat()]
        run_measured(f"generate {households:,} households", generate)
    imported = [*fangfan, "import", str(csv), "--as-of", AS_OF.isoformat()]
    run_measured("import", imported, env={"FANGFAN_HOME": str(folder / "home")})
    marker.write_text(json.dumps(wanted), "utf-8")
    return folder / "home"


def parse_exports(text: str | None) -> dict[str, Path]:
    """`county=DIR,city=DIR` → {scale: folder}; a scale not named is generated."""
    if not text:
        return {}
    exports = {}
    for item in text.split(","):
        scale, _, folder = item.partition("=")
        if scale not in SCALES or not folder:
            raise SystemExit(f"--exports: {item!r} is not SCALE=FOLDER with SCALE one of {', '.join(SCALES)}")
        exports[scale] = Path(folder)
    return exports


def measure_scale(
    scale: str, out: Path, engines: tuple[str, ...], exports: Path | None = None
) -> dict[str, Any]:
    folder = out / scale
    home = prepare(folder, SCALES[scale], exports)
    by_engine: dict[str, Any] = {}
    for engine in engines:
        runs = folder / "runs" / engine
        result = folder / f"{engine}.json"
        script = [
            sys.executable,
            "-m",
            "bench.bench_engines",
            "--child",
            engine,
            str(home),
            str(runs),
            str(result),
        ]
        env = {"FANGFAN_SPARK_MASTER": "local[2]"}
        env["FANGFAN_SPARK_DRIVER_MEMORY"] = os.environ.get("FANGFAN_SPARK_DRIVER_MEMORY", "6g")
        whole: Measurement = run_measured(f"{scale}: screen on {engine}", script, env=env)
        by_engine[engine] = {**json.loads(result.read_text("utf-8")), "whole": whole.__dict__}
    check_equal(scale, by_engine)
    return by_engine


def check_equal(scale: str, by_engine: dict[str, Any]) -> None:
    """Every engine's written frames equal to the first engine's; raises before any figure."""
    first, *others = by_engine
    for engine in others:
        for name in COMPARED:
            mine = pl.read_parquet(Path(by_engine[engine]["run_dir"]) / f"{name}.parquet")
            theirs = pl.read_parquet(Path(by_engine[first]["run_dir"]) / f"{name}.parquet")
            mine, theirs = mine.drop("run_id", strict=False), theirs.drop("run_id", strict=False)
            if not mine.equals(theirs):
                raise SystemExit(
                    f"{scale}: {name} on {engine} differs from {first} ({mine.height} rows against "
                    f"{theirs.height}); no figures are shown"
                )
    print(f"  {scale}: {', '.join(by_engine)} wrote the same findings, reconciliation, warnings and signals")


def table(scale: str, by_engine: dict[str, Any]) -> list[str]:
    engines = list(by_engine)
    head = "| step | " + " | ".join(f"{e} s | {e} peak MB" for e in engines) + " |"
    lines = [
        f"**{scale}** ({by_engine[engines[0]]['households']:,} households, "
        f"{by_engine[engines[0]]['findings']:,} findings)",
        "",
        head,
        "|---|" + "---:|---:|" * len(engines),
    ]
    for step in (*STEPS, "whole"):
        cells = []
        for engine in engines:
            if step == "whole":
                figures = by_engine[engine]["whole"]
                cells.append(f"{figures['seconds']:,.1f} | {figures['peak_rss_mb']:,.0f}")
            elif step in by_engine[engine]["steps"]:
                figures = by_engine[engine]["steps"][step]
                cells.append(f"{figures['seconds']:,.1f} | {figures['peak_mb']:,.0f}")
            else:
                cells.append("– | –")
        label = "whole child process (start-up included)" if step == "whole" else step
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    base = by_engine[engines[0]]
    for engine in engines[1:]:
        rules = by_engine[engine]["steps"]["rules"]["seconds"] / max(base["steps"]["rules"]["seconds"], 1e-9)
        whole = by_engine[engine]["whole"]["seconds"] / max(base["whole"]["seconds"], 1e-9)
        lines.append("")
        lines.append(
            f"- {scale}: {engine} rules step {rules:.1f}× {engines[0]}'s, whole screening {whole:.1f}×"
        )
    return lines


def scaling(files: list[Path]) -> list[str]:
    """How each step's time and peak grow with size: one row per engine and scale, from the
    --json files of earlier runs (each checked equal across engines when it was made)."""
    rows: list[tuple[str, str, dict[str, Any]]] = []
    for file in files:
        saved = json.loads(file.read_text("utf-8"))
        for scale, by_engine in saved["scales"].items():
            for engine, figures in by_engine.items():
                rows.append((engine, f"{scale} ({figures['households']:,}, {saved['commit']})", figures))
    rows.sort(key=lambda row: (ENGINES.index(row[0]), row[2]["households"]))
    lines = [
        "| engine | scale (households, commit) | "
        + " | ".join(f"{s} s / MB" for s in STEPS)
        + " | whole s / MB |",
        "|---|---|" + "---:|" * (len(STEPS) + 1),
    ]
    first: dict[str, dict[str, Any]] = {}
    for engine, label, figures in rows:
        base = first.setdefault(engine, figures)
        cells = []
        for step in STEPS:
            if step not in figures["steps"]:
                cells.append("–")
                continue
            seconds, peak = figures["steps"][step]["seconds"], figures["steps"][step]["peak_mb"]
            cells.append(f"{seconds:,.1f} / {peak:,.0f}")
        whole = figures["whole"]
        growth = ""
        if base is not figures:
            size = figures["households"] / base["households"]
            growth = f" ({whole['seconds'] / base['whole']['seconds']:.1f}× time for {size:.0f}× households)"
        cells.append(f"{whole['seconds']:,.1f} / {whole['peak_rss_mb']:,.0f}{growth}")
        lines.append(f"| {engine} | {label} | " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="county,city")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--out", type=Path, default=Path("bench/out/engines"))
    parser.add_argument("--json", type=Path)
    parser.add_argument("--exports", help="SCALE=FOLDER,…: import these exports instead of generating")
    parser.add_argument(
        "--scaling", type=Path, nargs="+", help="print the scaling table of earlier --json files"
    )
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        engine, home, runs, result = arguments.child
        screen_child(Path(home), Path(runs), engine, Path(result))
        return
    if arguments.scaling:
        print("\n".join(scaling(arguments.scaling)))
        return
    engines = tuple(arguments.engines.split(","))
    out = arguments.out.resolve()
    print(machine_description())
    exports = parse_exports(arguments.exports)
    measured = {}
    for scale in arguments.scales.split(","):
        measured[scale] = measure_scale(scale, out, engines, exports.get(scale))
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    print(f"\ncommit {commit}, load {os.getloadavg()[0]:.1f} at the end\n")
    for scale, by_engine in measured.items():
        print("\n".join(table(scale, by_engine)) + "\n")
    if arguments.json:
        arguments.json.write_text(json.dumps({"commit": commit, "scales": measured}, indent=2), "utf-8")


if __name__ == "__main__":
    main()

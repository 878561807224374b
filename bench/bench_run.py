"""Benchmark of `fangfan run`, the monthly job (issue 14), against the raw-read floor of the same files.

    python -m bench.bench_run [--csv DIR] [--xlsx DIR] [--county-csv DIR] [--households N]
                              [--out bench/out] [--reference FILE] [--json FILE]

For each dataset (the city's CSV, the city's xlsx, and the county's CSV when given), in this
order, each a child process measured for wall time, CPU time and peak RSS (bench/measure.py):

1. the floor: every input file read as text with Polars and nothing else
   (`pl.read_csv(path, infer_schema=False)` for each CSV; fastexcel reading every sheet
   of each xlsx as text);
2. `fangfan run DIR --out … --as-of AS_OF` in a fresh FANGFAN_HOME (nothing reused), AS_OF
   being the data's own date from its generate.json;
3. the checks, before any figure is shown: the findings against the ground truth (every
   covered problem found, each rule at least 99 % precise, as `bench.accuracy` measures)
   and the run's findings, reconciliation, warnings and links equal to a reference run's
   (`--reference`, default OUT/run-reference.json: the first run of each dataset records it,
   later runs must match it; delete it to accept a deliberate change). A faster but wrong
   run fails here and shows no figures.

Then each figure beside its target (issue 14): the CSV run at most 60 s and 4 GB (4×10⁹
bytes), the xlsx run at most 90 s, each run under 20 times its floor, and memory per
household (peak ÷ households; with the county measured too, the growth per household
from county to city) at most half of today's 11.5 KB; and the run's own steps from its
运行摘要.json ("steps": wall, CPU and peak memory of import, link, screen, ledgers, …).

Without --csv the city is generated once under OUT/run-city/csv (seed 2020, as of
2026-10-31) and reused while its generate.json says it is the same; --csv and --xlsx reuse
folders already generated (`fangfan generate … --format xlsx`), so a rerun does not wait
6–30 minutes for generation. `make bench` runs the same measurement at each of its scales.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from bench.measure import Measurement, machine_description, run_measured

TARGET_CSV_SECONDS = 60.0
TARGET_XLSX_SECONDS = 90.0
TARGET_BYTES = 4 * 10**9
TARGET_FLOOR_RATIO = 20.0
TODAY_BYTES_PER_HOUSEHOLD = 11_500  # issue 14: memory grows about 11.5 KB a household today …
TARGET_BYTES_PER_HOUSEHOLD = TODAY_BYTES_PER_HOUSEHOLD / 2  # … and should grow at most half as fast
SEED, AS_OF = "2020", "2026-10-31"
MB = 1024**2  # the measurements count MB of 2²⁰ bytes (ru_maxrss, VmHWM)
# The import guard caps a file at 3,000,000 rows (FANGFAN_UPLOAD_MAX_ROWS, engine/ingest/guard.py),
# which refuses the city's 4.7 million-row insurance roll: the run is then wrong (the ground-truth
# check catches it). The bench measures the whole city, so it raises the cap for its runs.
MAX_ROWS = {"FANGFAN_UPLOAD_MAX_ROWS": "20000000"}

FLOOR = """
import sys
from pathlib import Path
import fastexcel
import polars as pl
rows = 0
for path in sorted(Path(sys.argv[1]).iterdir()):
    if path.name == "ground_truth.csv":
        continue
    if path.suffix.lower() == ".csv":
        rows += pl.read_csv(path, infer_schema=False).height
    elif path.suffix.lower() == ".xlsx":
        reader = fastexcel.read_excel(str(path))
        for name in reader.sheet_names:
            rows += reader.load_sheet(name, header_row=None, dtypes="string").to_polars().height
print(rows)
"""


@dataclass
class RunFigures:
    """One dataset's floor and `fangfan run`, measured, checked and set beside the targets."""

    label: str  # "city csv"
    folder: str
    households: int
    floor: Measurement
    run: Measurement
    steps: dict[str, dict[str, float]]
    findings: int
    checks: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.run.seconds / self.floor.seconds

    @property
    def bytes_per_household(self) -> float:
        return self.run.peak_rss_mb * MB / self.households


def fangfan(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "fangfan.cli", *arguments]


def generated(folder: Path) -> dict[str, Any]:
    path = folder / "generate.json"
    return json.loads(path.read_text("utf-8")) if path.exists() else {}


def ensure_generated(folder: Path, households: int, file_format: str = "csv") -> Path:
    """The dataset under `folder`, generated unless its generate.json says it is already this one."""
    said = generated(folder)
    if said.get("households") == households and said.get("format", "csv") == file_format:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    command = ["generate", "--households", str(households), "--seed", SEED, "--as-of", AS_OF]
    command += ["--format", file_format, "--out", str(folder)]
    run_measured(f"generate {file_format} ({households:,} households)", fangfan(*command))
    return folder


def measure_dataset(label: str, folder: Path, work: Path, reference: Path) -> RunFigures:
    """Floor, then `fangfan run` in a fresh home; checked against the truth and the reference."""
    said = generated(folder)
    households = int(said.get("counts", {}).get("households") or said["households"])
    print(f"== {label}: {households:,} households, {folder}", flush=True)
    floor = run_measured(
        f"{label}: floor (read every file as text)", [sys.executable, "-c", FLOOR, str(folder)]
    )
    home, out = work / "home", work / "out"
    shutil.rmtree(work, ignore_errors=True)
    as_of = ["--as-of", said["as_of"]] if said.get("as_of") else []
    run = run_measured(
        f"{label}: fangfan run",
        fangfan("run", str(folder), "--out", str(out), *as_of),
        {"FANGFAN_HOME": str(home), **MAX_ROWS},
    )
    summary = json.loads((out / "运行摘要.json").read_text("utf-8"))
    figures = RunFigures(
        label, str(folder), households, floor, run, summary.get("steps", {}), summary["findings"]
    )
    figures.checks = check(label, folder, home, summary, reference)
    return figures


def check(label: str, folder: Path, home: Path, summary: dict[str, Any], reference: Path) -> list[str]:
    """Assert the run right: the ground truth's recall and precision, then equality with the reference."""
    from fangfan.engine.accuracy import measure, read_rule_truth
    from fangfan.engine.rules import load_catalogue

    run_dir = home / "runs" / summary["run_id"]
    findings = pl.read_parquet(run_dir / "findings.parquet")
    policy_year = json.loads((run_dir / "summary.json").read_text("utf-8"))["policy_year"]
    accuracy = measure(findings, read_rule_truth(folder / "ground_truth.csv"), load_catalogue(policy_year))
    missed, false_alarms = (
        int(accuracy.per_kind["missed"].sum()),
        int(accuracy.per_rule["false_alarms"].sum()),
    )
    truth = int(accuracy.per_kind["truth_rows"].sum())
    if accuracy.worst_recall < 1.0 or accuracy.worst_precision < 0.99:
        raise SystemExit(
            f"{label}: the run is wrong: {missed:,} of {truth:,} ground-truth problems missed "
            f"(worst recall {accuracy.worst_recall:.2%}), {false_alarms:,} false alarms "
            f"(worst precision {accuracy.worst_precision:.2%}); no figures"
        )
    lines = [
        f"ground truth: {truth:,} problems, {missed} missed (recall {accuracy.worst_recall:.2%}); "
        f"{findings.height:,} findings, {false_alarms} false alarms "
        f"(worst precision {accuracy.worst_precision:.2%})"
    ]
    prints = fingerprint(home, run_dir)
    recorded = json.loads(reference.read_text("utf-8")) if reference.exists() else {}
    if label not in recorded:
        recorded[label] = {"commit": commit(), "date": dt.date.today().isoformat(), **prints}
        reference.parent.mkdir(parents=True, exist_ok=True)
        reference.write_text(json.dumps(recorded, ensure_ascii=False, indent=2), "utf-8")
        lines.append(f"reference recorded now ({reference}): {describe(prints)}")
        return lines
    expected = recorded[label]
    differ = [name for name in prints if prints[name] != expected.get(name)]
    if differ:
        raise SystemExit(
            f"{label}: the run differs from the reference (commit {expected.get('commit')}, {reference}) in "
            + "; ".join(f"{name}: {expected.get(name)} → {prints[name]}" for name in differ)
            + "; no figures"
        )
    lines.append(f"same as the reference run of commit {expected.get('commit')}: {describe(prints)}")
    return lines


def fingerprint(home: Path, run_dir: Path) -> dict[str, dict[str, Any]]:
    """Rows and an order-free digest of the run's findings, reconciliation, warnings and links."""
    frames = {
        name: pl.read_parquet(run_dir / f"{name}.parquet").drop("run_id")
        for name in ("findings", "reconciliation", "warnings")
    }
    link_columns = [
        "feed",
        "_file",
        "_sheet",
        "_row",
        "linked_id_number",
        "linked_household_id",
        "method",
        "status",
    ]
    frames["links"] = pl.read_parquet(next((home / "derived").glob("*/links.parquet")), columns=link_columns)
    return {name: {"rows": frame.height, "digest": digest(frame)} for name, frame in frames.items()}


def digest(frame: pl.DataFrame) -> str:
    """A digest of the frame's rows whatever their order."""
    import hashlib

    hashes = frame.hash_rows(seed=14).sort()
    return hashlib.sha256(hashes.to_numpy().tobytes()).hexdigest()[:16]


def describe(prints: dict[str, dict[str, Any]]) -> str:
    return ", ".join(f"{name} {value['rows']:,} rows" for name, value in prints.items())


def commit() -> str:
    """The commit of the checkout whose fangfan is measured (with "+changes" when its tree differs),
    or that fangfan's folder when it is not in a git checkout."""
    import fangfan

    package = Path(fangfan.__file__).resolve().parent
    git = ["git", "-C", str(package)]
    try:
        head = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        )
        status = [*git, "status", "--porcelain", "--untracked-files=no"]
        dirty = subprocess.run(status, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return f"no git checkout ({package})"
    return head.stdout.strip() + ("+changes" if dirty else "")


def verdict(met: bool) -> str:
    return "met" if met else "**not met**"


def row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def lines(results: list[RunFigures]) -> list[str]:
    """Each figure beside its target and floor, then each run's steps (markdown)."""
    out = [
        row("figure", "measured", "target", "floor (read as text)", "run ÷ floor", "met"),
        "|---|---:|---:|---:|---:|---|",
    ]
    half = f"≤ {TARGET_BYTES_PER_HOUSEHOLD / 1000:,.2f} KB (half of {TODAY_BYTES_PER_HOUSEHOLD / 1000:.1f})"
    for r in results:
        city, xlsx = r.label.startswith("city"), "xlsx" in r.label
        seconds = TARGET_XLSX_SECONDS if xlsx else TARGET_CSV_SECONDS
        # The targets are at city scale: the county's ratio is shown, not judged.
        ratio_met = f"ratio {verdict(r.ratio < TARGET_FLOOR_RATIO)}" if city else "—"
        out.append(
            row(
                f"{r.label}: `fangfan run` wall",
                f"{r.run.seconds:,.1f} s",
                f"≤ {seconds:,.0f} s" if city else "—",
                f"{r.floor.seconds:,.1f} s",
                f"{r.ratio:,.1f}× (target < {TARGET_FLOOR_RATIO:.0f}×)",
                f"{verdict(r.run.seconds <= seconds)}; {ratio_met}" if city else ratio_met,
            )
        )
        cpu_ratio = r.run.cpu_seconds / r.floor.cpu_seconds
        out.append(
            row(
                f"{r.label}: CPU",
                f"{r.run.cpu_seconds:,.1f} s",
                "—",
                f"{r.floor.cpu_seconds:,.1f} s",
                f"{cpu_ratio:,.1f}×",
                "—",
            )
        )
        peak, floor_peak = r.run.peak_rss_mb * MB, r.floor.peak_rss_mb * MB
        judged = city and not xlsx
        out.append(
            row(
                f"{r.label}: peak memory",
                f"{peak / 1e9:,.2f} GB",
                f"≤ {TARGET_BYTES / 1e9:.0f} GB" if judged else "—",
                f"{floor_peak / 1e9:,.2f} GB",
                f"{peak / floor_peak:,.1f}×",
                verdict(peak <= TARGET_BYTES) if judged else "—",
            )
        )
        # Shown, not judged: a peak includes what does not grow with the city (the county's
        # 0.9 GB); the target is on what grows with it, the growth from county to city below.
        out.append(
            row(
                f"{r.label}: peak memory ÷ households",
                f"{r.bytes_per_household / 1000:,.1f} KB",
                "—",
                "—",
                "—",
                "—",
            )
        )
    growth = _growth(results)
    if growth is not None:
        out.append(
            row(
                "peak memory growth from county to city, per household",
                f"{growth / 1000:,.1f} KB",
                half,
                "—",
                "—",
                verdict(growth <= TARGET_BYTES_PER_HOUSEHOLD),
            )
        )
    for r in results:
        title = (
            f"Steps of `fangfan run` on the {r.label} (its 运行摘要.json; peak: highest sampled in the step):"
        )
        out += ["", title, "", *step_table(r.steps), ""]
        out += [f"- {r.label} check: {line}" for line in r.checks]
    return out


def step_table(steps: dict[str, dict[str, float]]) -> list[str]:
    out = ["| step | wall (s) | CPU (s) | peak (MB) |", "|---|---:|---:|---:|"]
    for name, figures in steps.items():
        shown = f"**{name}**" if name == "total" else name
        wall, cpu, peak = figures["wall_seconds"], figures["cpu_seconds"], figures["peak_mb"]
        out.append(row(shown, f"{wall:,.1f}", f"{cpu:,.1f}", f"{peak:,.0f}"))
    return out


def load(path: Path) -> list[RunFigures]:
    """The figures a run wrote with --json."""
    return [
        RunFigures(**{**item, "floor": Measurement(**item["floor"]), "run": Measurement(**item["run"])})
        for item in json.loads(path.read_text("utf-8"))
    ]


def _growth(results: list[RunFigures]) -> float | None:
    """Peak memory's growth from the county to the city, bytes per household (None without both)."""
    small = next((r for r in results if r.label == "county csv"), None)
    large = next((r for r in results if r.label == "city csv"), None)
    if not (small and large and large.households > small.households):
        return None
    return (large.run.peak_rss_mb - small.run.peak_rss_mb) * MB / (large.households - small.households)


def comparison(before: list[RunFigures], after: list[RunFigures]) -> list[str]:
    """Before and after side by side (markdown): each run's figures, then each step's."""
    out = [
        row("figure", "before", "after", "target", "met after"),
        "|---|---:|---:|---:|---|",
    ]
    earlier = {r.label: r for r in before}
    for r in after:
        b = earlier.get(r.label)
        city, xlsx = r.label.startswith("city"), "xlsx" in r.label
        seconds = TARGET_XLSX_SECONDS if xlsx else TARGET_CSV_SECONDS
        judged = city and not xlsx

        def cells(
            figure: str,
            value: Any,
            target: str,
            met: bool | None,
            r: RunFigures = r,
            b: RunFigures | None = b,
        ) -> str:
            shown = value(b) if b else "—"
            return row(f"{r.label}: {figure}", shown, value(r), target, "—" if met is None else verdict(met))

        out += [
            cells("floor, wall", lambda x: f"{x.floor.seconds:,.1f} s", "—", None),
            cells(
                "`fangfan run` wall",
                lambda x: f"{x.run.seconds:,.1f} s",
                f"≤ {seconds:,.0f} s" if city else "—",
                r.run.seconds <= seconds if city else None,
            ),
            cells("`fangfan run` CPU", lambda x: f"{x.run.cpu_seconds:,.1f} s", "—", None),
            cells(
                "run ÷ floor (wall)",
                lambda x: f"{x.ratio:,.1f}×",
                f"< {TARGET_FLOOR_RATIO:.0f}×" if city else "—",
                r.ratio < TARGET_FLOOR_RATIO if city else None,
            ),
            cells(
                "peak memory",
                lambda x: f"{x.run.peak_rss_mb * MB / 1e9:,.2f} GB",
                f"≤ {TARGET_BYTES / 1e9:.0f} GB" if judged else "—",
                r.run.peak_rss_mb * MB <= TARGET_BYTES if judged else None,
            ),
            cells("peak ÷ households", lambda x: f"{x.bytes_per_household / 1000:,.1f} KB", "—", None),
        ]
    growths = [_growth(figures) for figures in (before, after)]
    if growths[1] is not None:
        shown = [f"{growth / 1000:,.1f} KB" if growth is not None else "—" for growth in growths]
        out.append(
            row(
                "peak memory growth from county to city, per household",
                *shown,
                f"≤ {TARGET_BYTES_PER_HOUSEHOLD / 1000:,.2f} KB",
                verdict(growths[1] <= TARGET_BYTES_PER_HOUSEHOLD),
            )
        )
    for r in after:
        b = earlier.get(r.label)
        out += ["", f"Steps of `fangfan run` on the {r.label}, before → after (wall s, CPU s, peak MB):", ""]
        out += [
            row("step", "wall before", "wall after", "CPU before", "CPU after", "peak before", "peak after")
        ]
        out += ["|---|---:|---:|---:|---:|---:|---:|"]
        for name, figures in r.steps.items():
            old = b.steps.get(name) if b else None

            shown = [
                value
                for key, digits in (("wall_seconds", 1), ("cpu_seconds", 1), ("peak_mb", 0))
                for value in (f"{old[key]:,.{digits}f}" if old else "—", f"{figures[key]:,.{digits}f}")
            ]
            out.append(row(f"**{name}**" if name == "total" else name, *shown))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--csv", type=Path, help="the city's CSV, already generated (default: generate it)")
    parser.add_argument("--xlsx", type=Path, help="the city's xlsx, already generated (default: none)")
    parser.add_argument("--county-csv", type=Path, help="the county's CSV too, for the growth per household")
    parser.add_argument(
        "--households", type=int, default=600_000, help="households to generate without --csv"
    )
    parser.add_argument("--no-city", action="store_true", help="measure only the county (--county-csv)")
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    parser.add_argument(
        "--reference", type=Path, help="reference fingerprints (default OUT/run-reference.json)"
    )
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument(
        "--compare",
        nargs=2,
        type=Path,
        metavar=("BEFORE", "AFTER"),
        help="only print two --json files side by side",
    )
    arguments = parser.parse_args()
    if arguments.compare:
        print("\n".join(comparison(load(arguments.compare[0]), load(arguments.compare[1]))))
        return
    out: Path = arguments.out
    reference = arguments.reference or out / "run-reference.json"
    datasets = [("county csv", arguments.county_csv)] if arguments.county_csv else []
    if not arguments.no_city:
        datasets.append(
            ("city csv", arguments.csv or ensure_generated(out / "run-city" / "csv", arguments.households))
        )
    if arguments.xlsx and not arguments.no_city:
        datasets.append(("city xlsx", arguments.xlsx))
    import fangfan

    print(
        f"fangfan from {Path(fangfan.__file__).parent}, commit {commit()}; {machine_description()}",
        flush=True,
    )
    print(f"uptime: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}", flush=True)
    results = [
        measure_dataset(label, folder, out / "run-work" / label.replace(" ", "-"), reference)
        for label, folder in datasets
    ]
    print("\n".join(lines(results)))
    if arguments.json:
        arguments.json.write_text(
            json.dumps([asdict(r) for r in results], ensure_ascii=False, indent=2), "utf-8"
        )


if __name__ == "__main__":
    main()

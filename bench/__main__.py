"""`make bench`: speed and memory of every long job, against baselines from the same run.

    python -m bench [--scales county,city] [--out bench/out] [--no-xlsx]

For each scale it generates a synthetic Longnan (CSV, and per-county xlsx), imports
both, links the department feeds to the registry (bench/bench_link.py) and screens
the snapshot, then runs the monthly job `fangfan run` on the CSV and on the xlsx
(bench/bench_run.py: checked against the ground truth and a reference run, its steps'
figures beside issue 14's targets), each as a child process whose wall time, CPU time
and peak memory are measured. Baselines: reading the same files raw (the floor under
an import and under `fangfan run`) and reading and rewriting the generated CSVs (the
floor under generation). The figures replace the marked section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
from pathlib import Path

from bench import bench_assessment, bench_cards, bench_link, bench_run
from bench.measure import TABLE_HEADER, Measurement, machine_description, run_measured
from fangfan.engine.snapshot import SnapshotStore

SCALES = {"county": 60_000, "city": 600_000}
TARGETS = {"generate csv": 300.0, "import xlsx": 180.0, "screen": 30.0}
RESULTS = Path(__file__).with_name("RESULTS.md")
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def fangfan(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "fangfan.cli", *arguments]


def bench_scale(
    scale: str, households: int, out: Path, xlsx: bool, runs: list[bench_run.RunFigures]
) -> list[Measurement]:
    """The scale's measurements; its `fangfan run` figures are added to `runs`."""
    root = out / scale
    shutil.rmtree(root, ignore_errors=True)
    (out / f"link-{scale}.json").unlink(missing_ok=True)
    csv_dir, xlsx_dir, home = root / "csv", root / "xlsx", root / "home"
    env = {"FANGFAN_HOME": str(home)}
    seed, as_of = "2020", "2026-10-31"
    results = [
        run_measured(
            f"{scale}: generate csv",
            fangfan(
                "generate",
                "--households",
                str(households),
                "--seed",
                seed,
                "--as-of",
                as_of,
                "--out",
                str(csv_dir),
            ),
            env,
        ),
        run_measured(
            f"{scale}: baseline read+rewrite csv",
            [sys.executable, "-m", "bench.baselines", "rewrite", str(csv_dir), str(root / "rewrite")],
        ),
        run_measured(f"{scale}: import csv", fangfan("import", str(csv_dir), "--as-of", as_of), env),
        run_measured(
            f"{scale}: baseline raw read csv", [sys.executable, "-m", "bench.baselines", "read", str(csv_dir)]
        ),
        link(scale, home, out),
        run_measured(f"{scale}: screen", fangfan("screen"), env),
        run_measured(
            f"{scale}: screen comparison (catalogue vs hand-written)",
            [sys.executable, "-m", "bench.bench_screen", "--json", str(out / f"screen-{scale}.json")],
            env,
        ),
        run_measured(
            f"{scale}: accuracy against the ground truth",
            [
                sys.executable,
                "-m",
                "bench.accuracy",
                str(home),
                str(csv_dir / "ground_truth.csv"),
                "--json",
                str(out / f"accuracy-{scale}.json"),
            ],
        ),
    ]
    shutil.rmtree(root / "rewrite", ignore_errors=True)
    runs.append(monthly_run(scale, "csv", csv_dir, root, out))
    results += [runs[-1].floor, runs[-1].run]
    if xlsx:
        results += [
            run_measured(
                f"{scale}: generate xlsx",
                fangfan(
                    "generate",
                    "--households",
                    str(households),
                    "--seed",
                    seed,
                    "--as-of",
                    as_of,
                    "--format",
                    "xlsx",
                    "--out",
                    str(xlsx_dir),
                ),
                env,
            ),
            run_measured(f"{scale}: import xlsx", fangfan("import", str(xlsx_dir), "--as-of", as_of), env),
            run_measured(
                f"{scale}: baseline raw read xlsx",
                [sys.executable, "-m", "bench.baselines", "read", str(xlsx_dir)],
            ),
        ]
        runs.append(monthly_run(scale, "xlsx", xlsx_dir, root, out))
        results += [runs[-1].floor, runs[-1].run]
    return results


def monthly_run(scale: str, kind: str, folder: Path, root: Path, out: Path) -> bench_run.RunFigures:
    """`fangfan run` on the scale's `kind` export beside its raw-read floor (bench/bench_run.py)."""
    work = root / f"run-{kind}"
    figures = bench_run.measure_dataset(f"{scale} {kind}", folder, work, out / "run-reference.json")
    shutil.rmtree(work, ignore_errors=True)
    return figures


def link(scale: str, home: Path, out: Path) -> Measurement:
    """Link the snapshot just imported, in the scale's own FANGFAN_HOME (the screen reuses the links)."""
    snapshot = SnapshotStore(home / "snapshots").latest()
    measurement, figures = bench_link.measure(snapshot, home, f"{scale}: link")
    (out / f"link-{scale}.json").write_text(json.dumps(figures, ensure_ascii=False), "utf-8")
    print("\n".join(bench_link.lines(scale, figures, target=scale == "city")), flush=True)
    return measurement


def link_lines(out: Path, scales: dict[str, int]) -> list[str]:
    """The link step's figures per scale; the issue's targets (300 s, 8 GB) at city scale."""
    lines = []
    for scale in scales:
        path = out / f"link-{scale}.json"
        if path.exists():
            figures = json.loads(path.read_text("utf-8"))
            lines += bench_link.lines(scale, figures, target=scale == "city")
    return lines


def ratios(results: list[Measurement]) -> list[str]:
    by_label = {m.label: m for m in results}
    lines = []
    for scale in SCALES:
        pairs = [
            ("generate csv", "baseline read+rewrite csv"),
            ("import csv", "baseline raw read csv"),
            ("import xlsx", "baseline raw read xlsx"),
        ]
        for work, floor in pairs:
            a, b = by_label.get(f"{scale}: {work}"), by_label.get(f"{scale}: {floor}")
            if a and b:
                lines.append(f"- {scale}: {work} takes {a.seconds / b.seconds:.1f}× its baseline ({floor}).")
        for work, target in TARGETS.items():
            measured = by_label.get(f"{scale}: {work}")
            if measured and scale == "city":
                verdict = "meets" if measured.seconds <= target else "MISSES"
                lines.append(
                    f"- city: {work} {measured.seconds:,.0f} s — {verdict} the target of {target:,.0f} s."
                )
    return lines


def screen_comparison(out: Path, scales: dict[str, int]) -> list[str]:
    """One line per scale from bench.bench_screen's figures (rule step only, best of 3)."""
    lines = []
    for scale in scales:
        path = out / f"screen-{scale}.json"
        if not path.exists():
            continue
        figures = json.loads(path.read_text("utf-8"))
        s = figures["seconds"]
        lines.append(
            f"- {scale}: wide tables {s['wide_tables']:.2f} s; rules: catalogue {s['catalogue']:.2f} s, "
            f"Polars {s['hand_polars']:.2f} s, DuckDB SQL {s['hand_duckdb']:.2f} s, "
            f"pandas {s['hand_pandas']:.2f} s (same {figures['findings']:,} findings); "
            f"catalogue ÷ fastest by hand {figures['catalogue_over_fastest_hand']:.2f}× (target ≤ 1.3×), "
            f"pandas ÷ catalogue {figures['pandas_over_catalogue']:.1f}× (target ≥ 5×)."
        )
    return lines


def accuracy_lines(out: Path, scales: dict[str, int]) -> list[str]:
    """One line per scale: recall and precision of the sieve against the ground truth."""
    lines = []
    for scale in scales:
        path = out / f"accuracy-{scale}.json"
        if not path.exists():
            continue
        a = json.loads(path.read_text("utf-8"))
        below = a["rules_below_99_percent_precision"] + a["kinds_below_100_percent_recall"]
        lines.append(
            f"- {scale} accuracy: {a['truth_rows']:,} ground-truth problems of {a['kinds_measured']} kinds, "
            f"{a['missed']:,} missed (worst recall {a['worst_recall']:.2%}, target 100%); "
            f"{a['findings']:,} findings by {a['rules_measured']} rules, {a['false_alarms']:,} false alarms "
            f"(worst rule precision {a['worst_precision']:.2%}, target ≥ 99%)"
            + (f"; below target: {', '.join(below)}." if below else ".")
        )
    return lines


def record(
    results: list[Measurement], scales: dict[str, int], out: Path, runs: list[bench_run.RunFigures]
) -> str:
    sizes = ", ".join(f"{name} = {n:,} households" for name, n in scales.items())
    lines = [
        START,
        f"## Latest run: {dt.date.today().isoformat()}",
        "",
        f"Machine: {machine_description()}. Scales: {sizes}.",
        "",
        *TABLE_HEADER,
        *(m.row() for m in results),
        "",
        *ratios(results),
        *link_lines(out, scales),
        *screen_comparison(out, scales),
        *accuracy_lines(out, scales),
        *bench_cards.lines(out / "cards.json"),
        "",
        "The monthly job, `fangfan run` (issue 14):",
        "",
        *bench_run.lines(runs),
        END,
    ]
    section = "\n".join(lines)
    text = RESULTS.read_text("utf-8") if RESULTS.exists() else "# Benchmark results\n\n"
    if START in text and END in text:
        text = text[: text.index(START)] + section + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    RESULTS.write_text(text, "utf-8")
    return section


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--scales", default="county,city")
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    parser.add_argument("--no-xlsx", action="store_true")
    arguments = parser.parse_args()
    chosen = {name: SCALES[name] for name in arguments.scales.split(",")}
    results: list[Measurement] = []
    runs: list[bench_run.RunFigures] = []
    for name, households in chosen.items():
        print(f"== {name}: {households:,} households", flush=True)
        results += bench_scale(name, households, arguments.out, not arguments.no_xlsx, runs)
    # issue 16: coverage table and city draw/estimate times, in bench/out/assessment.json
    results.append(run_measured("assessment", bench_assessment.command(arguments.out / "assessment.json")))
    # issue 17: a township's policy cards, cut out of the city's CSV (bench/bench_cards.py)
    city_csv = arguments.out / "city" / "csv"
    if (city_csv / "户信息.csv").exists():
        cards_json = arguments.out / "cards.json"
        results.append(run_measured("cards", bench_cards.command(cards_json, arguments.out, city_csv)))
    print(record(results, chosen, arguments.out, runs))


if __name__ == "__main__":
    main()

"""Assessment readiness (issue 16): the coverage table and the city-scale timings.

    python -m bench.bench_assessment [--draws 1000] [--snapshot DIR] [--json FILE]

1. Coverage: a population of three counties (about 108,000 households) planted at known
   rates (some near 0–2 %) is sampled `--draws` times under the simple, national and
   self-check plans (`fangfan.engine.assessment.simulate.coverage`); per measure and county
   (and the city) the share of 95 % intervals that cover the true rate, their mean width,
   the mean estimate's distance from the truth in standard errors of the mean, the mean
   unweighted share, and the textbook Wald interval's coverage for contrast.
2. City timings (targets: under 5 s each): reading a 600,000-household snapshot into the
   sampling frame (`--snapshot DIR`, a snapshot folder; without it a planted 600,000-household
   population is built in memory and this step is skipped), drawing the national sample of
   every county, and estimating from it. Run city-scale work under `flock /tmp/city.lock`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

from fangfan.engine.assessment.estimate import estimate
from fangfan.engine.assessment.plan import load_plan
from fangfan.engine.assessment.population import population
from fangfan.engine.assessment.sample import draw_sample
from fangfan.engine.assessment.simulate import coverage, planted_population, population_frame

PLANS = ("simple", "national", "self_check")
TARGET_SECONDS = 5.0
CITY_COUNTIES = ("621202", "621221", "621222", "621223", "621224", "621225", "621226", "621227", "621228")


def coverage_table(draws: int) -> pl.DataFrame:
    # 200 villages per county, as many as a Longnan county has: the national plan draws 29 of
    # them, a realistic fraction for the finite-population correction
    # (the test, tests/engine/test_assessment_coverage.py, uses 30 villages to stay quick).
    planted = planted_population(seed=21, villages_per_county=200, households_per_village=(100, 260))
    return pl.concat([coverage(planted, load_plan(name), draws, seed=2020) for name in PLANS])


def coverage_lines(table: pl.DataFrame, draws: int) -> list[str]:
    lines = [
        f"Coverage of the 95 % intervals over {draws:,} seeded samples per plan (target ≥ 93 %):",
        "",
        "| plan | measure | scope | true rate | coverage | mean width | bias (SE of mean) "
        "| mean unweighted | Wald coverage |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in table.iter_rows(named=True):
        scope = "city" if row["scope"] == "city" else f"county {row['county'] + 1}"
        lines.append(
            f"| {row['plan']} | {row['measure']} | {scope} | {row['true_rate']:.2%} "
            f"| {row['coverage']:.1%} | {row['mean_width']:.2%} "
            f"| {row['bias_in_standard_errors']:+.1f} | {row['mean_unweighted']:.2%} "
            f"| {row['wald_coverage']:.1%} |"
        )
    worst = table.sort("coverage").row(0, named=True)
    lines += [
        "",
        f"Lowest coverage: {worst['coverage']:.1%} ({worst['plan']}, {worst['measure']}, true rate "
        f"{worst['true_rate']:.2%}).",
    ]
    return lines


def city_population(snapshot: Path | None) -> tuple[pl.DataFrame, pl.DataFrame | None, float | None]:
    """The frame, the true answers when planted, and the seconds reading a snapshot took."""
    if snapshot is not None:
        started = time.perf_counter()
        frame = population(snapshot)
        return frame, None, time.perf_counter() - started
    planted = planted_population(
        seed=600,
        rates={
            m: (r,) * 9 for m, r in (("错退率", 0.01), ("漏评率", 0.01), ("认可度", 0.95), ("知晓率", 0.93))
        },
        villages_per_county=333,
        households_per_village=(150, 250),
    )
    frame, _ = population_frame(planted, CITY_COUNTIES)
    answers = frame.select(
        "household_id", "wrongly_exited", "should_register", "approves", "aware_count", "policy_count"
    )
    return frame.drop(answers.columns[1:]), answers, None


def invented_answers(sample: pl.DataFrame, seed: int) -> pl.DataFrame:
    """Results for a sample of a real snapshot (it has no truth): about 1 % wrong, 95 % approve."""
    rng = np.random.default_rng(seed)
    size = sample.height
    policies = rng.integers(1, 6, size)
    return sample.select("household_id").with_columns(
        wrongly_exited=pl.Series(rng.random(size) < 0.01),
        should_register=pl.Series(rng.random(size) < 0.01),
        approves=pl.Series(rng.random(size) < 0.95),
        aware_count=pl.Series(policies - rng.binomial(policies, 0.07)),
        policy_count=pl.Series(policies),
    )


def city_timings(snapshot: Path | None) -> dict[str, float]:
    frame, answers, read_seconds = city_population(snapshot)
    plan = load_plan("national")
    started = time.perf_counter()
    sample = draw_sample(frame, plan, seed=7)
    draw_seconds = time.perf_counter() - started
    results = invented_answers(sample, 7) if answers is None else answers
    units = sample.join(results, on="household_id", how="left").with_columns(
        wrongly_exited=pl.when(pl.col("exited")).then(pl.col("wrongly_exited")),
        should_register=pl.when(~pl.col("registered")).then(pl.col("should_register")),
    )
    started = time.perf_counter()
    table = estimate(units, plan)
    estimate_seconds = time.perf_counter() - started
    figures = {
        "households": float(frame.height),
        "sampled": float(sample.height),
        "draw_seconds": draw_seconds,
        "estimate_seconds": estimate_seconds,
        "estimate_rows": float(table.height),
    }
    if read_seconds is not None:
        figures["read_seconds"] = read_seconds
    return figures


def timing_lines(figures: dict[str, float], snapshot: Path | None) -> list[str]:
    source = f"snapshot {snapshot}" if snapshot else "a planted population built in memory"
    lines = [f"City: {figures['households']:,.0f} households ({source}); national plan, all counties:"]
    steps = [
        ("read the sampling frame", "read_seconds"),
        ("draw", "draw_seconds"),
        ("estimate", "estimate_seconds"),
    ]
    for label, key in steps:
        if key in figures:
            verdict = "meets" if figures[key] <= TARGET_SECONDS else "MISSES"
            lines.append(f"- {label}: {figures[key]:.2f} s — {verdict} the target of {TARGET_SECONDS:.0f} s.")
    lines.append(
        f"- sample: {figures['sampled']:,.0f} households; {figures['estimate_rows']:,.0f} estimate rows."
    )
    lines.append(f"- load average at the end: {os.getloadavg()[0]:.1f}.")
    return lines


def command(json_path: Path) -> list[str]:
    """How `python -m bench` runs this benchmark as a measured child process."""
    return [sys.executable, "-m", "bench.bench_assessment", "--json", str(json_path)]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_assessment")
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--snapshot", type=Path, default=None, help="a snapshot folder to read the city from")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--skip-coverage", action="store_true")
    arguments = parser.parse_args()
    figures: dict[str, object] = {}
    if not arguments.skip_coverage:
        started = time.perf_counter()
        table = coverage_table(arguments.draws)
        figures["coverage_seconds"] = time.perf_counter() - started
        figures["coverage"] = table.to_dicts()
        print("\n".join(coverage_lines(table, arguments.draws)), flush=True)
        print(f"(coverage simulation: {figures['coverage_seconds']:.1f} s)\n", flush=True)
    city = city_timings(arguments.snapshot)
    figures["city"] = city
    print("\n".join(timing_lines(city, arguments.snapshot)), flush=True)
    if arguments.json:
        arguments.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2), "utf-8")


if __name__ == "__main__":
    main()

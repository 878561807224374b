"""Publishing a city run into PostgreSQL while the office reads: `make bench-publish-pg`.

    python -m bench.bench_publish_pg [--households 600000]            # prepares its own two runs
    FANGFAN_HOME=/work/city/home python -m bench.bench_publish_pg RUN_DIR NEXT_RUN_DIR

Without RUN_DIRs it prepares them as `make bench-publish` does (bench.bench_publish.prepare:
the generated city, seed 2020, as of 2026-10-31, run through `fangfan run`, and its next
month — 300 households gone, 1,000 households' 有御寒被褥 turned to 否, as of 2026-11-30 —
run the same way), under bench/out/publish-<households>.

A new database is created on the server `--server` (default postgres://postgres@127.0.0.1:5432,
dropped at the end unless `--keep`) and migrated; the first run is published into it (an
empty database), then the next month's over it. Each publish is `fangfan publish RUN_DIR`
in a child process, measured for wall time, CPU time (user + system) and peak resident
memory (the child's `ru_maxrss`), while a reader on its own connection stands in for the
office: every 50 ms the current run, one household's department records and one village's
first page of households (what the household and list pages ask), each round timed. After
each publish the tables are checked against the run's own counts before the figures print.

Printed per publish, each figure beside its target (issue 14): wall ≤ 90 s, peak ≤ 4 GB,
longest reader wait ≤ 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import psycopg

from bench.bench_publish import prepare

PROBE_SECONDS = 0.05
TARGET_SECONDS = 90.0
TARGET_GB = 4.0
TARGET_READER_SECONDS = 2.0


@dataclass
class Reader:
    """The office reading: one round of page queries every PROBE_SECONDS, each round timed."""

    url: str
    household: str
    village: str
    waits: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as connection:
            while not self.stop.is_set():
                started = time.perf_counter()
                try:
                    current = connection.execute(
                        "SELECT id, snapshot_id FROM registry_run WHERE is_current"
                    ).fetchone()
                    snapshot = current[1] if current else ""
                    connection.execute(
                        "SELECT feed, name, data FROM registry_departmentrecord "
                        "WHERE household_id = %s AND snapshot_id = %s ORDER BY feed, source_file, source_row",
                        [self.household, snapshot],
                    ).fetchall()
                    connection.execute(
                        "SELECT household_id, head_name FROM registry_household WHERE village_code = %s "
                        "AND deleted_at IS NULL ORDER BY village_code, household_id LIMIT 50",
                        [self.village],
                    ).fetchall()
                except psycopg.Error as error:
                    self.errors.append(str(error))
                self.waits.append(time.perf_counter() - started)
                time.sleep(PROBE_SECONDS)


@dataclass
class Figures:
    seconds: float
    cpu_seconds: float
    peak_gb: float
    reader_wait: float
    reader_rounds: int
    reader_errors: int

    def describe(self, label: str) -> str:
        def mark(ok: bool) -> str:
            return "met" if ok else "NOT met"

        return (
            f"{label}: wall {self.seconds:.1f} s (target ≤ {TARGET_SECONDS:.0f} s: "
            f"{mark(self.seconds <= TARGET_SECONDS)}); CPU {self.cpu_seconds:.1f} s; "
            f"peak {self.peak_gb:.2f} GB (target ≤ {TARGET_GB:.0f} GB: {mark(self.peak_gb <= TARGET_GB)}); "
            f"longest reader wait {self.reader_wait:.2f} s (target ≤ {TARGET_READER_SECONDS:.0f} s: "
            f"{mark(self.reader_wait <= TARGET_READER_SECONDS)}; {self.reader_rounds} rounds, "
            f"{self.reader_errors} errors)"
        )


def sample(env: dict[str, str], run_dir: Path) -> tuple[str, str]:
    """A household (the one with most department records' worth of members) and its village."""
    summary = json.loads((run_dir / "summary.json").read_text("utf-8"))
    home = Path(env.get("FANGFAN_HOME", "var"))
    households = pl.read_parquet(home / "snapshots" / str(summary["snapshot_id"]) / "households.parquet")
    row = households.sort("household_id").row(households.height // 2, named=True)
    return str(row["household_id"]), str(row["village_code"])


def publish(run_dir: Path, env: dict[str, str], url: str) -> Figures:
    household, village = sample(env, run_dir)
    reader = Reader(url, household, village)
    thread = threading.Thread(target=reader.run)
    thread.start()
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "fangfan.cli", "publish", str(run_dir)], env=env, stdout=subprocess.PIPE
    )
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    reader.stop.set()
    thread.join()
    output = child.stdout.read().decode() if child.stdout else ""
    if status != 0:
        raise SystemExit(f"fangfan publish {run_dir} failed ({status}):\n{output}")
    said = output.strip().splitlines()
    steps = [f"  {line.strip()}" for line in said if "完成 用时" in line]  # the step times (plain lines)
    print(
        "\n".join(
            [*steps, *said[next((i for i, line in enumerate(said) if line.startswith("已发布")), 0) :]]
        ),
        flush=True,
    )
    return Figures(
        seconds=seconds,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_gb=usage.ru_maxrss / 1024 / 1024,
        reader_wait=max(reader.waits, default=0.0),
        reader_rounds=len(reader.waits),
        reader_errors=len(reader.errors),
    )


def check(url: str) -> None:
    """The published tables hold what the current run says they do."""
    with psycopg.connect(url) as connection:
        run = connection.execute(
            "SELECT id, snapshot_id, households, members, department_records, findings "
            "FROM registry_run WHERE is_current"
        ).fetchone()
        assert run is not None, "no current run"
        run_id, snapshot, households, members, records, findings = run
        live = "deleted_at IS NULL"  # a live row is in the current run (a publish deletes the rest)
        counted = connection.execute(
            f"SELECT (SELECT count(*) FROM registry_household WHERE {live}), "
            f"(SELECT count(*) FROM registry_member WHERE {live}), "
            "(SELECT count(*) FROM registry_departmentrecord WHERE snapshot_id = %(snapshot)s), "
            "(SELECT count(*) FROM registry_departmentrecord WHERE snapshot_id <> %(snapshot)s), "
            "(SELECT count(*) FROM registry_finding "
            "WHERE last_seen_run_id = %(run)s AND engine_status = 'open')",
            {"run": run_id, "snapshot": snapshot},
        ).fetchone()
        assert counted == (households, members, records, 0, findings), (counted, run)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("runs", nargs="*", type=Path)
    parser.add_argument("--households", type=int, default=600_000)
    parser.add_argument(
        "--exports",
        type=Path,
        default=None,
        help="this month's exports (e.g. /work/city/csv) instead of generating",
    )
    parser.add_argument("--home", type=Path, default=None, help="FANGFAN_HOME of the prepared runs")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    env = dict(os.environ)
    if not args.runs:
        env, args.runs = prepare(args.households, args.exports, args.home)
    name = f"fangfan_bench_publish_{time.strftime('%Y%m%d_%H%M%S')}"
    url = f"{args.server.rstrip('/')}/{name}"
    env = {**env, "DATABASE_URL": url}
    env.setdefault("DJANGO_SETTINGS_MODULE", "fangfan.web.settings")
    with psycopg.connect(f"{args.server.rstrip('/')}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        subprocess.run([sys.executable, "-m", "django", "migrate", "-v0"], env=env, check=True)
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
        print(f"commit {commit.stdout.strip()}; database {name}; {load}", flush=True)
        for label, run_dir in zip(("empty database", "next month over it"), args.runs, strict=False):
            # Again before each publish, untimed: a migration added to the checkout meanwhile
            # (a shared one) would make the publish refuse to run.
            subprocess.run([sys.executable, "-m", "django", "migrate", "-v0"], env=env, check=True)
            figures = publish(run_dir, env, url)
            check(url)
            print(figures.describe(f"{run_dir.name} ({label})"), flush=True)
        print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(), flush=True)
    finally:
        if not args.keep:
            with psycopg.connect(f"{args.server.rstrip('/')}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()

"""How long a publish keeps the office waiting on SQLite: `make bench-publish`.

    python -m bench.bench_publish [--households 60000]          # prepares its own two runs
    FANGFAN_HOME=/tmp/city python -m bench.bench_publish RUN_DIR [RUN_DIR ...] [--database FILE]

Without RUN_DIRs it prepares them under bench/out/publish-<households> (FANGFAN_HOME there): the
generated city (`--households`, seed 2020, as of 2026-10-31) run through `fangfan run`, and
its next month — the same exports with 300 households gone and 1,000 households'
有御寒被褥 turned to 否, as of 2026-11-30 — run the same way; then publishes the first into a
new database and the second on top of it.

Publishes each run (`fangfan publish RUN_DIR`, a child process with the project's
settings) into the SQLite file `--database` (created and migrated when missing), while
two probes on their own connections stand in for the office:

- a writer, every 50 ms: `BEGIN IMMEDIATE` (a login, a report, the upload's progress
  page), its wait timed, then rolled back;
- a reader, every 50 ms: one small `SELECT` on the current run, timed.

Printed per run: the publish's wall time and the longest wait of each probe. The longest
writer wait is the longest single write transaction of the publish (give or take 50 ms).
The same two runs into PostgreSQL, with CPU and peak memory: bench/bench_publish_pg.py.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

PROBE_SECONDS = 0.05


@dataclass
class Probe:
    database: Path
    writer_waits: list[float] = field(default_factory=list)
    reader_waits: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run_writer(self) -> None:
        connection = sqlite3.connect(self.database, timeout=600, isolation_level=None)
        while not self.stop.is_set():
            started = time.perf_counter()
            try:
                connection.execute("BEGIN IMMEDIATE")
                connection.execute("ROLLBACK")
            except sqlite3.OperationalError as error:
                self.errors.append(f"writer: {error}")
            self.writer_waits.append(time.perf_counter() - started)
            time.sleep(PROBE_SECONDS)
        connection.close()

    def run_reader(self) -> None:
        connection = sqlite3.connect(self.database, timeout=600, isolation_level=None)
        while not self.stop.is_set():
            started = time.perf_counter()
            try:
                connection.execute("SELECT run_id FROM registry_run WHERE is_current").fetchall()
            except sqlite3.OperationalError as error:
                self.errors.append(f"reader: {error}")
            self.reader_waits.append(time.perf_counter() - started)
            time.sleep(PROBE_SECONDS)
        connection.close()


def publish(run_dir: Path, env: dict[str, str]) -> tuple[float, Probe]:
    probe = Probe(Path(env["DATABASE_URL"].removeprefix("sqlite:///")))
    threads = [threading.Thread(target=probe.run_writer), threading.Thread(target=probe.run_reader)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "fangfan.cli", "publish", str(run_dir)], env=env, check=True)
    seconds = time.perf_counter() - started
    probe.stop.set()
    for thread in threads:
        thread.join()
    return seconds, probe


PREPARED = Path("bench/out")
GONE_HOUSEHOLDS = 300
CHANGED_HOUSEHOLDS = 1_000


def fangfan(env: dict[str, str], *arguments: str) -> None:
    subprocess.run([sys.executable, "-m", "fangfan.cli", *arguments], env=env, check=True)


def next_month(exports: Path, target: Path) -> None:
    """The exports a month on: some households gone (with their people and incomes), some changed."""
    import polars as pl

    target.mkdir(parents=True, exist_ok=True)
    households = pl.read_csv(exports / "户信息.csv", infer_schema=False)
    gone = households["户编号"].head(GONE_HOUSEHOLDS).implode()
    changed = households["户编号"].slice(GONE_HOUSEHOLDS, CHANGED_HOUSEHOLDS).implode()
    for source in exports.glob("*.csv"):
        frame = pl.read_csv(source, infer_schema=False)
        if source.name in ("户信息.csv", "成员信息.csv", "收入信息.csv"):
            frame = frame.filter(~pl.col("户编号").is_in(gone))
        if source.name == "户信息.csv":
            frame = frame.with_columns(
                pl.when(pl.col("户编号").is_in(changed))
                .then(pl.lit("否"))
                .otherwise("有御寒被褥")
                .alias("有御寒被褥")
            )
        frame.write_csv(target / source.name)


def prepare(
    households: int, exports_given: Path | None = None, home: Path | None = None
) -> tuple[dict[str, str], list[Path]]:
    """The two runs (this month, next month) under PREPARED, made once and reused.

    With `exports_given` (a folder of exports as of 2026-10-31, e.g. the city's CSV, read
    and never written) this month's run is of those exports and nothing is generated."""
    home = (home or PREPARED / f"publish-{households}").resolve()
    env = {**os.environ, "FANGFAN_HOME": str(home)}
    runs = []
    for month, as_of in (("this-month", "2026-10-31"), ("next-month", "2026-11-30")):
        marker = home / f"{month}.run"
        if not marker.exists():
            exports = home / f"exports-{month}"
            if month == "this-month" and exports_given is not None:
                exports = exports_given
            elif month == "this-month":
                fangfan(
                    env,
                    "generate",
                    "--households",
                    str(households),
                    "--seed",
                    "2020",
                    "--out",
                    str(exports),
                    "--as-of",
                    as_of,
                )
            else:
                next_month(exports_given or home / "exports-this-month", exports)
            if exports != exports_given:
                for extra in ("ground_truth.csv", "generate.json"):
                    (exports / extra).unlink(missing_ok=True)
            fangfan(env, "run", str(exports), "--out", str(home / f"out-{month}"), "--as-of", as_of)
            latest = max((home / "runs").iterdir(), key=lambda path: path.stat().st_mtime)
            marker.write_text(str(latest), "utf-8")
        runs.append(Path(marker.read_text("utf-8")))
    return env, runs


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("runs", nargs="*", type=Path)
    parser.add_argument("--database", type=Path, default=None)
    parser.add_argument("--households", type=int, default=60_000)
    args = parser.parse_args()
    base = dict(os.environ)
    if not args.runs:
        base, args.runs = prepare(args.households)
        # Each measurement starts from an empty database: the first run, then the next on top.
        stamp = time.strftime("%Y%m%d-%H%M%S")
        args.database = args.database or PREPARED / f"publish-{args.households}" / f"web-{stamp}.sqlite3"
    args.database = args.database or Path("bench/out/publish.sqlite3")
    env = {**base, "DATABASE_URL": f"sqlite:///{args.database.resolve()}"}
    env.setdefault("DJANGO_SETTINGS_MODULE", "fangfan.web.settings")
    if not args.database.exists():
        args.database.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "django", "migrate", "-v0"], env=env, check=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout
    print(f"commit {commit.strip()}; {load.strip()}", flush=True)
    for run_dir in args.runs:
        seconds, probe = publish(run_dir, env)
        print(
            f"{run_dir.name}: publish {seconds:.1f} s; longest writer wait "
            f"{max(probe.writer_waits, default=0):.2f} s, longest reader wait "
            f"{max(probe.reader_waits, default=0):.2f} s ({len(probe.writer_waits)} probes); "
            f"errors {len(probe.errors)}",
            flush=True,
        )


if __name__ == "__main__":
    main()

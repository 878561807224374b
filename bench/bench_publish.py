"""How long a publish keeps the office waiting on SQLite: `python -m bench.bench_publish`.

    FANGFAN_HOME=/tmp/city python -m bench.bench_publish RUN_DIR [RUN_DIR ...] [--database FILE]

Publishes each run (`fangfan publish RUN_DIR`, a child process with the project's
settings) into the SQLite file `--database` (created and migrated when missing), while
two probes on their own connections stand in for the office:

- a writer, every 50 ms: `BEGIN IMMEDIATE` (a login, a report, the upload's progress
  page), its wait timed, then rolled back;
- a reader, every 50 ms: one small `SELECT` on the current run, timed.

Printed per run: the publish's wall time and the longest wait of each probe. The longest
writer wait is the longest single write transaction of the publish (give or take 50 ms).
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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--database", type=Path, default=Path("bench/out/publish.sqlite3"))
    args = parser.parse_args()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{args.database.resolve()}"}
    env.setdefault("DJANGO_SETTINGS_MODULE", "fangfan.web.settings")
    if not args.database.exists():
        args.database.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "django", "migrate", "-v0"], env=env, check=True)
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

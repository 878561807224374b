"""`fangfan backup` and `fangfan restore` on a real installation, measured, and killed halfway.

    python -m bench.bench_backup [--home bench/out/backup/home] [--households 60000]

The installation is `fangfan demo --households N --no-serve` in its own FANGFAN_HOME on
SQLite (built once when --home holds none). Then, each step a child process:

1. `fangfan backup` to a new folder: wall, CPU, peak memory, size;
2. `fangfan restore` into an empty data folder and a new SQLite file: the same figures,
   and its last line must be 恢复完成并已核对;
3. a backup killed (SIGKILL) halfway: its destination must not exist; the next backup
   clears the hidden folder it left;
4. a restore killed halfway: a plain restore into that place is refused (未完成), and
   `--force` restores and checks everything;
5. a backup while another process commits a row every few milliseconds (WAL, like the site):
   the copy passes SQLite's integrity and foreign-key checks and holds exactly the rows its
   manifest counts.

Figures go to stdout, for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.measure import run_captured

ROOT = Path(__file__).resolve().parents[1]
FANGFAN = [sys.executable, "-m", "fangfan.cli.__main__"]


def _env(home: Path, database_url: str | None = None) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "FANGFAN_SECRET_KEY")}
    environment["FANGFAN_HOME"] = str(home)
    if database_url:
        environment["DATABASE_URL"] = database_url
    return environment


def _fresh_database(database_url: str | None, suffix: str) -> str | None:
    """A new, empty PostgreSQL database beside the one `database_url` names; None on SQLite."""
    if not database_url:
        return None
    import psycopg

    parts = urlsplit(database_url)
    name = f"{parts.path.lstrip('/')}_{suffix}"
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def _size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def _kill_halfway(command: list[str], env: dict[str, str], after: float, once: Path | None = None) -> None:
    """SIGKILL the command `after` seconds into its run (counted from when `once` exists, if given)."""
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while once is not None and not once.exists() and child.poll() is None:
        time.sleep(0.05)
    time.sleep(after)
    if child.poll() is not None:
        raise RuntimeError(f"{command[-1]} finished before it could be killed ({after:.1f} s)")
    child.send_signal(signal.SIGKILL)
    child.wait()


WRITER = """
import os, sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], timeout=15, isolation_level=None)
connection.execute("CREATE TABLE IF NOT EXISTS bench_backup_probe (id INTEGER PRIMARY KEY, at REAL)")
writes, slowest = 0, 0.0
while not os.path.exists(sys.argv[2]):
    started = time.perf_counter()
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("INSERT INTO bench_backup_probe (at) VALUES (?)", (time.time(),))
    connection.execute("COMMIT")
    writes, slowest = writes + 1, max(slowest, time.perf_counter() - started)
    time.sleep(0.005)
print(writes, round(slowest * 1000))
"""


def _backup_while_writing(home: Path, work: Path) -> None:
    """A writer commits every few milliseconds (WAL, as the site does) through a whole backup:
    the copy must be sound and hold exactly the rows its manifest counts."""
    database = home / "fangfan.sqlite3"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(database), str(work / "stop")], stdout=subprocess.PIPE, text=True
    )
    time.sleep(2)
    run_captured("backup while writing", [*FANGFAN, "backup", str(work / "live")], _env(home))
    (work / "stop").touch()
    writes, slowest_ms = writer.communicate()[0].split()
    copy = sqlite3.connect(work / "live" / "database" / "fangfan.sqlite3")
    integrity = copy.execute("PRAGMA integrity_check").fetchone()[0]
    foreign = copy.execute("PRAGMA foreign_key_check").fetchall()
    rows = copy.execute("SELECT COUNT(*) FROM bench_backup_probe").fetchone()[0]
    copy.close()
    counted = json.loads((work / "live" / "manifest.json").read_text("utf-8"))["tables"]["bench_backup_probe"]
    live = sqlite3.connect(database)
    now = live.execute("SELECT COUNT(*) FROM bench_backup_probe").fetchone()[0]
    live.execute("DROP TABLE bench_backup_probe")
    live.close()
    print(
        f"backup while writing: integrity {integrity}, foreign keys {len(foreign)} broken, "
        f"probe rows {rows} in the copy = {counted} in its manifest; {now} in the live database after "
        f"({writes} commits, the slowest {slowest_ms} ms)"
    )
    assert integrity == "ok" and not foreign and rows == counted and now > rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", type=Path, default=ROOT / "bench" / "out" / "backup" / "home")
    parser.add_argument("--households", type=int, default=60000)
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "out" / "backup" / "work")
    parser.add_argument(
        "--database-url", help="PostgreSQL holding the installation (published); restores go beside it"
    )
    arguments = parser.parse_args()
    home, work, url = arguments.home.resolve(), arguments.work.resolve(), arguments.database_url
    if not url and not (home / "fangfan.sqlite3").exists():
        run_captured(
            "demo",
            [*FANGFAN, "demo", "--households", str(arguments.households), "--no-serve"],
            _env(home),
        )
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    print(f"load at start: {os.getloadavg()}")

    backup, output = run_captured("backup", [*FANGFAN, "backup", str(work / "backup")], _env(home, url))
    print(output.strip(), f"\n    backup folder {_size(work / 'backup') / 1024**2:,.0f} MB")

    target = work / "restored_home"
    restored = _fresh_database(url, "restored")
    restore, output = run_captured(
        "restore", [*FANGFAN, "restore", str(work / "backup")], _env(target, restored)
    )
    print(output.strip())
    assert "恢复完成并已核对" in output

    # Killed halfway through a backup: nothing at the destination; the next backup clears up.
    _kill_halfway([*FANGFAN, "backup", str(work / "killed")], _env(home, url), backup.seconds / 2)
    leftovers = [path.name for path in work.iterdir() if ".partial-" in path.name]
    assert not (work / "killed").exists() and leftovers, leftovers
    print(f"killed backup: no {work / 'killed'}; hidden leftovers {leftovers}")
    run_captured("backup after a killed one", [*FANGFAN, "backup", str(work / "again")], _env(home, url))
    assert not [path for path in work.iterdir() if ".partial-" in path.name]
    shutil.rmtree(work / "again")
    print("the next backup removed the leftovers")

    # Killed halfway through a restore: refused without --force, then restored with it.
    killed_target = work / "killed_home"
    # Half a second after its mark is written: its files are being copied into place.
    mark = killed_target / ".restore-incomplete"
    killed_database = _fresh_database(url, "killed")
    _kill_halfway(
        [*FANGFAN, "restore", str(work / "backup")], _env(killed_target, killed_database), 0.5, once=mark
    )
    assert mark.exists()
    refused = subprocess.run(
        [*FANGFAN, "restore", str(work / "backup")],
        env=_env(killed_target, killed_database),
        capture_output=True,
        text=True,
    )
    print(f"after a killed restore, exit {refused.returncode}: {refused.stderr.strip()}")
    assert refused.returncode == 1 and "--force" in refused.stderr
    forced, output = run_captured(
        "restore --force",
        [*FANGFAN, "restore", "--force", str(work / "backup")],
        _env(killed_target, killed_database),
    )
    print(output.strip())
    assert "恢复完成并已核对" in output
    if not url:
        _backup_while_writing(home, work)
    print(
        f"figures: backup {backup.seconds:.1f} s, restore {restore.seconds:.1f} s,"
        f" restore --force after a kill {forced.seconds:.1f} s"
    )


if __name__ == "__main__":
    main()

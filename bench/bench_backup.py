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
   `--force` restores and checks everything.

Figures go to stdout, for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.measure import run_captured

ROOT = Path(__file__).resolve().parents[1]
FANGFAN = [sys.executable, "-m", "fangfan.cli.__main__"]


def _env(home: Path) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "FANGFAN_SECRET_KEY")}
    environment["FANGFAN_HOME"] = str(home)
    return environment


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", type=Path, default=ROOT / "bench" / "out" / "backup" / "home")
    parser.add_argument("--households", type=int, default=60000)
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "out" / "backup" / "work")
    arguments = parser.parse_args()
    home, work = arguments.home.resolve(), arguments.work.resolve()
    if not (home / "fangfan.sqlite3").exists():
        run_captured(
            "demo",
            [*FANGFAN, "demo", "--households", str(arguments.households), "--no-serve"],
            _env(home),
        )
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    print(f"load at start: {os.getloadavg()}")

    backup, output = run_captured("backup", [*FANGFAN, "backup", str(work / "backup")], _env(home))
    print(output.strip(), f"\n    backup folder {_size(work / 'backup') / 1024**2:,.0f} MB")

    target = work / "restored_home"
    restore, output = run_captured("restore", [*FANGFAN, "restore", str(work / "backup")], _env(target))
    print(output.strip())
    assert "恢复完成并已核对" in output

    # Killed halfway through a backup: nothing at the destination; the next backup clears up.
    _kill_halfway([*FANGFAN, "backup", str(work / "killed")], _env(home), backup.seconds / 2)
    leftovers = [path.name for path in work.iterdir() if ".partial-" in path.name]
    assert not (work / "killed").exists() and leftovers, leftovers
    print(f"killed backup: no {work / 'killed'}; hidden leftovers {leftovers}")
    run_captured("backup after a killed one", [*FANGFAN, "backup", str(work / "again")], _env(home))
    assert not [path for path in work.iterdir() if ".partial-" in path.name]
    shutil.rmtree(work / "again")
    print("the next backup removed the leftovers")

    # Killed halfway through a restore: refused without --force, then restored with it.
    killed_target = work / "killed_home"
    # Half a second after its mark is written: its files are being copied into place.
    mark = killed_target / ".restore-incomplete"
    _kill_halfway([*FANGFAN, "restore", str(work / "backup")], _env(killed_target), 0.5, once=mark)
    assert mark.exists()
    refused = subprocess.run(
        [*FANGFAN, "restore", str(work / "backup")], env=_env(killed_target), capture_output=True, text=True
    )
    print(f"after a killed restore, exit {refused.returncode}: {refused.stderr.strip()}")
    assert refused.returncode == 1 and "--force" in refused.stderr
    forced, output = run_captured(
        "restore --force", [*FANGFAN, "restore", "--force", str(work / "backup")], _env(killed_target)
    )
    print(output.strip())
    assert "恢复完成并已核对" in output
    print(
        f"figures: backup {backup.seconds:.1f} s, restore {restore.seconds:.1f} s,"
        f" restore --force after a kill {forced.seconds:.1f} s"
    )


if __name__ == "__main__":
    main()

"""Benchmark of `fangfan import`: seconds, peak memory and row counts for one input folder.

`run(input_dir)` imports the folder through the CLI in a child process (so the
figure is the whole command, start-up included) with FANGFAN_HOME in a fresh
temporary folder, and returns the figures as a dict for the bench harness.

    python -m bench.bench_import /path/to/generated
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def run(input_dir: Path, as_of: str = "2026-10-31") -> dict[str, Any]:
    """Import `input_dir` once; seconds, peak RSS (MB), rows per table, problems."""
    from fangfan.engine.snapshot import SnapshotStore

    with tempfile.TemporaryDirectory(prefix="fangfan-bench-import-") as home:
        command = [sys.executable, "-c", "from fangfan.cli import main; main()", "import", str(input_dir)]
        started = time.perf_counter()
        child = subprocess.Popen(
            [*command, "--as-of", as_of],
            env={**os.environ, "FANGFAN_HOME": home},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"fangfan import failed with exit code {os.waitstatus_to_exitcode(status)}")
        snapshot = SnapshotStore(Path(home) / "snapshots").latest()
        tables = dict(snapshot.manifest["tables"])
        return {
            "import_seconds": round(seconds, 1),
            "import_peak_rss_mb": round(usage.ru_maxrss / 1024, 0),
            "households": tables.get("households", 0),
            "members": tables.get("members", 0),
            "rows_total": sum(v for k, v in tables.items() if k not in ("problems", "rejected", "villages")),
            "problems": tables.get("problems", 0),
            "formats": sorted({p.suffix for p in input_dir.rglob("*") if p.is_file()}),
        }


if __name__ == "__main__":
    print(json.dumps(run(Path(sys.argv[1]), *sys.argv[2:]), ensure_ascii=False, indent=2))

"""Benchmark of `link_snapshot`: seconds, peak memory, and the probabilistic part against Splink's rate.

`run(snapshot)` links the snapshot in a child process (FANGFAN_HOME in a fresh
temporary folder, so nothing is reused) and returns its figures. Splink's
published reference is about a million records a minute on a laptop; the
probabilistic part here scores only the residual records the exact join left.

    python -m bench.bench_link SNAPSHOT_DIR
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

from fangfan.engine.snapshot import Snapshot

SPLINK_RECORDS_PER_MINUTE = 1_000_000
CHILD = """
import json, sys
from pathlib import Path
from fangfan.engine.link import link_snapshot
from fangfan.engine.snapshot import Snapshot
path = Path(sys.argv[1])
snapshot = Snapshot(path, json.loads((path / "manifest.json").read_text("utf-8")))
result = link_snapshot(snapshot)
counts = result.links.group_by("status").len().to_dicts()
print()
print(json.dumps({"timings": result.timings, "rows": result.links.height, "status": counts}))
"""


def run(snapshot: Snapshot) -> dict[str, Any]:
    """Link `snapshot` once from scratch; seconds, peak RSS (MB), and the probabilistic rate."""
    with tempfile.TemporaryDirectory(prefix="fangfan-bench-link-") as home:
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(snapshot.path)],
            env={**os.environ, "FANGFAN_HOME": home},
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert child.stdout is not None
        output = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"link failed with exit code {os.waitstatus_to_exitcode(status)}")
    figures = json.loads(output.decode().strip().splitlines()[-1])
    timings = figures["timings"]
    residual = timings.get("residual_records", 0.0)
    return {
        "link_seconds": round(seconds, 1),
        "link_peak_rss_mb": round(usage.ru_maxrss / 1024),
        "feed_rows": figures["rows"],
        "status": {row["status"]: row["len"] for row in figures["status"]},
        "probabilistic_seconds": round(timings.get("probabilistic", 0.0), 1),
        "predict_seconds": round(timings.get("predict", 0.0), 2),
        "residual_records": int(residual),
        "splink_reference_seconds": round(residual / SPLINK_RECORDS_PER_MINUTE * 60, 2),
        "members": snapshot.manifest["tables"].get("members", 0),
    }


if __name__ == "__main__":
    path = Path(sys.argv[1])
    snapshot = Snapshot(path, json.loads((path / "manifest.json").read_text("utf-8")))
    print(json.dumps(run(snapshot), ensure_ascii=False, indent=2))

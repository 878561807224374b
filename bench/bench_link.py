"""Benchmark of `link_snapshot`: seconds, peak memory, and the probabilistic part against Splink's rate.

`run(snapshot)` links the snapshot in a child process, measured like every other
step of `make bench` (bench/measure.py: wall time, peak RSS by wait4), and returns
its figures: feed rows, rows by method and by status, where the time went
(`LinkResult.timings`), and the residual records scored by Splink with their rate
in records a minute. Splink's published reference is about a million records a
minute on a laptop; the probabilistic part here scores only the residual records
the exact join left, so its rate carries the fixed cost of training the model.

By default FANGFAN_HOME is a fresh temporary folder, so nothing is reused; `make
bench` passes the scale's own home instead, so that the screen step after it
reuses the links. A run that found links.parquet already there measured nothing
and is refused.

    python -m bench.bench_link SNAPSHOT_DIR [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.measure import Measurement, run_captured
from fangfan.engine.schema import DEPARTMENT_FEEDS
from fangfan.engine.snapshot import Snapshot

SPLINK_RECORDS_PER_MINUTE = 1_000_000
TARGET_SECONDS = 300.0  # issue 4: city scale, all 13 feeds, at most 5 minutes …
TARGET_BYTES = 8 * 10**9  # … and at most 8 GB of memory
CHILD = """
import json, sys
from pathlib import Path
import polars as pl
from fangfan.engine.link import link_snapshot
from fangfan.engine.snapshot import Snapshot
path = Path(sys.argv[1])
snapshot = Snapshot(path, json.loads((path / "manifest.json").read_text("utf-8")))
result = link_snapshot(snapshot)
if result.reused:
    sys.exit(f"{result.path} already existed: nothing was linked, nothing measured")
links = result.links
def counts(*columns):
    return [[*row[:-1], row[-1]] for row in links.group_by(*columns).len().sort(*columns).iter_rows()]
print()
print(json.dumps({
    "timings": result.timings,
    "rows": links.height,
    "feeds": links["feed"].n_unique(),
    "status": counts("status"),
    "method": counts("method"),
    "method_status": counts("method", "status"),
}))
"""


def snapshot_feed_rows(snapshot: Snapshot) -> int:
    """Rows of the snapshot's department feeds, from its manifest."""
    tables = snapshot.manifest["tables"]
    return sum(int(tables.get(feed.name, 0)) for feed in DEPARTMENT_FEEDS)


def measure(
    snapshot: Snapshot, home: Path | None = None, label: str = "link"
) -> tuple[Measurement, dict[str, Any]]:
    """Link `snapshot` once, in a child process with FANGFAN_HOME = `home` (a fresh temporary
    folder when None); the measurement and the figures."""
    with tempfile.TemporaryDirectory(prefix="fangfan-bench-link-") as temporary:
        env = {"FANGFAN_HOME": str(home or temporary)}
        measurement, output = run_captured(label, [sys.executable, "-c", CHILD, str(snapshot.path)], env)
    return measurement, figures(snapshot, measurement, json.loads(output.strip().splitlines()[-1]))


def run(snapshot: Snapshot, home: Path | None = None) -> dict[str, Any]:
    """Link `snapshot` once from scratch; seconds, peak RSS (MB), and the probabilistic rate."""
    return measure(snapshot, home)[1]


def figures(snapshot: Snapshot, measurement: Measurement, child: dict[str, Any]) -> dict[str, Any]:
    timings = {name: float(value) for name, value in child["timings"].items()}
    residual = int(timings.get("residual_records", 0.0))
    probabilistic = timings.get("probabilistic", 0.0)
    predict = timings.get("predict", 0.0)
    status = {name: count for name, count in child["status"]}
    total = timings.get("total", 0.0)
    peak_bytes = measurement.peak_rss_mb * 1024 * 1024

    def per_minute(records: int, seconds: float) -> float | None:
        return records / seconds * 60 if seconds > 0 and records else None

    rate = per_minute(residual, probabilistic)
    predict_rate = per_minute(residual, predict)
    return {
        "link_seconds": round(measurement.seconds, 1),
        "link_peak_rss_mb": round(measurement.peak_rss_mb),
        "link_peak_gb": round(peak_bytes / 10**9, 2),
        "load_at_start": round(measurement.load, 2),
        "feed_rows": child["rows"],
        "snapshot_feed_rows": snapshot_feed_rows(snapshot),
        "feeds": child["feeds"],
        "linked_rows": status.get("linked", 0),
        "status": status,
        "method": {name: count for name, count in child["method"]},
        "method_status": [{"method": m, "status": s, "rows": n} for m, s, n in child["method_status"]],
        "exact_seconds": round(timings.get("exact", 0.0), 2),
        "probabilistic_seconds": round(probabilistic, 2),
        "predict_seconds": round(predict, 2),
        "rest_seconds": round(total - timings.get("exact", 0.0) - probabilistic, 2),
        "link_snapshot_seconds": round(total, 2),
        "outside_link_snapshot_seconds": round(measurement.seconds - total, 2),
        "residual_records": residual,
        "residual_per_minute": rate,
        "residual_over_splink": None if rate is None else rate / SPLINK_RECORDS_PER_MINUTE,
        "predict_per_minute": predict_rate,
        "predict_over_splink": None if predict_rate is None else predict_rate / SPLINK_RECORDS_PER_MINUTE,
        "splink_reference_seconds": round(residual / SPLINK_RECORDS_PER_MINUTE * 60, 2),
        "all_rows_per_minute": round(child["rows"] / measurement.seconds * 60),
        "meets_seconds": measurement.seconds <= TARGET_SECONDS,
        "meets_memory": peak_bytes <= TARGET_BYTES,
        "members": snapshot.manifest["tables"].get("members", 0),
    }


def lines(scale: str, f: dict[str, Any], *, target: bool) -> list[str]:
    """The figures as Markdown list items, for the printed table and RESULTS.md."""
    methods = ", ".join(f"{name} {count:,}" for name, count in f["method"].items())
    statuses = ", ".join(f"{name} {count:,}" for name, count in f["status"].items())
    out = [
        f"- {scale}: link {f['feed_rows']:,} feed rows of {f['feeds']} feeds "
        f"({f['snapshot_feed_rows']:,} in the snapshot; {f['members']:,} registry people) in "
        f"{f['link_seconds']:,.1f} s, peak {f['link_peak_gb']:.2f} GB; by method: {methods}; "
        f"by status: {statuses}. Time: exact join (with reading) {f['exact_seconds']:.1f} s, "
        f"probabilistic {f['probabilistic_seconds']:.1f} s (of which Splink predict "
        f"{f['predict_seconds']:.2f} s), rest {f['rest_seconds']:.1f} s, outside link_snapshot "
        f"(start-up, writing links.parquet) {f['outside_link_snapshot_seconds']:.1f} s.",
    ]
    if f["residual_per_minute"] is None:
        out.append(f"- {scale}: no residual record reached Splink; no probabilistic rate.")
    else:
        out.append(
            f"- {scale}: probabilistic part: {f['residual_records']:,} residual records in "
            f"{f['probabilistic_seconds']:.1f} s (train + score) = "
            f"{f['residual_per_minute']:,.0f} records/min, "
            f"{f['residual_over_splink']:.2g}× Splink's published ~{SPLINK_RECORDS_PER_MINUTE:,}/min on a "
            f"laptop (at that rate: {f['splink_reference_seconds']:.2g} s); Splink predict alone "
            f"{f['predict_per_minute']:,.0f} records/min ({f['predict_over_splink']:.2g}×); the whole step "
            f"{f['all_rows_per_minute']:,} feed rows/min."
        )
    if target:
        verdict = "meets" if f["meets_seconds"] and f["meets_memory"] else "MISSES"
        out.append(
            f"- {scale}: link {f['link_seconds']:,.0f} s ({'≤' if f['meets_seconds'] else '>'} "
            f"{TARGET_SECONDS:,.0f} s), peak {f['link_peak_gb']:.2f} GB "
            f"({'≤' if f['meets_memory'] else '>'} {TARGET_BYTES / 10**9:.0f} GB) — {verdict} "
            "the targets (issue 4)."
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_link")
    parser.add_argument("snapshot", type=Path)
    parser.add_argument("--json", type=Path)
    arguments = parser.parse_args()
    path = arguments.snapshot
    snapshot = Snapshot(path, json.loads((path / "manifest.json").read_text("utf-8")))
    result = run(snapshot)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    print("\n".join(lines("snapshot", result, target=True)))
    if arguments.json:
        arguments.json.write_text(json.dumps(result, ensure_ascii=False), "utf-8")


if __name__ == "__main__":
    main()

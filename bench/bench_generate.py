"""Benchmark of `fangfan generate`: seconds and peak memory for CSV and xlsx output.

`run(households, out)` runs the CLI in a subprocess per format and reads the peak
resident memory of the finished child from `resource.getrusage(RUSAGE_CHILDREN)`.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path


def _one(households: int, out: Path, file_format: str) -> dict[str, float]:
    command = [
        str(Path(sys.executable).parent / "fangfan"),
        "generate",
        "--households",
        str(households),
        "--seed",
        "1",
        "--out",
        str(out / file_format),
        "--format",
        file_format,
        "--as-of",
        "2026-10-31",
    ]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest child so far
    return {
        f"{file_format}_seconds": round(seconds, 2),
        f"{file_format}_peak_rss_mb": round(peak_kb / 1024, 1),
    }


def run(households: int, out: Path) -> dict[str, float]:
    """Figures for CSV then xlsx at `households` households, written under `out`."""
    figures: dict[str, float] = {"households": households}
    for file_format in ("csv", "xlsx"):
        figures |= _one(households, out, file_format)
    return figures


if __name__ == "__main__":
    print(
        run(
            int(sys.argv[1]) if len(sys.argv) > 1 else 20_000,
            Path(sys.argv[2] if len(sys.argv) > 2 else "/tmp/bench"),
        )
    )

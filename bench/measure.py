"""Run one command as a child process and measure its wall time and peak memory."""

from __future__ import annotations

import os
import platform
import shlex
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measurement:
    label: str
    seconds: float
    peak_rss_mb: float
    returncode: int

    def row(self) -> str:
        return f"| {self.label} | {self.seconds:,.1f} | {self.peak_rss_mb:,.0f} |"


def run_measured(label: str, command: list[str], env: dict[str, str] | None = None) -> Measurement:
    """Wall-clock seconds and the child's own peak resident memory (wait4's rusage)."""
    print(f"  … {label}: {shlex.join(command)}", flush=True)
    started = time.perf_counter()
    child = subprocess.Popen(command, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"{label} failed with exit code {child.returncode}")
    result = Measurement(label, seconds, usage.ru_maxrss / 1024, child.returncode)
    print(f"    {result.seconds:,.1f} s, peak {result.peak_rss_mb:,.0f} MB", flush=True)
    return result


def machine_description() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return f"{cpu}, {os.cpu_count()} cores, {memory_gb:.0f} GB RAM, Python {platform.python_version()}"

"""Run one command as a child process and measure its wall time, CPU time and peak memory."""

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
    load: float = float("nan")  # the machine's 1-minute load average when the step started
    cpu_seconds: float = float("nan")  # user + system time of the child and the processes it waited for

    def row(self) -> str:
        return f"| {self.label} | {self.seconds:,.1f} | {self.peak_rss_mb:,.0f} | {self.load:.1f} |"


TABLE_HEADER = ["| step | seconds | peak memory (MB) | load at start |", "|---|---:|---:|---:|"]


def run_measured(label: str, command: list[str], env: dict[str, str] | None = None) -> Measurement:
    """Wall-clock seconds, CPU seconds and the child's peak resident memory (wait4's rusage);
    stdout is discarded."""
    return _run(label, command, env, capture=False)[0]


def run_captured(
    label: str, command: list[str], env: dict[str, str] | None = None
) -> tuple[Measurement, str]:
    """`run_measured`, also returning what the child printed."""
    return _run(label, command, env, capture=True)


def _run(
    label: str, command: list[str], env: dict[str, str] | None, *, capture: bool
) -> tuple[Measurement, str]:
    # wait4 reports the larger of the child's own peak and that of any process it waited for;
    # the child's stderr goes to ours.
    shown = ["<script>" if "\n" in argument else argument for argument in command]
    print(f"  … {label}: {shlex.join(shown)}", flush=True)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    child = subprocess.Popen(
        command,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
    )
    output = child.stdout.read().decode() if child.stdout is not None else ""
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"{label} failed with exit code {child.returncode}")
    cpu = usage.ru_utime + usage.ru_stime
    result = Measurement(label, seconds, usage.ru_maxrss / 1024, child.returncode, load, cpu)
    print(
        f"    {result.seconds:,.1f} s (CPU {cpu:,.1f} s), peak {result.peak_rss_mb:,.0f} MB, load {load:.1f}",
        flush=True,
    )
    return result, output


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

"""Run one command as a child process and measure its wall time, CPU time and peak memory."""

from __future__ import annotations

import contextlib
import os
import platform
import shlex
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil


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
    # The peak is the larger of wait4's (the child's own peak, or that of any one process it
    # waited for) and the whole process tree's resident memory summed, sampled every 20 ms:
    # a job whose worker processes hold data beside it uses their memory at the same time,
    # which wait4's maximum over single processes would not show. The child's stderr goes to ours.
    shown = ["<script>" if "\n" in argument else argument for argument in command]
    print(f"  … {label}: {shlex.join(shown)}", flush=True)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    child = subprocess.Popen(
        command,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
    )
    tree = _TreePeak(child.pid)
    output = child.stdout.read().decode() if child.stdout is not None else ""
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    tree.stop.set()
    tree.join()
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"{label} failed with exit code {child.returncode}")
    cpu = usage.ru_utime + usage.ru_stime
    peak_mb = max(usage.ru_maxrss / 1024, tree.peak_bytes / 1024**2)
    result = Measurement(label, seconds, peak_mb, child.returncode, load, cpu)
    print(
        f"    {result.seconds:,.1f} s (CPU {cpu:,.1f} s), peak {result.peak_rss_mb:,.0f} MB, load {load:.1f}",
        flush=True,
    )
    return result, output


class _TreePeak(threading.Thread):
    """Samples the resident memory of a process and all its descendants, summed, every 20 ms
    until `stop` is set or the process ends (a zombie waiting for wait4 counts as ended)."""

    def __init__(self, pid: int) -> None:
        super().__init__(name="tree-peak", daemon=True)
        self.root = psutil.Process(pid)
        self.stop = threading.Event()
        self.peak_bytes = 0
        self.start()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                if self.root.status() == psutil.STATUS_ZOMBIE:
                    return
                processes = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                return
            total = 0
            for process in processes:
                with contextlib.suppress(psutil.Error):  # ended between the listing and here
                    total += process.memory_info().rss
            self.peak_bytes = max(self.peak_bytes, total)
            self.stop.wait(0.02)


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

"""Run one command as a child process and measure its wall time, CPU time and peak memory."""

from __future__ import annotations

import contextlib
import os
import platform
import shlex
import signal
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
    tree = TreeWatch(child.pid)
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


class TreeWatch(threading.Thread):
    """Samples the resident memory of a process and all its descendants, summed, every
    `interval` seconds until `stop` is set or the process ends (a zombie waiting for wait4
    counts as ended).

    With `limit_bytes`, `machine_reserve` or `deadline` (time.time()) it is also a watchdog:
    past the limit, with less than the reserve available on the machine (a shared machine:
    the kernel's OOM killer would pick other users' jobs) or past the deadline it SIGKILLs
    the process group `pid` leads (start the child with start_new_session=True) and sets
    `fired`. With `log` (the child's output file) it follows the "… 开始" and "… 完成" lines
    the child prints and keeps each step's peak in `step_peaks` (a step inside another counts
    for both).
    """

    def __init__(
        self,
        pid: int,
        *,
        interval: float = 0.02,
        limit_bytes: int | None = None,
        machine_reserve: int | None = None,
        deadline: float | None = None,
        log: Path | None = None,
    ) -> None:
        super().__init__(name="tree-watch", daemon=True)
        self.root = psutil.Process(pid)
        self.pid, self.interval = pid, interval
        self.limit, self.reserve, self.deadline = limit_bytes, machine_reserve, deadline
        self.stop = threading.Event()
        self.peak_bytes = 0
        self.machine_free = psutil.virtual_memory().available  # the lowest seen
        self.fired = False
        self.out_of_time = False
        self.log, self._log_offset, self._partial = log, 0, b""
        self._cpu: dict[int, float] = {}  # pid → its CPU seconds when last seen
        self.open_steps: set[str] = set()  # started ("… 开始"), not yet finished ("… 完成")
        self.step_peaks: dict[str, int] = {}
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
                    times = process.cpu_times()
                    self._cpu[process.pid] = times.user + times.system
            self.peak_bytes = max(self.peak_bytes, total)
            if self.log is not None:
                self._follow_log()
                for step in self.open_steps:
                    self.step_peaks[step] = max(self.step_peaks.get(step, 0), total)
            if self._over(total):
                self.fired = True
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.pid, signal.SIGKILL)
                return
            self.stop.wait(self.interval)

    @property
    def tree_cpu_seconds(self) -> float:
        """CPU seconds of every process seen in the tree, as of its last sample: counts what
        wait4 does not (a JVM its parent never waited for)."""
        return sum(self._cpu.values())

    def _over(self, total: int) -> bool:
        if self.reserve is not None:
            self.machine_free = min(self.machine_free, psutil.virtual_memory().available)
        self.out_of_time = self.deadline is not None and time.time() > self.deadline
        too_big = self.limit is not None and total > self.limit
        too_little_left = self.reserve is not None and self.machine_free < self.reserve
        return too_big or too_little_left or self.out_of_time

    def _follow_log(self) -> None:
        assert self.log is not None
        try:
            with self.log.open("rb") as log:
                log.seek(self._log_offset)
                chunk = log.read()
        except OSError:
            return
        self._log_offset += len(chunk)
        lines = (self._partial + chunk).split(b"\n")
        self._partial = lines.pop()
        for line in lines:
            text = line.decode("utf-8", errors="replace").strip()
            if text.endswith(" 开始"):
                self.open_steps.add(text.removesuffix(" 开始").strip())
            elif " 完成" in text:
                self.open_steps.discard(text.split(" 完成", 1)[0].strip())


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

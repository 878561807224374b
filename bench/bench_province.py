"""The province on one machine with the default engine (issue 19 part 4, second bullet).

    python -m bench.bench_province [--households 3000000] [--out /tmp/province/bench]
                                   [--limit-gb 20] [--max-minutes M] [--keep] [--json FILE]

1. `fangfan generate --province gansu --households N` (CSV) into OUT/data;
2. `fangfan run OUT/data` with FANGFAN_REGION=gansu and FANGFAN_HOME=OUT/home: wall time,
   CPU time and peak memory of the whole run (the process tree's resident memory, sampled
   every 50 ms), and each step's own figures from the run's 运行摘要.json;
3. if the run finished, the findings against the ground truth (`bench.accuracy`).

How far it goes: a step that fails (an exception, the kernel's OOM killer) or that takes
the process tree past `--limit-gb` or leaves the machine less than 1 GB available (a
watchdog stops it there, so the machine's other users are not the OOM killer's victims)
ends the bench; the report names the last step the run had started (its "… 开始" lines)
and the memory at that moment; so does `--max-minutes` running out (a shared machine's
bench that must end by a time). The data is deleted afterwards unless --keep. Run it
alone: `flock /tmp/city.lock make bench-province`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

from bench.measure import machine_description

AS_OF = "2026-10-31"
SEED = 2020
MACHINE_RESERVE = 1024**3  # the machine's available memory below this also stops the bench
STARTED = re.compile(r"^\s*(\S.*?) 开始\s*$")


@dataclass
class Step:
    label: str
    seconds: float
    cpu_seconds: float
    peak_mb: float
    returncode: int
    stopped_by_watchdog: bool = False
    stopped_at_time_limit: bool = False
    machine_free_min_mb: float = 0.0  # the machine's lowest available memory during the step
    last_started: str = ""  # the last "… 开始" line printed: where a failed step was
    log: str = ""
    tail: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.stopped_by_watchdog


def _fangfan() -> str:
    return str(Path(sys.executable).parent / "fangfan")


def _measured(
    label: str, command: list[str], env: dict[str, str], log: Path, limit_bytes: int, deadline: float
) -> Step:
    """Run `command` in its own process group, its output to `log`; stop it past `limit_bytes`
    or at `deadline` (time.time())."""
    print(f"  … {label}: {' '.join(command)}", flush=True)
    started = time.perf_counter()
    with log.open("wb") as out:
        child = subprocess.Popen(
            command, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        watch = _Watchdog(child.pid, limit_bytes, deadline)
        _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    watch.stop.set()
    watch.join()
    text = log.read_text("utf-8", errors="replace").splitlines()
    starts = [m.group(1) for line in text if (m := STARTED.match(line))]
    step = Step(
        label,
        round(seconds, 1),
        round(usage.ru_utime + usage.ru_stime, 1),
        round(max(usage.ru_maxrss / 1024, watch.peak_bytes / 1024**2)),
        os.waitstatus_to_exitcode(status),
        watch.fired,
        watch.out_of_time,
        round(watch.machine_free / 1024**2),
        starts[-1] if starts else "",
        str(log),
        text[-15:],
    )
    state = "ok" if step.ok else f"FAILED (exit {step.returncode}, watchdog {step.stopped_by_watchdog})"
    print(f"    {state}: {step.seconds:,.1f} s, CPU {step.cpu_seconds:,.1f} s, peak {step.peak_mb:,.0f} MB")
    return step


class _Watchdog(threading.Thread):
    """The process tree's resident memory, summed every 50 ms; past the limit, or with less
    than MACHINE_RESERVE left on the machine (shared: other users' jobs), SIGKILL the group."""

    def __init__(self, pid: int, limit_bytes: int, deadline: float) -> None:
        super().__init__(name="watchdog", daemon=True)
        self.pid, self.limit, self.deadline = pid, limit_bytes, deadline
        self.out_of_time = False
        self.root = psutil.Process(pid)
        self.stop = threading.Event()
        self.peak_bytes = 0
        self.fired = False
        self.machine_free = psutil.virtual_memory().available  # the lowest seen
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
            self.machine_free = min(self.machine_free, psutil.virtual_memory().available)
            self.out_of_time = time.time() > self.deadline
            if total > self.limit or self.machine_free < MACHINE_RESERVE or self.out_of_time:
                self.fired = True
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.pid, signal.SIGKILL)
                return
            self.stop.wait(0.05)


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_province")
    parser.add_argument("--households", type=int, default=3_000_000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/province/bench"))
    parser.add_argument("--limit-gb", type=float, default=20.0, help="stop the process tree past this")
    parser.add_argument("--keep", action="store_true", help="keep the generated data and the run")
    parser.add_argument("--max-minutes", type=float, default=0, help="stop the bench after this (0: never)")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    arguments = parser.parse_args()
    out: Path = arguments.out
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    limit = int(arguments.limit_gb * 1024**3)
    deadline = time.time() + arguments.max_minutes * 60 if arguments.max_minutes else float("inf")
    figures: dict[str, object] = {
        "households": arguments.households,
        "machine": machine_description(),
        "uptime_start": _uptime(),
        "limit_gb": arguments.limit_gb,
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        ).stdout.strip(),
    }
    print(
        f"province bench: {arguments.households:,} households; {figures['machine']}; "
        f"{figures['uptime_start']}"
    )
    data, home, run_out = out / "data", out / "home", out / "run"
    generate = [_fangfan(), "generate", "--province", "gansu", "--households", str(arguments.households)]
    generate += ["--seed", str(SEED), "--as-of", AS_OF, "--out", str(data)]
    steps = [_measured("generate (CSV)", generate, {}, out / "generate.log", limit, deadline)]
    if steps[0].ok:
        figures["data_mb"] = round(sum(p.stat().st_size for p in data.iterdir()) / 1024**2)
        run = [_fangfan(), "run", str(data), "--out", str(run_out), "--as-of", AS_OF]
        env = {"FANGFAN_HOME": str(home), "FANGFAN_REGION": "gansu"}
        steps.append(_measured("fangfan run", run, env, out / "run.log", limit, deadline))
        summary = run_out / "运行摘要.json"
        if steps[-1].ok and summary.exists():
            run_summary = json.loads(summary.read_text("utf-8"))
            figures["run_steps"] = run_summary["steps"]
            figures["findings"] = run_summary["findings"]
            accuracy = [sys.executable, "-m", "bench.accuracy", str(home), str(data / "ground_truth.csv")]
            accuracy += ["--json", str(out / "accuracy.json")]
            steps.append(_measured("accuracy", accuracy, {}, out / "accuracy.log", limit, deadline))
            if steps[-1].ok:
                figures["accuracy"] = json.loads((out / "accuracy.json").read_text("utf-8"))
    figures["steps"] = [asdict(step) for step in steps]
    figures["uptime_end"] = _uptime()
    _print(figures)
    if arguments.json:
        arguments.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2), "utf-8")
    if not arguments.keep:
        for folder in (data, home, run_out):
            shutil.rmtree(folder, ignore_errors=True)


def _print(figures: dict[str, object]) -> None:
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    print("\n| step | seconds | CPU seconds | peak memory (MB) | result |\n|---|---:|---:|---:|---|")
    for step in figures["steps"]:  # type: ignore[attr-defined]
        result = (
            "ok"
            if step["returncode"] == 0 and not step["stopped_by_watchdog"]
            else (
                f"failed in “{step['last_started']}” (exit {step['returncode']}"
                f"{', stopped by the watchdog' if step['stopped_by_watchdog'] else ''}"
                f"{' at the time limit' if step['stopped_at_time_limit'] else ''})"
            )
        )
        print(
            f"| {step['label']} | {step['seconds']:,.1f} | {step['cpu_seconds']:,.1f} "
            f"| {step['peak_mb']:,.0f} | {result} |"
        )
    run_steps = figures.get("run_steps")
    if isinstance(run_steps, dict):
        print("\n| run step (运行摘要.json) | wall s | CPU s | peak MB |\n|---|---:|---:|---:|")
        for name, step in run_steps.items():
            print(
                f"| {name} | {step['wall_seconds']:,.1f} | {step['cpu_seconds']:,.1f} "
                f"| {step['peak_mb']:,.0f} |"
            )


if __name__ == "__main__":
    main()

"""A full disk while a snapshot is written (issue 20, faults): the real thing, on a small tmpfs.

Needs root (it mounts a tmpfs of a fixed size as FANGFAN_HOME). Run once:

    sudo .venv/bin/python -m bench.faults_disk [--work /tmp/faults-disk]

1. a first import of a small generated dataset onto an empty 64 MB disk: succeeds;
2. the disk filled up to about 1 MB free, then `fangfan import` and `fangfan run` of a larger
   dataset: each must fail with 磁盘空间不足 (no traceback), leave no snapshot folder but the first
   (no half one, no staging left behind), `LATEST` and the first snapshot byte for byte as they were,
   and the run marked 失败 in `fangfan status` (or, if even the journal could not be written, marked
   进程中断 once space is back — both are printed);
3. space freed: the same import and run succeed.

Prints each check and a JSON summary (for bench/RESULTS.md); exits 1 if a check fails.
The unit test without root is tests/engine/test_faults.py (ENOSPC simulated in the writer).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

SIZE_MB = 64


def _fangfan(home: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FANGFAN_HOME": str(home), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "fangfan.cli", *arguments],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _digest(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _fill(disk: Path, leave_bytes: int) -> Path:
    filler = disk / "填充文件.bin"
    stat = os.statvfs(disk)
    free = stat.f_bavail * stat.f_frsize
    with filler.open("wb") as stream:
        stream.truncate(0)
        chunk = b"\0" * (1 << 20)
        remaining = max(0, free - leave_bytes)
        while remaining > 0:
            stream.write(chunk[: min(len(chunk), remaining)])
            remaining -= min(len(chunk), remaining)
    return filler


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/faults-disk"))
    arguments = parser.parse_args()
    work: Path = arguments.work
    disk = work / "disk"
    checks: list[tuple[str, bool, str]] = []
    results: dict[str, object] = {}

    def check(name: str, passed: bool, detail: str = "") -> None:
        checks.append((name, passed, detail))
        shown = f"：{detail}" if detail and (not passed or len(detail) < 120) else ""
        print(("通过 " if passed else "失败 ") + name + shown, flush=True)

    work.mkdir(parents=True, exist_ok=True)
    small, large = work / "small", work / "large"
    for folder, households in ((small, 1000), (large, 6000)):
        if not (folder / "户信息.csv").exists():
            done = _fangfan(work, "generate", "--households", str(households), "--seed", "7",
                            "--as-of", "2026-10-31", "--out", str(folder))  # fmt: skip
            assert done.returncode == 0, done.stderr
    disk.mkdir(exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SIZE_MB}m", "tmpfs", str(disk)], check=True)
    try:
        home = disk / "home"
        first = _fangfan(home, "import", str(small), "--as-of", "2026-09-30")
        check("空盘上首次导入成功", first.returncode == 0, first.stderr[-300:])
        snapshots = home / "snapshots"
        before = _digest(snapshots)
        latest = (snapshots / "LATEST").read_text("utf-8").strip()
        filler = _fill(disk, 1 << 20)
        for name, command in (
            ("import", ("import", str(large), "--as-of", "2026-10-31")),
            ("run", ("run", str(large), "--as-of", "2026-10-31", "--out", str(home / "out"))),
        ):
            done = _fangfan(home, *command)
            output = done.stdout + done.stderr
            results[name] = {"exit": done.returncode, "message": output.strip().splitlines()[-1:]}
            check(
                f"磁盘满时 fangfan {name} 以退出码 1 结束", done.returncode == 1, f"退出码 {done.returncode}"
            )
            check(f"磁盘满时 fangfan {name} 提示“磁盘空间不足”", "磁盘空间不足" in output, output[-300:])
            check(f"磁盘满时 fangfan {name} 没有打印 Traceback", "Traceback" not in output)
            visible = sorted(p.name for p in snapshots.iterdir() if not p.name.startswith("."))
            check(
                f"{name} 之后只有原来的快照（无半个快照）",
                visible == sorted([latest, "LATEST"]),
                str(visible),
            )
            hidden = [p.name for p in snapshots.iterdir() if p.name.startswith(".tmp-")]
            check(f"{name} 之后没有留下临时目录", not hidden, str(hidden))
            check(f"{name} 之后原快照和 LATEST 逐字节未变", _digest(snapshots) == before)

        filler.unlink()
        status = _fangfan(home, "status")
        failed_line = [line for line in status.stdout.splitlines() if "月度运行" in line]
        check("fangfan status 把磁盘满时的运行标为失败", any("失败" in line for line in failed_line),
              " / ".join(line.strip() for line in failed_line))  # fmt: skip
        results["status"] = failed_line
        again = _fangfan(home, "import", str(large), "--as-of", "2026-10-31")
        check("腾出空间后重新导入成功", again.returncode == 0, again.stderr[-300:])
        rerun = _fangfan(home, "run", str(large), "--as-of", "2026-10-31", "--out", str(home / "out"))
        check("腾出空间后重新运行成功", rerun.returncode == 0, rerun.stderr[-300:])
        check("原快照仍在且可读", (snapshots / latest / "manifest.json").exists())
    finally:
        subprocess.run(["umount", str(disk)], check=False)
        shutil.rmtree(disk, ignore_errors=True)
    print(json.dumps({"checks": len(checks), "failed": [c[0] for c in checks if not c[1]], **results},
                     ensure_ascii=False, indent=1))  # fmt: skip
    return 0 if all(passed for _, passed, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())

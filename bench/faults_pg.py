"""PostgreSQL restarted under page traffic and in the middle of a publish (issue 20, faults).

Needs root (`pg_ctlcluster 15 <cluster> restart`) and a database of its own. Run once:

    sudo .venv/bin/python -m bench.faults_pg --database faults [--work /tmp/faults-pg]

On a machine whose cluster others are using, restart a cluster of its own instead of `main`:
`pg_createcluster 15 faults --port 5434 -- --auth-host=trust && pg_ctlcluster 15 faults start`,
then `--cluster faults --port 5434` (the same PostgreSQL 15; `pg_dropcluster --stop 15 faults` after).

1. A small generated city (1,500 households) published into the database `--database` (dropped and
   created), the site under gunicorn (2 workers × 4 threads), 8 readers going through the
   dashboard, the households and the findings without pause.
2. PostgreSQL restarted while they read: every answer during the restart is the page asked for
   (200) or the Chinese 503 page (系统正在更新数据), never a 500 or a traceback, and pages are 200
   again after it (the seconds until the first 200 are printed).
3. `fangfan publish` of the next month started and PostgreSQL restarted while it writes the
   members: the publish ends with a Chinese message (no traceback), `fangfan status` shows it
   失败, the published data is as before (counts), and a second publish succeeds.

The cluster is left running (`pg_isready` checked at the end). Prints a JSON summary for
bench/RESULTS.md; exits 1 if a check fails.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

from bench.webserver import (
    CSRF,
    fetch,
    free_port,
    generate,
    opener,
    run_python,
    site_env,
    start_gunicorn,
    stop,
)

HOUSEHOLDS = 1500
READERS = 8
PAGES = ("/", "/households/", "/findings/")
PASSWORD = "faults-pg-2026"

_COUNTS = """
import json, django
django.setup()
from fangfan.web.registry.models import DepartmentRecord, Finding, Household, Member, Run
current = Run.objects.current()
print(json.dumps({"run": current.run_id if current else None, "runs": Run.objects.count(),
    "unpublished": Run.objects.filter(published=False).count(), "households": Household.objects.count(),
    "members": Member.objects.count(), "findings": Finding.objects.count(),
    "departments": DepartmentRecord.objects.count()}))
"""

_ACCOUNT = """
import sys, django
django.setup()
from fangfan.web.accounts.models import User
from fangfan.web.regions.models import Region
city = Region.objects.filter(level=Region.Level.CITY).first()
User.objects.create_user("faults", password=sys.argv[1], role="city", region=city)
"""


def _python(env: dict[str, str], *arguments: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    try:
        return run_python(env, *arguments, timeout=None, check=check)
    except RuntimeError as error:
        raise SystemExit(str(error)) from None


CLUSTER = ["main", "5432"]  # the cluster restarted, and its port (--cluster, --port)


def _restart() -> float:
    started = time.monotonic()
    subprocess.run(["pg_ctlcluster", "15", CLUSTER[0], "restart"], check=True)
    return time.monotonic() - started


def _ready() -> bool:
    probe = ["pg_isready", "-h", "127.0.0.1", "-p", CLUSTER[1]]
    return subprocess.run(probe, capture_output=True, check=False).returncode == 0


class Traffic:
    """Readers going through pages until stopped; every answer kept with its time."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.answers: list[tuple[float, str, int, bool]] = []  # (when, page, status, traceback shown)
        self.running = threading.Event()
        self.lock = threading.Lock()
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        self.running.set()
        for number in range(READERS):
            thread = threading.Thread(target=self._read, args=(number,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def stop(self) -> None:
        self.running.clear()
        for thread in self.threads:
            thread.join(timeout=180)

    def _opener(self) -> urllib.request.OpenerDirector:
        browser = opener()
        while True:
            status, page = fetch(browser, f"{self.url}/accounts/login/")
            token = CSRF.search(page)
            if status == 200 and token:
                data = {"csrfmiddlewaretoken": token.group(1), "username": "faults", "password": PASSWORD}
                status, page = fetch(browser, f"{self.url}/accounts/login/", data)
                if status == 200 and "退出登录" in page:
                    return browser
            time.sleep(0.5)

    def _read(self, number: int) -> None:
        browser = self._opener()
        index = number
        while self.running.is_set():
            page = PAGES[index % len(PAGES)]
            status, body = fetch(browser, f"{self.url}{page}")
            with self.lock:
                self.answers.append((time.monotonic(), page, status, "Traceback" in body))
            index += 1
            time.sleep(0.05)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="faults")
    parser.add_argument("--work", type=Path, default=Path("/tmp/faults-pg"))
    parser.add_argument("--cluster", default="main", help="pg_ctlcluster 15 <cluster> restart")
    parser.add_argument("--port", default="5432")
    arguments = parser.parse_args()
    CLUSTER[:] = [arguments.cluster, arguments.port]
    work: Path = arguments.work
    home = work / "home"
    shutil.rmtree(home, ignore_errors=True)  # snapshots, runs and the journal of an earlier try
    work.mkdir(parents=True, exist_ok=True)
    database_url = f"postgres://postgres@127.0.0.1:{arguments.port}/{arguments.database}"
    env = site_env(database_url, home, FANGFAN_SECRET_KEY="faults-pg-" + "x" * 60, COLUMNS="200")
    checks: list[tuple[str, bool, str]] = []
    summary: dict[str, object] = {}

    def check(name: str, passed: bool, detail: str = "") -> None:
        checks.append((name, passed, detail))
        print(("通过 " if passed else "失败 ") + name + (f"：{detail}" if detail else ""), flush=True)

    psql = ["psql", "-h", "127.0.0.1", "-p", arguments.port, "-U", "postgres", "-c"]
    drop = f'DROP DATABASE IF EXISTS "{arguments.database}" WITH (FORCE)'
    subprocess.run([*psql, drop], check=True, capture_output=True)
    create = f'CREATE DATABASE "{arguments.database}"'
    subprocess.run([*psql, create], check=True, capture_output=True)
    cli = ("-m", "fangfan.cli")
    for as_of, name in (("2026-10-31", "first"), ("2026-11-30", "next")):
        if not (work / name / "户信息.csv").exists():
            generate(env, work / name, households=HOUSEHOLDS, seed=5, as_of=as_of)
        _python(env, *cli, "import", str(work / name), "--as-of", as_of)
        _python(env, *cli, "screen", "--no-link")
        time.sleep(1.1)  # run ids have whole seconds
    runs = sorted(p for p in (home / "runs").iterdir() if (p / "summary.json").exists())
    _python(env, "-m", "django", "migrate", "-v0")
    _python(env, *cli, "publish", str(runs[0]))
    _python(env, "-c", _ACCOUNT, PASSWORD)
    before = json.loads(_python(env, "-c", _COUNTS).stdout.strip().splitlines()[-1])

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with open(work / "gunicorn.log", "w") as log:
        server = start_gunicorn(env, port, workers=2, threads=4, timeout=120, log=log, wait_seconds=120)
        try:
            traffic = Traffic(url)
            traffic.start()
            time.sleep(10)
            restart_at = time.monotonic()
            seconds = _restart()
            time.sleep(15)
            traffic.stop()
            during = [a for a in traffic.answers if a[0] >= restart_at]
            statuses = Counter(status for _, _, status, _ in traffic.answers)
            summary["pages"] = {"answers": len(traffic.answers), "statuses": dict(statuses),
                                "restart_seconds": round(seconds, 1)}  # fmt: skip
            check("重启期间无 500、无连接错误", all(s in (200, 503) for _, _, s, _ in traffic.answers),
                  str(dict(statuses)))  # fmt: skip
            check("任何页面都没有显示 Traceback", not any(shown for *_, shown in traffic.answers))
            unavailable = [a for a in during if a[2] == 503]
            after_ok = [a for a in during if a[2] == 200 and (not unavailable or a[0] > unavailable[-1][0])]
            check("重启后页面恢复 200", bool(after_ok))
            if unavailable and after_ok:
                summary["pages"]["recovered_after_seconds"] = round(after_ok[0][0] - restart_at, 1)  # type: ignore[index]
            summary["pages"]["503"] = len(unavailable)  # type: ignore[index]

            # A publish interrupted by the restart.
            publish = subprocess.Popen(
                [sys.executable, *cli, "publish", str(runs[1])], env=env,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
            journal = home / "journal"
            reached = False
            for _ in range(6000):
                entries = [json.loads(p.read_text()) for p in journal.glob(f"*-publish-{publish.pid}.json")]
                if entries and "写入家庭成员" in entries[0].get("steps", []):
                    reached = True
                    break
                if publish.poll() is not None:
                    break
                time.sleep(0.02)
            check("重启时发布正在写入家庭成员", reached)
            _restart()
            out, err = publish.communicate(timeout=600)
            message = (out + err).strip().splitlines()[-3:]
            summary["publish"] = {"exit": publish.returncode, "message": message}
            check("被打断的发布以非零退出码结束", publish.returncode != 0, f"退出码 {publish.returncode}")
            check("被打断的发布没有打印 Traceback", "Traceback" not in out + err, "\n".join(message))
            status = _python(env, *cli, "status").stdout
            lines = [line for line in status.splitlines() if "发布到网页系统" in line]
            summary["status"] = lines[:1]
            check(
                "fangfan status 把被打断的发布标为失败",
                bool(lines) and "失败" in lines[0],
                lines[0] if lines else "",
            )
            after = json.loads(_python(env, "-c", _COUNTS).stdout.strip().splitlines()[-1])
            same = {
                k: after[k] == before[k] for k in ("run", "households", "members", "findings", "departments")
            }
            check("发布被打断后网页数据不变", all(same.values()), json.dumps(after))
            again = _python(env, *cli, "publish", str(runs[1]), check=False)
            check("再次发布成功", again.returncode == 0, again.stderr[-300:])
            done = json.loads(_python(env, "-c", _COUNTS).stdout.strip().splitlines()[-1])
            expected = json.loads((runs[1] / "summary.json").read_text())
            newest = done["run"] == expected["run_id"] and done["unpublished"] == 0
            check("再次发布后为新批次、无未完成批次", newest, json.dumps(done))
            summary["counts"] = {"before": before, "after_interrupted": after, "after_retry": done}
        finally:
            stop(server)
            for _ in range(60):
                if _ready():
                    break
                subprocess.run(["pg_ctlcluster", "15", CLUSTER[0], "start"], check=False)
                time.sleep(1)
            check("PostgreSQL 集群重新运行（pg_isready）", _ready())
    print(json.dumps({"checks": len(checks), "failed": [c[0] for c in checks if not c[1]], **summary},
                     ensure_ascii=False, indent=1))  # fmt: skip
    return 0 if all(passed for _, passed, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())

"""`make bench-web`: page times of the web application with the city on PostgreSQL.

    python -m bench.bench_web [--households 600000] [--users 20] [--seconds 120]
                              [--problems 20000] [--grievances 50000]
                              [--database-url postgres://postgres@127.0.0.1:5432/fangfan_bench]
                              [--work bench/out/web] [--rebuild]

1. The city: unless the database already holds a published run of that size, generate
   the synthetic Longnan, `fangfan run` it (import, link, screen) and `fangfan publish` it
   into the database, each step timed.
   Then the rectification ledger and the grievances (bench/web_ledger.py: 20,000 problems
   and 50,000 grievances by default, bulk-created over the city's villages), unless there.
   Then field work II (bench/web_fieldwork.py, each app's `synthetic.populate`): village work
   teams, 30,000 public-welfare posts with a year of pay, 5,000 projects and the industry
   records, replaced on every run at `--field-work-scale` (1 = the city; 0 skips them).
2. Accounts: one per level in several regions (`bench-*`, password printed), and for each
   what it may look at: its dashboards, names to search for, household pages, work queue,
   problem and grievance list filters and 一个不剩 boards, all inside its region (written
   to targets.json for bench/locustfile.py).
3. The site under gunicorn (production settings: DEBUG off, persistent connections),
   then locust without a browser: the baseline is one user asking page after page with
   no pause (the time a page takes with nobody else on the site); the measurement is
   `--users` users, each pausing 1–3 s between pages as a person reading them does,
   statistics reset once all have signed in; a third run, the same users with no pause,
   shows where the machine saturates (reported, not a target).
4. p95 per page against the 300 ms target, with the ratio to the baseline, and errors
   (any response that is not the page asked for); the table replaces the marked section
   of bench/RESULTS.md. Exit code 1 if a target is missed or any request failed.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import webserver
from bench.measure import TABLE_HEADER, Measurement, machine_description, run_measured
from bench.web_fieldwork import APPS as FIELD_WORK_PAGES
from bench.web_fieldwork import PAGE_NAMES as FIELD_WORK_PAGE_NAMES
from bench.web_fieldwork import field_work_paths
from bench.webserver import server_env, setup_django, site_env, start_gunicorn, stop

CORE_PAGES = ("dashboard", "search", "household", "workqueue", "problems", "grievances", "oversight")
PAGES = CORE_PAGES + FIELD_WORK_PAGES
PAGE_NAMES = FIELD_WORK_PAGE_NAMES | {
    "dashboard": "首页与下钻",
    "search": "查找农户",
    "household": "农户页",
    "workqueue": "问题清单",
    "problems": "整改台账",
    "grievances": "信访事项",
    "oversight": "一个不剩总览",
}
TARGET_P95_MS = 300.0
RESULTS = Path(__file__).with_name("RESULTS.md")
START, END = "<!-- bench-web:start -->", "<!-- bench-web:end -->"
LOADS: dict[str, float] = {}  # the machine's 1-minute load average as each locust run began
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/fangfan_bench"
PASSWORD = "bench-web-2026"
AS_OF = "2026-10-31"


@dataclass(frozen=True)
class PageStats:
    requests: int
    failures: int
    median_ms: float
    p95_ms: float
    p99_ms: float
    rps: float


def fangfan(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "fangfan.cli", *arguments]


def published_households() -> int:
    """Households of the current published run (0 when none or the tables are missing)."""
    from django.db import DatabaseError

    from fangfan.web.registry.models import Household, Run

    try:
        return Household.objects.count() if Run.objects.current() is not None else 0
    except DatabaseError:
        return 0


def build_city(households: int, database_url: str, work: Path, home: Path) -> list[Measurement]:
    """Generate, run and publish the city into an empty database, each step measured."""
    import shutil

    shutil.rmtree(work / "csv", ignore_errors=True)
    shutil.rmtree(home, ignore_errors=True)
    name = database_url.rsplit("/", 1)[1]
    admin = database_url.rsplit("/", 1)[0] + "/postgres"
    for statement in (f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", admin, "-q", "-v", "ON_ERROR_STOP=1", "-c", statement], check=True)
    env = server_env(database_url, home)
    steps = [
        (
            "generate csv",
            fangfan(
                "generate",
                "--households",
                str(households),
                "--seed",
                "2020",
                "--as-of",
                AS_OF,
                "--out",
                str(work / "csv"),
            ),
        ),
        (
            "run (import, link, screen)",
            fangfan("run", str(work / "csv"), "--as-of", AS_OF, "--out", str(work / "out")),
        ),
        ("migrate", [sys.executable, "-m", "django", "migrate", "-v0"]),
        ("publish to PostgreSQL", fangfan("publish")),
    ]
    return [run_measured(f"city: {label}", command, env) for label, command in steps]


def make_accounts(seed: int = 2026) -> list[dict[str, Any]]:
    """Accounts spread over the levels and regions, each with targets inside its region."""
    from django.db.models import Count

    from fangfan.web.accounts.models import User
    from fangfan.web.regions.models import Region
    from fangfan.web.registry.models import Finding, Household, Member

    rng = random.Random(seed)
    Role, Level = User.Role, Region.Level
    villages = list(
        Household.objects.values("village_code").annotate(n=Count("household_id")).order_by("village_code")
    )
    village_codes = [row["village_code"] for row in villages]
    counties = sorted({code[:6] for code in village_codes})
    townships = sorted({code[:9] for code in village_codes})
    picks = (
        [(Role.CITY, "621200")] * 2
        + [(Role.INSPECTOR, "621200")]
        + [(Role.COUNTY, code) for code in rng.sample(counties, min(4, len(counties)))]
        + [(Role.TOWNSHIP, code) for code in rng.sample(townships, min(7, len(townships)))]
        + [(Role.VILLAGE, code) for code in rng.sample(village_codes, min(6, len(village_codes)))]
    )
    accounts = []
    for number, (role, code) in enumerate(picks, start=1):
        region = Region.objects.get(code=code)
        user = User.objects.filter(username=f"bench-{number:02d}").first() or User(
            username=f"bench-{number:02d}"
        )
        user.role, user.region, user.is_active, user.first_name = role, region, True, f"压测{number:02d}"
        user.set_password(PASSWORD)
        user.save()
        prefix = code[:4] if region.level == Level.CITY else code
        households = list(
            Household.objects.filter(village_code__startswith=prefix)
            .order_by("?")
            .values_list("household_id", flat=True)[:60]
        )
        names = list(
            Member.objects.filter(household_id__in=households[:30]).values_list("name", flat=True).distinct()
        )
        children = list(
            Region.objects.filter(parent__code=code).order_by("?").values_list("code", flat=True)[:8]
        )
        dashboards = ["/"] + [f"/region/{child}/" for child in children]
        searches = [f"/households/?q={name}" for name in names[:20]]
        searches += [f"/households/?q={name[:1]}" for name in names[:5]]  # a surname: many matches
        searches += [f"/households/?q={household_id}" for household_id in households[:5]]
        rules = list(
            Finding.objects.filter(village_code__startswith=prefix)
            .values_list("rule_code", flat=True)
            .distinct()[:5]
        )
        queues = ["/findings/", "/findings/?veto=1", "/findings/?status=open", "/findings/?page=2"]
        queues += [f"/findings/?rule={rule}" for rule in rules]
        queues += [f"/findings/?region={child}" for child in children[:3]]
        sources = ("cross_province", "screening", "self_check", "patrol")
        problems = ["/rectification/", "/rectification/?status=open", "/rectification/?overdue=on"]
        problems += [f"/rectification/?source={source}&status=open" for source in sources]
        problems += ["/rectification/?page=2"] + [f"/rectification/?region={child}" for child in children[:3]]
        grievances = ["/grievances/", "/grievances/?sla=breached", "/grievances/?repeat=on"]
        grievances += ["/grievances/?channel=12317", "/grievances/?stage=handling", "/grievances/?page=2"]
        grievances += [f"/grievances/?region={child}" for child in children[:3]]
        boards = ["/oversight/"] + [f"/oversight/?region={child}" for child in children[:4]]
        # Field work II's reports are a county's or a township's: the city and inspectors open
        # a county's, a village team its township's (each app's own `report_paths`).
        report_region = {Level.CITY: children[0] if children else code, Level.VILLAGE: code[:9]}.get(
            region.level, code
        )
        field_work = (
            field_work_paths(report_region) if role != Role.VILLAGE else {app: [] for app in FIELD_WORK_PAGES}
        )
        accounts.append(
            {
                "username": user.username,
                "password": PASSWORD,
                "role": role,
                "region": code,
                "dashboards": dashboards,
                "searches": searches,
                "households": [f"/households/{household_id}/" for household_id in households],
                "queues": queues,
                "problems": problems,
                "grievances": grievances,
                "boards": boards,
                **field_work,
            }
        )
    return accounts


def run_locust(
    label: str, port: int, targets: Path, out: Path, users: int, seconds: int, wait: str
) -> dict[str, PageStats]:
    env = {**os.environ, "FANGFAN_BENCH_TARGETS": str(targets), "FANGFAN_BENCH_WAIT": wait}
    print(f"  … locust {label}: {users} 个用户，{seconds} 秒，页间停顿 {wait} 秒", flush=True)
    LOADS[label] = os.getloadavg()[0]
    stats = webserver.run_locust(
        Path(__file__).with_name("locustfile.py"),
        port,
        out / label,
        users=users,
        spawn_rate=max(users, 1),
        seconds=seconds,
        env=env,
        reset_stats=True,
    )
    return read_stats(stats)


def read_stats(path: Path) -> dict[str, PageStats]:
    stats = {}
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["Name"] in PAGES:
                stats[row["Name"]] = PageStats(
                    requests=int(row["Request Count"]),
                    failures=int(row["Failure Count"]),
                    median_ms=float(row["50%"]),
                    p95_ms=float(row["95%"]),
                    p99_ms=float(row["99%"]),
                    rps=float(row["Requests/s"]),
                )
    missing = [page for page in PAGES if page not in stats]
    if missing:
        raise RuntimeError(f"locust 没有记录这些页面：{', '.join(missing)}（见 {path}）")
    return stats


def report(
    baseline: dict[str, PageStats],
    measured: dict[str, PageStats],
    saturated: dict[str, PageStats],
    users: int,
    seconds: int,
    setup: list[Measurement],
    counts: dict[str, int],
) -> tuple[list[str], bool]:
    lines = [
        f"Machine: {machine_description()}; date {dt.date.today().isoformat()}.",
        f"City on PostgreSQL: {counts['households']:,} households, {counts['members']:,} people, "
        f"{counts['findings']:,} findings, {counts['department_records']:,} department records; "
        f"{counts['problems']:,} rectification problems ({counts['open_problems']:,} open), "
        f"{counts['grievances']:,} grievances ({counts['repeat_grievances']:,} repeat contacts).",
        f"{users} users signed in as {counts['accounts']} accounts (city, inspector, counties, townships, "
        f"villages), each pausing 1–3 s between pages; {seconds} s after all had signed in. "
        "Baseline: one user, page after page with no pause, in the same run. "
        f"Load average as each began: baseline {LOADS.get('baseline', 0):.1f}, "
        f"{users} users {LOADS.get('measured', 0):.1f}, no pause {LOADS.get('saturated', 0):.1f}.",
        "",
        f"| page | requests | errors | baseline p95 (ms) | p95 at {users} users (ms) | ratio | p99 (ms) "
        f"| target p95 | met | {users} users, no pause: p95 (ms), pages/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    ok = True
    for page in PAGES:
        base, got, full = baseline[page], measured[page], saturated[page]
        met = got.p95_ms <= TARGET_P95_MS and got.failures == 0 and base.failures == 0
        ok &= met
        lines.append(
            f"| {PAGE_NAMES[page]} | {got.requests:,} | {got.failures + base.failures + full.failures} "
            f"| {base.p95_ms:,.0f} | {got.p95_ms:,.0f} | {got.p95_ms / max(base.p95_ms, 1):.2f} "
            f"| {got.p99_ms:,.0f} | {TARGET_P95_MS:.0f} | {'yes' if met else 'NO'} "
            f"| {full.p95_ms:,.0f}, {full.rps:.1f} |"
        )
    if setup:
        lines += ["", "Building the city for it:", "", *TABLE_HEADER, *(step.row() for step in setup)]
    return lines, ok


def record(lines: list[str]) -> None:
    text = RESULTS.read_text("utf-8")
    section = "\n".join([START, *lines, END])
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n## Web pages under load (`make bench-web`)\n\n" + section + "\n"
    RESULTS.write_text(text, "utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--households", type=int, default=600_000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument(
        "--database-url", default=os.environ.get("FANGFAN_BENCH_DATABASE_URL", DEFAULT_DATABASE)
    )
    parser.add_argument("--work", type=Path, default=Path("bench/out/web"))
    parser.add_argument("--home", type=Path, help="FANGFAN_HOME of the city (default: WORK/home)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--problems", type=int, default=20_000, help="rectification problems (整改问题)")
    parser.add_argument("--grievances", type=int, default=50_000, help="grievances (信访事项)")
    parser.add_argument(
        "--field-work-scale",
        type=float,
        default=1.0,
        help="驻村、公益性岗位、项目、产业数据的规模"
        "（1 = 全市：3,200 个村的工作队、30,000 个岗位、5,000 个项目；0 = 不生成）",
    )
    parser.add_argument("--rebuild", action="store_true", help="build the city again even if it is there")
    parser.add_argument("--no-record", action="store_true", help="do not write bench/RESULTS.md")
    args = parser.parse_args(argv)
    work: Path = args.work.resolve()
    home: Path = (args.home or work / "home").resolve()
    work.mkdir(parents=True, exist_ok=True)

    setup_django(args.database_url, home)
    setup: list[Measurement] = []
    if args.rebuild or published_households() < args.households * 0.95:
        print(f"生成并发布 {args.households:,} 户到 {args.database_url} …", flush=True)
        setup = build_city(args.households, args.database_url, work, home)
    from django.core.management import call_command
    from django.db import connection

    from bench.web_fieldwork import markers, seed_field_work
    from bench.web_ledger import seed_ledger
    from fangfan.web.grievances.models import Grievance
    from fangfan.web.rectification.models import Problem
    from fangfan.web.registry.models import DepartmentRecord, Finding, Household, Member

    call_command("migrate", verbosity=0)  # a city built by an older checkout gets the new tables
    added = seed_ledger(args.problems, args.grievances)
    print(f"整改问题新增 {added['problems']:,} 条，信访事项新增 {added['grievances']:,} 件", flush=True)
    if args.field_work_scale > 0:
        print(f"驻村、公益性岗位、项目和产业数据（规模 {args.field_work_scale:g}）…", flush=True)
        setup += seed_field_work(args.field_work_scale)

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    counts = {
        "households": Household.objects.count(),
        "members": Member.objects.count(),
        "findings": Finding.objects.count(),
        "department_records": DepartmentRecord.objects.count(),
        "problems": Problem.objects.count(),
        "open_problems": Problem.objects.exclude(status="closed").count(),
        "grievances": Grievance.objects.count(),
        "repeat_grievances": Grievance.objects.filter(repeat_count__gt=0).count(),
    }
    accounts = make_accounts()
    counts["accounts"] = len(accounts)
    targets = work / "targets.json"
    targets.write_text(
        json.dumps({"accounts": accounts, "markers": markers()}, ensure_ascii=False, indent=1), "utf-8"
    )
    connection.close()
    print(f"压测账号 {len(accounts)} 个（bench-01 …），密码 {PASSWORD}", flush=True)

    # keep-alive longer than a user's pause between pages (1–3 s): with gunicorn's 2 s default
    # the server closes an idle connection just as the next request is sent on it, and the
    # client sees "connection reset" (a browser retries such a GET; locust does not).
    server = start_gunicorn(
        site_env(args.database_url, home), args.port, workers=args.workers, threads=args.threads, keep_alive=5
    )
    try:
        warm = run_locust("warmup", args.port, targets, work, 4, 20, "0,0")
        print(f"  预热：{sum(s.requests for s in warm.values())} 次请求", flush=True)
        baseline = run_locust("baseline", args.port, targets, work, 1, 60, "0,0")
        measured = run_locust("measured", args.port, targets, work, args.users, args.seconds, "1,3")
        saturated = run_locust("saturated", args.port, targets, work, args.users, 60, "0,0")
    finally:
        stop(server, seconds=30)
    lines, ok = report(baseline, measured, saturated, args.users, args.seconds, setup, counts)
    print("\n".join(lines))
    if not args.no_record:
        record(lines)
        print(f"已写入 {RESULTS}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""`make bench-load`: the office under load, writes included, and nothing lost (issue 20, part 3).

    python -m bench.bench_load [--database-url postgres://postgres@127.0.0.1:5432/fangfan_load]
                               [--home /tmp/load/home] [--targets bench/out/web/targets.json]
                               [--csv DIR] [--users 50] [--seconds 300] [--upload-at 60]
                               [--work bench/out/load] [--no-record]

On a copy of a published place (the city of bench-web on PostgreSQL, copied with CREATE
DATABASE … TEMPLATE; or a SQLite one: --database-url sqlite:///…), never the original:

1. Accounts for the writers: townships (乡镇) and their counties (县级), each with its own
   findings to work (disjoint, so no two users fight over one), households to visit and
   monitored households to add measures to; a department officer (不动产登记) who uploads.
   The readers are the `bench-*` accounts of bench-web (--targets; made here if absent).
   The office's input set is seeded from --csv when it is empty (a place published by
   `fangfan run`/`publish` has none; an upload joins the set).
2. gunicorn with production settings and the background worker (`manage.py db_worker`)
   beside it, as deployed; the report form's addresses come through a trusted proxy.
3. locust (bench/locust_office.py): `--users` users for `--seconds` s, 1–3 s between
   pages; at `--upload-at` s the department's file (its current feed less one row in
   200) is uploaded, and the worker imports, screens and publishes it under the load.
4. After the run (and the publish) every write the users journalled is looked up in the
   database: acknowledged writes must be there exactly once with the values sent; writes
   found that were never acknowledged are counted too. p95 per page, errors and the write
   totals are printed and recorded in bench/RESULTS.md (--no-record: not).
   Exit code 1 on any error, lost, doubled or wrong write, or an upload not published.
"""

from __future__ import annotations

import argparse
import collections
import csv
import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import webserver
from bench.bench_web import PASSWORD, make_accounts
from bench.measure import machine_description
from bench.webserver import setup_django, site_env, start_gunicorn, stop

RESULTS = Path(__file__).with_name("RESULTS.md")
SECTION = "## The office under load (issue 20)"
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/fangfan_load"
KINDS = ("assign", "fix", "close", "visit", "measure", "report", "upload")
KIND_NAMES = {
    "assign": "分派问题",
    "fix": "标记已整改",
    "close": "核销（附佐证）",
    "visit": "走访（算细账）",
    "measure": "帮扶措施",
    "report": "农户自主申报",
    "upload": "上传并发布",
}


def slot_counts(users: int) -> dict[str, int]:
    """How many users take each role: a third work townships, half as many their counties."""
    townships = max(1, users * 3 // 10)
    counties = max(1, townships // 2)
    public = max(1, users // 8)
    return {
        "township": townships,
        "county": counties,
        "public": public,
        "uploader": 1,
        "reader": max(0, users - townships - counties - public - 1),
    }


def make_writers(users: int, seed: int = 2026) -> dict[str, Any]:
    """The writers' accounts and what each works on, in the region it answers for."""
    from fangfan.web.accounts.models import User
    from fangfan.web.monitoring.models import MonitoredHousehold
    from fangfan.web.regions.models import Region
    from fangfan.web.registry.models import Finding, Household

    rng = random.Random(seed)
    counts = slot_counts(users)
    open_findings = Finding.objects.filter(status=Finding.Status.OPEN, assignee__isnull=True)
    by_township: dict[str, list[int]] = collections.defaultdict(list)
    for finding_id, village in open_findings.values_list("pk", "village_code").iterator():
        by_township[village[:9]].append(finding_id)
    monitored_by_township: dict[str, list[int]] = collections.defaultdict(list)
    for pk, village in MonitoredHousehold.objects.filter(status="monitored").values_list(
        "pk", "village_code"
    ):
        monitored_by_township[village[:9]].append(pk)
    usable = sorted(t for t in by_township if len(by_township[t]) >= 40 and monitored_by_township.get(t))
    counties = sorted({t[:6] for t in usable})
    chosen_counties = rng.sample(counties, min(counts["county"], len(counties)))
    townships = rng.sample(
        [t for t in usable if t[:6] in chosen_counties],
        min(counts["township"], sum(t[:6] in chosen_counties for t in usable)),
    )
    slots: list[dict[str, Any]] = []

    def account(username: str, role: str, code: str, department: str = "") -> User:
        user = User.objects.filter(username=username).first() or User(username=username)
        user.role, user.region, user.is_active = role, Region.objects.get(code=code), True
        user.department, user.first_name = department, f"负载{username[-2:]}"
        user.set_password(PASSWORD)
        user.save()
        return user

    for number, township in enumerate(townships, start=1):
        user = account(f"load-t{number:02d}", User.Role.TOWNSHIP, township)
        findings = by_township[township]
        rng.shuffle(findings)
        households = list(
            Household.objects.filter(village_code__startswith=township)
            .order_by("household_id")
            .values_list("household_id", flat=True)[:400]
        )
        slots.append(
            {
                "kind": "township",
                "username": user.username,
                "password": PASSWORD,
                "user_id": user.pk,
                "county": township[:6],
                "findings": findings[:150],
                "households": rng.sample(households, min(40, len(households))),
                "monitored": monitored_by_township[township][:40],
                "reads": _own_reads(township),
            }
        )
    served = sorted({slot["county"] for slot in slots})
    for number in range(counts["county"]):
        county = served[number % len(served)]
        user = account(f"load-c{number + 1:02d}", User.Role.COUNTY, county)
        slots.append(
            {
                "kind": "county",
                "username": user.username,
                "password": PASSWORD,
                "county": county,
                "reads": _own_reads(county),
            }
        )
    city = Region.objects.get(level=Region.Level.CITY).code
    uploader = account("load-dept", User.Role.DEPARTMENT, city, department="real_estate")
    villages = list(
        Region.objects.filter(level=Region.Level.VILLAGE).order_by("code").values_list("code", flat=True)
    )
    return {
        "slots": slots,
        "uploader": {"kind": "uploader", "username": uploader.username, "password": PASSWORD},
        "villages": rng.sample(villages, min(300, len(villages))),
    }


def _own_reads(code: str) -> dict[str, list[str]]:
    return {
        "dashboards": ["/", f"/region/{code}/"],
        "queues": ["/findings/", "/findings/?status=assigned", "/findings/?status=fixed"],
        "boards": ["/oversight/"],
    }


def arrange(writers: dict[str, Any], readers: list[dict[str, Any]], users: int) -> list[dict[str, Any]]:
    """One slot per user, in the order locust starts them (the roles interleaved)."""
    counts = slot_counts(users)
    by_kind: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for slot in writers["slots"]:
        by_kind[slot["kind"]].append(slot)
    by_kind["public"] = [{"kind": "public"}] * counts["public"]
    by_kind["reader"] = [
        {"kind": "reader", "username": r["username"], "password": r["password"], "reads": r}
        for r in (readers * users)[: counts["reader"]]
    ]
    queues = {kind: collections.deque(slots) for kind, slots in by_kind.items()}
    ordered = [writers["uploader"]]
    while any(queues.values()):
        for kind in ("township", "reader", "county", "public"):
            if queues.get(kind):
                ordered.append(queues[kind].popleft())
    return ordered


def seed_inputs(csv_folder: Path | None) -> None:
    """Make the generated exports the office's input set (as `load_folder` does, without
    running it again: the place was published from these very files)."""
    from fangfan.engine.snapshot import SnapshotStore
    from fangfan.web.imports.inputs import InputSet
    from fangfan.web.imports.processing import CITY_PREFIX

    inputs = InputSet()
    if inputs.files():
        return
    if csv_folder is None:
        raise SystemExit("输入数据集是空的：请用 --csv 指定发布这个地方所用的导出文件目录")
    snapshot = SnapshotStore().latest()
    manifest = json.loads((snapshot.path / "manifest.json").read_text("utf-8"))
    tables = {source["file"]: source["table"] for source in manifest["sources"]}
    files = [csv_folder / name for name in tables]
    as_of = dt.date.fromisoformat(manifest["as_of"])
    with inputs.lock():
        candidate = inputs.candidate_from_folder(
            csv_folder, files, region_prefix=CITY_PREFIX, label="city", as_of=as_of
        )
        inputs.adopt(
            candidate, {f"city/{name}": [table] for name, table in tables.items()}, snapshot_id=snapshot.id
        )
    print(f"输入数据集：{len(files)} 个文件（{csv_folder}）", flush=True)


def upload_file(work: Path) -> dict[str, str]:
    """The department's feed as it stands in the input set, less one row in 200."""
    from fangfan.web.imports.inputs import InputSet

    inputs = InputSet()
    current = next(item for item in inputs.files() if "real_estate" in item.tables)
    source = inputs.current / current.path
    lines = source.read_bytes().split(b"\n")
    kept = [line for number, line in enumerate(lines) if number == 0 or number % 200]
    target = work / "upload" / Path(current.path).name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"\n".join(kept))
    return {
        "file": str(target),
        "feed": "real_estate",
        "as_of": (inputs.as_of() or dt.date.today()).isoformat(),
    }


def run_locust(
    port: int, targets: Path, journal: Path, work: Path, users: int, seconds: int, args: Any
) -> Path:
    env = {
        **os.environ,
        "FANGFAN_LOAD_TARGETS": str(targets),
        "FANGFAN_LOAD_JOURNAL": str(journal),
        "FANGFAN_LOAD_TAG": args.tag,
        "FANGFAN_LOAD_UPLOAD_AT": str(args.upload_at),
    }
    print(f"  … locust：{users} 个用户，{seconds} 秒，页间停顿 1–3 秒", flush=True)
    return webserver.run_locust(
        Path(__file__).with_name("locust_office.py"),
        port,
        work / "office",
        users=users,
        spawn_rate=max(users // 5, 1),
        seconds=seconds,
        env=env,
    )


def wait_for_upload(upload_id: int | None, limit: int) -> tuple[str, float]:
    """The upload's final status and when it finished (seconds from now, waiting at most `limit`)."""
    from fangfan.web.imports.models import Upload

    if upload_id is None:
        return "not sent", 0.0
    began = time.monotonic()
    while time.monotonic() - began < limit:
        upload = Upload.objects.get(pk=upload_id)
        if not upload.in_progress:
            return str(upload.status), time.monotonic() - began
        time.sleep(5)
    return "still running", time.monotonic() - began


def check_writes(
    entries: list[dict[str, Any]], tag: str, run_before: int | None
) -> dict[str, dict[str, int]]:
    """Each journalled write looked up in the database: exactly once, with the values sent."""
    from fangfan.web.imports.models import Upload
    from fangfan.web.monitoring.models import FurtherReport, Intake, Measure, Visit
    from fangfan.web.registry.models import FindingEvent, Run

    totals: dict[str, dict[str, int]] = {
        kind: dict.fromkeys(
            ("sent", "acknowledged", "once", "missing", "doubled", "wrong", "unacknowledged"), 0
        )
        for kind in KINDS
    }
    actions = {"assign": "assign", "fix": "fix", "close": "close"}
    acknowledged_notes: set[str] = set()
    for entry in entries:
        kind, note = entry["kind"], entry.get("note", "")
        row = totals[kind]
        row["sent"] += 1
        if not entry["ok"]:
            continue
        row["acknowledged"] += 1
        acknowledged_notes.add(note)
        good = True
        if kind in actions:
            found = list(FindingEvent.objects.filter(note__contains=note))
            good = all(
                event.finding_id == entry["finding"] and event.action == actions[kind] for event in found
            )
            if kind == "assign" and found:
                good &= found[0].to_status == "assigned" and found[0].user.username.startswith("load-t")
            if kind == "fix" and found:
                good &= found[0].to_status == "fixed"
            if kind == "close" and found:
                good &= bool(found[0].attachment) and found[0].to_status == "closed"
            count = len(found)
        elif kind == "visit":
            visits = list(Visit.objects.filter(situation=note))
            good = all(v.pk == entry["id"] and v.household_id == entry["household"] for v in visits)
            count = len(visits)
        elif kind == "measure":
            measures = list(Measure.objects.filter(content=note))
            good = all(m.monitored_id == entry["monitored"] and m.kind == "就业帮扶" for m in measures)
            count = len(measures)
        elif kind == "report":
            references = [
                *Intake.objects.filter(description__endswith=note).values_list("reference", flat=True),
                *FurtherReport.objects.filter(description__endswith=note).values_list("reference", flat=True),
            ]
            good = all(reference == entry["reference"] for reference in references)
            count = len(references)
        else:  # upload: done, and its run the one published now
            upload = Upload.objects.get(pk=entry["id"])
            current = Run.objects.current()
            count = 1
            good = upload.status == Upload.Status.DONE and current is not None and current.pk != run_before
        if count == 0:
            row["missing"] += 1
        elif count > 1:
            row["doubled"] += 1
        elif not good:
            row["wrong"] += 1
        else:
            row["once"] += 1
    # Writes stored that no user saw acknowledged (a response lost after the commit).
    prefix = f"压测{tag}-"
    stored = {
        "assign": FindingEvent.objects.filter(note__contains=f"{prefix}assign-").values_list(
            "note", flat=True
        ),
        "fix": FindingEvent.objects.filter(note__contains=f"{prefix}fix-").values_list("note", flat=True),
        "close": FindingEvent.objects.filter(note__contains=f"{prefix}close-").values_list("note", flat=True),
        "visit": Visit.objects.filter(situation__startswith=prefix).values_list("situation", flat=True),
        "measure": Measure.objects.filter(content__startswith=prefix).values_list("content", flat=True),
        "report": Intake.objects.filter(description__contains=prefix).values_list("description", flat=True),
    }
    for kind, texts in stored.items():
        for text in texts:
            if not any(note and note in text for note in acknowledged_notes if f"-{kind}-" in note):
                totals[kind]["unacknowledged"] += 1
    return totals


def read_stats(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row["Name"] != "Aggregated"]


def report(
    backend: str,
    stats: list[dict[str, Any]],
    totals: dict[str, dict[str, int]],
    args: Any,
    counts: dict[str, int],
    upload: tuple[str, float],
    load: float,
) -> tuple[list[str], bool]:
    errors = sum(int(row["Failure Count"]) for row in stats)
    lost = sum(row["missing"] + row["doubled"] + row["wrong"] for row in totals.values())
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    lines = [
        f"### {backend}: {args.users} users × {args.seconds} s",
        "",
        f"Commit {commit}, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {machine_description()}; "
        f"load average {load:.1f} as the run began (the machine is shared with other sessions' work). "
        f"Place: {counts['households']:,} households, {counts['findings']:,} findings. "
        f"Users: {', '.join(f'{n} {kind}' for kind, n in slot_counts(args.users).items())}; "
        f"gunicorn {args.workers}×{args.threads} threads (keep-alive 75 s) and the db_worker. "
        f"Upload at {args.upload_at} s: {upload[0]}, finished {upload[1]:.0f} s after the users stopped.",
        "",
        "| page or step | requests | errors | median (ms) | p95 (ms) | p99 (ms) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in sorted(stats, key=lambda r: r["Name"]):
        lines.append(
            f"| {row['Name']} | {int(row['Request Count']):,} | {row['Failure Count']} | {row['50%']} "
            f"| {row['95%']} | {row['99%']} |"
        )
    lines += [
        "",
        "| write | sent | acknowledged | in the database once | lost | doubled | wrong values "
        "| stored, not acknowledged |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind in KINDS:
        row = totals[kind]
        lines.append(
            f"| {KIND_NAMES[kind]} | {row['sent']} | {row['acknowledged']} | {row['once']} "
            f"| {row['missing']} | {row['doubled']} | {row['wrong']} | {row['unacknowledged']} |"
        )
    ok = errors == 0 and lost == 0 and upload[0] == "done"
    lines += ["", f"Errors: {errors}; writes lost, doubled or wrong: {lost}; {'PASS' if ok else 'FAIL'}."]
    return lines, ok


def record(backend: str, lines: list[str]) -> None:
    start, end = f"<!-- bench-load-{backend}:start -->", f"<!-- bench-load-{backend}:end -->"
    text = RESULTS.read_text("utf-8")
    block = "\n".join([start, *lines, end])
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        if SECTION not in text:
            text = text.rstrip("\n") + f"\n\n{SECTION}\n\n`make bench-load` (bench/bench_load.py).\n"
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    RESULTS.write_text(text, "utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default=os.environ.get("FANGFAN_LOAD_DATABASE_URL", DEFAULT_DATABASE)
    )
    parser.add_argument("--home", type=Path, default=Path("/tmp/load/home"))
    parser.add_argument(
        "--targets", type=Path, help="bench-web's targets.json (default: make the readers here)"
    )
    parser.add_argument(
        "--csv", type=Path, help="the exports the place was published from (seeds the input set)"
    )
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--upload-at", type=int, default=60)
    parser.add_argument("--upload-wait", type=int, default=1200, help="seconds to wait for the publish after")
    parser.add_argument("--work", type=Path, default=Path("bench/out/load"))
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args(argv)
    args.tag = dt.datetime.now(dt.UTC).strftime("%H%M%S")
    backend = "postgresql" if args.database_url.startswith("postgres") else "sqlite"
    work, home = args.work.resolve() / backend, args.home.resolve()
    work.mkdir(parents=True, exist_ok=True)
    os.environ["FANGFAN_TRUSTED_PROXIES"] = "127.0.0.1"  # as behind nginx: X-Forwarded-For believed
    setup_django(args.database_url, home)
    from django.core.management import call_command
    from django.db import connection

    from fangfan.web.registry.models import Finding, Household, Run

    call_command("migrate", verbosity=0)
    from fangfan.web.imports.actions import fail_interrupted

    fail_interrupted()  # no worker runs yet: an upload left 运行中 by a killed one is marked failed
    seed_inputs(args.csv)
    readers = json.loads(args.targets.read_text("utf-8"))["accounts"] if args.targets else make_accounts()
    writers = make_writers(args.users)
    upload = upload_file(work)
    slots = arrange(writers, readers, args.users)
    for slot in slots:
        if slot["kind"] == "uploader":
            slot["upload"] = upload
    targets = work / "targets.json"
    targets.write_text(
        json.dumps({"slots": slots, "villages": writers["villages"]}, ensure_ascii=False), "utf-8"
    )
    counts = {"households": Household.objects.count(), "findings": Finding.objects.count()}
    current = Run.objects.current()
    run_before = current.pk if current else None
    connection.close()
    journal = work / f"journal-{args.tag}.jsonl"
    print(f"写操作账号 {len(writers['slots']) + 1} 个，读者 {len(readers)} 个；日志 {journal}", flush=True)

    env = site_env(args.database_url, home)
    worker = subprocess.Popen([sys.executable, "-m", "django", "db_worker", "--no-reload"], env=env)
    # An idle connection kept 75 s (nginx's default), not bench-web's 5 s: on a machine this busy
    # a user's next page can leave more than 5 s after the last, and a request sent just as the
    # server closes the connection is reset.
    server = start_gunicorn(
        env,
        args.port,
        workers=args.workers,
        threads=args.threads,
        keep_alive=75,
        timeout=120,
        wait_seconds=120,
    )
    try:
        load = os.getloadavg()[0]
        stats_path = run_locust(args.port, targets, journal, work, args.users, args.seconds, args)
        entries = [json.loads(line) for line in journal.read_text("utf-8").splitlines() if line.strip()]
        sent = [entry["id"] for entry in entries if entry["kind"] == "upload" and entry["ok"]]
        upload_state = wait_for_upload(sent[0] if sent else None, args.upload_wait)
    finally:
        stop(server, worker)  # a worker still publishing is cut off (and marked failed next time)
    totals = check_writes(entries, args.tag, run_before)
    lines, ok = report(backend, read_stats(stats_path), totals, args, counts, upload_state, load)
    print("\n".join(lines))
    if not args.no_record:
        record(backend, lines)
        print(f"已写入 {RESULTS}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

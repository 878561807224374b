"""Faults (issue 20) in the web application: a publish killed (kill -9) and the background worker
killed in the middle of an upload, on SQLite and on PostgreSQL (DATABASE_URL).

Nothing simulated in the two slow tests: the site has a database of its own (a SQLite file or a new
PostgreSQL database beside DATABASE_URL's), `fangfan publish` and `manage.py db_worker` run as
processes and are sent SIGKILL mid-work. After each: the published data as before (counts equal),
the job marked failed with its reason (the journal that `fangfan status` lists; the upload page),
a second try succeeds, and nothing is there twice.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from bench.webserver import generate, own_database, site_env
from bench.webserver import python_output as _python
from django.test import Client

from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.imports import liveness
from fangfan.web.imports.models import Upload

FIRST, NEXT = "2026-10-31", "2026-11-30"
HOUSEHOLDS = 300
ROWS_DROPPED = 5


@dataclass
class Site:
    env: dict[str, str]
    home: Path
    roll: Path  # a school roll to upload: this month's, a few pupils fewer


_SEED = """
import sys, datetime as dt, django
from pathlib import Path
django.setup()
from fangfan.engine.progress import SilentProgress
from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.imports.processing import load_folder
source = Path(sys.argv[1])
load_folder(source, sorted(p for p in source.glob("*.csv") if p.name != "ground_truth.csv"),
            as_of=dt.date.fromisoformat(sys.argv[2]), progress=SilentProgress())
make_regions()
make_user("department", "621200", username="刘学籍", department="school_roll")
"""

_COUNTS = """
import json, django
django.setup()
from django.db.models import Count
from fangfan.web.accounts.models import AuditEvent
from fangfan.web.imports.models import Upload, UploadProblem
from fangfan.web.registry.models import DepartmentRecord, Finding, Household, Member, Run
current = Run.objects.current()
events = AuditEvent.objects.values("content_type", "object_id", "action", "old", "new")
print(json.dumps({
    "run": current.run_id if current else None,
    "runs": list(Run.objects.order_by("pk").values_list("run_id", "published")),
    "households": Household.objects.count(),
    "members": Member.objects.count(),
    "findings": Finding.objects.count(),
    "current_findings": Finding.objects.filter(last_seen_run=current).count() if current else 0,
    "run_findings": current.findings if current else 0,
    "repeated_findings": Finding.objects.values("rule_code", "household_id", "id_number")
        .annotate(n=Count("id")).filter(n__gt=1).count(),
    "departments": DepartmentRecord.objects.count(),
    "school_roll": DepartmentRecord.objects.filter(feed="school_roll").count(),
    "uploads": [[u.pk, u.status, u.outcome] for u in Upload.all_objects.order_by("pk")],
    "problems": UploadProblem.objects.count(),
    "audit_events": AuditEvent.objects.count(),
    "repeated_events": events.annotate(n=Count("id")).filter(n__gt=1).count(),
}, default=str))
"""

_UPLOAD = """
import sys, datetime as dt, django
from pathlib import Path
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from fangfan.web.accounts.models import User
from fangfan.web.imports.actions import create_upload
path = Path(sys.argv[1])
upload = create_upload(User.objects.get(username="刘学籍"), SimpleUploadedFile(path.name, path.read_bytes()),
                       "school_roll", dt.date.fromisoformat(sys.argv[2]))
print(upload.pk)
"""

_UPLOAD_STATE = """
import sys, json, django
django.setup()
from fangfan.web.imports.models import Upload
upload = Upload.all_objects.get(pk=int(sys.argv[1]))
print(json.dumps([upload.status, upload.step]))
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    home = tmp_path_factory.mktemp("faults_home")
    with own_database(home, "faults") as database_url:
        env = site_env(database_url, home, FANGFAN_SECRET_KEY="faults-check-" + "x" * 60)
        for as_of, name in ((FIRST, "first"), (NEXT, "next")):
            generate(env, home / name, households=HOUSEHOLDS, seed=11, as_of=as_of)
        _python(env, "-m", "django", "migrate", "-v0")
        _python(env, "-c", _SEED, str(home / "first"), FIRST)
        roll = home / "学籍信息.csv"
        pl.read_csv(home / "first" / "学籍信息.csv", infer_schema=False).slice(ROWS_DROPPED).write_csv(roll)
        yield Site(env, home, roll)


def _next_run(site: Site) -> Path:
    """The next month imported and screened without linking (fast), to be published by hand;
    screened now, so that it is newer than any run an upload published before."""
    cli = ("-m", "fangfan.cli")
    _python(site.env, *cli, "import", str(site.home / "next"), "--as-of", NEXT)
    _python(site.env, *cli, "screen", "--no-link")
    runs = [p for p in (site.home / "runs").iterdir() if (p / "summary.json").exists()]
    return max(
        (p for p in runs if json.loads((p / "summary.json").read_text())["as_of"] == NEXT),
        key=lambda p: json.loads((p / "summary.json").read_text())["created_at"],
    )


def _counts(site: Site) -> dict[str, Any]:
    return dict(json.loads(_python(site.env, "-c", _COUNTS).strip().splitlines()[-1]))


def _wait_killed(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait()
    for _ in range(100):  # whatever it started ends with it
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGKILL)
    pytest.fail("a process of the killed job lived on")


@pytest.mark.slow
def test_a_worker_killed_mid_upload_fails_the_upload_and_a_second_upload_succeeds(site: Site) -> None:
    before = _counts(site)
    upload_id = int(_python(site.env, "-c", _UPLOAD, str(site.roll), FIRST).strip().splitlines()[-1])
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "django",
            "db_worker",
            "--no-startup-delay",
            "--no-reload",
            "--interval",
            "0.2",
        ],
        env=site.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:  # until the upload's run is linking the departments
            status, step = json.loads(_python(site.env, "-c", _UPLOAD_STATE, str(upload_id)).splitlines()[-1])
            assert status in ("queued", "running"), (status, step)
            if status == "running" and step in ("读取建档立卡与部门数据", "身份证号精确匹配", "概率匹配"):
                break
            time.sleep(0.2)
        else:
            pytest.fail("the worker never reached the linkage")
    finally:
        _wait_killed(worker)

    after = _counts(site)
    assert after["uploads"][-1][1] == "running"  # nobody has looked yet
    for key in ("run", "runs", "households", "members", "findings", "departments", "school_roll"):
        assert after[key] == before[key], key
    # The next look (here the worker's own start; the upload pages do the same) fails it, once.
    script = "import django; django.setup()\nfrom fangfan.web.imports import liveness\n"
    assert _python(site.env, "-c", script + "print(liveness.fail_abandoned())").split()[-1] == "1"
    assert _python(site.env, "-c", script + "print(liveness.fail_abandoned())").split()[-1] == "0"
    failed = _counts(site)
    assert failed["uploads"][-1] == [upload_id, "failed", liveness.INTERRUPTED]
    assert failed["repeated_events"] == 0

    again = int(_python(site.env, "-c", _UPLOAD, str(site.roll), FIRST).strip().splitlines()[-1])
    _python(site.env, "-m", "django", "db_worker", "--batch", "--no-startup-delay", "--no-reload")
    done = _counts(site)
    assert done["uploads"][-1][:2] == [again, "done"], done["uploads"][-1]
    assert done["run"] != before["run"]
    assert [published for _, published in done["runs"]] == [True, True]  # no half run left behind
    assert done["school_roll"] == before["school_roll"] - ROWS_DROPPED
    assert done["repeated_findings"] == 0 and done["repeated_events"] == 0


@pytest.mark.slow
def test_a_publish_killed_midway_leaves_the_site_as_it_was_and_a_second_publish_succeeds(site: Site) -> None:
    next_run = _next_run(site)
    before = _counts(site)
    publish = subprocess.Popen(
        [sys.executable, "-m", "fangfan.cli", "publish", str(next_run)],
        env=site.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 300
        journal = site.home / "journal"
        while time.monotonic() < deadline:  # until it writes the members (the households are in)
            entries = [json.loads(p.read_text()) for p in journal.glob(f"*-publish-{publish.pid}.json")]
            if entries and "写入家庭成员" in entries[0].get("steps", []):
                break
            assert publish.poll() is None, "the publish ended before it was killed"
            time.sleep(0.02)
        else:
            pytest.fail("the publish never reached the members")
    finally:
        _wait_killed(publish)

    after = _counts(site)
    for key in ("run", "households", "members", "findings", "current_findings", "departments"):
        assert after[key] == before[key], key
    status = _python({**site.env, "COLUMNS": "200"}, "-m", "fangfan.cli", "status")
    assert "发布到网页系统" in status and "进程中断" in status
    (entry,) = [json.loads(p.read_text()) for p in journal.glob(f"*-publish-{publish.pid}.json")]
    assert entry["status"] == "失败" and entry["reason"].startswith("进程中断")

    _python(site.env, "-m", "fangfan.cli", "publish", str(next_run))
    done = _counts(site)
    summary = json.loads((next_run / "summary.json").read_text())
    assert done["run"] == summary["run_id"]
    assert [published for _, published in done["runs"]] == [True] * len(done["runs"])
    assert len(done["runs"]) == len(before["runs"]) + 1
    assert done["current_findings"] == done["run_findings"] == summary["findings"]  # each finding once
    assert done["repeated_findings"] == 0 and done["repeated_events"] == 0


# The upload pages fail an upload whose worker is gone (fast: no worker, a lock held or not).


@pytest.mark.django_db
def test_the_upload_page_reads_an_abandoned_upload_as_failed(
    client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FANGFAN_HOME", str(tmp_path))
    make_regions()
    user = make_user("department", "621200", username="刘学籍", department="school_roll")
    upload = Upload.objects.create(
        uploaded_by=user,
        region=user.region,
        feed="school_roll",
        original_name="学籍信息.csv",
        stored_file="uploads/x.csv",
        size=10,
        as_of=dt.date(2026, 10, 31),
        status=Upload.Status.RUNNING,
    )
    client.force_login(user)
    # A worker alive (another process holding the upload's lock): still 运行中.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from fangfan.web.imports.liveness import working_on\n"
            f"with working_on({upload.pk}):\n    print('held', flush=True); time.sleep(60)",
        ],
        env={**os.environ, "FANGFAN_HOME": str(tmp_path)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert client.get(f"/imports/{upload.pk}/").status_code == 200
        upload.refresh_from_db()
        assert upload.status == Upload.Status.RUNNING
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    # Killed: the list page says 失败 and why, and the trail has the change once.
    page = client.get("/imports/").content.decode()
    upload.refresh_from_db()
    assert upload.status == Upload.Status.FAILED and upload.outcome == liveness.INTERRUPTED
    assert "失败" in page
    client.get(f"/imports/{upload.pk}/")
    from fangfan.web.accounts.models import AuditEvent

    changes = AuditEvent.objects.filter(object_id=str(upload.pk), content_type__model="upload")
    assert changes.count() == 1

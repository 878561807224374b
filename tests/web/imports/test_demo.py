"""`fangfan demo` end to end, in a subprocess with its own FANGFAN_HOME and SQLite database.

A tiny city keeps it short; `make demo` runs the same command at 60,000 households.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from fangfan.engine.schema import ALL_TABLES

pytestmark = [
    pytest.mark.slow,
    # The demo keeps its own SQLite database whatever the tests use, so the PostgreSQL pass
    # of CI would only repeat it.
    pytest.mark.skipif(
        os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="fangfan demo 使用自己的 SQLite 数据库，SQLite 一轮已经运行过",
    ),
]

ACCOUNTS = ("demo-city", "demo-county", "demo-township", "demo-village", "demo-school", "demo-inspector")
FANGFAN = [sys.executable, "-c", "from fangfan.cli import main; main()"]


def _environment(home: Path) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO")}
    environment.update(
        FANGFAN_HOME=str(home),
        DATABASE_URL=f"sqlite:///{home / 'fangfan.sqlite3'}",
        PYTHONIOENCODING="utf-8",
        COLUMNS="200",
    )
    return environment


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_demo_without_serving_ends_with_a_published_run_and_the_accounts_printed(tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = subprocess.run(
        [*FANGFAN, "demo", "--households", "150", "--seed", "5", "--no-serve"],
        env=_environment(home),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    output = result.stdout
    assert "http://127.0.0.1:8000" in output
    for username in ACCOUNTS:
        assert re.search(rf"{username}\s+│\s+{username}-2026", output), username

    with sqlite3.connect(home / "fangfan.sqlite3") as database:
        runs = database.execute("select run_id, is_current, households from registry_run").fetchall()
        users = {row[0] for row in database.execute("select username from accounts_user")}
        counties = database.execute("select count(*) from regions_region where level = 'county'").fetchone()
        field_tables = ("teams_team", "teams_checkin", "jobs_post", "jobs_payment", "projects_project")
        field_work = {
            table: database.execute(f"select count(*) from {table}").fetchone()[0]
            for table in (*field_tables, "industry_planting")
        }
        team_member = database.execute(
            "select count(*) from teams_teammember m join accounts_user u on m.user_id = u.id"
            " where u.username = 'demo-village'"
        ).fetchone()
    assert len(runs) == 1 and runs[0][1] == 1 and runs[0][2] == 150
    assert runs[0][0] in output
    assert set(ACCOUNTS) <= users and counties == (9,)
    # Field work II is there to look at, and the demo village account can check in.
    assert all(count > 0 for count in field_work.values()), field_work
    assert team_member == (1,) and "demo-village 即驻村工作队队员" in output
    index = json.loads((home / "inputs" / "current" / ".index.json").read_text("utf-8"))
    assert {table for item in index["files"] for table in item["tables"]} == {t.name for t in ALL_TABLES}
    assert index["snapshot_id"] == runs[0][0].split("-", 1)[1]


def test_demo_serves_the_site_with_a_worker_until_ctrl_c(tmp_path: Path) -> None:
    port = _free_port()
    demo = subprocess.Popen(
        [*FANGFAN, "demo", "--households", "60", "--seed", "6", "--port", str(port)],
        env=_environment(tmp_path / "home"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as a terminal gives it
    )
    try:
        login = _wait_for(f"http://127.0.0.1:{port}/accounts/login/", timeout=300)
        assert "登录防返" in login
        assert "site-header" in _wait_for(f"http://127.0.0.1:{port}/static/fangfan/base.css", timeout=10)
    finally:
        os.killpg(demo.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group
        output, _ = demo.communicate(timeout=60)
    assert demo.returncode == 0, output[-3000:]
    started = re.search(r"后台任务（pid (\d+)）和网站（pid (\d+)）已启动", output)
    assert started is not None, output[-3000:]
    for pid in started.groups():  # both stopped with it
        assert not Path(f"/proc/{pid}").exists()


def _wait_for(url: str, *, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return str(response.read().decode("utf-8"))
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)

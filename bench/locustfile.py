"""The office at work, for `make bench-web`: each simulated user signs in and reads pages.

Run by bench/bench_web.py (never on its own), which writes the accounts and what each
may look at to the JSON file named by FANGFAN_BENCH_TARGETS:

    {"accounts": [{"username": ..., "password": ..., "dashboards": [...],
                   "searches": [...], "households": [...], "queues": [...]}, ...]}

Eleven pages are timed, each under its own name: the dashboard (the user's region and its
child regions), household search, the household page, the work queue, the rectification
ledger (整改台账) and the grievance list (each with and without filters), the 一个不剩
board (the user's region and its child regions), and field work II's reports of a county
or township (village teams, public-welfare jobs, projects and funds, industry income).
A response counts as an error unless it is 200 and is the page asked for (a sign-in page
or an error page returned with 200 is an error too).

FANGFAN_BENCH_WAIT is the pause between pages, "low,high" seconds ("0,0" for none).
"""

from __future__ import annotations

import itertools
import json
import os
import random
from typing import Any

from locust import HttpUser, between, constant, task

from bench import webserver

with open(os.environ["FANGFAN_BENCH_TARGETS"], encoding="utf-8") as targets_file:
    TARGETS: dict[str, Any] = json.load(targets_file)
ACCOUNTS: list[dict[str, Any]] = TARGETS["accounts"]
NEXT_ACCOUNT = itertools.cycle(ACCOUNTS)
LOW, HIGH = (float(part) for part in os.environ.get("FANGFAN_BENCH_WAIT", "1,3").split(","))
# What each page must contain to count as served; field work II's, each app's REPORT_MARKER
# (bench/web_fieldwork.py), are written with the targets.
MARKERS = {**webserver.MARKERS, **TARGETS.get("markers", {})}


class OfficeUser(HttpUser):
    wait_time = constant(0) if HIGH == 0 else between(LOW, HIGH)

    def on_start(self) -> None:
        self.account = next(NEXT_ACCOUNT)
        webserver.sign_in(self.client, self.account["username"], self.account["password"])

    def _page(self, name: str, path: str) -> None:
        webserver.read_page(self.client, name, path, MARKERS[name])

    @task
    def dashboard(self) -> None:
        self._page("dashboard", random.choice(self.account["dashboards"]))

    @task
    def search(self) -> None:
        self._page("search", random.choice(self.account["searches"]))

    @task
    def household(self) -> None:
        self._page("household", random.choice(self.account["households"]))

    @task
    def workqueue(self) -> None:
        self._page("workqueue", random.choice(self.account["queues"]))

    @task
    def problems(self) -> None:
        self._page("problems", random.choice(self.account["problems"]))

    @task
    def grievances(self) -> None:
        self._page("grievances", random.choice(self.account["grievances"]))

    @task
    def oversight(self) -> None:
        self._page("oversight", random.choice(self.account["boards"]))

    # Field work II's reports (a county's or a township's): a village account has none.
    def _report(self, app: str) -> None:
        if self.account.get(app):
            self._page(app, random.choice(self.account[app]))

    @task
    def teams(self) -> None:
        self._report("teams")

    @task
    def jobs(self) -> None:
        self._report("jobs")

    @task
    def projects(self) -> None:
        self._report("projects")

    @task
    def industry(self) -> None:
        self._report("industry")

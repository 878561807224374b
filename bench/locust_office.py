"""The office at work, writes included, for `make bench-load` (run by bench/bench_load.py only).

Each simulated user takes the next role from FANGFAN_LOAD_TARGETS (written by bench_load):

- township (乡镇): takes findings from its own list and assigns each to itself with a
  deadline (分派), then marks it fixed (标记已整改) and hands it to its county; records visits
  (走访, 算细账) and adds measures (帮扶措施) to monitored households of its villages; reads pages.
- county (县级): closes (核销) the findings its townships fixed, with a reason and a proof file
  (the newest run still flags them); reads pages.
- reader: a `bench-*` account of bench-web reading dashboards, households, lists.
- public: a person filling in the public self-report form (农户自主申报), from an address
  of its own (X-Forwarded-For, through a trusted proxy as behind nginx), at least 5 s after
  the form was served as the form requires.
- uploader (one): a department's officer uploads a feed at FANGFAN_LOAD_UPLOAD_AT seconds;
  the worker beside gunicorn imports, screens and publishes it while the others work.

Every write acknowledged by the server (a redirect to the record, or the report's reference
page) is appended to FANGFAN_LOAD_JOURNAL as one JSON line: what was sent and the id the
server answered, with a marker unique to the write, so bench_load checks each in the
database afterwards. A write refused or failed is journalled with "ok": false. A response
counts as an error unless it is the expected status and page.
"""

from __future__ import annotations

import collections
import datetime as dt
import itertools
import json
import os
import random
import re
import time
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task
from locust.env import Environment

from bench import webserver

with open(os.environ["FANGFAN_LOAD_TARGETS"], encoding="utf-8") as targets_file:
    TARGETS: dict[str, Any] = json.load(targets_file)
SLOTS = itertools.cycle(TARGETS["slots"])
TAG = os.environ.get("FANGFAN_LOAD_TAG", "load")
UPLOAD_AT = float(os.environ.get("FANGFAN_LOAD_UPLOAD_AT", "60"))
JOURNAL = Path(os.environ["FANGFAN_LOAD_JOURNAL"]).open("a", encoding="utf-8")  # noqa: SIM115
SEQUENCE = itertools.count(1)
STARTED = time.monotonic()
# Findings fixed by a township, waiting for its county's close-out: county code → ids.
FIXED: dict[str, collections.deque[int]] = collections.defaultdict(collections.deque)
TOKEN = re.compile(r'name="token" value="([^"]+)"')
REFERENCE = re.compile(r'id="reference">([^<]+)<')
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64  # a proof file: its first bytes are a PNG's
READS = {
    "dashboard": "dashboards",
    "search": "searches",
    "household": "households",
    "workqueue": "queues",
    "problems": "problems",
    "grievances": "grievances",
    "oversight": "boards",
}


@events.test_start.add_listener
def _reset_clock(environment: Environment, **_: Any) -> None:
    global STARTED
    STARTED = time.monotonic()


def journal(kind: str, ok: bool, **fields: Any) -> None:
    JOURNAL.write(
        json.dumps({"kind": kind, "ok": ok, "at": time.time(), **fields}, ensure_ascii=False) + "\n"
    )
    JOURNAL.flush()


def marker(kind: str) -> str:
    """Text unique to one write, by which it is found in the database."""
    return f"压测{TAG}-{kind}-{next(SEQUENCE):06d}"


class OfficeUser(HttpUser):
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.slot: dict[str, Any] = next(SLOTS)
        self.kind: str = self.slot["kind"]
        self.current: int | None = None  # the finding this township is working on
        self.uploaded = False
        self.upload_id: int | None = None
        if self.kind != "public":
            self._login()

    def _login(self) -> None:
        webserver.sign_in(self.client, self.slot["username"], self.slot["password"], form_name="login: form")

    # Reading.
    def _page(self, name: str, path: str, marker_text: str) -> str | None:
        return webserver.read_page(self.client, name, path, marker_text)

    def _read(self) -> None:
        reads = self.slot.get("reads") or {}
        choices = [name for name, key in READS.items() if reads.get(key)]
        if choices:
            name = random.choice(choices)
            self._page(name, random.choice(reads[READS[name]]), webserver.MARKERS[name])

    # Writing: a POST answered by a redirect to the record's page is acknowledged.
    def _post(
        self, name: str, path: str, data: dict[str, Any], files: dict[str, Any] | None = None
    ) -> tuple[bool, str, str]:
        """(acknowledged, the redirect's target, why not)."""
        with self.client.post(
            path, data=data, files=files, name=name, catch_response=True, allow_redirects=False
        ) as response:
            if response.status_code in (302, 303):
                return True, response.headers.get("Location", ""), ""
            why = f"HTTP {response.status_code} {path} {response.error or ''}".rstrip()
            response.failure(why)
            return False, "", why

    def _form_token(self, name: str, path: str, marker_text: str) -> str | None:
        text = self._page(name, path, marker_text)
        return webserver.csrf_token(text) if text is not None else None

    @task
    def work(self) -> None:
        getattr(self, f"_{self.kind}")()

    def _reader(self) -> None:
        self._read()

    def _township(self) -> None:
        roll = random.random()
        if roll < 0.35:
            self._finding_step()
        elif roll < 0.5:
            self._visit()
        elif roll < 0.65:
            self._measure()
        else:
            self._read()

    def _finding_step(self) -> None:
        """Assign the next finding of the list to oneself, or mark the assigned one fixed."""
        if self.current is None:
            if not self.slot["findings"]:
                return self._read()
            finding = self.slot["findings"].pop(0)
            path = f"/findings/{finding}/"
            token = self._form_token("finding", path, "<h1")
            if token is None:
                return None
            note = marker("assign")
            deadline = (dt.date.today() + dt.timedelta(days=30)).isoformat()
            data = {"csrfmiddlewaretoken": token, "assignee": self.slot["user_id"], "deadline": deadline}
            ok, _, why = self._post("finding: assign", f"{path}assign/", {**data, "note": note})
            journal(
                "assign",
                ok,
                finding=finding,
                note=note,
                assignee=self.slot["user_id"],
                deadline=deadline,
                why=why,
            )
            self.current = finding if ok else None
            return None
        finding, self.current = self.current, None
        path = f"/findings/{finding}/"
        token = self._form_token("finding", path, "<h1")
        if token is None:
            return None
        note = marker("fix")
        ok, _, why = self._post("finding: fix", f"{path}fix/", {"csrfmiddlewaretoken": token, "note": note})
        journal("fix", ok, finding=finding, note=note, why=why)
        if ok:
            FIXED[self.slot["county"]].append(finding)
        return None

    def _visit(self) -> None:
        household = random.choice(self.slot["households"])
        path = f"/monitoring/households/{household}/visit/"
        token = self._form_token("visit: form", path, 'name="visited_on"')
        if token is None:
            return
        note = marker("visit")
        data = {
            "csrfmiddlewaretoken": token,
            "visited_on": dt.date.today().isoformat(),
            "wage_income": "62000",
            "business_income": "8000",
            "property_income": "0",
            "transfer_income": "1200",
            "business_cost": "3000",
            "rigid_spending": "0",
            "household_size": "4",
            "situation": note,
        }
        ok, location, why = self._post("visit: save", path, data)
        found = re.search(r"/monitoring/visits/(\d+)/", location)
        if ok and not found:
            ok, why = False, f"走访保存后没有转到走访记录：{location}"
        journal(
            "visit", ok, household=household, note=note, id=int(found.group(1)) if found else None, why=why
        )

    def _measure(self) -> None:
        monitored = random.choice(self.slot["monitored"])
        path = f"/monitoring/monitored/{monitored}/"
        token = self._form_token("measure: page", path, "<h1")
        if token is None:
            return
        note = marker("measure")
        data = {
            "csrfmiddlewaretoken": token,
            "member": "",
            "kind": "就业帮扶",
            "item": "",
            "content": note,
            "start_date": dt.date.today().isoformat(),
            "cadre_name": "压测干部",
        }
        ok, _, why = self._post("measure: add", f"{path}measures/", data)
        journal("measure", ok, monitored=monitored, note=note, why=why)

    def _county(self) -> None:
        queue = FIXED[self.slot["county"]]
        if not queue or random.random() < 0.4:
            return self._read()
        finding = queue.popleft()
        path = f"/findings/{finding}/"
        token = self._form_token("finding", path, "<h1")
        if token is None:
            return None
        note = marker("close")
        ok, _, why = self._post(
            "finding: close",
            f"{path}close/",
            {"csrfmiddlewaretoken": token, "note": note},
            files={"attachment": ("整改照片.png", PNG, "image/png")},
        )
        journal("close", ok, finding=finding, note=note, why=why)
        return None

    def _public(self) -> None:
        text = self._page("report: form", "/report/", 'name="token"')
        found = TOKEN.search(text or "")
        if not found:
            return
        time.sleep(6)  # the form refuses what is sent sooner than 5 s after it was served
        number = next(SEQUENCE)
        place = random.choice(TARGETS["villages"])
        note = marker("report")
        data = {
            "name": f"申报人{number:05d}",
            "id_number": "",
            "phone": f"139{random.randrange(10**8):08d}",
            "county": place[:6],
            "township": place[:9],
            "village": place,
            "description": f"家里有人生病，医疗费用较大。{note}",
            "contact_phone": "",
            "website": "",
            "token": found.group(1),
            "csrfmiddlewaretoken": webserver.csrf_token(text or ""),
        }
        address = f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"
        with self.client.post(
            "/report/",
            data=data,
            name="report: send",
            catch_response=True,
            headers={"X-Forwarded-For": address},
        ) as response:
            reference = REFERENCE.search(response.text or "")
            ok = response.status_code == 200 and reference is not None
            why = "" if ok else f"HTTP {response.status_code}，没有受理编号"
            if not ok:
                response.failure(why)
        journal("report", ok, note=note, reference=reference.group(1).strip() if reference else None, why=why)

    def _uploader(self) -> None:
        if self.upload_id is not None:
            self._page("upload: progress", f"/imports/{self.upload_id}/", "<h1")
            return
        if self.uploaded or time.monotonic() - STARTED < UPLOAD_AT:
            return self._read()
        self.uploaded = True
        upload = self.slot["upload"]
        token = self._form_token("upload: form", "/imports/new/", 'name="as_of"')
        if token is None:
            return None
        with open(upload["file"], "rb") as handle:
            content = handle.read()
        data = {"csrfmiddlewaretoken": token, "feed": upload["feed"], "as_of": upload["as_of"]}
        files = {"file": (Path(upload["file"]).name, content, "text/csv")}
        ok, location, why = self._post("upload: send", "/imports/new/", data, files)
        found = re.search(r"/imports/(\d+)/", location)
        self.upload_id = int(found.group(1)) if ok and found else None
        journal("upload", ok and found is not None, id=self.upload_id, file=upload["file"], why=why)
        return None

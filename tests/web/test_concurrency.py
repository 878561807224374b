"""The load check: a city office publishes a run while 20 people send the public report
form and 10 people sign in, against a real server, on SQLite and on PostgreSQL.

Nothing here is simulated: the site runs under gunicorn (2 processes × 8 threads, as in
production) on a database of its own (a SQLite file under a temporary FANGFAN_HOME, or a
fresh PostgreSQL database beside the one DATABASE_URL names), with a synthetic city of
1,500 households published once. Then `fangfan publish` of the next month's run starts
in another process and, while it runs, every sender and every login goes on until the
publish has finished (each at least once). Every answer must be the page asked for
(no 500, no 503) and every report sent must be stored.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pytest
from bench.webserver import (
    CSRF,
    fetch,
    free_port,
    generate,
    opener,
    own_database,
    python_output,
    run_fangfan,
    site_env,
    start_gunicorn,
    stop,
)

pytestmark = pytest.mark.slow

HOUSEHOLDS = 1_500
REPORTERS, LOGINS = 20, 10
PASSWORD = "load-check-2026"
TOKEN = re.compile(r'name="token" value="([^"]+)"')


@dataclass
class Site:
    url: str
    env: dict[str, str]
    home: Path
    next_run: Path
    villages: list[str]


@dataclass
class Outcome:
    statuses: list[tuple[str, int, float]] = field(default_factory=list)  # (what, status, when)
    references: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, what: str, status: int) -> None:
        with self.lock:
            self.statuses.append((what, status, time.monotonic()))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    home = tmp_path_factory.mktemp("load_home")
    with own_database(home, "load") as database_url:
        # Each sender comes from an address of its own, as people do (the hourly limit per
        # address is the report form's, tested in tests/web/monitoring).
        secret, proxies = "load-check-" + "x" * 60, "127.0.0.1"
        env = site_env(database_url, home, FANGFAN_SECRET_KEY=secret, FANGFAN_TRUSTED_PROXIES=proxies)
        for as_of, name in (("2026-10-31", "first"), ("2026-11-30", "next")):
            generate(env, home / name, households=HOUSEHOLDS, seed=11, as_of=as_of)
            run_fangfan(env, "run", str(home / name), "--as-of", as_of, "--out", str(home / f"{name}_out"))
            time.sleep(1.1)  # run ids have whole seconds
        runs = sorted((home / "runs").iterdir())
        python_output(env, "-m", "django", "migrate", "-v0")
        run_fangfan(env, "publish", str(runs[0]))
        python_output(env, "-c", _MAKE_ACCOUNTS, str(LOGINS), PASSWORD)
        snapshot = sorted((home / "snapshots").iterdir())[0]
        villages = pl.read_parquet(snapshot / "villages.parquet")["village_code"].cast(pl.String).to_list()
        port = free_port()
        with open(home / "gunicorn.log", "w") as log:
            server = start_gunicorn(env, port, workers=2, threads=8, timeout=120, log=log, wait_seconds=120)
            try:
                yield Site(f"http://127.0.0.1:{port}", env, home, runs[1], villages[:REPORTERS])
            finally:
                stop(server, seconds=30)


_MAKE_ACCOUNTS = """
import sys, django
django.setup()
from fangfan.web.accounts.models import User
from fangfan.web.regions.models import Region
city = Region.objects.filter(level=Region.Level.CITY).first()
for number in range(int(sys.argv[1])):
    user = User.objects.create_user(f"load{number}", password=sys.argv[2], role="city", region=city)
"""


def _send_reports(site: Site, number: int, publishing: threading.Event, outcome: Outcome) -> None:
    village = site.villages[number % len(site.villages)]
    sent = 0
    while publishing.is_set() or sent == 0:
        browser = opener(f"10.1.{number}.{sent + 1}")
        status, page = fetch(browser, f"{site.url}/report/")
        outcome.record("report form", status)
        token = TOKEN.search(page)
        csrf = CSRF.search(page)
        if status != 200 or token is None or csrf is None:
            return
        time.sleep(5.2)  # the form refuses a report sent sooner than a person could fill it in
        status, page = fetch(
            browser,
            f"{site.url}/report/",
            {
                "csrfmiddlewaretoken": csrf.group(1),
                "name": f"申报人{number}号{sent}",
                "id_number": "",
                "phone": f"139{number:04d}{sent:04d}",
                "county": village[:6],
                "township": village[:9],
                "village": village,
                "description": "家里有人生了大病，医药费花了很多",
                "contact_phone": "",
                "website": "",
                "token": token.group(1),
            },
        )
        outcome.record("report", status)
        reference = re.search(r'id="reference">([^<]+)<', page)
        if status == 200 and reference:
            with outcome.lock:
                outcome.references.append(reference.group(1).strip())
        sent += 1


def _sign_in(site: Site, number: int, publishing: threading.Event, outcome: Outcome) -> None:
    tries = 0
    while publishing.is_set() or tries == 0:
        browser = opener(f"10.2.{number}.1")
        status, page = fetch(browser, f"{site.url}/accounts/login/")
        csrf = CSRF.search(page)
        if status != 200 or csrf is None:
            outcome.record("login form", status)
            return
        data = {"csrfmiddlewaretoken": csrf.group(1), "username": f"load{number}", "password": PASSWORD}
        status, page = fetch(browser, f"{site.url}/accounts/login/", data)
        signed_in = status == 200 and "退出登录" in page  # redirected to the home page
        outcome.record("login", status if signed_in else 600 + status)
        tries += 1
        time.sleep(0.5)


def _stored_references(site: Site) -> set[str]:
    script = (
        "import django; django.setup()\n"
        "from fangfan.web.monitoring.models import Intake\n"
        "print('\\n'.join(Intake.objects.values_list('reference', flat=True)))\n"
    )
    return set(python_output(site.env, "-c", script).split())


def test_reports_and_logins_during_a_publish_all_succeed_and_every_report_is_stored(site: Site) -> None:
    publishing = threading.Event()
    publishing.set()
    outcome = Outcome()
    people = [
        *(
            threading.Thread(target=_send_reports, args=(site, n, publishing, outcome))
            for n in range(REPORTERS)
        ),
        *(threading.Thread(target=_sign_in, args=(site, n, publishing, outcome)) for n in range(LOGINS)),
    ]
    publish = subprocess.Popen(
        [sys.executable, "-m", "fangfan.cli", "publish", str(site.next_run)],
        env=site.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    started = time.monotonic()
    for person in people:
        person.start()
    output, _ = publish.communicate(timeout=600)
    finished = time.monotonic()
    publishing.clear()
    for person in people:
        person.join(timeout=300)

    assert publish.returncode == 0, output
    assert "已发布筛查批次" in output
    failures = [(what, status) for what, status, _ in outcome.statuses if status != 200]
    log = site.home / "logs" / "errors.log"
    assert failures == [], (failures, log.read_text("utf-8")[-3000:] if log.exists() else "")
    reports = [when for what, _, when in outcome.statuses if what == "report"]
    logins = [when for what, _, when in outcome.statuses if what == "login"]
    assert len(reports) >= REPORTERS and len(logins) >= LOGINS
    assert any(started <= when <= finished for when in reports + logins)  # they met the publish
    assert len(outcome.references) == len(reports)
    assert set(outcome.references) <= _stored_references(site)


def test_twenty_simultaneous_wrong_passwords_get_at_most_five_password_checks(site: Site) -> None:
    answers: list[int] = []
    lock = threading.Lock()
    ready = threading.Barrier(20)

    def guess(number: int) -> None:
        browser = opener("10.3.0.1")  # one attacker, one address, one account
        _, page = fetch(browser, f"{site.url}/accounts/login/")
        csrf = CSRF.search(page)
        assert csrf is not None
        data = {"csrfmiddlewaretoken": csrf.group(1), "username": "load0", "password": f"guess-{number}"}
        ready.wait()
        status, _ = fetch(browser, f"{site.url}/accounts/login/", data)
        with lock:
            answers.append(status)

    guessers = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
    for guesser in guessers:
        guesser.start()
    for guesser in guessers:
        guesser.join(timeout=120)
    # 200: the form again ("wrong password"); 429: locked. The fifth check already locks.
    assert len(answers) == 20 and set(answers) <= {200, 429} and answers.count(200) <= 4
    script = (
        "import django; django.setup()\n"
        "from fangfan.web.accounts.models import LoginThrottle\n"
        "print(LoginThrottle.objects.get(username='load0', address='10.3.0.1').tries)\n"
    )
    assert int(python_output(site.env, "-c", script)) == 5  # password checks let through

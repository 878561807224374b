"""The site as deployed, for the benches and the slow tests that load it: one place that knows
how to give it a database and settings of its own, start it under gunicorn and stop it, and
how a simulated person signs in and reads a page.

- `server_env`, `setup_django`, `site_env`: production settings (DEBUG off) on the caller's
  database and FANGFAN_HOME, for gunicorn, `fangfan`, `manage.py` and this process.
- `own_database`: a database for one site alone (a SQLite file, or a new PostgreSQL database
  beside the one DATABASE_URL names, dropped afterwards).
- `run_python`, `python_output`, `run_fangfan`, `generate`: a `django` command, a `-c` script
  or `fangfan` (a synthetic city's exports) in that environment.
- `start_gunicorn`, `stop`: the WSGI application on a port of the machine, answered once its
  sign-in page is; SIGTERM, and SIGKILL for whatever does not stop.
- `run_locust`: simulated users on it, without a browser (their statistics in a CSV file).
- `fetch`, `opener`: a person's browser for the slow tests (urllib with cookies).
- `sign_in`, `read_page`, `MARKERS`: a locust user's sign-in and page check
  (bench/locustfile.py, bench/locust_office.py).

Locust is imported by the locust files only; this module needs the standard library and,
for `own_database` on PostgreSQL, psycopg.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent  # the checkout: `bench` importable from here
LOGIN = "/accounts/login/"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# What each page must contain to count as served (a sign-in or error page returned with 200 does not).
MARKERS = {
    "dashboard": '<span class="level">',
    "search": "<h1>查找农户",
    "household": '<span class="subtitle code">',
    "workqueue": 'class="queue-filters"',
    "problems": "<h1>整改台账",
    "grievances": "<h1>信访事项",
    "oversight": 'id="oversight-figures"',
}


def server_env(database_url: str, home: Path) -> dict[str, str]:
    """The settings the site runs with in production, on `database_url` and `home`."""
    return {
        "DATABASE_URL": database_url,
        "FANGFAN_HOME": str(home),
        "FANGFAN_DEBUG": "false",
        "FANGFAN_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "fangfan.web.settings",
    }


def setup_django(database_url: str, home: Path) -> None:
    """Django in this process, on the site's database and home."""
    os.environ.update(server_env(database_url, home))
    import django

    django.setup()


def site_env(database_url: str, home: Path, **settings: str) -> dict[str, str]:
    """The environment of the site's processes: this one's, the production settings and
    `settings` (FANGFAN_SECRET_KEY=…), without pytest's marker of the test under way."""
    env = {**os.environ, **server_env(database_url, home), **settings}
    env.pop("PYTEST_CURRENT_TEST", None)
    return env


@contextmanager
def own_database(home: Path, suffix: str) -> Iterator[str]:
    """A database for one site alone: a SQLite file in `home`, or, when DATABASE_URL names
    PostgreSQL, a new database beside it (its name and `_suffix`), dropped afterwards."""
    configured = os.environ.get("DATABASE_URL", "")
    if not configured.startswith("postgres"):
        yield f"sqlite:///{home / 'fangfan.sqlite3'}"
        return
    import psycopg

    base, name = configured.rsplit("/", 1)
    own = f"{name}_{suffix}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{own}"')
    try:
        yield f"{base}/{own}"
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)')


def run_python(
    env: dict[str, str], *arguments: str, timeout: int | None = 600, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """`python *arguments` in `env`; with `check`, a failure raises with the end of its output."""
    done = subprocess.run(
        [sys.executable, *arguments], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and done.returncode != 0:
        raise RuntimeError(f"{arguments} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return done


def python_output(env: dict[str, str], *arguments: str, timeout: int = 600) -> str:
    """What `python *arguments` printed; it must succeed."""
    return run_python(env, *arguments, timeout=timeout).stdout


def run_fangfan(env: dict[str, str], *arguments: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """`fangfan *arguments` in `env` (as `run_python`)."""
    return run_python(env, "-m", "fangfan.cli", *arguments, check=check)


def generate(env: dict[str, str], out: Path, *, households: int, seed: int, as_of: str) -> None:
    """A synthetic city's exports in `out` (`fangfan generate`)."""
    arguments = ("--households", str(households), "--seed", str(seed), "--as-of", as_of, "--out", str(out))
    run_fangfan(env, "generate", *arguments)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_gunicorn(
    env: dict[str, str],
    port: int,
    *,
    workers: int,
    threads: int,
    keep_alive: int | None = None,
    timeout: int | None = None,
    log: Any = None,
    wait_seconds: int = 60,
) -> subprocess.Popen[bytes]:
    """gunicorn serving the site on 127.0.0.1:`port` (gthread workers, warnings only), once its
    sign-in page answers 200; stopped and refused after `wait_seconds`.

    `keep_alive`: how long an idle connection is kept (gunicorn's default 2 s closes one just as
    a user's next page is sent on it after a pause). `log`: where its output goes (else here).
    """
    command = [
        *(sys.executable, "-m", "gunicorn", "fangfan.web.wsgi:application"),
        *("--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class", "gthread"),
        *("--threads", str(threads), "--log-level", "warning"),
        *(("--keep-alive", str(keep_alive)) if keep_alive is not None else ()),
        *(("--timeout", str(timeout)) if timeout is not None else ()),
    ]
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL if log is not None else None, stderr=log
    )
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{LOGIN}", timeout=5) as response:
                if response.status == 200:
                    return server
        except OSError:  # not listening yet, or slow to answer on a busy machine
            pass
        time.sleep(0.5)
    stop(server)
    raise RuntimeError(f"gunicorn 未能在 {wait_seconds} 秒内启动")


def stop(*processes: subprocess.Popen[Any], seconds: int = 60) -> None:
    """SIGTERM to each, then wait; one still running after `seconds` is killed."""
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_locust(
    locustfile: Path,
    port: int,
    prefix: Path,
    *,
    users: int,
    spawn_rate: int,
    seconds: int,
    env: dict[str, str],
    reset_stats: bool = False,
) -> Path:
    """locust without a browser, `users` users of `locustfile` on the site for `seconds`
    (`reset_stats`: counted from once all have started); its log PREFIX.log, and the path of
    its statistics per page, PREFIX_stats.csv."""
    command = [
        *(sys.executable, "-m", "locust", "-f", str(locustfile), "--headless"),
        *("--users", str(users), "--spawn-rate", str(spawn_rate), "--run-time", f"{seconds}s"),
        *("--host", f"http://127.0.0.1:{port}", "--csv", str(prefix)),
        *(("--reset-stats",) if reset_stats else ()),
        *("--only-summary", "--loglevel", "WARNING"),
    ]
    # The locust files import this module, wherever locust is started from.
    path = os.pathsep.join(part for part in (str(ROOT), env.get("PYTHONPATH", "")) if part)
    with Path(f"{prefix}.log").open("w", encoding="utf-8") as log:
        subprocess.run(
            command, env={**env, "PYTHONPATH": path}, check=False, stdout=log, stderr=subprocess.STDOUT
        )
    return Path(f"{prefix}_stats.csv")


# A person's browser, for the slow tests and bench/faults_pg.py.


def opener(address: str | None = None) -> urllib.request.OpenerDirector:
    """A browser with its own cookies, seen (through the trusted proxy) at `address`."""
    built = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    if address is not None:
        built.addheaders = [("X-Forwarded-For", address)]
    return built


def fetch(
    browser: urllib.request.OpenerDirector, url: str, data: dict[str, str] | None = None
) -> tuple[int, str]:
    """(status, page) of a GET, or of a POST of `data`; status 0 when there is no answer."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers={"Referer": url})
    try:
        with browser.open(request, timeout=120) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
        return 0, str(error)


# A locust user (bench/locustfile.py, bench/locust_office.py); `client` is its HttpSession.


def csrf_token(text: str) -> str:
    found = CSRF.search(text)
    return found.group(1) if found else ""


def sign_in(client: Any, username: str, password: str, *, form_name: str = "login") -> None:
    """Sign in through the form, as a person does; anything but the redirect home raises."""
    form = client.get(LOGIN, name=form_name)
    response = client.post(
        LOGIN,
        {"username": username, "password": password, "csrfmiddlewaretoken": csrf_token(form.text)},
        headers={"Referer": f"{client.base_url}{LOGIN}"},
        allow_redirects=False,
        name="login",
    )
    if response.status_code != 302:
        raise RuntimeError(f"{username} 登录失败：HTTP {response.status_code}")


def read_page(client: Any, name: str, path: str, marker: str) -> str | None:
    """GET `path`, timed under `name`: its text, or None and a failure unless it is 200 and
    holds `marker` (HTTP 0: no response at all, said why: reset, refused, timed out)."""
    with client.get(path, name=name, catch_response=True, allow_redirects=False) as response:
        if response.status_code != 200:
            response.failure(f"HTTP {response.status_code} {path} {response.error or ''}".rstrip())
            return None
        if marker not in response.text:
            response.failure(f"不是所要的页面：{path}")
            return None
        return str(response.text)

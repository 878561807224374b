"""Browser tests: Debian's Chromium (/usr/bin/chromium) driven by Playwright against `live_server`.

Never `playwright install`: the browser comes from `apt-get install chromium fonts-noto-cjk`
(.ci/run does it). Without it the tests skip locally, with the reason, and fail in CI
(`CI=true`).

Fixtures for every app's browser tests:

- `browser` (module): headless Chromium.
- `page`: a fresh page in a Chinese context (zh-CN, Asia/Shanghai, 1280×900) whose
  base URL is the live server, so `page.goto("/imports/")` works; `phone` is the same at
  390×844, a village cadre's phone.
- `signed_in(page, user)`: signs `user` in through the login form (giving the account
  the password `PASSWORD` first) and returns the page, on the page after login.
- `published`: a small generated city (120 households, seed 11) imported, linked,
  screened and published into the test database; FANGFAN_HOME is a per-test copy of it,
  so an upload runs with the city's other files. Returns `Published`.
- `run_worker()`: starts the database backend's worker in a thread (what
  `manage.py db_worker` does) until one task is done; returns the thread to `join`.
- `shoot(page, name)`: a full-page screenshot to var/screenshots/<name>.png.
- `watch_csp(*pages)`: records, from now on, every Content Security Policy violation
  (event and console) and every 404 the pages meet; `.violations()` and `.missing` are
  for the test to assert empty.

    def test_the_dashboard_shows_the_city(page, signed_in, published, shoot):
        signed_in(page, published.users["city"])
        page.goto("/")
        shoot(page, "dashboard-city")
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "浏览器-测试-2026"
AS_OF = dt.date(2026, 10, 31)
HOUSEHOLDS = 120
SEED = 11
TIMEOUT_MS = 20_000


# Module scope: Playwright's sync API keeps an event loop running in this thread while it
# is open, and Django refuses database calls (and test_settings' subprocesses would inherit
# DJANGO_ALLOW_ASYNC_UNSAFE) until it closes; pytest-django reorders tests across modules.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} 不存在：请先 apt-get install -y chromium fonts-noto-cjk"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI 中缺少浏览器，浏览器测试不能跳过。{reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Django refuses database calls under a running event loop unless told the caller is
    # synchronous (it is).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _page(browser: Any, live_server: Any, width: int, height: int) -> Iterator[Any]:
    context = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": width, "height": height},
        base_url=live_server.url,
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    yield from _page(browser, live_server, 1280, 900)


@pytest.fixture
def phone(browser: Any, live_server: Any) -> Iterator[Any]:
    yield from _page(browser, live_server, 390, 844)


@pytest.fixture
def signed_in(live_server: Any) -> Callable[..., Any]:
    def sign_in(page: Any, user: Any, password: str = PASSWORD) -> Any:
        user.set_password(password)
        user.save(update_fields=["password"])
        page.goto("/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    return sign_in


# Records every CSP violation the page reports (an init script is not itself under the policy).
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  const element = event.target && event.target.id ? "#" + event.target.id : "";
  const where = [event.violatedDirective, event.blockedURI, location.pathname, element, event.sourceFile];
  window.__cspViolations.push(where.join(" "));
});
"""


@dataclass
class Watched:
    """What `watch_csp` saw on its pages."""

    pages: tuple[Any, ...]
    console: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def violations(self) -> list[str]:
        """The CSP violations reported so far, on the console and as events, of every page."""
        reported = [item for page in self.pages for item in page.evaluate("window.__cspViolations || []")]
        return [*self.console, *reported]


@pytest.fixture
def watch_csp() -> Callable[..., Watched]:
    def watch(*pages: Any) -> Watched:
        watched = Watched(pages)
        for page in pages:
            page.add_init_script(WATCH_CSP)
            page.on(
                "console",
                lambda message: (
                    "Content Security Policy" in message.text and watched.console.append(message.text)
                ),
            )
            page.on(
                "response", lambda response: response.status == 404 and watched.missing.append(response.url)
            )
        return watched

    return watch


@pytest.fixture
def shoot() -> Callable[[Any, str], Path]:
    def screenshot(page: Any, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 0, f"empty screenshot {path}"
        return path

    return screenshot


@dataclass(frozen=True)
class EngineCity:
    """The generated city after import → link → screen, in a FANGFAN_HOME of its own."""

    home: Path
    exports: Path
    run_id: str
    snapshot_id: str


@dataclass
class Published:
    """The city as published for one test: its FANGFAN_HOME, exports, run and the cast."""

    home: Path
    exports: Path
    run_id: str
    snapshot_id: str
    users: dict[str, Any] = field(default_factory=dict)


@pytest.fixture(scope="session")
def engine_city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineCity]:
    """Generated, imported, linked and screened once per session (no database involved)."""
    from fangfan.engine.pipeline import import_link_screen
    from fangfan.engine.synth import generate_dataset
    from fangfan.web.imports.inputs import InputSet

    home = tmp_path_factory.mktemp("browser_home")
    exports = tmp_path_factory.mktemp("browser_exports")
    generated = generate_dataset(exports, HOUSEHOLDS, SEED, as_of=AS_OF)
    files = [path for path in generated.files if path.suffix == ".csv" and path.name != "ground_truth.csv"]
    previous = os.environ.get("FANGFAN_HOME")
    os.environ["FANGFAN_HOME"] = str(home)
    try:
        inputs = InputSet()
        candidate = inputs.candidate_from_folder(
            exports, files, region_prefix="6212", label="demo", as_of=AS_OF
        )
        result = import_link_screen(candidate.folder, as_of=AS_OF)
        inputs.adopt(candidate, result.tables_by_file(), snapshot_id=result.snapshot.id)
    finally:
        if previous is None:
            os.environ.pop("FANGFAN_HOME", None)
        else:
            os.environ["FANGFAN_HOME"] = previous
    yield EngineCity(home, exports, result.run_id, result.snapshot.id)


@pytest.fixture
def published(
    engine_city: EngineCity, live_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> Published:
    """The city in the test database, with one account per role (docs/web.md, demo accounts)."""
    from fangfan.web.accounts.demo import create_demo_accounts
    from fangfan.web.accounts.models import User
    from fangfan.web.publishing import publish_run

    home = tmp_path / "home"
    shutil.copytree(engine_city.home, home, symlinks=True)
    monkeypatch.setenv("FANGFAN_HOME", str(home))
    settings.MEDIA_ROOT = home / "media"
    publish_run(
        home / "runs" / engine_city.run_id,
        home / "snapshots" / engine_city.snapshot_id,
        links=home / "derived" / engine_city.snapshot_id / "links.parquet",
    )
    accounts = create_demo_accounts()
    users = {
        User.objects.get(username=a.username).role: User.objects.get(username=a.username) for a in accounts
    }
    return Published(home, engine_city.exports, engine_city.run_id, engine_city.snapshot_id, users)


@pytest.fixture
def run_worker() -> Iterator[Callable[[], threading.Thread]]:
    """Start the database backend's worker in a thread; it stops after one task."""
    from django.db import connections
    from django_tasks_db.management.commands.db_worker import Worker

    threads: list[threading.Thread] = []
    # An in-memory SQLite test database is one connection, shared with the live server's
    # threads the same way Django's LiveServerThread shares it.
    shared = {
        conn.alias: conn for conn in connections.all() if conn.vendor == "sqlite" and conn.is_in_memory_db()
    }

    def work() -> None:
        for alias, connection in shared.items():
            connections[alias] = connection
        worker = Worker(
            queue_names=["default"],
            interval=0.2,
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=1,
            worker_id="browser-test-worker",
            excluded_queue_names=[],
        )
        worker.run()

    def start() -> threading.Thread:
        for connection in shared.values():
            connection.inc_thread_sharing()
        thread = threading.Thread(target=work, name="db_worker", daemon=True)
        thread.start()
        threads.append(thread)
        return thread

    yield start
    for thread in threads:
        thread.join(timeout=120)
        for connection in shared.values():
            connection.dec_thread_sharing()

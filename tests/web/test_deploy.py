"""The production settings of docs/deploy.md pass `manage.py check --deploy` with no warning.

The environment is the one docs/deploy.md tells a county's IT office to set: HTTPS behind
nginx, a secret key of its own, the site's host name, the proxy's address, and the
database the tests run on (SQLite, or PostgreSQL when DATABASE_URL names it, as CI runs
tests/web); `--database default` adds the database's own checks. Without FANGFAN_HTTPS the
same check must fail: the test can tell.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _production(home: Path, **changes: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("FANGFAN_")}
    environment.update(
        {
            "FANGFAN_HOME": str(home),
            "FANGFAN_HTTPS": "true",
            "FANGFAN_SECRET_KEY": secrets.token_urlsafe(64),
            "FANGFAN_ALLOWED_HOSTS": "fangfan.example.gov.cn",
            "FANGFAN_TRUSTED_PROXIES": "127.0.0.1",
            "FANGFAN_SITE_URL": "https://fangfan.example.gov.cn",
            "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{home / 'fangfan.sqlite3'}",
            **changes,
        }
    )
    return environment


def _manage(environment: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        check=False,
    )


def test_the_production_settings_pass_check_deploy_with_no_warning(tmp_path: Path) -> None:
    result = _manage(
        _production(tmp_path), "check", "--deploy", "--database", "default", "--fail-level", "WARNING"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_the_production_settings_turn_on_https_protections(tmp_path: Path) -> None:
    shown = _manage(
        _production(tmp_path),
        "shell",
        "--verbosity",
        "0",
        "-c",
        "from django.conf import settings as s; print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS,"
        " s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.ALLOWED_HOSTS)",
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split() == ["False", "True", "31536000", "True", "True", "['fangfan.example.gov.cn']"]


def test_without_https_the_deploy_check_warns(tmp_path: Path) -> None:
    result = _manage(
        _production(tmp_path, FANGFAN_HTTPS="false"), "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr and "security.W008" in result.stderr

"""Settings come from the environment through typed helpers that fail loudly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fangfan.engine.config import ConfigError, env_bool, env_int, env_list


def _check_deploy(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("FANGFAN_")}
    environment.update({"FANGFAN_HOME": str(tmp_path), "DATABASE_URL": "sqlite:///:memory:", **env})
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=Path(__file__).resolve().parents[2],
        check=False,
    )


def test_env_bool_refuses_a_word_it_does_not_know(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FANGFAN_DEBUG", "perhaps")
    with pytest.raises(ConfigError, match="FANGFAN_DEBUG"):
        env_bool("FANGFAN_DEBUG", False)


def test_env_int_and_list_parse_their_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOME_NUMBER", "42")
    monkeypatch.setenv("SOME_HOSTS", "a.example, b.example,,")
    assert env_int("SOME_NUMBER", 1) == 42
    assert env_list("SOME_HOSTS", []) == ["a.example", "b.example"]
    monkeypatch.setenv("SOME_NUMBER", "forty-two")
    with pytest.raises(ConfigError, match="SOME_NUMBER"):
        env_int("SOME_NUMBER", 1)


def test_production_settings_pass_the_deploy_check(tmp_path: Path) -> None:
    result = _check_deploy(tmp_path, FANGFAN_HTTPS="true")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_a_short_secret_key_is_refused(tmp_path: Path) -> None:
    result = _check_deploy(tmp_path, FANGFAN_SECRET_KEY="short")
    assert result.returncode != 0
    assert "FANGFAN_SECRET_KEY" in result.stderr

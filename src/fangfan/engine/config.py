"""Configuration from the environment, through small typed helpers that fail loudly.

Defaults run with no services at all: data under ./var, SQLite for the web app.

| variable | meaning | default |
|---|---|---|
| FANGFAN_HOME | where snapshots, runs and reports are kept | ./var |
| FANGFAN_HEADER_SYNONYMS | an office's extra header synonyms (TOML) | none |
| FANGFAN_REGION | the region set the engine works on: longnan or gansu (engine/regions.py) | longnan |
"""

from __future__ import annotations

import os
from pathlib import Path


class ConfigError(ValueError):
    """A setting in the environment has a value we cannot use."""


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"环境变量 {name} 应为整数，实际为 {raw!r}") from None


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"环境变量 {name} 应为 true 或 false，实际为 {raw!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_path(name: str, default: Path | None) -> Path | None:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return Path(raw).expanduser()


def home() -> Path:
    """The data folder: snapshots/, runs/ and reports/ live under it."""
    path = env_path("FANGFAN_HOME", Path("var"))
    assert path is not None
    return path.resolve()


def snapshots_dir() -> Path:
    return home() / "snapshots"

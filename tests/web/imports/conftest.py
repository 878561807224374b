"""Fixtures for the imports tests: a small generated city, a data folder per test, the cast.

The city (120 households, seed 11) is generated once per session; each test that needs a
published run loads it as the office's input set in its own FANGFAN_HOME (`baseline`).

The cast, in the small 陇南市 of `fangfan.web.accounts.testing`:
- 陈市办, the city office: uploads the national registry's exports;
- 刘学籍, the city's school-roll officer: uploads the school roll, for the whole city;
- 杨礼县学籍, 礼县's school-roll officer: uploads 礼县's school roll;
- 王礼县, 礼县's county office: reads 礼县's uploads, sends none;
- 赵武都, 武都区's county office: sees nothing of 礼县's;
- 孙督查, the city's inspector: reads, never sends;
- 李乡镇 and 周村队, a township and a village team: no business with uploads.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fangfan.web.accounts.models import User
from fangfan.web.accounts.testing import make_regions, make_user

AS_OF = dt.date(2026, 10, 31)
NOT_EXPORTS = {"ground_truth.csv", "generate.json"}


@pytest.fixture(scope="session")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated city's export files (registry and all 13 feeds), as CSV."""
    from fangfan.engine.synth import generate_dataset

    folder = tmp_path_factory.mktemp("exports")
    generate_dataset(folder, 120, 11, as_of=AS_OF)
    for name in NOT_EXPORTS:
        (folder / name).unlink()
    return folder


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any) -> Path:
    """A fresh FANGFAN_HOME, with uploaded files kept under it."""
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("FANGFAN_HOME", str(folder))
    settings.MEDIA_ROOT = folder / "media"
    return folder


@pytest.fixture
def baseline(home: Path, exports: Path) -> Iterator[Any]:
    """The generated city as the office's current set, imported, screened and published."""
    from fangfan.engine.progress import SilentProgress
    from fangfan.web.imports.processing import load_folder

    yield load_folder(exports, sorted(exports.iterdir()), as_of=AS_OF, progress=SilentProgress())


@pytest.fixture
def cast(db: None) -> dict[str, User]:
    make_regions()
    return {
        "city": make_user("city", "621200", username="陈市办"),
        "school": make_user("department", "621200", username="刘学籍", department="school_roll"),
        "county_school": make_user("department", "621226", username="杨礼县学籍", department="school_roll"),
        "county": make_user("county", "621226", username="王礼县"),
        "other_county": make_user("county", "621202", username="赵武都"),
        "inspector": make_user("inspector", "621200", username="孙督查"),
        "township": make_user("township", "621226100", username="李乡镇"),
        "village": make_user("village", "621226100201", username="周村队"),
    }


def copy_export(exports: Path, name: str, target: Path) -> Path:
    """One export file copied to `target` (a folder), to be changed and uploaded."""
    target.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(exports / name, target / name))

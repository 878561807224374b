"""The clean registry every hostile file is imported beside: 20 generated households."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from fangfan.engine.synth import generate_dataset

    folder = tmp_path_factory.mktemp("generated")
    generate_dataset(folder, 20, 11, as_of=dt.date(2026, 10, 31))
    return folder

"""Memory stays bounded on hostile files: `fangfan import` in a child process, its peak measured.

The peak is `bench.measure`'s: the larger of wait4's and the process tree's summed RSS.
- Two zip bombs (1 GB of sheet XML in 1 MB; one whose zip declares 4 KB for it) beside a
  clean registry: both refused by name from the zip's directory, before anything is
  inflated. Bound: 400 MB (the interpreter, Polars and the registry). calamine, left to
  read the lying one, holds its whole gigabyte (1,042 MB measured, 2026-12-06).
- A 100 MB school roll (1.3 million pupils) beside the registry: imported whole.
  Bound: 1.5 GB.
The bounds are in docs/reliability.md.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest
from bench.measure import run_captured

from hostile.corpus import HUNDRED_MB, REGISTRY, WIDE, hundred_megabytes, lying_bomb, zip_bomb

BOMB_BOUND_MB = 400
CSV_BOUND_MB = 1536
IMPORT = [sys.executable, "-c", "from fangfan.cli import main; main()", "import"]


def _folder(tmp_path: Path, registry: Path) -> Path:
    folder = tmp_path / "导出"
    folder.mkdir()
    for name in REGISTRY:
        shutil.copy(registry / name, folder / name)
    return folder


@pytest.mark.slow
def test_zip_bombs_are_refused_before_inflating_in_bounded_memory(registry: Path, tmp_path: Path) -> None:
    folder = _folder(tmp_path, registry)
    bombs = [zip_bomb(folder), lying_bomb(folder)]
    measured, output = run_captured(
        "import beside two zip bombs",
        [*IMPORT, str(folder)],
        env={"FANGFAN_HOME": str(tmp_path / "home"), **WIDE},
    )
    text = re.sub(r"\s*\n\s*", "", output)
    for bomb in bombs:
        assert f"未导入：{bomb.name}：" in text, text
    assert measured.peak_rss_mb < BOMB_BOUND_MB, measured


@pytest.mark.slow
def test_a_100_mb_csv_is_imported_whole_in_bounded_memory(registry: Path, tmp_path: Path) -> None:
    folder = _folder(tmp_path, registry)
    roll = hundred_megabytes(folder)
    assert roll.stat().st_size >= HUNDRED_MB
    lines = sum(block.count(b"\n") for block in _blocks(roll))
    measured, output = run_captured(
        "import a 100 MB CSV", [*IMPORT, str(folder)], env={"FANGFAN_HOME": str(tmp_path / "home"), **WIDE}
    )
    assert f"{lines - 1:,}" in output, output  # every pupil, the header aside
    assert measured.peak_rss_mb < CSV_BOUND_MB, measured


def _blocks(path: Path) -> list[bytes]:
    with path.open("rb") as stream:
        return list(iter(lambda: stream.read(16 * 1024 * 1024), b""))

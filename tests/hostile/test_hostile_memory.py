"""Memory stays bounded on hostile files: `fangfan import` in a child process, its peak measured.

The peak is the child's VmHWM as it exits (`SCRIPT`); `bench.measure` times it.
- Three zip bombs beside a clean registry (1 GB of sheet XML in 1 MB; the same declaring
  4 KB for it; 2.5 GB in 2.5 MB declaring a plausible 50 MB): all refused by name, the
  first two from the zip's directory, the third unpacked in 16 MB blocks, counted and
  stopped past its declared size. Bound: 400 MB (the interpreter, Polars and the registry). calamine, left to
  read the lying one, holds its whole gigabyte (1,042 MB measured, 2026-12-06).
- A 100 MB school roll (1.77 million pupils) beside the registry: imported whole.
  Bound: 1.5 GB.
- The same roll with every ID bad (born 2010-00-00): 1.77 million problems, each in the
  snapshot's problem list and, up to what Excel holds, in the report. Bound: 1.5 GB and
  120 s. Before the report's rows were spliced in as XML (`ingest.report`) and the
  problems taken field by field (`validate._field_problems`): 513 s and 2.3 GB.
The bounds are in docs/reliability.md.
"""

from __future__ import annotations

import re
import shutil
import sys
import zipfile
from pathlib import Path

import polars as pl
import pytest
from bench.measure import run_captured

from hostile.corpus import (
    HUNDRED_MB,
    REGISTRY,
    WIDE,
    hundred_megabytes,
    hundred_megabytes_of_bad_ids,
    lying_bomb,
    plausible_liar,
    zip_bomb,
)

BOMB_BOUND_MB = 400
CSV_BOUND_MB = 1536
BAD_CSV_BOUND_SECONDS = 120  # the good roll's import takes 10–25 s, by the machine's load
EXCEL_ROWS = 1_048_576
# The child's own peak, its VmHWM as it exits: wait4's maximum would also hold the high-water
# mark of the pytest worker it was started from (vfork shares the worker's memory until exec,
# and Linux keeps that mark), 450 MB after a few tests.
PEAK = re.compile(r"VmHWM:\s+(\d+) kB")
SCRIPT = """
import atexit, re
atexit.register(lambda: print(re.search(r"VmHWM:.*", open("/proc/self/status").read()).group(0)))
from fangfan.cli import main
main()
"""
IMPORT = [sys.executable, "-c", SCRIPT, "import"]


def _folder(tmp_path: Path, registry: Path) -> Path:
    folder = tmp_path / "导出"
    folder.mkdir()
    for name in REGISTRY:
        shutil.copy(registry / name, folder / name)
    return folder


@pytest.mark.slow
def test_zip_bombs_are_refused_before_inflating_in_bounded_memory(registry: Path, tmp_path: Path) -> None:
    folder = _folder(tmp_path, registry)
    bombs = [zip_bomb(folder), lying_bomb(folder), plausible_liar(folder)]
    measured, output = run_captured(
        "import beside three zip bombs",
        [*IMPORT, str(folder)],
        env={"FANGFAN_HOME": str(tmp_path / "home"), **WIDE},
    )
    text = re.sub(r"\s*\n\s*", "", output)
    for bomb in bombs:
        assert f"未导入：{bomb.name}：" in text, text
    assert _peak_mb(output) < BOMB_BOUND_MB, (measured, _peak_mb(output))


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
    assert _peak_mb(output) < CSV_BOUND_MB, (measured, _peak_mb(output))


@pytest.mark.slow
def test_a_100_mb_csv_whose_every_id_is_bad_is_explained_row_by_row_in_bounded_time_and_memory(
    registry: Path, tmp_path: Path
) -> None:
    folder = _folder(tmp_path, registry)
    roll = hundred_megabytes_of_bad_ids(folder)
    pupils = sum(block.count(b"\n") for block in _blocks(roll)) - 1
    home = tmp_path / "home"
    measured, output = run_captured(
        "import a 100 MB CSV of bad IDs", [*IMPORT, str(folder)], env={"FANGFAN_HOME": str(home), **WIDE}
    )
    assert re.search(rf"身份证号中的出生日期不存在\s*│\s*ID_BIRTH_DATE\s*│\s*{pupils:,}", output), output
    problems = pl.read_parquet(next(home.glob("snapshots/*/problems.parquet")))
    assert problems.height == pupils
    assert problems.select(pl.col("row").n_unique()).item() == pupils  # every row, once
    first = problems.row(0, named=True)
    assert (first["file"], first["row"], first["column"]) == (roll.name, 2, "身份证号")
    assert first["message"] == "身份证号中的出生日期不存在"
    shown, last_line = _report_rows(next(home.glob("reports/导入问题报告-*.xlsx")))
    assert shown == EXCEL_ROWS - 3  # the header and the line saying how many more
    assert f"（另有 {pupils - shown} 条未列出，见快照中的 problems.parquet）" in last_line
    assert measured.seconds < BAD_CSV_BOUND_SECONDS, measured
    assert _peak_mb(output) < CSV_BOUND_MB, (measured, _peak_mb(output))


def _report_rows(report: Path) -> tuple[int, str]:
    """How many problems the report's 导入问题 sheet lists, and its last row's XML."""
    rows, tail = 0, b""
    with zipfile.ZipFile(report) as archive, archive.open("xl/worksheets/sheet1.xml") as sheet:
        for block in iter(lambda: sheet.read(16 * 1024 * 1024), b""):
            rows += block.count(b"<row ")
            tail = (tail + block)[-4096:]
    last = tail.decode(errors="ignore").rsplit("<row ", 1)[-1]
    return rows - 2, last


def _blocks(path: Path) -> list[bytes]:
    with path.open("rb") as stream:
        return list(iter(lambda: stream.read(16 * 1024 * 1024), b""))


def _peak_mb(output: str) -> float:
    found = PEAK.search(output)
    assert found is not None, output
    peak = int(found.group(1)) / 1024
    print(
        f"    the child's own peak (VmHWM): {peak:,.0f} MB", flush=True
    )  # the figure docs/reliability.md gives
    return peak

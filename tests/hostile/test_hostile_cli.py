"""Every file of the hostile corpus through `fangfan import` (issue 20, part 1).

Each case twice:
- beside a small clean registry (20 households): the import succeeds; the hostile file is
  either imported (its three pupils, names exact) or named in the command's output with
  a Chinese reason, and nothing of it reaches the snapshot;
- alone, after a first good import: the command fails in Chinese (a school roll is no
  registry), and the snapshot store is byte for byte as it was: no half-written snapshot.
No traceback, no library's English, in either.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from fangfan.cli import main
from fangfan.engine.snapshot import SnapshotStore
from hostile.corpus import CASES, QUOTED_BAD_ID, REGISTRY, WIDE, Case, quoted


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "home"
    monkeypatch.setenv("FANGFAN_HOME", str(folder))
    return folder


def store_state(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under the store with its size and modification time."""
    return {
        str(path.relative_to(root)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def flat(output: str) -> str:
    return re.sub(r"\s*\n\s*", "", output)


def assert_no_crash(output: str, exception: BaseException | None) -> None:
    assert exception is None or isinstance(exception, SystemExit), repr(exception)
    assert "Traceback" not in output and "Error" not in output and "calamine" not in output, output


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_hostile_file_is_imported_or_named_with_a_chinese_reason_and_never_half_written(
    case: Case, registry: Path, home: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "导出"
    folder.mkdir()
    for name in REGISTRY:
        shutil.copy(registry / name, folder / name)
    path = case.build(folder)

    outcome = CliRunner(env=WIDE).invoke(main, ["import", str(folder)])

    assert_no_crash(outcome.output, outcome.exception)
    assert outcome.exit_code == 0, outcome.output
    snapshot = SnapshotStore().latest()
    present = [name for name in ("school_roll", "disability") if name in snapshot.manifest["tables"]]
    sent = pl.concat(
        [snapshot.read(name).filter(pl.col("_file") == path.name).select("name") for name in present]
        or [pl.DataFrame({"name": []}, schema={"name": pl.String})]
    )
    text = flat(outcome.output)
    if case.imported:
        assert sent.height == (case.rows or 3), text
        assert set(case.names) <= set(sent["name"].to_list())
        assert f"未导入：{path.name}：" not in text  # a hidden sheet may be named, the file not
    else:
        assert sent.height == 0
        assert f"未导入：{path.name}" in text
        for words in case.refusal:
            assert words in text, text

    # The same file alone: no registry, so nothing to import; the store is left exactly as it was.
    alone = tmp_path / "单独"
    alone.mkdir()
    shutil.move(path, alone / path.name)
    before = store_state(SnapshotStore().root)
    refused = CliRunner(env=WIDE).invoke(main, ["import", str(alone)])
    assert_no_crash(refused.output, refused.exception)
    assert refused.exit_code == 1 and "导入失败" in refused.output, refused.output
    assert store_state(SnapshotStore().root) == before


def test_a_problem_below_a_cell_with_a_line_break_names_the_row_excel_shows(
    registry: Path, home: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "导出"
    folder.mkdir()
    for name in REGISTRY:
        shutil.copy(registry / name, folder / name)
    path = quoted(folder)
    outcome = CliRunner(env=WIDE).invoke(main, ["import", str(folder)])
    assert outcome.exit_code == 0, outcome.output
    problems = SnapshotStore().latest().read("problems").filter(pl.col("file") == path.name)
    assert problems.select("row", "column", "value", "code").rows() == [
        (4, "身份证号", QUOTED_BAD_ID, "ID_CHECK_DIGIT")
    ]

"""The importer against the generator's ground truth: every planted import problem, nothing else.

`fangfan generate --messy` writes office-style files (title rows, blank and totals
rows, synonyms, number-cell IDs, GB18030 CSV, every date form) and
`ground_truth.csv`, whose rows with an import_code say exactly which
(file, sheet, row, code) the importer must report.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from fangfan.engine.ingest import ImportResult, import_directory
from fangfan.engine.snapshot import SnapshotStore
from fangfan.engine.synth import generate_dataset

pytestmark = pytest.mark.slow

AS_OF = dt.date(2026, 10, 31)
KEY = ["file", "sheet", "row", "code"]


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ImportResult]:
    folder = tmp_path_factory.mktemp("messy")
    generate_dataset(folder / "in", 3_000, 11, messy=True, as_of=AS_OF)
    store = SnapshotStore(folder / "home" / "snapshots")
    return folder / "in", import_directory(folder / "in", store=store, as_of=AS_OF)


def _reported(result: ImportResult) -> pl.DataFrame:
    return result.problems.filter(pl.col("row").is_not_null()).select(KEY).unique()


def _planted(folder: Path) -> pl.DataFrame:
    truth = pl.read_csv(folder / "ground_truth.csv", infer_schema=False)
    planted = truth.filter(pl.col("import_code").is_not_null() & (pl.col("import_code") != ""))
    return planted.select(
        "file",
        pl.col("sheet").fill_null(""),
        pl.col("row").cast(pl.Int64),
        pl.col("import_code").alias("code"),
    ).unique()


def test_importer_reports_nothing_the_generator_did_not_plant(messy: tuple[Path, ImportResult]) -> None:
    folder, result = messy
    extra = _reported(result).join(_planted(folder), on=KEY, how="anti")
    assert extra.height == 0, extra.sort(KEY)


def test_importer_reports_exactly_the_planted_import_problems(messy: tuple[Path, ImportResult]) -> None:
    folder, result = messy
    reported, planted = _reported(result), _planted(folder)
    assert set(reported.iter_rows()) == set(planted.iter_rows())


def test_the_only_unrecognised_files_are_the_generators_own(messy: tuple[Path, ImportResult]) -> None:
    _, result = messy
    assert {item["file"] for item in result.unrecognised} <= {"ground_truth.csv", "generate.json"}
    assert {"households", "members", "income"} <= {source["table"] for source in result.sources}

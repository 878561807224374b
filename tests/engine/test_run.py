"""`fangfan run`: the monthly command, from export folder to findings, report and ledgers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from fangfan.cli import main
from fangfan.engine import regions
from fangfan.engine.synth import generate_dataset

REGISTRY_FILES = ("户信息.csv", "成员信息.csv", "收入信息.csv")


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("exports")
    generate_dataset(folder, 1_200, 21, messy=False)
    return folder


def _run(input_dir: Path, out: Path, home: Path) -> str:
    arguments = ["run", str(input_dir), "--out", str(out), "--as-of", "2026-10-31"]
    result = CliRunner().invoke(main, arguments, env={"FANGFAN_HOME": str(home), "COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    return result.output


def test_run_writes_findings_report_and_a_ledger_per_county(exports: Path, tmp_path: Path) -> None:
    output = _run(exports, tmp_path / "out", tmp_path / "home")
    findings_csv = tmp_path / "out" / "findings.csv"
    assert findings_csv.read_bytes().startswith("\ufeff".encode())
    findings = pl.read_csv(findings_csv, infer_schema=False)
    assert findings.height > 0
    for column in ("run_id", "household_id", "id_number", "village_code", "rule_code", "category", "veto"):
        assert column in findings.columns
    assert (tmp_path / "out" / "导入问题报告.xlsx").exists()
    ledgers = sorted((tmp_path / "out" / "台账").glob("*问题台账.xlsx"))
    counties = set(findings["village_code"].str.slice(0, 6).unique())
    assert len(ledgers) == len(counties)
    townships = regions.townships()
    for ledger in ledgers:
        sheets = CalamineWorkbook.from_path(str(ledger)).sheet_names
        assert sheets[0] == "汇总"
        assert all(any(t.name[:31] == sheet for t in townships.values()) for sheet in sheets[1:])
    summary = json.loads((tmp_path / "out" / "运行摘要.json").read_text("utf-8"))
    assert summary["findings"] == findings.height
    assert summary["absent_tables"] == []
    assert "问题台账" in output


def test_a_folder_with_only_the_registry_runs_and_names_the_absent_feeds(
    exports: Path, tmp_path: Path
) -> None:
    registry_only = tmp_path / "registry"
    registry_only.mkdir()
    for name in REGISTRY_FILES:
        shutil.copy(exports / name, registry_only / name)
    output = _run(registry_only, tmp_path / "out", tmp_path / "home")
    summary = json.loads((tmp_path / "out" / "运行摘要.json").read_text("utf-8"))
    assert "school_roll" in summary["absent_tables"] and len(summary["absent_tables"]) == 13
    assert "本次未提供的部门数据" in output and "学籍信息" in output

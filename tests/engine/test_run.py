"""`fangfan run`: the monthly command, from export folder to findings, report and ledgers."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from fangfan.cli import main
from fangfan.engine import regions
from fangfan.engine.ledger import MASKED_NOTE, prepare_ledger_rows
from fangfan.engine.link.run import LinkResult
from fangfan.engine.monitoring.candidates import candidate_rows
from fangfan.engine.monitoring.run import MonitoringResult
from fangfan.engine.pipeline import _registry_shown
from fangfan.engine.screen import ScreenResult
from fangfan.engine.snapshot import SnapshotStore
from fangfan.engine.synth import generate_dataset

REGISTRY_FILES = ("户信息.csv", "成员信息.csv", "收入信息.csv")


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("exports")
    generate_dataset(folder, 1_200, 21, messy=False)
    return folder


def _run(input_dir: Path, out: Path, home: Path, *options: str) -> str:
    arguments = ["run", str(input_dir), "--out", str(out), "--as-of", "2026-10-31", *options]
    result = CliRunner().invoke(main, arguments, env={"FANGFAN_HOME": str(home), "COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def ran(exports: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One `fangfan run` over the exports: (its folder, holding out/ and home/; its output).

    The run never reads the links whole (the city's 7.86 million rows are 1.1 GB as a
    frame): each step scans links.parquet for its columns and rows, so here reading them
    whole fails the run.
    """
    folder = tmp_path_factory.mktemp("ran")

    def whole(_: LinkResult) -> pl.DataFrame:
        raise AssertionError("fangfan run read every link into memory")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(LinkResult, "links", property(whole))
        return folder, _run(exports, folder / "out", folder / "home")


def test_run_writes_findings_report_and_a_ledger_per_county(ran: tuple[Path, str]) -> None:
    tmp_path, output = ran
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
        names = {t.name[:31] for t in townships.values()}
        for sheet in sheets[1:]:
            assert sheet in names or (sheet.endswith("数据比对") and sheet.removesuffix("数据比对") in names)
    summary = json.loads((tmp_path / "out" / "运行摘要.json").read_text("utf-8"))
    assert summary["findings"] == findings.height
    assert summary["absent_tables"] == []
    assert "问题台账" in output


def _sheet_rows(path: Path, sheet: str) -> list[dict[str, str]]:
    """Rows of a ledger sheet as {header: text}; row 1 is the title, row 2 the headers."""
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()
    headers = [str(h) for h in rows[1]]
    return [dict(zip(headers, (str(v) for v in row), strict=True)) for row in rows[2:]]


def test_ledgers_gain_a_comparison_sheet_per_township_with_both_sides(ran: tuple[Path, str]) -> None:
    tmp_path, _ = ran
    summary = json.loads((tmp_path / "out" / "运行摘要.json").read_text("utf-8"))
    run_dir = tmp_path / "home" / "runs" / summary["run_id"]
    expected = pl.read_parquet(run_dir / "reconciliation.parquet")
    assert expected.height == summary["reconciliation_findings"] > 0
    written = []
    for ledger in (tmp_path / "out" / "台账").glob("*问题台账.xlsx"):
        for sheet in CalamineWorkbook.from_path(str(ledger)).sheet_names:
            if sheet.endswith("数据比对"):
                written += _sheet_rows(ledger, sheet)
    assert len(written) == expected.height
    for row in written:
        assert row["系统登记"] and row["部门数据"] and row["数据来源"], row
        assert row["部门数据"].startswith(row["数据来源"].split("、")[0] + "·"), row
    # Every rule in the sheets reads a registry column and a department column.
    assert {row["规则编号"] for row in written} <= set(expected["rule_code"].to_list())
    assert not {"FC-001", "INC-001", "MON-001"} & {row["规则编号"] for row in written}


def test_workbooks_handed_down_to_townships_carry_no_whole_id_number_and_say_so(
    ran: tuple[Path, str],
) -> None:
    tmp_path, output = ran
    findings = pl.read_csv(tmp_path / "out" / "findings.csv", infer_schema=False)
    whole = set(findings["id_number"].drop_nulls().to_list())
    assert whole
    handed_down = [
        path
        for folder in ("台账", "部门筛查预警", "防返贫监测")
        for path in sorted((tmp_path / "out" / folder).glob("*.xlsx"))
    ]
    assert handed_down and not any("含完整身份证号" in path.name for path in handed_down)
    for path in handed_down:
        workbook = CalamineWorkbook.from_path(str(path))
        cells = [
            str(cell)
            for name in workbook.sheet_names
            for row in workbook.get_sheet_by_name(name).to_python()
            for cell in row
        ]
        assert not whole & set(re.findall(r"\d{17}[\dX]", "\n".join(cells))), path.name
        assert MASKED_NOTE in cells, path.name
    assert "已脱敏" in output


def test_department_warnings_come_out_per_township_for_cadres_to_verify(ran: tuple[Path, str]) -> None:
    tmp_path, output = ran
    summary = json.loads((tmp_path / "out" / "运行摘要.json").read_text("utf-8"))
    warnings = pl.read_parquet(tmp_path / "home" / "runs" / summary["run_id"] / "warnings.parquet")
    assert warnings.height == summary["warning_findings"] > 0
    lists = sorted((tmp_path / "out" / "部门筛查预警").glob("*部门筛查预警清单.xlsx"))
    assert len(lists) == warnings["county_code"].n_unique()
    townships = regions.townships()
    rows = []
    for path in lists:
        sheets = CalamineWorkbook.from_path(str(path)).sheet_names
        assert sheets[0] == "汇总"
        for sheet in sheets[1:]:
            assert any(t.name[:31] == sheet for t in townships.values())
            rows += _sheet_rows(path, sheet)
    assert len(rows) == warnings.height
    assert all(row["预警部门"] and row["核实情况"] == "" for row in rows)
    assert {row["预警类型"] for row in rows} == set(warnings["rule_name"].to_list())
    assert "部门筛查预警清单" in output


def test_linkage_counts_and_report_are_written(ran: tuple[Path, str]) -> None:
    tmp_path, _ = ran
    summary = json.loads((tmp_path / "out" / "运行摘要.json").read_text("utf-8"))
    counts = summary["linkage"]
    parts = counts["exact"] + counts["probabilistic"] + counts["unlinked"] + counts["ambiguous"]
    assert parts == counts["feed_rows"] > 0
    assert (tmp_path / "out" / summary["linkage_report"]).exists()
    links = pl.read_parquet(next((tmp_path / "home" / "derived").glob("*/links.parquet")))
    linked = links.filter(pl.col("status") == "linked")
    assert counts == {
        "feed_rows": links.height,
        "exact": linked.filter(pl.col("method") != "probabilistic").height,
        "probabilistic": linked.filter(pl.col("method") == "probabilistic").height,
        "unlinked": links.filter(pl.col("status") == "unlinked").height,
        "ambiguous": links.filter(pl.col("status") == "ambiguous").height,
    }


def test_the_county_workbooks_read_only_the_registry_rows_they_list_and_name_them_as_before(
    ran: tuple[Path, str],
) -> None:
    """The ledgers, warning and candidate lists read the households and members they list,
    not the whole registry: the rows they write are those the whole registry gives."""
    tmp_path, _ = ran
    home = tmp_path / "home"
    snapshot = SnapshotStore(home / "snapshots").latest()
    run = next((home / "runs").iterdir())
    frames = {
        name: pl.read_parquet(run / f"{name}.parquet") for name in ("findings", "reconciliation", "warnings")
    }
    monitoring = MonitoringResult(
        pl.read_parquet(run / "monitoring_signals.parquet"),
        pl.read_parquet(run / "monitoring_households.parquet"),
        None,
    )
    screened = ScreenResult(
        run.name,
        frames["findings"],
        {},
        pl.DataFrame(),
        pl.DataFrame(),
        reconciliation=frames["reconciliation"],
        warnings=frames["warnings"],
        monitoring=monitoring,
    )
    shown = _registry_shown(snapshot, screened)
    whole = (
        snapshot.read("households").select("household_id", "head_name", "household_type"),
        snapshot.read("members").select("household_id", "id_number", "name"),
        snapshot.read("villages"),
    )
    assert 0 < shown[1].height < whole[1].height and shown[0].height < whole[0].height
    for frame in frames.values():
        assert frame.height > 0
        assert prepare_ledger_rows(frame, *shown).equals(prepare_ledger_rows(frame, *whole))
    households, signals = monitoring.households, monitoring.signals
    assert households["is_candidate"].any()
    assert candidate_rows(households, signals, shown[0], shown[2]).equals(
        candidate_rows(households, signals, whole[0], whole[2])
    )


STEPS = (
    "import",
    "link",
    "screen",
    "registry_shown",
    "linkage_report",
    "findings_csv",
    "import_report",
    "warning_lists",
    "monitoring_lists",
    "ledgers",
    "total",
)
BESIDE = ("ledgers",)  # written by a helper process while the steps after registry_shown run


def test_each_step_is_measured_in_the_summary_and_on_whole_progress_lines(ran: tuple[Path, str]) -> None:
    """CliRunner's output is not a terminal: plain whole lines, each finished step with its time."""
    tmp_path, output = ran
    steps = json.loads((tmp_path / "out" / "运行摘要.json").read_text("utf-8"))["steps"]
    assert tuple(steps) == STEPS
    for name, figures in steps.items():
        assert set(figures) == {"wall_seconds", "cpu_seconds", "peak_mb"}, name
        assert figures["wall_seconds"] >= 0 and figures["cpu_seconds"] >= 0 and figures["peak_mb"] > 0, name
    assert steps["import"]["wall_seconds"] > 0 and steps["link"]["cpu_seconds"] > 0
    in_turn = sum(
        figures["wall_seconds"] for name, figures in steps.items() if name not in ("total", *BESIDE)
    )
    assert in_turn <= steps["total"]["wall_seconds"] + 0.1
    assert all(steps[name]["wall_seconds"] <= steps["total"]["wall_seconds"] for name in BESIDE)
    assert steps["total"]["peak_mb"] >= max(figures["peak_mb"] for figures in steps.values())
    lines = output.splitlines()
    figures_line = r"{} 完成 用时 [\d,]+\.\d 秒，CPU [\d,]+\.\d 秒，内存峰值 [\d,]+ MB"
    for title in ("导入", "匹配部门数据", "筛查", "写出各县问题台账", "写出防返贫监测候选清单"):
        assert f"{title} 开始" in lines
        assert sum(bool(re.fullmatch(figures_line.format(title), line)) for line in lines) == 1, title
    assert any(re.fullmatch(r"读取文件 完成 用时 [\d,]+\.\d 秒", line) for line in lines)
    assert not any(re.search(r"\b0:\d\d\b", line) for line in lines)  # no live display's clock


def test_a_drop_out_under_a_mistyped_id_is_still_found_and_says_how_it_was_matched(
    exports: Path, tmp_path: Path
) -> None:
    """The school roll writes a drop-out's ID with two digits swapped: linked, the
    conflict with the registry is found; joined on the ID as written, it is not."""
    data = tmp_path / "data"
    shutil.copytree(exports, data)
    truth = pl.read_csv(data / "ground_truth.csv", infer_schema=False)
    roll = pl.read_csv(data / "学籍信息.csv", infer_schema=False)
    dropped = truth.filter(pl.col("kind") == "CHILD_DROPPED_OUT_SCHOOL_ROLL")["id_number"].to_list()
    target = next(
        n
        for n in dropped
        if n[14] != n[15]
        and roll.filter((pl.col("身份证号") == n) & (pl.col("学籍状态") == "辍学")).height == 1
    )
    mistyped = target[:14] + target[15] + target[14] + target[16:]
    roll.with_columns(pl.col("身份证号").replace(target, mistyped)).write_csv(data / "学籍信息.csv")
    home = tmp_path / "home"
    # The office that corrects the national system asks for whole numbers.
    output = _run(data, tmp_path / "out", home, "--full-id")
    assert "含完整身份证号" in output
    findings = pl.read_csv(tmp_path / "out" / "findings.csv", infer_schema=False)
    assert findings.filter((pl.col("rule_code") == "EDU-002") & (pl.col("id_number") == target)).height == 1
    assert findings.filter((pl.col("rule_code") == "EDU-003") & (pl.col("id_number") == target)).height == 0
    compared = [
        row
        for ledger in (tmp_path / "out" / "台账").glob("*（含完整身份证号）.xlsx")
        for sheet in CalamineWorkbook.from_path(str(ledger)).sheet_names
        if sheet.endswith("数据比对")
        for row in _sheet_rows(ledger, sheet)
        if row["身份证号"] == target and row["规则编号"] == "EDU-002"
    ]
    assert len(compared) == 1
    assert mistyped in compared[0]["部门记录匹配情况"] and "概率匹配" in compared[0]["部门记录匹配情况"]
    # The same snapshot screened on the IDs as written misses the drop-out and
    # reports the child as missing from the roll instead.
    result = CliRunner().invoke(main, ["screen", "--no-link"], env={"FANGFAN_HOME": str(home)})
    assert result.exit_code == 0, result.output
    latest = max((home / "runs").iterdir(), key=lambda p: p.stat().st_mtime)
    unlinked = pl.read_parquet(latest / "findings.parquet").filter(pl.col("id_number") == target)
    assert "EDU-002" not in unlinked["rule_code"].to_list()
    assert "EDU-003" in unlinked["rule_code"].to_list()


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

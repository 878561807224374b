"""`fangfan assess sample|estimate|size` as an office runs them (issue 16).

The snapshot holds 礼县 (true 错退率 3 %) and 武都区 (0.5 %), planted in memory
(`simulate.planted_population`); the office draws the national sample, "visits" every
household by copying its true answers into the sample file, and estimates.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from click.testing import CliRunner

from cast import LIXIAN
from fangfan.cli import main
from fangfan.engine.assessment.files import RESULT_HEADERS, SAMPLE_HEADERS
from fangfan.engine.assessment.simulate import planted_population, population_frame
from fangfan.engine.snapshot import SnapshotStore

WUDU = "621202"
ANSWERS = ("wrongly_exited", "should_register", "approves", "aware_count", "policy_count")


@pytest.fixture
def office(tmp_path, monkeypatch):
    monkeypatch.setenv("FANGFAN_HOME", str(tmp_path / "home"))
    rates = {"错退率": (0.03, 0.005), "漏评率": (0.01, 0.01), "认可度": (0.95, 0.95), "知晓率": (0.95, 0.95)}
    planted = planted_population(seed=5, rates=rates, villages_per_county=32, households_per_village=(60, 90))
    frame, _ = population_frame(planted, [LIXIAN, WUDU])
    households = frame.select(
        "household_id",
        "village_code",
        "village_name",
        "household_type",
        exit_year=pl.when(pl.col("exited")).then(pl.lit(2019)),
        household_size="members",
    )
    SnapshotStore(tmp_path / "home" / "snapshots").write(
        {"households": households}, {"source": "cast"}, dt.date(2026, 10, 31)
    )
    return tmp_path, frame


def test_sample_twice_with_one_seed_writes_the_same_households(office):
    tmp_path, _ = office
    runner = CliRunner()
    folder = SnapshotStore(tmp_path / "home" / "snapshots").latest().path
    for name, snapshot in (("a.csv", "newest"), ("b.csv", str(folder))):
        arguments = [
            "--plan",
            "national",
            "--seed",
            "7",
            "--snapshot",
            snapshot,
            "--out",
            str(tmp_path / name),
        ]
        result = runner.invoke(main, ["assess", "sample", *arguments])
        assert result.exit_code == 0, result.output
    assert "国家第三方评估抽样" in result.output and "58 个村" in result.output
    first, second = (pl.read_csv(tmp_path / n, infer_schema=False) for n in ("a.csv", "b.csv"))
    assert first.equals(second)
    assert first.columns[: len(SAMPLE_HEADERS)] == list(SAMPLE_HEADERS.values())
    assert first.height == 2 * 29 * 35


def test_sample_of_an_unknown_snapshot_says_so_in_chinese(office):
    result = CliRunner().invoke(
        main, ["assess", "sample", "--seed", "1", "--snapshot", "nope", "--out", "x.csv"]
    )
    assert result.exit_code != 0 and "快照" in result.output


def test_filled_in_sample_is_estimated_and_shows_each_verdict(office):
    tmp_path, frame = office
    runner = CliRunner()
    sample = tmp_path / "sample.xlsx"
    assert runner.invoke(main, ["assess", "sample", "--seed", "7", "--out", str(sample)]).exit_code == 0
    drawn = pl.read_excel(sample, infer_schema_length=0)
    truth = frame.select("household_id", *ANSWERS).with_columns(
        *(pl.col(c).replace_strict({True: "是", False: "否"}, return_dtype=pl.String) for c in ANSWERS[:3]),
        *(pl.col(c).cast(pl.String) for c in ANSWERS[3:]),
    )
    filled = drawn.drop(*(RESULT_HEADERS[c] for c in ANSWERS)).join(
        truth.rename({c: RESULT_HEADERS[c] for c in ANSWERS}), left_on="户编号", right_on="household_id"
    )
    filled.write_csv(tmp_path / "filled.csv", include_bom=True)
    result = runner.invoke(
        main, ["assess", "estimate", str(tmp_path / "filled.csv"), "--out", str(tmp_path / "estimates.xlsx")]
    )
    assert result.exit_code == 0, result.output
    assert "礼县" in result.output and "全市" in result.output
    estimates = pl.read_excel(tmp_path / "estimates.xlsx")
    lixian = estimates.filter(pl.col("县区代码") == LIXIAN, pl.col("指标") == "错退率").row(0, named=True)
    assert lixian["样本单位数"] > 400
    assert lixian["结论"] in ("不确定", "不达标")  # 3 % is above the bar: never 达标
    assert lixian["95%置信区间下限"] <= lixian["估计值"] <= lixian["95%置信区间上限"]


def test_a_bad_cell_is_named_by_file_row_and_column_and_nothing_is_estimated(office):
    tmp_path, _ = office
    runner = CliRunner()
    sample = tmp_path / "sample.csv"
    assert runner.invoke(main, ["assess", "sample", "--seed", "7", "--out", str(sample)]).exit_code == 0
    drawn = pl.read_csv(sample, infer_schema=False)
    exited_row = drawn.with_row_index().filter(pl.col("已脱贫") == "是")["index"][0]
    bad = drawn.with_columns(
        pl.when(pl.int_range(pl.len()) == exited_row)
        .then(pl.lit("也许"))
        .otherwise(pl.col("是否错退"))
        .alias("是否错退")
    )
    bad.write_csv(tmp_path / "bad.csv", include_bom=True)
    result = runner.invoke(main, ["assess", "estimate", str(tmp_path / "bad.csv")])
    assert result.exit_code != 0
    assert f"bad.csv 第 {exited_row + 2} 行“是否错退”列：“也许”应填“是”或“否”" in result.output
    assert "未导入" in result.output


def test_size_prints_the_size_and_the_margin_a_given_n_buys():
    result = CliRunner().invoke(main, ["assess", "size", "--p", "0.02", "--margin", "0.01", "--n", "1000"])
    assert result.exit_code == 0, result.output
    assert "至少需要 753 个样本单位" in result.output
    assert "1,000" in result.output and "0.87%" in result.output  # 1.96·√(0.02·0.98/1000)


def test_size_refuses_a_proportion_outside_zero_and_one_in_chinese():
    result = CliRunner().invoke(main, ["assess", "size", "--p", "1.5", "--margin", "0.01"])
    assert result.exit_code != 0 and "预计比例应在 0 和 1 之间" in result.output

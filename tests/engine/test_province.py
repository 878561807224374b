"""Gansu as one snapshot (issue 19 part 3): `fangfan generate --province gansu` and the engine on it.

A province of 20,000 households covers every one of Gansu's 14 cities, written one city at a
time (each city appended to the one file per table, the ground truth's rows counted from the
file's top); its villages sit in their real townships; `fangfan run` with FANGFAN_REGION=gansu
finds every ground-truth problem with the Longnan accuracy test's bar
(tests/engine/test_screen_accuracy.py: recall 100% per kind, precision at least 99% per rule)
and writes a ledger for every county of the province that has households. Longnan, the
default, is unchanged: the fingerprints below were recorded from the code before the province
existed (commit 33d1c95), the same files byte for byte.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from fangfan.cli import main
from fangfan.engine import regions
from fangfan.engine.accuracy import measure, read_rule_truth
from fangfan.engine.config import ConfigError
from fangfan.engine.rules import load_catalogue

PROVINCE_HOUSEHOLDS = 20_000
GANSU = regions.region_set("gansu")

# sha256 over every file's relative path and bytes (sorted by path) of
# generate_dataset(out, 1500, 7, messy=…, file_format="csv", as_of=2026-10-31), from 33d1c95.
LONGNAN_FINGERPRINTS = {
    "clean": "72311b85778e673bea560ed99b21e19a76e4dcb6b821e1073b5f8daf5914e141",
    "messy": "f7d2b76c3c3ca38ad3d87c239782391954d4a2c53cedb99db75cfe8eb5e7625a",
}


def _fingerprint(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.mark.slow
@pytest.mark.parametrize("layout", ["clean", "messy"])
def test_longnan_is_generated_byte_for_byte_as_before_the_province(tmp_path: Path, layout: str) -> None:
    import datetime as dt

    from fangfan.engine.synth import generate_dataset

    out = tmp_path / layout
    generate_dataset(out, 1500, 7, messy=layout == "messy", file_format="csv", as_of=dt.date(2026, 10, 31))
    assert _fingerprint(out) == LONGNAN_FINGERPRINTS[layout]


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The province generated and run: data/, out/ (the run's), home/."""
    root = tmp_path_factory.mktemp("province")
    arguments = ["generate", "--province", "gansu", "--households", str(PROVINCE_HOUSEHOLDS)]
    arguments += ["--seed", "19", "--as-of", "2026-10-31", "--out", str(root / "data")]
    generated = CliRunner().invoke(main, arguments, env={"COLUMNS": "160"})
    assert generated.exit_code == 0, generated.output
    assert "FANGFAN_REGION=gansu" in generated.output
    run = ["run", str(root / "data"), "--out", str(root / "out"), "--as-of", "2026-10-31"]
    env = {"FANGFAN_HOME": str(root / "home"), "FANGFAN_REGION": "gansu", "COLUMNS": "160"}
    ran = CliRunner().invoke(main, run, env=env)
    assert ran.exit_code == 0, ran.output
    return root


@pytest.fixture(scope="module")
def households(province: Path) -> pl.DataFrame:
    return pl.read_csv(province / "data" / "户信息.csv", infer_schema=False)


@pytest.mark.slow
def test_the_province_covers_every_city_of_gansu(households: pl.DataFrame) -> None:
    cities = households["行政区划代码"].str.slice(0, 4).unique().to_list()
    assert sorted(f"{code}00" for code in cities) == sorted(GANSU.cities())
    per_city = households.group_by(pl.col("行政区划代码").str.slice(0, 4)).len()
    biggest = per_city.sort("len")[-1, 0]
    assert f"{biggest}00" in ("621100", "621200", "620500")  # 定西, 陇南, 天水: the most rural


@pytest.mark.slow
def test_every_village_sits_in_its_real_township_and_county(households: pl.DataFrame) -> None:
    villages = households.select("行政区划代码", "县(区)", "乡(镇)", "行政村").unique()
    assert villages.height > 14 * 5
    assert villages["行政区划代码"].str.contains(r"^\d{12}$").all()
    townships, counties = GANSU.townships(), GANSU.counties()
    for code, county, township, _ in villages.iter_rows():
        assert code[:9] in townships, code
        assert townships[code[:9]].name == township, code
        assert townships[code[:9]].parent_code == code[:6] and counties[code[:6]].name == county, code
    # A district made only of 街道 (兰州's 城关区) gets no rural households.
    assert not villages["行政区划代码"].str.starts_with("620102").any()


@pytest.mark.slow
def test_people_born_before_2004_carry_their_countys_old_address_code(province: Path) -> None:
    members = pl.read_csv(province / "data" / "成员信息.csv", infer_schema=False)
    old = GANSU.old_area_codes()
    area = members.select(
        county=pl.col("户编号").str.slice(0, 6),
        area=pl.col("证件号码").str.slice(0, 6),
        born=pl.col("证件号码").str.slice(6, 4),
    ).filter(pl.col("born").str.contains(r"^(19|20)\d\d$"))
    older = area.filter(pl.col("born") < "2004")
    dingxi = older.filter(pl.col("county").str.starts_with("6211"))
    assert dingxi.height > 100
    assert (dingxi["area"].str.starts_with("6224")).mean() > 0.8  # 定西地区's codes
    younger = area.filter(pl.col("born") >= "2005")
    assert (younger["area"] == younger["county"]).mean() > 0.95
    known = set(GANSU.counties()) | set(old)
    assert area["area"].is_in(list(known)).mean() > 0.99


@pytest.mark.slow
def test_every_ground_truth_problem_of_the_province_is_found(province: Path) -> None:
    runs = province / "home" / "runs"
    run = max(runs.glob("*/summary.json"), key=lambda p: p.stat().st_mtime).parent
    summary = json.loads((run / "summary.json").read_text("utf-8"))
    findings = pl.read_parquet(run / "findings.parquet")
    truth = read_rule_truth(province / "data" / "ground_truth.csv")
    accuracy = measure(findings, truth, load_catalogue(summary["policy_year"]))
    assert truth.height > 1000 and accuracy.per_kind.height > 30
    missed = accuracy.per_kind.filter(pl.col("recall") < 1.0)
    assert missed.height == 0, f"kinds not all found:\n{missed}"
    imprecise = accuracy.per_rule.filter(pl.col("precision") < 0.99)
    assert imprecise.height == 0, f"rules below 99% precision:\n{imprecise}"


@pytest.mark.slow
def test_the_run_keeps_a_ledger_for_every_county_of_the_province(
    province: Path, households: pl.DataFrame
) -> None:
    summary = json.loads((province / "out" / "运行摘要.json").read_text("utf-8"))
    lived_in = households["行政区划代码"].str.slice(0, 6).unique().to_list()
    assert len(lived_in) >= 85 and set(lived_in) <= set(GANSU.counties())
    assert len(summary["ledgers"]) == len(lived_in)  # 城关区, all 街道 and special units, has none
    ledgers = {path.name for path in (province / "out" / "台账").glob("*问题台账.xlsx")}
    assert {"临夏县问题台账.xlsx", "玛曲县问题台账.xlsx", "礼县问题台账.xlsx"} <= ledgers


@pytest.mark.slow
def test_the_province_written_city_by_city_reads_as_one_file_per_table(province: Path) -> None:
    data = province / "data"
    manifest = json.loads((data / "generate.json").read_text("utf-8"))
    from fangfan.engine.schema import TABLES

    for table, rows in manifest["counts"].items():
        path = data / f"{TABLES[table].title}.csv"
        lines = path.read_text("utf-8").splitlines()
        header = lines[0]
        assert lines.count(header) == 1, f"{path.name}: the header again inside the file"
        assert len(lines) - 1 == rows, path.name
    truth = pl.read_csv(data / "ground_truth.csv", infer_schema=False)
    assert truth["problem_id"].cast(pl.Int64).to_list() == list(range(1, truth.height + 1))
    assert sum(manifest["kinds"].values()) == truth.height
    placed = truth.filter(pl.col("file") != "")
    assert placed.height > 50
    files: dict[str, list[str]] = {}
    for file, row, value in placed.select("file", "row", "value").iter_rows():
        lines = files.setdefault(file, (data / file).read_text("utf-8").splitlines())
        assert value in lines[int(row) - 1], (file, row, value)  # counted from the file's top
    last_city = placed.filter(pl.col("household_id").str.starts_with("6230"))
    assert last_city.height > 0  # 甘南, written last: its rows come after every other city's


def test_the_same_seed_gives_the_same_province_byte_for_byte(tmp_path: Path) -> None:
    import datetime as dt

    from fangfan.engine.synth import generate_dataset

    for name in ("first", "second"):
        generate_dataset(tmp_path / name, 1200, 5, as_of=dt.date(2026, 10, 31), province="gansu")
    assert _fingerprint(tmp_path / "first") == _fingerprint(tmp_path / "second")
    households = pl.read_csv(tmp_path / "first" / "户信息.csv", infer_schema=False)
    assert households.height == 1200 and households["户编号"].n_unique() == 1200
    cities = households["行政区划代码"].str.slice(0, 4).value_counts()
    assert cities.height == 14 and min(cities["count"].to_list()) >= 20  # every city, CITY_FLOOR at least


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--messy"], "只能写成规范的 CSV"),
        (["--format", "xlsx"], "只能写成规范的 CSV"),
        (["--households", "100"], "全省至少要 280 户"),
    ],
)
def test_the_province_refuses_what_it_cannot_write_city_by_city(
    tmp_path: Path, extra: list[str], message: str
) -> None:
    arguments = ["generate", "--province", "gansu", "--out", str(tmp_path / "out"), *extra]
    result = CliRunner().invoke(main, arguments, env={"COLUMNS": "200"})
    assert result.exit_code != 0
    assert message in result.output
    assert not (tmp_path / "out" / "户信息.csv").exists()


def test_the_region_set_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FANGFAN_REGION", raising=False)
    assert len(regions.counties()) == 9 and len(regions.townships()) == 199
    assert regions.old_area_codes()["622628"] == "621226"  # 礼县
    assert "622424" not in regions.old_area_codes()  # 通渭 is not Longnan's
    monkeypatch.setenv("FANGFAN_REGION", "gansu")
    assert len(regions.counties()) == 88 and len(regions.townships()) > 1400
    assert regions.old_area_codes()["622424"] == "621121"
    assert len(GANSU.cities()) == 14
    monkeypatch.setenv("FANGFAN_REGION", "sichuan")
    with pytest.raises(ConfigError, match="未知的区划范围 'sichuan'"):
        regions.counties()


def test_longnan_inside_gansu_is_longnan(monkeypatch: pytest.MonkeyPatch) -> None:
    longnan = regions.region_set("longnan")
    inside = {code: r for code, r in GANSU.townships().items() if code.startswith("6212")}
    assert inside == longnan.townships()
    assert {c: r for c, r in GANSU.counties().items() if c.startswith("6212")} == longnan.counties()

"""Assessment truth: the generator plants wrongful exits, omissions, disapproval and
unawareness at known per-county rates and writes every household's true answers to
`assessment_truth.csv` (docs/assessment.md), so a simulation can score its estimates.

Its random numbers come from their own seed sequence, so the other files stay
byte-identical whether or not this is asked for.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from fangfan.engine.assessment.estimate import MEASURES
from fangfan.engine.assessment.population import REGISTERED_TYPES
from fangfan.engine.assessment.simulate import plant_answers
from fangfan.engine.config import ConfigError

FILE = "assessment_truth.csv"
STREAM = 16  # issue 16: a seed-sequence key no other stream uses


def load_rates(source: str | Path) -> dict[str, Any]:
    """The rates file: `default` (the packaged one) or a path to a TOML file."""
    if str(source) == "default":
        text = resources.files("fangfan.engine.synth").joinpath("assessment_truth.toml").read_text("utf-8")
        where = "assessment_truth.toml"
    else:
        path = Path(source)
        if not path.is_file():
            raise ConfigError(f"找不到考核评估真值文件 {path}")
        text, where = path.read_text(encoding="utf-8"), str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"考核评估真值文件 {where} 格式有误：{error}") from None
    default = data.get("default", {})
    missing = [m for m in MEASURES if m not in default]
    if missing:
        raise ConfigError(f"考核评估真值文件 {where} 的 [default] 缺少：{'、'.join(missing)}")
    for table, rates in data.items():
        if isinstance(rates, dict):
            for measure, value in rates.items():
                if measure not in MEASURES or not 0 <= float(value) <= 1:
                    raise ConfigError(f"考核评估真值文件 {where} 的 [{table}] {measure} = {value} 不对")
    return data


def assessment_truth(
    households: pl.DataFrame, seed: int, rates: dict[str, Any], part: int | None = None
) -> pl.DataFrame:
    """One row per household: its true answers at the rates planted for its county.

    `part` numbers a part of the province generated on its own (a city): its own seed.
    """
    key = [seed, STREAM] if part is None else [seed, STREAM, part]
    rng = np.random.default_rng(np.random.SeedSequence(key))
    frame = households.select("household_id", "village_code", "household_type", "exit_year").sort(
        "household_id"
    )
    county = frame["village_code"].str.slice(0, 6)
    _, village = np.unique(frame["village_code"].to_numpy(), return_inverse=True)
    registered = frame["household_type"].is_in(REGISTERED_TYPES).to_numpy()
    exited = frame["exit_year"].is_not_null().to_numpy()
    per_county = {
        measure: county.replace_strict(
            {
                code: float(table[measure])
                for code, table in rates.items()
                if isinstance(table, dict) and measure in table
            },
            default=float(rates["default"][measure]),
            return_dtype=pl.Float64,
        ).to_numpy()
        for measure in MEASURES
    }
    answers = plant_answers(
        rng, per_county, village, registered, exited, float(rates.get("village_spread", 0.5))
    )
    return pl.DataFrame(
        {
            "household_id": frame["household_id"],
            "county_code": county,
            "village_code": frame["village_code"],
            "registered": registered,
            "exited": exited,
            "wrongly_exited": pl.Series(answers.wrong).fill_nan(None).cast(pl.Boolean),
            "should_register": pl.Series(answers.omitted).fill_nan(None).cast(pl.Boolean),
            "approves": pl.Series(answers.approves).fill_nan(None).cast(pl.Boolean),
            "aware_count": pl.Series(answers.aware).cast(pl.Int64),
            "policy_count": pl.Series(answers.policies).cast(pl.Int64),
        }
    )


def write_assessment_truth(
    out_dir: Path,
    households: pl.DataFrame,
    seed: int,
    source: str | Path,
    part: int | None = None,
    *,
    append: bool = False,
) -> Path:
    """Write `assessment_truth.csv` into `out_dir` and return its path; `append` adds the rows
    of a later `part` (a city of the province) to it."""
    rates = load_rates(source)
    path = out_dir / FILE
    frame = assessment_truth(households, seed, rates, part)
    if append:
        with path.open("ab") as out:
            frame.write_csv(out, include_header=False)
    else:
        frame.write_csv(path)
    return path

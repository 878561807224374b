"""The sieve against the generator's ground truth at county scale (docs/ground_truth.md).

For every kind a rule covers, every ground-truth row of that kind is found (recall
100%), and for every rule at least 99% of its findings sit on a household (or person)
that really has one of the rule's kinds.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from fangfan.engine.rules import Catalogue

HOUSEHOLDS = 20_000
SEED = 2020
AS_OF = dt.date(2026, 10, 31)


def ground_truth_matches(findings: pl.DataFrame, truth: pl.DataFrame, catalogue: Catalogue) -> pl.DataFrame:
    """Each finding with `true` when a ground-truth row of one of its rule's kinds backs it."""
    kinds = pl.DataFrame(
        [(rule.code, kind) for rule in catalogue for kind in rule.kinds],
        schema={"rule_code": pl.String, "kind": pl.String},
        orient="row",
    )
    keyed = findings.select("rule_code", "household_id", "id_number").with_row_index("finding")
    candidates = keyed.join(kinds, on="rule_code").join(truth, on=["kind", "household_id"], suffix="_truth")
    same_person = (pl.col("id_number").is_null() | (pl.col("id_number_truth").fill_null("") == "")) | (
        pl.col("id_number") == pl.col("id_number_truth")
    )
    backed = (
        candidates.filter(same_person).select("finding").unique().with_columns(pl.lit(True).alias("true"))
    )
    return (
        keyed.join(kinds.select("rule_code").unique(), on="rule_code", how="semi")
        .join(backed, on="finding", how="left")
        .with_columns(pl.col("true").fill_null(False))
    )


def missed_truth(findings: pl.DataFrame, truth: pl.DataFrame, catalogue: Catalogue) -> pl.DataFrame:
    """Ground-truth rows of covered kinds that no finding of a covering rule explains."""
    kinds = pl.DataFrame(
        [(rule.code, kind) for rule in catalogue for kind in rule.kinds],
        schema={"rule_code": pl.String, "kind": pl.String},
        orient="row",
    )
    covered = truth.join(kinds.select("kind").unique(), on="kind", how="semi").with_row_index("truth_row")
    found = findings.select("rule_code", "household_id", "id_number").join(kinds, on="rule_code")
    pairs = covered.join(found, on=["kind", "household_id"], suffix="_finding")
    same_person = (pl.col("id_number_finding").is_null() | (pl.col("id_number").fill_null("") == "")) | (
        pl.col("id_number") == pl.col("id_number_finding")
    )
    explained = pairs.filter(same_person).select("truth_row").unique()
    return covered.join(explained, on="truth_row", how="anti")


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> tuple[pl.DataFrame, pl.DataFrame, Catalogue]:
    from fangfan.engine.ingest import import_directory
    from fangfan.engine.rules import load_catalogue
    from fangfan.engine.screen import screen_snapshot
    from fangfan.engine.snapshot import SnapshotStore
    from fangfan.engine.synth import generate_dataset

    root: Path = tmp_path_factory.mktemp("county")
    generate_dataset(root / "data", HOUSEHOLDS, SEED, as_of=AS_OF)
    imported = import_directory(root / "data", store=SnapshotStore(root / "snapshots"), as_of=AS_OF)
    result = screen_snapshot(imported.snapshot, runs_root=root / "runs")
    truth = pl.read_csv(root / "data" / "ground_truth.csv", infer_schema=False).filter(
        pl.col("stage") == "rule"
    )
    truth = truth.select("kind", "household_id", "id_number")
    return result.findings, truth, load_catalogue(result.summary["policy_year"])


@pytest.mark.slow
def test_every_ground_truth_problem_of_a_covered_kind_is_found(
    county: tuple[pl.DataFrame, pl.DataFrame, Catalogue],
) -> None:
    findings, truth, catalogue = county
    missed = missed_truth(findings, truth, catalogue)
    assert missed.height == 0, missed.group_by("kind").len().sort("kind").to_dicts()


@pytest.mark.slow
def test_at_least_99_percent_of_each_rules_findings_are_real_problems(
    county: tuple[pl.DataFrame, pl.DataFrame, Catalogue],
) -> None:
    findings, truth, catalogue = county
    matched = ground_truth_matches(findings, truth, catalogue)
    per_rule = matched.group_by("rule_code").agg(
        pl.len().alias("findings"), pl.col("true").mean().alias("precision")
    )
    poor = per_rule.filter(pl.col("precision") < 0.99).sort("rule_code")
    assert poor.height == 0, poor.to_dicts()

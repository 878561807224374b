"""How well findings match a synthetic dataset's ground truth (docs/ground_truth.md).

Recall: every ground-truth row of a kind some rule covers should be explained by a
finding of a covering rule on the same household (and person, for person-level
rows). Precision: each finding should sit on a household (or person) that really has
one of its rule's kinds. Used by the accuracy tests at county scale and by
`make bench` at city scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from fangfan.engine.rules import Catalogue


@dataclass(frozen=True)
class Accuracy:
    per_rule: pl.DataFrame  # rule_code, findings, false_alarms, precision
    per_kind: pl.DataFrame  # kind, truth_rows, missed, recall

    @property
    def worst_precision(self) -> float:
        return min(self.per_rule["precision"].to_list(), default=1.0)

    @property
    def worst_recall(self) -> float:
        return min(self.per_kind["recall"].to_list(), default=1.0)


def rule_kinds(catalogue: Catalogue) -> pl.DataFrame:
    return pl.DataFrame(
        [(rule.code, kind) for rule in catalogue for kind in rule.kinds],
        schema={"rule_code": pl.String, "kind": pl.String},
        orient="row",
    )


def read_rule_truth(path: Path) -> pl.DataFrame:
    """The rule-stage rows of a ground_truth.csv: kind, household_id, id_number."""
    truth = pl.read_csv(path, infer_schema=False).filter(pl.col("stage") == "rule")
    return truth.select("kind", "household_id", "id_number")


def _same_person(finding_person: str, truth_person: str) -> pl.Expr:
    return (
        pl.col(finding_person).is_null()
        | (pl.col(truth_person).fill_null("") == "")
        | (pl.col(finding_person) == pl.col(truth_person))
    )


def ground_truth_matches(findings: pl.DataFrame, truth: pl.DataFrame, catalogue: Catalogue) -> pl.DataFrame:
    """Each finding of a rule that covers kinds, with `true` when a ground-truth row backs it."""
    kinds = rule_kinds(catalogue)
    keyed = findings.select("rule_code", "household_id", "id_number").with_row_index("finding")
    candidates = keyed.join(kinds, on="rule_code").join(truth, on=["kind", "household_id"], suffix="_truth")
    backed = (
        candidates.filter(_same_person("id_number", "id_number_truth"))
        .select("finding")
        .unique()
        .with_columns(pl.lit(True).alias("true"))
    )
    return (
        keyed.join(kinds.select("rule_code").unique(), on="rule_code", how="semi")
        .join(backed, on="finding", how="left")
        .with_columns(pl.col("true").fill_null(False))
    )


def missed_truth(findings: pl.DataFrame, truth: pl.DataFrame, catalogue: Catalogue) -> pl.DataFrame:
    """Ground-truth rows of covered kinds that no finding of a covering rule explains."""
    kinds = rule_kinds(catalogue)
    covered = truth.join(kinds.select("kind").unique(), on="kind", how="semi").with_row_index("truth_row")
    found = findings.select("rule_code", "household_id", "id_number").join(kinds, on="rule_code")
    pairs = covered.join(found, on=["kind", "household_id"], suffix="_finding")
    explained = pairs.filter(_same_person("id_number_finding", "id_number")).select("truth_row").unique()
    return covered.join(explained, on="truth_row", how="anti")


def measure(findings: pl.DataFrame, truth: pl.DataFrame, catalogue: Catalogue) -> Accuracy:
    """Precision per rule and recall per covered kind."""
    per_rule = (
        ground_truth_matches(findings, truth, catalogue)
        .group_by("rule_code")
        .agg(pl.len().alias("findings"), (~pl.col("true")).sum().alias("false_alarms"))
        .with_columns(precision=1 - pl.col("false_alarms") / pl.col("findings"))
        .sort("rule_code")
    )
    covered = truth.join(rule_kinds(catalogue).select("kind").unique(), on="kind", how="semi")
    missed = missed_truth(findings, truth, catalogue).group_by("kind").agg(pl.len().alias("missed"))
    per_kind = (
        covered.group_by("kind")
        .agg(pl.len().alias("truth_rows"))
        .join(missed, on="kind", how="left")
        .with_columns(pl.col("missed").fill_null(0))
        .with_columns(recall=1 - pl.col("missed") / pl.col("truth_rows"))
        .sort("kind")
    )
    return Accuracy(per_rule=per_rule, per_kind=per_kind)

"""The newest screening run of a FANGFAN_HOME against a dataset's ground truth.

    python -m bench.accuracy HOME GROUND_TRUTH_CSV [--json FILE]

Prints recall per covered kind and precision per rule, the worst of each, and any
rule or kind below the issue's targets (recall 100%, precision 99%).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import polars as pl

from fangfan.engine.accuracy import measure, read_rule_truth
from fangfan.engine.rules import load_catalogue


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.accuracy")
    parser.add_argument("home", type=Path)
    parser.add_argument("ground_truth", type=Path)
    parser.add_argument("--json", type=Path)
    arguments = parser.parse_args()
    run = max((arguments.home / "runs").glob("*/summary.json"), key=lambda p: p.stat().st_mtime).parent
    summary = json.loads((run / "summary.json").read_text("utf-8"))
    findings = pl.read_parquet(run / "findings.parquet")
    accuracy = measure(
        findings, read_rule_truth(arguments.ground_truth), load_catalogue(summary["policy_year"])
    )
    below_precision = accuracy.per_rule.filter(pl.col("precision") < 0.99)["rule_code"].to_list()
    below_recall = accuracy.per_kind.filter(pl.col("recall") < 1.0)["kind"].to_list()
    figures = {
        "findings": findings.height,
        "rules_measured": accuracy.per_rule.height,
        "kinds_measured": accuracy.per_kind.height,
        "truth_rows": int(accuracy.per_kind["truth_rows"].sum()),
        "missed": int(accuracy.per_kind["missed"].sum()),
        "false_alarms": int(accuracy.per_rule["false_alarms"].sum()),
        "worst_precision": accuracy.worst_precision,
        "worst_recall": accuracy.worst_recall,
        "rules_below_99_percent_precision": below_precision,
        "kinds_below_100_percent_recall": below_recall,
    }
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    if arguments.json:
        arguments.json.write_text(json.dumps(figures, ensure_ascii=False), "utf-8")


if __name__ == "__main__":
    main()

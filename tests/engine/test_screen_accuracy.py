"""The sieve against the generator's ground truth at county scale (docs/ground_truth.md).

For every kind a rule covers, every ground-truth row of that kind is found (recall
100%), and for every rule at least 99% of its findings sit on a household (or person)
that really has one of the rule's kinds. One test per kind and per rule, so a failure
names the kind or rule and lists the households concerned. About 20,000 households
(a county). Department rows join the registry person the linker found (`fangfan link`):
the generator's link-level typos sit on conflict rows too, and the definitions read the
row linked to the person (tests/engine/test_reconcile_accuracy.py shows what a join on
the ID as written would miss).
"""

from __future__ import annotations

import polars as pl
import pytest

from fangfan.engine.accuracy import ground_truth_matches, missed_truth, read_rule_truth
from fangfan.engine.rules import Catalogue

from .conftest import COUNTY_AS_OF, CleanCounty


@pytest.fixture(scope="module")
def county(clean_county: CleanCounty) -> tuple[pl.DataFrame, pl.DataFrame, Catalogue]:
    """The session's county (tests/engine/conftest.py): findings, rule-stage truth, catalogue."""
    from fangfan.engine.rules import load_catalogue

    truth = read_rule_truth(clean_county.data / "ground_truth.csv")
    return clean_county.findings, truth, load_catalogue(clean_county.policy_year)


# --- one test per covered kind and per rule ---------------------------------------


POLICY_YEAR = COUNTY_AS_OF.year - 1  # the newer income year: the catalogue the run screens against
SHOWN = 20  # offending households listed in a failure message


def _covering_rules() -> list[tuple[str, tuple[str, ...]]]:
    from fangfan.engine.rules import load_catalogue

    return [(rule.code, tuple(rule.kinds)) for rule in load_catalogue(POLICY_YEAR) if rule.kinds]


def _covered_kinds() -> list[str]:
    return sorted({kind for _, kinds in _covering_rules() for kind in kinds})


def _listing(rows: pl.DataFrame) -> str:
    shown = rows.select("household_id", "id_number").head(SHOWN).rows()
    lines = [f"  {household} {person or ''}".rstrip() for household, person in shown]
    more = f"\n  … and {rows.height - SHOWN} more" if rows.height > SHOWN else ""
    return "\n".join(lines) + more


@pytest.mark.slow
def test_the_county_is_screened_against_the_catalogue_the_cases_were_drawn_from(
    county: tuple[pl.DataFrame, pl.DataFrame, Catalogue],
) -> None:
    assert county[2].year == POLICY_YEAR


@pytest.mark.slow
@pytest.mark.parametrize("kind", _covered_kinds())
def test_every_ground_truth_problem_of_a_covered_kind_is_found(
    county: tuple[pl.DataFrame, pl.DataFrame, Catalogue], kind: str
) -> None:
    findings, truth, catalogue = county
    of_kind = truth.filter(pl.col("kind") == kind)
    assert of_kind.height > 0, f"{kind}: the generator planted none, so nothing is measured"
    missed = missed_truth(findings, of_kind, catalogue)
    rules = ", ".join(r.code for r in catalogue if kind in r.kinds)
    assert missed.height == 0, (
        f"{kind}: {missed.height} of {of_kind.height} ground-truth rows not found by {rules} "
        f"(recall {1 - missed.height / of_kind.height:.1%}); household, person:\n{_listing(missed)}"
    )


@pytest.mark.slow
@pytest.mark.parametrize("rule_code", [code for code, _ in _covering_rules()])
def test_at_least_99_percent_of_each_rules_findings_are_real_problems(
    county: tuple[pl.DataFrame, pl.DataFrame, Catalogue], rule_code: str
) -> None:
    findings, truth, catalogue = county
    matched = ground_truth_matches(findings.filter(pl.col("rule_code") == rule_code), truth, catalogue)
    assert matched.height > 0, f"{rule_code}: no findings at all"
    false = matched.filter(~pl.col("true"))
    precision = 1 - false.height / matched.height
    kinds = ", ".join(next(r.kinds for r in catalogue if r.code == rule_code))
    assert precision >= 0.99, (
        f"{rule_code}: precision {precision:.1%} ({false.height} of {matched.height} findings on "
        f"households or persons without {kinds}); household, person:\n{_listing(false)}"
    )

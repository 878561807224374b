"""Reconciliation on generated data: linking and conflict finding together, at county scale.

The generator puts about half of its link-level typos (a transposed or mistyped ID, a
homophone name, both at once) on the very department row that carries a rule-level
conflict: the school-roll row saying 辍学, the certificate, the disaster row, the
civil-registration row… (docs/ground_truth.md). Such a conflict is found only when
that row is linked to its person. One county (20,000 households, messy files) is
generated, imported, linked, and screened twice: with the links and without.

- With links, every ground-truth problem of a reconciliation kind (a kind whose rule
  reads a department column) is found, and at least 98% of each such rule's findings
  are real.
- The linker meets its own figures on the same data: at least 99% of the link-stage
  rows (the messy files add IDs Excel stored as numbers) link to the right person, and
  no feed row links to anybody else.
- Without links (the join on the ID as written) some of the conflicts whose
  department row carries a typo are missed, and nothing else is: the typos'
  placement is what the first test proves.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pytest

from fangfan.engine.accuracy import ground_truth_matches, missed_truth
from fangfan.engine.idnumber import normalise, to_18
from fangfan.engine.rules import Catalogue

HOUSEHOLDS = 20_000
SEED = 2020
AS_OF = dt.date(2026, 10, 31)
POLICY_YEAR = AS_OF.year - 1  # the newer income year: the catalogue the run screens against
MESSY = True
SHOWN = 20  # rows listed in a failure message


@dataclass(frozen=True)
class County:
    truth: pl.DataFrame  # ground_truth.csv, every stage
    links: pl.DataFrame
    linked: pl.DataFrame  # findings, department rows joined through the links
    unlinked: pl.DataFrame  # findings, department rows joined on the ID as written
    catalogue: Catalogue
    seconds: dict[str, float] = field(default_factory=dict)

    def rule_truth(self) -> pl.DataFrame:
        return self.truth.filter(pl.col("stage") == "rule").select("kind", "household_id", "id_number")


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> County:
    from fangfan.engine.ingest import import_directory
    from fangfan.engine.link import link_snapshot
    from fangfan.engine.rules import load_catalogue
    from fangfan.engine.screen import screen_snapshot
    from fangfan.engine.snapshot import SnapshotStore
    from fangfan.engine.synth import generate_dataset

    root: Path = tmp_path_factory.mktemp("reconcile")
    seconds: dict[str, float] = {}
    clock = time.perf_counter()
    file_format = "xlsx" if MESSY else "csv"
    generate_dataset(root / "data", HOUSEHOLDS, SEED, messy=MESSY, file_format=file_format, as_of=AS_OF)
    seconds["generate"], clock = time.perf_counter() - clock, time.perf_counter()
    imported = import_directory(root / "data", store=SnapshotStore(root / "snapshots"), as_of=AS_OF)
    seconds["import"], clock = time.perf_counter() - clock, time.perf_counter()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FANGFAN_HOME", str(root / "home"))
        links = link_snapshot(imported.snapshot).links
        seconds["link"], clock = time.perf_counter() - clock, time.perf_counter()
        linked = screen_snapshot(imported.snapshot, runs_root=root / "linked", links=links)
        seconds["screen_linked"], clock = time.perf_counter() - clock, time.perf_counter()
        unlinked = screen_snapshot(imported.snapshot, runs_root=root / "unlinked")
        seconds["screen_unlinked"] = time.perf_counter() - clock
    truth = pl.read_csv(root / "data" / "ground_truth.csv", infer_schema=False)
    catalogue = load_catalogue(linked.summary["policy_year"])
    return County(truth, links, linked.findings, unlinked.findings, catalogue, seconds)


# --- which rules reconcile, and which of their problems hide behind a typo -------------


def reconciliation_rules() -> dict[str, tuple[str, ...]]:
    """Rules with ground-truth kinds whose condition reads a department column: code → kinds."""
    from fangfan.engine.rules import load_catalogue
    from fangfan.engine.rules.check import check_rule
    from fangfan.engine.rules.columns import COLUMNS, COMPUTED, HOUSEHOLDS, INCOME, MEMBERS

    registry = {HOUSEHOLDS, MEMBERS, INCOME, COMPUTED, "导入校验"}
    catalogue = load_catalogue(POLICY_YEAR)
    found = {}
    for rule in catalogue:
        read = check_rule(rule, catalogue.policy).columns
        if rule.kinds and {COLUMNS[rule.table][c].source for c in read} - registry:
            found[rule.code] = tuple(rule.kinds)
    return found


RULES = reconciliation_rules()
KINDS = sorted({kind for kinds in RULES.values() for kind in kinds})


def behind_typos(truth: pl.DataFrame) -> pl.DataFrame:
    """Rule-level rows of reconciliation kinds whose conflict row in the department feed
    (synth.links.conflict_rows) carries a link-level typo: same feed, same household, and
    the same person for person-level kinds."""
    from fangfan.engine.synth.links import conflict_rows

    feeds = pl.DataFrame(
        [(kind, feed, level) for kind, (feed, level, _) in conflict_rows(POLICY_YEAR).items()],
        schema={"kind": pl.String, "table": pl.String, "level": pl.String},
        orient="row",
    )
    rules = truth.filter((pl.col("stage") == "rule") & pl.col("kind").is_in(KINDS))
    typos = truth.filter(pl.col("stage") == "link").select("table", "household_id", _typo_person="id_number")
    pairs = (
        rules.select("kind", "household_id", "id_number")
        .join(feeds, on="kind")
        .join(typos, on=["table", "household_id"])
    )
    same = (pl.col("level") == "household") | (pl.col("id_number") == pl.col("_typo_person"))
    return pairs.filter(same).select("kind", "household_id", "id_number", "table").unique()


def _listing(rows: pl.DataFrame) -> str:
    shown = rows.select("household_id", "id_number").head(SHOWN).rows()
    lines = [f"  {household} {person or ''}".rstrip() for household, person in shown]
    more = f"\n  … and {rows.height - SHOWN} more" if rows.height > SHOWN else ""
    return "\n".join(lines) + more


# --- the tests --------------------------------------------------------------------------


@pytest.mark.slow
def test_the_typos_sit_on_conflict_rows_of_most_reconciliation_kinds(county: County) -> None:
    hidden = behind_typos(county.truth)
    kinds = set(hidden["kind"])
    assert len(kinds) >= len(KINDS) // 2, f"typos behind only {sorted(kinds)} of {KINDS}"
    # the ID-changing typos (not repaired by the wide tables' own normalisation) are there too
    link = county.truth.filter(pl.col("stage") == "link")
    assert {"ID_TRANSPOSED", "NAME_HOMOPHONE_ID_TYPO"} <= set(link["kind"])


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_every_reconciliation_problem_is_found_through_the_links(county: County, kind: str) -> None:
    of_kind = county.rule_truth().filter(pl.col("kind") == kind)
    if of_kind.is_empty():
        pytest.skip(f"{kind}: the generator planted none")
    missed = missed_truth(county.linked, of_kind, county.catalogue)
    hidden = behind_typos(county.truth).filter(pl.col("kind") == kind)
    assert missed.height == 0, (
        f"{kind}: {missed.height} of {of_kind.height} ground-truth rows not found with links "
        f"({hidden.height} rows of the kind have a typo on their department row); "
        f"household, person:\n{_listing(missed)}"
    )


@pytest.mark.slow
@pytest.mark.parametrize("rule_code", sorted(RULES))
def test_at_least_98_percent_of_each_reconciliation_rules_findings_are_real(
    county: County, rule_code: str
) -> None:
    findings = county.linked.filter(pl.col("rule_code") == rule_code)
    matched = ground_truth_matches(findings, county.rule_truth(), county.catalogue)
    assert matched.height > 0, f"{rule_code}: no findings at all"
    false = matched.filter(~pl.col("true"))
    precision = 1 - false.height / matched.height
    assert precision >= 0.98, (
        f"{rule_code}: precision {precision:.1%} ({false.height} of {matched.height} findings on "
        f"households or persons without {', '.join(RULES[rule_code])}); household, person:\n"
        f"{_listing(false)}"
    )


@pytest.mark.slow
def test_the_linker_places_the_typos_on_the_right_person_and_nobody_else(county: County) -> None:
    from fangfan.engine.link.accuracy import truth_with_links

    truth = county.truth.filter(pl.col("stage") == "link")
    matched = truth_with_links(truth, county.links)
    assert matched.height == truth.height
    right = matched.filter("right").height
    assert right / truth.height >= 0.99, matched.filter(~pl.col("right"))
    assert matched.filter("wrong").is_empty(), matched.filter("wrong")
    # Rows without a typo: a valid ID links to that same person (15-digit through to_18).
    exact = county.links.filter(
        pl.col("linked_id_number").is_not_null() & (pl.col("method") != "probabilistic")
    )
    same = exact.with_columns(
        a=pl.col("id_as_written").map_elements(lambda v: to_18(normalise(v)), return_dtype=pl.String),
        b=pl.col("linked_id_number").map_elements(to_18, return_dtype=pl.String),
    )
    assert same.filter(pl.col("a") != pl.col("b")).is_empty()


@pytest.mark.slow
def test_without_links_conflicts_behind_typos_are_missed_and_nothing_else(county: County) -> None:
    covered = county.rule_truth().filter(pl.col("kind").is_in(KINDS))
    missed = missed_truth(county.unlinked, covered, county.catalogue).select(
        "kind", "household_id", "id_number"
    )
    hidden = behind_typos(county.truth).select("kind", "household_id", "id_number")
    assert missed.height > 0, (
        f"without links nothing is missed, although {hidden.height} conflicts have a typo on their "
        "department row: the typos do not test the linking"
    )
    unexplained = missed.join(hidden, on=["kind", "household_id", "id_number"], how="anti")
    assert unexplained.is_empty(), f"missed without links, but no typo behind them:\n{_listing(unexplained)}"


ID_PROBLEMS = (
    "ID_FORMAT",
    "ID_PRECISION_LOST",
    "ID_BIRTH_DATE",
    "ID_CHECK_DIGIT",
    "SEX_MISMATCH",
    "BIRTH_DATE_MISMATCH",
)


@pytest.mark.slow
def test_identity_findings_are_exactly_the_registry_members_whose_id_the_importer_questioned(
    county: County,
) -> None:
    # IDN-004 covers no rule-stage kind: its ground truth is the import-level rows on the
    # registry's members (the messy files plant sex and birth-date mismatches there).
    planted = (
        county.truth.filter((pl.col("table") == "members") & pl.col("import_code").is_in(ID_PROBLEMS))
        .select("household_id", "id_number")
        .unique()
    )
    found = (
        county.linked.filter(pl.col("rule_code") == "IDN-004").select("household_id", "id_number").unique()
    )
    assert planted.height > 0, "the messy county plants no ID problem on a registry member"
    assert sorted(found.rows()) == sorted(planted.rows())

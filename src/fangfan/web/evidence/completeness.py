"""What each household must hold and what it holds: per household, and summed per region.

A household needs the proofs its year's requirements (`fangfan.engine.evidence`) ask for
the policies it receives (CARDS' `policies_for_households`) and for its open findings;
it holds the live evidence items of that policy year filed under the same need. Work
goes by chunks of households (a fixed number of queries per chunk, never one per
household), so a county is summed without holding all of it at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet

from fangfan.engine.evidence.needs import (
    Need,
    OpenFinding,
    Received,
    Requirements,
    load_requirements,
    needs_of,
    requirement_years,
)
from fangfan.web.accounts.access import level_prefix, within_region
from fangfan.web.cards.policies import current_policy_year, policies_for_households
from fangfan.web.evidence.models import EvidenceItem, VillageTally
from fangfan.web.regions.models import Region
from fangfan.web.registry.models import Finding, Household, Run

CHUNK = 1_000  # households per round of queries
# Above this many uncounted households a region's page leaves the counting to the background
# worker (0.3–0.6 ms a household on this machine: 20,000 take 6–12 s).
LIVE_HOUSEHOLDS = 20_000
CHILD_LEVEL = {
    Region.Level.CITY: Region.Level.COUNTY,
    Region.Level.COUNTY: Region.Level.TOWNSHIP,
    Region.Level.TOWNSHIP: Region.Level.VILLAGE,
}


def evidence_year() -> int:
    """The policy year evidence is filed under: the current run's (as the cards use)."""
    return current_policy_year()


def requirements_for(year: int) -> Requirements:
    """The year's requirements; a year without its own file uses the nearest earlier one
    (as the policy files do); a year before every file is refused in Chinese."""
    earlier = [known for known in requirement_years() if known <= year]
    return load_requirements(earlier[-1] if earlier else year)


def received_policies(households: Sequence[Household], year: int) -> dict[str, list[Received]]:
    """What each household receives (CARDS' `policies_for_households`), as the needs read it."""
    found = policies_for_households(households, year)
    return {
        household_id: [Received(policy.key, policy.name, policy.member_name) for policy in policies]
        for household_id, policies in found.items()
    }


def open_findings(households: Sequence[Household]) -> dict[str, list[OpenFinding]]:
    rows = Finding.objects.filter(
        household_id__in=[household.household_id for household in households],
        engine_status=Finding.EngineStatus.OPEN,
    ).order_by("rule_code", "person_name", "id")
    found: dict[str, list[OpenFinding]] = defaultdict(list)
    for household_id, rule_code, category, rule_name, person_name in rows.values_list(
        "household_id", "rule_code", "category", "rule_name", "person_name"
    ):
        found[household_id].append(OpenFinding(rule_code, category, rule_name, person_name))
    return found


@dataclass
class HouseholdEvidence:
    """One household's needs in a policy year, and the items filed under each."""

    household: Household
    year: int
    needs: list[Need]
    items: list[EvidenceItem] = field(default_factory=list)

    @cached_property
    def held(self) -> dict[tuple[str, str, str], list[EvidenceItem]]:
        filed: dict[tuple[str, str, str], list[EvidenceItem]] = defaultdict(list)
        for item in self.items:
            filed[item.slot].append(item)
        return filed

    @property
    def rows(self) -> list[tuple[Need, list[EvidenceItem]]]:
        return [(need, self.held.get(need.slot, [])) for need in self.needs]

    @property
    def missing(self) -> list[Need]:
        return [need for need in self.needs if not self.held.get(need.slot)]

    @property
    def extra(self) -> list[EvidenceItem]:
        """Items filed under a need the household no longer has (a policy ended, a finding resolved)."""
        slots = {need.slot for need in self.needs}
        return [item for item in self.items if item.slot not in slots]

    @property
    def total(self) -> int:
        return len(self.needs)

    @property
    def done(self) -> int:
        return self.total - len(self.missing)

    @property
    def complete(self) -> bool:
        return not self.missing


def household_evidence(households: Sequence[Household], year: int) -> list[HouseholdEvidence]:
    """Each household's needs and items (the households already through the gate)."""
    requirements = requirements_for(year)
    received = received_policies(households, year)
    findings = open_findings(households)
    items: dict[str, list[EvidenceItem]] = defaultdict(list)
    filed = EvidenceItem.objects.filter(
        household_id__in=[household.household_id for household in households], policy_year=year
    ).select_related("file", "uploaded_by")
    for item in filed:
        items[item.household_id].append(item)
    return [
        HouseholdEvidence(
            household,
            year,
            needs_of(
                requirements, received.get(household.household_id, []), findings[household.household_id]
            ),
            items[household.household_id],
        )
        for household in households
    ]


def one_household(household: Household, year: int | None = None) -> HouseholdEvidence:
    return household_evidence([household], evidence_year() if year is None else year)[0]


def in_chunks(households: QuerySet[Household], year: int) -> Iterator[HouseholdEvidence]:
    """Every household of the queryset with its evidence, CHUNK households per round of queries."""
    last = ""
    while True:
        chunk = list(households.filter(household_id__gt=last).order_by("household_id")[:CHUNK])
        if not chunk:
            return
        yield from household_evidence(chunk, year)
        last = chunk[-1].household_id


@dataclass
class Tally:
    """A region's (or a household's) counts: households with needs, complete, proofs needed and held."""

    code: str
    name: str
    households: int = 0
    complete: int = 0
    needed: int = 0
    held: int = 0

    @property
    def missing(self) -> int:
        return self.needed - self.held

    @property
    def share(self) -> float | None:
        """Proofs held ÷ needed, None when nothing is needed."""
        return self.held / self.needed if self.needed else None

    def add_tally(self, other: Tally | VillageTally) -> None:
        self.households += other.households
        self.complete += other.complete
        self.needed += other.needed
        self.held += other.held

    def add(self, evidence: HouseholdEvidence) -> None:
        if not evidence.total:
            return
        self.households += 1
        self.complete += evidence.complete
        self.needed += evidence.total
        self.held += evidence.done


def region_tallies(region: Region, evidences: Iterable[HouseholdEvidence]) -> tuple[Tally, list[Tally]]:
    """The region's total and one tally per region below it (a village's: none)."""
    total = Tally(region.code, region.name)
    child_level = CHILD_LEVEL.get(Region.Level(region.level))
    children = (
        {child.code: Tally(child.code, child.name) for child in region.children.order_by("code")}
        if child_level
        else {}
    )
    for evidence in evidences:
        total.add(evidence)
        if child_level:
            code = level_prefix(evidence.household.village_code, child_level)
            tally = children.get(code) or children.setdefault(code, Tally(code, code))
            tally.add(evidence)
    return total, list(children.values())


def village_tallies(
    region: Region, households: QuerySet[Household], year: int, *, may_defer: bool = True
) -> tuple[list[VillageTally], int]:
    """Each village's tally under the current run, and how many villages are still being counted.

    Kept tallies are read back; the others are worked out from their households (in chunks)
    and kept, during the request when their households number at most LIVE_HOUSEHOLDS (or
    `may_defer` is false, as in the worker), else by
    the background worker (`tasks.count_region_task`, enqueued once per region, year and run)
    while the page shows what is counted so far. A village's tallies are forgotten when its
    evidence changes and are keyed by the run, so a publish starts them afresh.
    """
    run = Run.objects.current()
    key = run.run_id if run is not None else ""
    kept = {
        tally.village_code: tally
        for tally in VillageTally.objects.filter(
            within_region("village_code", region), policy_year=year, run_id=key
        )
    }
    villages = set(households.values_list("village_code", flat=True).distinct())
    missing = sorted(villages - kept.keys())
    if missing and may_defer and households.filter(village_code__in=missing).count() > LIVE_HOUSEHOLDS:
        _count_later(region, year, key)
        return [kept[code] for code in sorted(kept.keys() & villages)], len(missing)
    if missing:
        fresh = {code: VillageTally(village_code=code, policy_year=year, run_id=key) for code in missing}
        for evidence in in_chunks(households.filter(village_code__in=missing), year):
            tally = fresh[evidence.household.village_code]
            if evidence.total:
                tally.households += 1
                tally.complete += evidence.complete
                tally.needed += evidence.total
                tally.held += evidence.done
        VillageTally.objects.bulk_create(fresh.values(), ignore_conflicts=True)
        kept.update(fresh)
    return [kept[code] for code in sorted(villages)], 0


def _count_later(region: Region, year: int, run_key: str) -> None:
    from fangfan.web.evidence.tasks import count_region_task

    # Once per region, year and run for a while: every look at a page must not queue another.
    if cache.add(f"evidence-counting:{region.code}:{year}:{run_key}", True, timeout=15 * 60):
        transaction.on_commit(lambda: count_region_task.enqueue(region.code, year))


def summed_tallies(region: Region, villages: Iterable[VillageTally]) -> tuple[Tally, list[Tally]]:
    """The region's total and its children's, summed from village tallies."""
    total = Tally(region.code, region.name)
    child_level = CHILD_LEVEL[Region.Level(region.level)]
    children = {child.code: Tally(child.code, child.name) for child in region.children.order_by("code")}
    for village in villages:
        total.add_tally(village)
        code = level_prefix(village.village_code, child_level)
        (children.get(code) or children.setdefault(code, Tally(code, code))).add_tally(village)
    return total, list(children.values())


def forget_village(village_code: str) -> None:
    """A village's evidence changed: its kept tallies go (the next look works them out again)."""
    VillageTally.objects.filter(village_code=village_code).delete()

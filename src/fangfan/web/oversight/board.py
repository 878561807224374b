"""一个不剩 (none left, none missed): what is still open in a region, counted in the database.

The board of a region (the city, a county, a township, a village) reads three apps and
writes nothing:

- rectification problems (`Problem`) per source and per region a level below: received,
  open, overdue, due within three days, recurring, closed, closed on time. A region with
  problems and none open is 清零; one with none received shows as such;
- grievances (`Grievance`) per region a level below and per channel: open ones on track
  (正常), at risk (临期) and breached (超时), answers given on time or late, escalated,
  repeat contacts (the same person again within 90 days), unsatisfied callbacks;
- campaign targets (`Target`) per campaign and region a level below: visited, pending,
  overdue.

Each table is one GROUP BY on the region code's prefix a level below (`Substr`), through
the gate (`scope`) and then the region asked for (`within_region`); records of the region's
own level (a county's own problems on the county's board) fall in one row, 本级.

    >>> board = build_board(county_user, county)                 # doctest: +SKIP
    >>> [(row.name, row.problems.open) for row in board.places]   # doctest: +SKIP
    [('城关镇', 3), ('石桥镇', 0), ('礼县本级', 1)]
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, F, Q, QuerySet, Value, When
from django.db.models.functions import Substr
from django.utils import timezone

from fangfan.engine.campaigns import builtin_campaigns
from fangfan.web.accounts.access import prefix_length, regions_within, scope, within_region
from fangfan.web.accounts.models import User
from fangfan.web.campaigns.models import Target
from fangfan.web.campaigns.progress import overdue_filter
from fangfan.web.grievances.deadlines import AT_RISK, BREACHED, ON_TRACK, sla_condition
from fangfan.web.grievances.models import CHANNELS, Grievance
from fangfan.web.rectification.ledger import due_soon_condition, overdue_condition
from fangfan.web.rectification.models import OPEN_STATUSES, Problem, Source, Status
from fangfan.web.regions.models import Region
from fangfan.web.registry.dashboard import CHILDREN

Level = Region.Level
CHANNEL_NAMES = dict(CHANNELS)
# How many rows of each list the page shows; the Excel downloads hold them all.
SHOWN = 20


@dataclass
class ProblemCounts:
    received: int = 0
    open: int = 0
    overdue: int = 0
    due_soon: int = 0
    recurring: int = 0
    closed: int = 0
    closed_on_time: int = 0

    def add(self, other: ProblemCounts) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def cleared(self) -> bool:
        """清零: problems were received and none is open."""
        return self.received > 0 and self.open == 0

    @property
    def on_time_share(self) -> str:
        """按期销号率 of the closed ones, as “85.0%” (“—” with none closed)."""
        return f"{self.closed_on_time / self.closed:.1%}" if self.closed else "—"


@dataclass
class GrievanceCounts:
    received: int = 0
    open: int = 0
    on_track: int = 0
    at_risk: int = 0
    breached: int = 0
    replied_on_time: int = 0
    replied_late: int = 0
    escalated: int = 0
    repeat: int = 0
    unsatisfied: int = 0

    def add(self, other: GrievanceCounts) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def on_time_share(self) -> str:
        """按期答复率 of the answered ones (“—” with none answered)."""
        replied = self.replied_on_time + self.replied_late
        return f"{self.replied_on_time / replied:.1%}" if replied else "—"


@dataclass
class CampaignCounts:
    targets: int = 0
    visited: int = 0
    overdue: int = 0

    @property
    def pending(self) -> int:
        return self.targets - self.visited

    @property
    def visited_share(self) -> str:
        return f"{self.visited / self.targets:.1%}" if self.targets else "—"


@dataclass
class PlaceRow:
    """One region a level below (or the region's own level, 本级): its counts in each app."""

    code: str
    name: str
    own_level: bool = False
    problems: ProblemCounts = field(default_factory=ProblemCounts)
    open_by_source: dict[str, int] = field(default_factory=dict)
    received_by_source: dict[str, int] = field(default_factory=dict)
    grievances: GrievanceCounts = field(default_factory=GrievanceCounts)
    # (open, received) for each of the board's sources, in its order (set by `build_board`).
    cells: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class SourceRow:
    code: str
    name: str
    problems: ProblemCounts = field(default_factory=ProblemCounts)


@dataclass
class ChannelRow:
    code: str
    name: str
    grievances: GrievanceCounts = field(default_factory=GrievanceCounts)


@dataclass
class CampaignRow:
    code: str
    title: str
    place_code: str
    place_name: str
    counts: CampaignCounts


@dataclass
class Board:
    region: Region
    places: list[PlaceRow]
    sources: list[SourceRow]
    channels: list[ChannelRow]
    campaigns: list[CampaignRow]
    problems: ProblemCounts
    grievances: GrievanceCounts

    @property
    def child_level(self) -> str:
        child = CHILDREN.get(self.region.level)
        return Level(child[0]).label if child else ""

    @property
    def source_codes(self) -> list[str]:
        return [row.code for row in self.sources]

    @property
    def open_places(self) -> int:
        return sum(1 for row in self.places if row.problems.open)

    @property
    def cleared_places(self) -> int:
        return sum(1 for row in self.places if row.problems.cleared)


def child_length(region: Region) -> int:
    """How many digits of a code name the region a level below `region` (a village: its own)."""
    child = CHILDREN.get(region.level)
    return prefix_length(child[0] if child else region.level)


def region_problems(user: User, region: Region) -> QuerySet[Problem]:
    return scope(Problem.objects.all(), user).filter(within_region("region_code", region))


def region_grievances(user: User, region: Region) -> QuerySet[Grievance]:
    return scope(Grievance.objects.all(), user).filter(within_region("region_code", region))


def region_targets(user: User, region: Region) -> QuerySet[Target]:
    return scope(Target.objects.all(), user).filter(within_region("village_code", region))


def _problem_counts() -> dict[str, Count]:
    today = timezone.localdate()
    return {
        "received": Count("pk"),
        "open": Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        "overdue": Count("pk", filter=overdue_condition(today)),
        "due_soon": Count("pk", filter=due_soon_condition(today)),
        "recurring": Count("pk", filter=Q(recurring=True)),
        "closed": Count("pk", filter=Q(status=Status.CLOSED)),
        "closed_on_time": Count("pk", filter=Q(status=Status.CLOSED, closed_on__lte=F("deadline"))),
    }


def _grievance_counts() -> dict[str, Count]:
    now = timezone.now()
    return {
        "received": Count("pk"),
        "open": Count("pk", filter=~Q(stage=Grievance.Stage.CLOSED)),
        "on_track": Count("pk", filter=sla_condition(ON_TRACK, now)),
        "at_risk": Count("pk", filter=sla_condition(AT_RISK, now)),
        "breached": Count("pk", filter=sla_condition(BREACHED, now)),
        "replied_on_time": Count(
            "pk", filter=Q(replied_at__isnull=False, replied_at__lte=F("resolution_due"))
        ),
        "replied_late": Count("pk", filter=Q(replied_at__isnull=False, replied_at__gt=F("resolution_due"))),
        "escalated": Count("pk", filter=Q(escalations__gt=0)),
        "repeat": Count("pk", filter=Q(repeat_count__gt=0)),
        "unsatisfied": Count("pk", filter=Q(reopened__gt=0)),
    }


def _grouped(
    rows: QuerySet[Any], code_field: str, length: int, by: str, counts: dict[str, Count]
) -> list[dict[str, Any]]:
    """One GROUP BY: (the code's prefix a level below, `by`) with the counts."""
    grouped = rows.annotate(place=Substr(code_field, 1, length)).values("place", by).annotate(**counts)
    return list(grouped.order_by())


class _Places:
    """The board's rows by code: every region a level below, and 本级 when anything lies there."""

    def __init__(self, region: Region) -> None:
        self.region = region
        self.length = child_length(region)
        self.rows = _places(region)

    def __getitem__(self, code: str) -> PlaceRow:
        own = code == self.region.code or len(code) < self.length
        key = self.region.code if own else code
        if key not in self.rows:
            self.rows[key] = PlaceRow(key, f"{self.region.name}本级" if own else code, own_level=own)
        return self.rows[key]


def _add_problems(places: _Places, rows: list[dict[str, Any]]) -> tuple[list[SourceRow], ProblemCounts]:
    """Each (place, source) group into its place and its source; the sources and the total."""
    sources: dict[str, SourceRow] = {}
    total = ProblemCounts()
    for row in rows:
        counts = ProblemCounts(**{name: row[name] for name in ProblemCounts.__dataclass_fields__})
        code = row["source"]
        place = places[row["place"]]
        place.problems.add(counts)
        place.open_by_source[code] = place.open_by_source.get(code, 0) + counts.open
        place.received_by_source[code] = place.received_by_source.get(code, 0) + counts.received
        sources.setdefault(code, SourceRow(code, Source(code).label)).problems.add(counts)
        total.add(counts)
    codes = [code for code in Source.values if code in sources]
    for place in places.rows.values():
        place.cells = [
            (place.open_by_source.get(code, 0), place.received_by_source.get(code, 0)) for code in codes
        ]
    return [sources[code] for code in codes], total


def _add_grievances(places: _Places, rows: list[dict[str, Any]]) -> tuple[list[ChannelRow], GrievanceCounts]:
    """Each (place, channel) group into its place and its channel; the channels and the total."""
    channels: dict[str, ChannelRow] = {}
    total = GrievanceCounts()
    for row in rows:
        counts = GrievanceCounts(**{name: row[name] for name in GrievanceCounts.__dataclass_fields__})
        code = row["channel"]
        places[row["place"]].grievances.add(counts)
        channels.setdefault(code, ChannelRow(code, CHANNEL_NAMES.get(code, code))).grievances.add(counts)
        total.add(counts)
    return [channels[code] for code, _ in CHANNELS if code in channels], total


def build_board(user: User, region: Region) -> Board:
    """The board of `region` (already checked with `region_for_user`)."""
    places = _Places(region)
    problems = _grouped(
        region_problems(user, region), "region_code", places.length, "source", _problem_counts()
    )
    sources, problems_total = _add_problems(places, problems)
    grievances = _grouped(
        region_grievances(user, region), "region_code", places.length, "channel", _grievance_counts()
    )
    channels, grievances_total = _add_grievances(places, grievances)
    return Board(
        region=region,
        places=sorted(places.rows.values(), key=lambda row: (row.own_level, row.code)),
        sources=sources,
        channels=channels,
        campaigns=_campaigns(user, region, places.length, places.rows),
        problems=problems_total,
        grievances=grievances_total,
    )


def _places(region: Region) -> dict[str, PlaceRow]:
    """Every region a level below, named, so one with nothing received shows too."""
    child = CHILDREN.get(region.level)
    if child is None:
        return {region.code: PlaceRow(region.code, region.name, own_level=True)}
    children = regions_within(region).filter(level=child[0]).values_list("code", "name")
    return {code: PlaceRow(code, name) for code, name in children}


def _campaigns(user: User, region: Region, length: int, places: dict[str, PlaceRow]) -> list[CampaignRow]:
    """Each campaign's progress per region a level below (its targets' own), then its total."""
    counts = {
        "targets": Count("pk"),
        "visited": Count("pk", filter=Q(status=Target.Status.VISITED)),
        "overdue": Count("pk", filter=overdue_filter()),
    }
    grouped = _grouped(region_targets(user, region), "village_code", length, "campaign", counts)
    per_campaign: dict[str, list[tuple[str, CampaignCounts]]] = defaultdict(list)
    for row in grouped:
        per_campaign[row["campaign"]].append(
            (row["place"], CampaignCounts(row["targets"], row["visited"], row["overdue"]))
        )
    titles = {campaign.code: campaign.title for campaign in builtin_campaigns()}
    rows = []
    for code in sorted(per_campaign, key=lambda code: (code not in titles, code)):
        total = CampaignCounts()
        for place_code, figures in sorted(per_campaign[code]):
            name = places[place_code].name if place_code in places else place_code
            rows.append(CampaignRow(code, titles.get(code, code), place_code, name, figures))
            total.targets += figures.targets
            total.visited += figures.visited
            total.overdue += figures.overdue
        rows.append(CampaignRow(code, titles.get(code, code), "", "合计", total))
    return rows


def overdue_problems(user: User, region: Region) -> QuerySet[Problem]:
    """Problems still being fixed past their deadline, the longest overdue first."""
    rows = region_problems(user, region).filter(overdue_condition(timezone.localdate()))
    return rows.order_by("deadline", "id")


def recurring_problems(user: User, region: Region) -> QuerySet[Problem]:
    """Problems found again at 回头看, open ones first, most recurrences first."""
    rows = region_problems(user, region).filter(recurring=True)
    closed_last = Case(When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1))
    return rows.annotate(closed_last=closed_last).order_by("closed_last", "-recurrences", "deadline", "id")


def breached_grievances(user: User, region: Region) -> QuerySet[Grievance]:
    """Grievances past their running deadline (超时), the longest past first."""
    rows = region_grievances(user, region).filter(sla_condition(BREACHED, timezone.now()))
    return rows.order_by("due_at", "id").select_related("household")


def repeat_callers(user: User, region: Region) -> QuerySet[Grievance]:
    """Grievances of people who had contacted within 90 days before, most contacts first."""
    rows = region_grievances(user, region).filter(repeat_count__gt=0)
    return rows.order_by("-repeat_count", "-received_at", "-id").select_related("household")

"""What the lists of relapse monitoring show: the user's region, narrowed by their filters.

The intake list and the case list, the monitored households (with their last
assessment and whether a re-assessment is overdue), the households without a current
measure and the people without a safeguard, and the eliminations. All offer the work
queue's 区域 choices (the user's region and what lies below it) and go through the
same gate. Leads waiting to be judged come first, oldest discovery
first; open cases come first, nearest deadline (or longest overdue) first.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar, cast

from django import forms
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    Min,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from fangfan.web.accounts.access import region_for_user, scope, within_region
from fangfan.web.accounts.models import User
from fangfan.web.monitoring import models
from fangfan.web.monitoring.models import Intake, Source
from fangfan.web.monitoring.workflow import (
    ELIMINATION_OPEN_STAGES,
    OPEN_STAGES,
    EliminationStage,
    Stage,
    reassessment_days,
    unclaimed_candidate_days,
)
from fangfan.web.registry.models import Household, Member, Run
from fangfan.web.workqueue.queue import region_choices

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

M = TypeVar("M", bound=Model)

ANY = [("", "全部")]
OPEN = "open"


class RegionFilter(forms.Form):
    region = forms.ChoiceField(label="区域", required=False)

    def __init__(self, user: User, data: Any) -> None:
        super().__init__(data)
        self.user = user
        code = str(self.data.get("region", ""))
        if code:
            region_for_user(user, code)  # the gate for regions: 404 outside the user's
        cast(forms.ChoiceField, self.fields["region"]).choices = region_choices(user, code)

    def narrowed(self, rows: QuerySet[M]) -> QuerySet[M]:
        """The rows under the chosen region; none while the form has errors."""
        if not self.is_valid():
            return rows.none()
        code = self.cleaned_data.get("region")
        if code:
            region = region_for_user(self.user, code)
            # A city's code "621200" covers every code starting "6212".
            rows = rows.filter(within_region("village_code", region))
        return rows

    def query_string(self) -> str:
        return self.data.urlencode() if hasattr(self.data, "urlencode") else ""


class IntakeFilter(RegionFilter):
    source = forms.ChoiceField(label="发现渠道", required=False, choices=ANY + Source.choices)
    status = forms.ChoiceField(label="研判状态", required=False, choices=ANY + Intake.Status.choices)

    def apply(self, intakes: QuerySet[Intake]) -> QuerySet[Intake]:
        intakes = self.narrowed(intakes)
        if not self.is_valid():
            return intakes
        for name in ("source", "status"):
            if self.cleaned_data[name]:
                intakes = intakes.filter(**{name: self.cleaned_data[name]})
        return intakes


class CaseFilter(RegionFilter):
    stage = forms.ChoiceField(
        label="办理环节", required=False, choices=[*ANY, (OPEN, "办理中（全部）"), *Stage.choices]
    )
    overdue = forms.BooleanField(label="只看已超期", required=False)

    def apply(self, cases: QuerySet[models.Case]) -> QuerySet[models.Case]:
        cases = self.narrowed(cases)
        if not self.is_valid():
            return cases
        stage = self.cleaned_data["stage"]
        if stage == OPEN:
            cases = cases.filter(stage__in=OPEN_STAGES)
        elif stage:
            cases = cases.filter(stage=stage)
        if self.cleaned_data["overdue"]:
            cases = cases.filter(overdue_condition())
        return cases


def overdue_condition() -> Q:
    return Q(deadline__lt=timezone.localdate(), stage__in=OPEN_STAGES)


def intake_list(user: User, filters: IntakeFilter) -> QuerySet[Intake]:
    """The user's leads under the filters: waiting ones first, oldest discovery first."""
    intakes = filters.apply(scope(Intake.objects.all(), user))
    waiting_first = Case(
        When(status=Intake.Status.NEW, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    further = (
        models.FurtherReport.objects.filter(intake=OuterRef("pk"))
        .order_by()
        .values("intake")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        intakes.select_related("household", "case")
        .annotate(waiting=waiting_first, further_count=Coalesce(Subquery(further), Value(0)))
        .order_by("waiting", "discovered_on", "received_at", "pk")
    )


def case_list(user: User, filters: CaseFilter) -> QuerySet[models.Case]:
    """The user's cases under the filters: open ones first, nearest (or most overdue) deadline first."""
    cases = filters.apply(scope(models.Case.objects.all(), user))
    open_first = Case(
        When(stage__in=OPEN_STAGES, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    overdue = Case(
        When(overdue_condition(), then=Value(True)), default=Value(False), output_field=BooleanField()
    )
    return (
        cases.select_related("household", "intake")
        .annotate(open_first=open_first, overdue=overdue)
        .order_by("open_first", "deadline", "pk")
    )


# Monitored households, their measures and follow-up -----------------------------------

MONITORING = "monitoring"
PROPOSED = "proposed"
STATE_CHOICES = [
    *ANY,
    (MONITORING, "监测中（未提出消除）"),
    (PROPOSED, "已提出风险消除"),
    (models.MonitoredHousehold.Status.ELIMINATED, "风险已消除"),
]


def last_assessed() -> Any:
    """The newest re-assessment or visit since the monitoring start (the start itself if none;
    for a household imported without the date of its last assessment, the import day)."""
    start = Coalesce(F("reassessment_clock_start"), F("monitoring_start"))
    reassessed = Subquery(
        models.Reassessment.objects.filter(monitored=OuterRef("pk"))
        .order_by("-assessed_on")
        .values("assessed_on")[:1]
    )
    visited = Subquery(
        models.Visit.objects.filter(
            household=OuterRef("household"), visited_on__gte=OuterRef("monitoring_start")
        )
        .order_by("-visited_on")
        .values("visited_on")[:1]
    )
    return Greatest(Coalesce(reassessed, start), Coalesce(visited, start), output_field=DateField())


def reassessment_overdue_before() -> dt.date:
    """A household last assessed before this day is overdue for its re-assessment."""
    return timezone.localdate() - dt.timedelta(days=reassessment_days())


def open_elimination() -> Exists:
    # Closed stages excluded rather than open ones listed, so the household's own index
    # serves the lookup, not the stage index.
    closed = (EliminationStage.APPROVED, EliminationStage.REJECTED)
    return Exists(models.Elimination.objects.filter(monitored=OuterRef("pk")).exclude(stage__in=closed))


def has_current_measure() -> Exists:
    return Exists(
        models.Measure.objects.filter(models.current_on(timezone.localdate()), monitored=OuterRef("pk"))
    )


class MonitoredAnnotations(TypedDict):
    """What `monitored_list` adds to each monitored household, for the filter and the order."""

    last_assessed: dt.date | None
    proposed: bool
    has_measure: bool


if TYPE_CHECKING:
    ListedMonitored = WithAnnotations[models.MonitoredHousehold, MonitoredAnnotations]


class MonitoredFilter(RegionFilter):
    category = forms.ChoiceField(label="监测对象类别", required=False, choices=ANY + models.Category.choices)
    state = forms.ChoiceField(label="监测状态", required=False, choices=STATE_CHOICES)
    overdue = forms.BooleanField(label="只看回访超期", required=False)

    def apply(self, rows: QuerySet[ListedMonitored]) -> QuerySet[ListedMonitored]:
        rows = self.narrowed(rows)
        if not self.is_valid():
            return rows
        if self.cleaned_data["category"]:
            rows = rows.filter(category=self.cleaned_data["category"])
        state = self.cleaned_data["state"]
        if state == MONITORING:
            rows = rows.filter(status=models.MonitoredHousehold.Status.MONITORED, proposed=False)
        elif state == PROPOSED:
            rows = rows.filter(status=models.MonitoredHousehold.Status.MONITORED, proposed=True)
        elif state:
            rows = rows.filter(status=state)
        if self.cleaned_data["overdue"]:
            rows = rows.filter(reassessment_overdue())
        return rows


def reassessment_overdue() -> Q:
    return Q(
        status=models.MonitoredHousehold.Status.MONITORED, last_assessed__lt=reassessment_overdue_before()
    )


def monitored_list(user: User, filters: MonitoredFilter) -> QuerySet[models.MonitoredHousehold]:
    """监测对象: monitored ones first, the longest without a re-assessment first."""
    rows = scope(models.MonitoredHousehold.objects.all(), user).annotate(
        last_assessed=last_assessed(), proposed=open_elimination(), has_measure=has_current_measure()
    )
    still = Case(
        When(status=models.MonitoredHousehold.Status.MONITORED, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return (
        filters.apply(rows)
        .select_related("household", "case")
        .annotate(eliminated_last=still)
        .order_by("eliminated_last", "last_assessed", "village_code", "pk")
    )


def without_measures(user: User, filters: RegionFilter) -> QuerySet[models.MonitoredHousehold]:
    """户户有帮扶机制: households under monitoring with no current measure, longest monitored first."""
    rows = scope(
        models.MonitoredHousehold.objects.filter(status=models.MonitoredHousehold.Status.MONITORED), user
    )
    return (
        filters.narrowed(rows)
        .exclude(has_current_measure())
        .select_related("household", "case")
        .order_by("monitoring_start", "village_code", "pk")
    )


# 人人有防返贫措施: what safeguards a person, defined once. A member is safeguarded on a
# day by a current measure of their own, or by a current household measure (no member)
# that covers everyone (`covers_everyone`: 按户施保的低保, 住房、饮水保障 …). The people
# without one (`without_safeguards`) and each member's safeguards on the household's page
# (`safeguards_of`) are both these lookups; `member` and `monitored` may be OuterRefs.
def own_safeguards(member: Any, day: dt.date) -> Q:
    """Measures current on `day` that are `member`'s own."""
    return models.current_on(day) & Q(member=member)


def household_safeguards(monitored: Any, day: dt.date) -> Q:
    """Household measures of `monitored` current on `day` that cover every member."""
    return models.current_on(day) & Q(member__isnull=True, covers_everyone=True, monitored=monitored)


def safeguards_of(member: Member, monitored: models.MonitoredHousehold, day: dt.date) -> list[models.Measure]:
    """The measures of `monitored` that safeguard `member` on `day`: their own first."""
    found = models.Measure.objects.filter(monitored=monitored).filter(
        own_safeguards(member, day) | household_safeguards(monitored, day)
    )
    return sorted(found.order_by("-start_date", "-pk"), key=lambda measure: measure.member_id is None)


def without_safeguards(user: User, filters: RegionFilter) -> QuerySet[Member]:
    """人人有防返贫措施: living members of monitored households with no current measure of their own
    and no current household measure that covers everyone."""
    today = timezone.localdate()
    monitoring = models.MonitoredHousehold.Status.MONITORED
    # "Not eliminated" rather than "monitored" inside the per-member subqueries: the
    # status index would otherwise be chosen over the household's and scanned per member.
    eliminated = models.MonitoredHousehold.Status.ELIMINATED
    monitored = models.MonitoredHousehold.objects.filter(household=OuterRef("household")).exclude(
        status=eliminated
    )
    own = models.Measure.objects.filter(own_safeguards(OuterRef("pk"), today)).exclude(
        monitored__status=eliminated
    )
    # Two EXISTS, not one with OR: each is answered from its own index.
    everyone = models.Measure.objects.filter(household_safeguards(OuterRef("monitored_id"), today))
    # Driven from the monitored households (a few per cent of all), not from every member.
    # Scoped and narrowed too, so the region's few hundred are read, not the city's.
    households = filters.narrowed(
        scope(models.MonitoredHousehold.objects.filter(status=monitoring, household__isnull=False), user)
    )
    rows = scope(
        Member.objects.filter(household__in=households.values("household"), member_status="正常"), user
    )
    return (
        filters.narrowed(rows)
        .annotate(monitored_id=Subquery(monitored.values("pk")[:1]))
        .exclude(Exists(own))
        .exclude(Exists(everyone))
        .select_related("household")
        .order_by("village_code", "household_id", "position", "pk")
    )


class EliminationFilter(RegionFilter):
    stage = forms.ChoiceField(
        label="办理环节", required=False, choices=[*ANY, (OPEN, "办理中（全部）"), *EliminationStage.choices]
    )

    def apply(self, rows: QuerySet[models.Elimination]) -> QuerySet[models.Elimination]:
        rows = self.narrowed(rows)
        if not self.is_valid():
            return rows
        stage = self.cleaned_data["stage"]
        if stage == OPEN:
            rows = rows.filter(stage__in=ELIMINATION_OPEN_STAGES)
        elif stage:
            rows = rows.filter(stage=stage)
        return rows


def elimination_list(user: User, filters: EliminationFilter) -> QuerySet[models.Elimination]:
    """风险消除: open ones first, oldest proposal first."""
    rows = filters.apply(scope(models.Elimination.objects.all(), user))
    open_first = Case(
        When(stage__in=ELIMINATION_OPEN_STAGES, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return (
        rows.select_related("monitored", "household")
        .annotate(open_first=open_first)
        .order_by("open_first", "proposed_on", "pk")
    )


# 应纳未纳: candidates the engine flags that nobody has taken up ------------------------

CANDIDATE_SEVERITIES = (models.MonitoringSignal.Severity.HIGH, models.MonitoringSignal.Severity.MEDIUM)


def first_flagged() -> Subquery:
    """When the household's candidate signals were first published (the earliest run's
    publishing time among its high and medium signals)."""
    return Subquery(
        models.MonitoringSignal.objects.filter(household=OuterRef("pk"), severity__in=CANDIDATE_SEVERITIES)
        .order_by("run__published_at")
        .values("run__published_at")[:1]
    )


def unclaimed_before() -> dt.datetime:
    """A candidate first published before this moment has waited too long."""
    return timezone.now() - dt.timedelta(days=unclaimed_candidate_days())


def taken_up_since_flagged(flagged: QuerySet[Any]) -> set[str]:
    """Households among `flagged` with an identification started (a `Case` opened) on or
    after their candidate signal was first published. Cases are few beside the signals:
    read them, then the first publishing of just their households."""
    opened: dict[str, dt.datetime] = {}
    cases = models.Case.objects.filter(household_id__in=flagged.values("household_id")).values_list(
        "household_id", "opened_at"
    )
    for household_id, at in cases:
        if household_id not in opened or at > opened[household_id]:
            opened[household_id] = at
    if not opened:
        return set()
    first = (
        models.MonitoringSignal.objects.filter(
            household_id__in=list(opened), severity__in=CANDIDATE_SEVERITIES
        )
        .values("household_id")
        .annotate(first=Min("run__published_at"))
        .order_by()
    )
    return {row["household_id"] for row in first if opened[row["household_id"]] >= row["first"]}


def unclaimed_candidates(user: User, run: Run | None = None) -> QuerySet[Household]:
    """`unclaimed_households` annotated with `flagged_at`, the longest waiting first."""
    rows = unclaimed_households(user, run)
    return rows.annotate(flagged_at=first_flagged()).order_by("flagged_at", "village_code", "pk")


def unclaimed_households(user: User, run: Run | None = None) -> QuerySet[Household]:
    """应纳未纳: registry households the current run flags as candidates (a high or medium
    monitoring signal), not under monitoring, for which no identification was started since
    the signal was first published, and that have waited more than the set days (through
    the gate). Unordered, for counting."""
    run = run if run is not None else Run.objects.current()
    if run is None:
        return Household.objects.none()
    flagged = models.MonitoringSignal.objects.filter(run=run, severity__in=CANDIDATE_SEVERITIES)
    waited = models.MonitoringSignal.objects.filter(
        household=OuterRef("pk"), severity__in=CANDIDATE_SEVERITIES, run__published_at__lt=unclaimed_before()
    )
    # Statuses and stages excluded rather than listed, so the lookups use the household's
    # own index, not the status one (with it SQLite scanned every monitored household for
    # every candidate: 8.6 s for 10,000 of each).
    monitored = models.MonitoredHousehold.objects.filter(household=OuterRef("pk")).exclude(
        status=models.MonitoredHousehold.Status.ELIMINATED
    )
    still_open = models.Case.objects.filter(household=OuterRef("pk")).exclude(
        stage__in=(Stage.DECIDED, Stage.REJECTED)
    )
    return (
        scope(Household.objects.filter(pk__in=flagged.values("household_id")), user)
        .filter(Exists(waited))
        .exclude(Exists(monitored))
        .exclude(Exists(still_open))
        .exclude(pk__in=taken_up_since_flagged(flagged))
    )


def unclaimed_list(user: User, filters: RegionFilter) -> QuerySet[Household]:
    return filters.narrowed(unclaimed_candidates(user))


def current_signal_names(households: list[Household], run: Run | None = None) -> dict[str, str]:
    """{household_id: "信号、信号"} of the current run's candidate signals, for a page of rows."""
    run = run if run is not None else Run.objects.current()
    names: dict[str, list[str]] = {}
    if run is None:
        return {}
    rows = models.MonitoringSignal.objects.filter(
        run=run, severity__in=CANDIDATE_SEVERITIES, household__in=[h.pk for h in households]
    ).values_list("household_id", "signal_name")
    for household_id, name in rows.order_by("pk"):
        chosen = names.setdefault(household_id, [])
        if name not in chosen:
            chosen.append(name)
    return {key: "、".join(value) for key, value in names.items()}

"""What the intake list and the case list show: the user's region, narrowed by their filters.

Both offer the work queue's 区域 choices (the user's region and what lies below it) and
go through the same gate. Leads waiting to be judged come first, oldest discovery
first; open cases come first, nearest deadline (or longest overdue) first.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import BooleanField, Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from fangfan.web.accounts.access import PREFIX_LENGTH, scope
from fangfan.web.accounts.models import User
from fangfan.web.monitoring import models
from fangfan.web.monitoring.models import Intake, Source
from fangfan.web.monitoring.workflow import OPEN_STAGES, Stage
from fangfan.web.regions.models import Region
from fangfan.web.registry.dashboard import region_for_user
from fangfan.web.workqueue.queue import region_choices

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
        self.fields["region"].choices = region_choices(user, code)

    def narrowed(self, rows: QuerySet[Any]) -> QuerySet[Any]:
        """The rows under the chosen region; none while the form has errors."""
        if not self.is_valid():
            return rows.none()
        code = self.cleaned_data.get("region")
        if code:
            region = region_for_user(self.user, code)
            # A city's code "621200" covers every code starting "6212".
            rows = rows.filter(
                village_code__startswith=region.code[: PREFIX_LENGTH[Region.Level(region.level)]]
            )
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
    return (
        intakes.select_related("household", "case")
        .annotate(waiting=waiting_first)
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

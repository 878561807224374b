"""Which findings the work queue lists: the user's region, narrowed by the filter form.

Open work comes first (待处理 and 已分派, earliest deadline first, so overdue findings
lead), then veto findings, then by place; the Excel download reads the same queryset.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import cache
from typing import Any

from django import forms
from django.db.models import BooleanField, Case, F, Q, QuerySet, Value, When
from django.utils import timezone

from fangfan.engine.ledger import CATEGORY_NAMES
from fangfan.engine.rules.model import load_catalogue
from fangfan.web.accounts.access import code_prefix, region_for_user, regions_within, scope, within_region
from fangfan.web.accounts.models import User
from fangfan.web.regions.models import Region
from fangfan.web.registry.dashboard import CATEGORY_ORDER
from fangfan.web.registry.models import CLOSED_STILL_FLAGGED, Finding, Run
from fangfan.web.workqueue.actions import ASSIGNEE_ROLES, OPEN_STATUSES

ANY = [("", "全部")]
# Close-outs the screening does not confirm (假销号 checks).
CLOSEOUT_CHOICES = [("closed_still_flagged", "已核销·仍被筛出"), ("recurring", "复发")]
CLOSEOUT_CONDITIONS = {"closed_still_flagged": CLOSED_STILL_FLAGGED, "recurring": Q(recurrences__gt=0)}


@cache
def rule_choices(policy_year: int) -> list[tuple[str, str]]:
    """The year's rules as (code, "code name"), in catalogue order."""
    return [(rule.code, f"{rule.code} {rule.name}") for rule in load_catalogue(policy_year)]


def overdue_condition(today: dt.date) -> Q:
    return Q(deadline__lt=today, status__in=OPEN_STATUSES)


class QueueFilter(forms.Form):
    """The filter bar; every field optional. Regions and assignees offered are the user's own."""

    region = forms.ChoiceField(label="区域", required=False)
    category = forms.ChoiceField(
        label="类别",
        required=False,
        choices=ANY + [(code, CATEGORY_NAMES.get(code, code)) for code in CATEGORY_ORDER],
    )
    veto = forms.ChoiceField(label="否决项", required=False, choices=[*ANY, ("1", "是"), ("0", "否")])
    status = forms.ChoiceField(label="处理状态", required=False, choices=ANY + Finding.Status.choices)
    rule = forms.ChoiceField(label="规则", required=False)
    assignee = forms.ChoiceField(label="责任人", required=False)
    closeout = forms.ChoiceField(label="核销核查", required=False, choices=ANY + CLOSEOUT_CHOICES)
    overdue = forms.BooleanField(label="只看已逾期", required=False)

    def __init__(self, user: User, data: Mapping[str, Any]) -> None:
        super().__init__(data)
        self.user = user
        code = str(self.data.get("region", ""))
        if code:
            region_for_user(user, code)  # the gate for regions: 404 outside the user's
        self._choice("region").choices = region_choices(user, code)
        run = Run.objects.current()
        self._choice("rule").choices = ANY + (rule_choices(run.policy_year) if run else [])
        assignees = scope(User.objects.filter(role__in=ASSIGNEE_ROLES), user).order_by(
            "region__code", "username"
        )
        self._choice("assignee").choices = ANY + [
            (str(account.pk), _assignee_label(account)) for account in assignees.select_related("region")
        ]

    def _choice(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field

    def chosen_region(self) -> Region | None:
        code = self.cleaned_data.get("region") if self.is_valid() else ""
        return region_for_user(self.user, code) if code else None

    def apply(self, findings: QuerySet[Finding]) -> QuerySet[Finding]:
        """The findings narrowed by the filters; none while the form has errors (shown on the page)."""
        if not self.is_valid():
            return findings.none()
        data = self.cleaned_data
        region = self.chosen_region()
        if region is not None:
            findings = findings.filter(within_region("village_code", region))
        if data["category"]:
            findings = findings.filter(category=data["category"])
        if data["veto"]:
            findings = findings.filter(veto=data["veto"] == "1")
        if data["status"]:
            findings = findings.filter(status=data["status"])
        if data["rule"]:
            findings = findings.filter(rule_code=data["rule"])
        if data["assignee"]:
            findings = findings.filter(assignee_id=int(data["assignee"]))
        if data["closeout"]:
            findings = findings.filter(CLOSEOUT_CONDITIONS[data["closeout"]])
        if data["overdue"]:
            findings = findings.filter(overdue_condition(timezone.localdate()))
        return findings

    def query_string(self) -> str:
        """The filters as a query string, for the Excel link and the pages."""
        return self.data.urlencode() if hasattr(self.data, "urlencode") else ""


def _assignee_label(account: User) -> str:
    assert account.region is not None  # scope() keeps the accounts inside the user's region
    return f"{account.display_name}（{account.region.name}）"


def region_choices(user: User, selected: str) -> list[tuple[str, str]]:
    """The user's region and what lies below it, down to townships; villages of the chosen township.

    A city has a few hundred townships and thousands of villages: listing every village
    would make each page heavy, so villages appear once their township is chosen.
    """
    own = user.region
    if own is None:
        return ANY
    below = regions_within(own).exclude(code=own.code)
    township = selected[:9] if len(selected) >= 9 and selected.startswith(code_prefix(own)) else ""
    shown = below.filter(Q(level__in=[Region.Level.COUNTY, Region.Level.TOWNSHIP]) | Q(parent__code=township))
    if own.level == Region.Level.TOWNSHIP:
        shown = below
    indent: dict[str, str] = {
        Region.Level.COUNTY: "",
        Region.Level.TOWNSHIP: "　",
        Region.Level.VILLAGE: "　　",
    }
    return [("", f"{own.name}（全部）")] + [
        (region.code, f"{indent.get(region.level, '')}{region.name}") for region in shown.order_by("code")
    ]


# Open work first (待处理, 已分派), by deadline, so overdue findings lead; then veto
# findings, then by place. The registry_finding_queue_idx index holds this order.
QUEUE_ORDER = (
    F("open_work").desc(),
    F("deadline").asc(nulls_last=True),
    F("veto").desc(),
    "village_code",
    "household_id",
    "rule_code",
    "id_number",
)


def queue(user: User, filters: QueueFilter) -> QuerySet[Finding]:
    """The user's findings under the filters, overdue first, with what the list shows."""
    today = timezone.localdate()
    findings = filters.apply(scope(Finding.objects.all(), user))
    return (
        findings.select_related("household", "assignee")
        .annotate(
            overdue=Case(
                When(overdue_condition(today), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by(*QUEUE_ORDER)
    )

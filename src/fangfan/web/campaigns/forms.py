"""The visit form, built from the campaign's checklist (one field per item); the verb
re-checks everything."""

from __future__ import annotations

from typing import Any

from django import forms

from fangfan.engine.campaigns import Campaign, ChecklistItem
from fangfan.web import bounds
from fangfan.web.campaigns.actions import RectificationInput, VisitInput
from fangfan.web.campaigns.models import Visit

ANSWER_PREFIX = "answer_"
DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d"]
# A problem opened from a visit is due within a year, as every deadline.
DEADLINE_AHEAD_DAYS = 365
# A number answered on a checklist (days of grain, yuan, people) is below this; "1e999999"
# would otherwise be turned into a million-digit integer.
ANSWER_AT_MOST = 10**9
RECTIFICATION = ("lead_unit", "responsible_person", "measures", "deadline")


def _answer_field(item: ChecklistItem) -> forms.Field:
    if item.choices:
        choices = [("", "请选择"), *((choice, choice) for choice in item.choices)]
        return forms.ChoiceField(
            label=item.name, choices=choices, required=item.required, help_text=item.hint
        )
    if item.kind == "number":
        return forms.DecimalField(
            label=item.name,
            min_value=0,
            max_value=ANSWER_AT_MOST,
            decimal_places=2,
            required=item.required,
            help_text=item.hint,
        )
    return forms.CharField(label=item.name, max_length=500, required=item.required, help_text=item.hint)


class VisitForm(forms.Form):
    visited_on = bounds.date_field("走访日期", input_formats=DATE_FORMATS)
    result = forms.ChoiceField(label="走访结果", choices=[("", "请选择"), *Visit.Result.choices])
    note = forms.CharField(
        label="情况说明", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    follow_up = forms.ChoiceField(label="后续处理", choices=Visit.FollowUp.choices, required=False)
    lead_unit = forms.CharField(label="责任单位", required=False, max_length=100)
    responsible_person = forms.CharField(label="责任人", required=False, max_length=50)
    measures = forms.CharField(
        label="整改措施",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    deadline = bounds.date_field(
        "整改时限",
        earliest=bounds.up_to_today,
        latest=bounds.days_from_today(DEADLINE_AHEAD_DAYS),
        required=False,
        input_formats=DATE_FORMATS,
    )

    def __init__(self, *args: Any, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        answers = {f"{ANSWER_PREFIX}{item.code}": _answer_field(item) for item in campaign.items}
        # The checklist first, in the file's order, then the date, the result and the follow-up.
        self.fields = {**answers, **self.fields}
        for name in ("visited_on", "deadline"):
            self.fields[name].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.fields["visited_on"].initial = bounds.today()

    def answer_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(ANSWER_PREFIX)]

    def other_fields(self) -> list[forms.BoundField]:
        return [
            self[name]
            for name in self.fields
            if not name.startswith(ANSWER_PREFIX) and name not in RECTIFICATION
        ]

    def rectification_fields(self) -> list[forms.BoundField]:
        """What a rectification problem opened from the visit needs (shown for 转整改问题)."""
        return [self[name] for name in RECTIFICATION]


def visit_input(data: dict[str, Any]) -> VisitInput:
    """The verb's input from the form's cleaned data."""
    answers = {
        name[len(ANSWER_PREFIX) :]: value for name, value in data.items() if name.startswith(ANSWER_PREFIX)
    }
    rectification = None
    if data.get("follow_up") == Visit.FollowUp.RECTIFICATION:
        rectification = RectificationInput(
            lead_unit=data.get("lead_unit", ""),
            responsible_person=data.get("responsible_person", ""),
            measures=data.get("measures", ""),
            deadline=data.get("deadline"),
        )
    return VisitInput(
        visited_on=data.get("visited_on"),
        answers={code: value for code, value in answers.items() if value not in (None, "")},
        result=data.get("result", ""),
        note=data.get("note", ""),
        follow_up=data.get("follow_up", ""),
        rectification=rectification,
    )

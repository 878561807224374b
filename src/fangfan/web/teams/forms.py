"""The teams' forms: a new team, a member, a check-in's position, a leave, a decision, an import."""

from __future__ import annotations

from typing import Any

from django import forms

from fangfan.engine import idnumber
from fangfan.web.teams.models import Duty, UnitLevel

DATE = forms.DateInput(attrs={"type": "date"})


class Form(forms.Form):
    """A form whose labels end in a Chinese colon."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "：")
        super().__init__(*args, **kwargs)


class TeamForm(Form):
    village_code = forms.CharField(label="行政村", max_length=12)
    unit = forms.CharField(label="派出单位", max_length=100)
    unit_level = forms.ChoiceField(label="派出单位层级", choices=UnitLevel.choices)
    term_start = forms.DateField(label="任期开始", widget=DATE)
    term_end = forms.DateField(label="任期结束", required=False, widget=DATE)

    def __init__(self, villages: list[tuple[str, str]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village_code"] = forms.ChoiceField(label="行政村", choices=villages)


class MemberForm(Form):
    name = forms.CharField(label="姓名", max_length=32)
    id_number = forms.CharField(label="身份证号", max_length=18)
    duty = forms.ChoiceField(label="职务", choices=Duty.choices)
    phone = forms.RegexField(
        label="联系电话", regex=r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$", required=False, max_length=20
    )
    joined = forms.DateField(label="驻村开始", widget=DATE)
    account = forms.CharField(label="登录账号（村级账号用户名，可不填）", max_length=150, required=False)

    def clean_id_number(self) -> str:
        number = idnumber.normalise(self.cleaned_data["id_number"])
        if len(number) != 18 or idnumber.validate(number) is not idnumber.IdProblem.OK:
            raise forms.ValidationError("不是有效的18位身份证号")
        return number


class EndForm(Form):
    left = forms.DateField(label="离队日期", widget=DATE)


class CheckInForm(Form):
    """The browser's position, when the member allowed it (all three or none)."""

    latitude = forms.FloatField(required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(required=False, min_value=-180, max_value=180)
    accuracy = forms.FloatField(required=False, min_value=0)


class LeaveForm(Form):
    start = forms.DateField(label="开始日期", widget=DATE)
    end = forms.DateField(label="结束日期", widget=DATE)
    reason = forms.CharField(label="事由", max_length=200, widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(Form):
    note = forms.CharField(label="审批意见", max_length=200, required=False)


class ImportForm(Form):
    file = forms.FileField(label="花名册（Excel）")

"""The forms of assistance, follow-up and risk elimination; the verbs re-check what matters."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone

from fangfan.web import bounds
from fangfan.web.accounts.access import RESPONSIBLE_CADRES
from fangfan.web.accounts.models import User
from fangfan.web.monitoring.actions.assistance import MeasureInput
from fangfan.web.monitoring.actions.common import MEASURE_AHEAD_DAYS
from fangfan.web.monitoring.forms import (
    NAME_MAX,
    PHONE_MAX,
    VisitForm,
    _date,
    _notice_dates,
    _text,
    clean_phone,
)
from fangfan.web.monitoring.models import MEASURE_ITEMS, AmountPeriod, MeasureKind, MonitoredHousehold
from fangfan.web.registry.models import Member

WHOLE_HOUSEHOLD = ""


def _items() -> list[tuple[str, str]]:
    items = dict.fromkeys(item for kind_items in MEASURE_ITEMS.values() for item in kind_items)
    return [("", "无（兜底保障、金融帮扶须选）"), *((item, item) for item in items)]


def cadre_accounts(village_code: str) -> list[User]:
    """The cadres who may answer for a household of the village: its team, township and county."""
    codes = [village_code, village_code[:9], village_code[:6]]
    return list(
        User.objects.filter(is_active=True, role__in=RESPONSIBLE_CADRES, region__code__in=codes)
        .select_related("region")
        .order_by("region__code", "username")
    )


class MeasureForm(forms.Form):
    """A new measure: for whom, what, from when, who answers for it."""

    member = forms.ChoiceField(label="帮扶对象", required=False)
    kind = forms.ChoiceField(label="措施类别", choices=[("", "请选择"), *MeasureKind.choices])
    item = forms.ChoiceField(label="具体项目", required=False, choices=_items())
    covers_everyone = forms.BooleanField(
        label="户的措施惠及全体家庭成员（如按户施保的低保、住房、饮水保障）", required=False
    )
    content = _text("帮扶内容", rows=2)
    amount = bounds.money_field("金额（元，适用时填写）", required=False)
    amount_period = forms.ChoiceField(
        label="金额周期", required=False, choices=[("", "请选择"), *AmountPeriod.choices]
    )
    start_date = _date("开始日期")
    end_date = _date("结束日期（可不填）", required=False, latest=bounds.days_from_today(MEASURE_AHEAD_DAYS))
    cadre = forms.ChoiceField(label="帮扶责任人账号", required=False)
    cadre_name = forms.CharField(label="或填写帮扶责任人姓名", max_length=NAME_MAX, required=False)
    cadre_phone = forms.CharField(label="帮扶责任人电话", max_length=PHONE_MAX, required=False)

    def __init__(self, *args: Any, monitored: MonitoredHousehold, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = {
            str(member.pk): member
            for member in Member.objects.filter(household_id=monitored.household_id).order_by(
                "position", "pk"
            )
        }
        self.cadres = {str(user.pk): user for user in cadre_accounts(monitored.village_code)}
        cast(forms.ChoiceField, self.fields["member"]).choices = [
            (WHOLE_HOUSEHOLD, "全户"),
            *((pk, f"{member.name}（{member.relation or '成员'}）") for pk, member in self.members.items()),
        ]
        cast(forms.ChoiceField, self.fields["cadre"]).choices = [
            ("", "不选（填写姓名）"),
            *((pk, f"{user.display_name}（{user.get_role_display()}）") for pk, user in self.cadres.items()),
        ]
        self.fields["cadre_phone"].widget.attrs.update({"inputmode": "tel"})
        if not self.is_bound:
            self.initial.setdefault("start_date", timezone.localdate())

    def clean_cadre_phone(self) -> str:
        return clean_phone(self.cleaned_data.get("cadre_phone", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not data.get("cadre") and not data.get("cadre_name", "").strip():
            raise forms.ValidationError("请选择帮扶责任人账号，或填写帮扶责任人姓名")
        if not self.errors and data.get("amount") is not None and not data.get("amount_period"):
            self.add_error("amount_period", "填写了金额，请选择周期：每月、每年或一次性")
        return data

    def measure(self) -> MeasureInput:
        data = self.cleaned_data
        return MeasureInput(
            kind=data["kind"],
            item=data["item"],
            content=data["content"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            member=self.members.get(data["member"]),
            covers_everyone=data["covers_everyone"],
            amount=data["amount"],
            amount_period=data["amount_period"],
            cadre=self.cadres.get(data["cadre"]),
            cadre_name=data["cadre_name"],
            cadre_phone=data["cadre_phone"],
        )


class EndMeasureForm(forms.Form):
    end_date = _date("结束日期")
    note = _text("结束原因", rows=2)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("end_date", timezone.localdate())


class ReassessmentForm(VisitForm):
    """回访/动态评估: the visit's 算细账 again, with notes (and, as on a visit, the household
    size when the registry holds none: `size_known=False`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["visited_on"].label = "回访日期"
        self.fields["situation"].label = "回访情况（收入变化、帮扶措施落实、存在的困难）"


class ProposeForm(forms.Form):
    note = _text("提出理由（可选）", rows=2, required=False)


class EliminationCheckForm(forms.Form):
    checked_on = _date("入户核实日期")
    village_group = forms.CharField(label="村民小组", max_length=16, required=False)
    note = _text("核实情况（收入、“两不愁三保障”和饮水安全、大额支出）")


class EliminationNoticeForm(forms.Form):
    reviewed_on = _date("村级评议日期")
    note = _text("评议意见")
    notice_start, notice_end = _notice_dates()


class ApproveForm(forms.Form):
    eliminated_on = _date("风险消除时间")
    note = _text("审批意见（可选）", rows=2, required=False)

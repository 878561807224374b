"""The forms behind rectification's pages; the verbs re-check everything."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from fangfan.web import bounds
from fangfan.web.accounts.access import regions_within
from fangfan.web.accounts.models import User
from fangfan.web.rectification.actions import DEADLINE_AHEAD_DAYS
from fangfan.web.rectification.models import CATEGORY_CHOICES, RecheckItem, ScopeLevel, Source, Status
from fangfan.web.regions.models import Region
from fangfan.web.workqueue.forms import check_attachment

ANY = [("", "全部")]
CHOOSE = [("", "请选择")]
TEXTAREA = forms.Textarea(attrs={"rows": 3})


def deadline_field(label: str = "整改时限", **kwargs: Any) -> bounds.BoundedDateField:
    return bounds.date_field(
        label,
        earliest=bounds.up_to_today,
        latest=bounds.days_from_today(DEADLINE_AHEAD_DAYS),
        input_formats=["%Y-%m-%d", "%Y/%m/%d"],
        **kwargs,
    )


def proof_field(label: str, required: bool) -> forms.FileField:
    return forms.FileField(
        label=f"{label}（{'必传' if required else '可选'}：照片、PDF、Word、Excel，不超过10MB）",
        required=required,
    )


def _checked(form: forms.Form) -> UploadedFile[bytes] | None:
    upload: UploadedFile[bytes] | None = form.cleaned_data.get("proof")
    if upload:
        check_attachment(upload)
    return upload or None


def region_choices(user: User) -> list[tuple[str, str]]:
    """The user's region and those below it (villages only below a county or township:
    a city's thousands of villages are reached through its townships' households)."""
    own = user.region
    if own is None:
        return CHOOSE
    shown = regions_within(own)
    if own.level == Region.Level.CITY:
        shown = shown.exclude(level=Region.Level.VILLAGE)
    indent: dict[str, str] = {
        Region.Level.COUNTY: "　",
        Region.Level.TOWNSHIP: "　　",
        Region.Level.VILLAGE: "　　　",
    }
    return [
        (region.code, f"{indent.get(region.level, '')}{region.name}") for region in shown.order_by("code")
    ]


class ProblemFields(forms.Form):
    """What every problem states: what is wrong, who fixes it, how and by when."""

    description = forms.CharField(label="问题描述", max_length=4000, widget=TEXTAREA)
    category = forms.ChoiceField(label="问题类别", choices=CHOOSE + CATEGORY_CHOICES)
    batch = forms.CharField(label="批次（如“2020年省际交叉考核反馈问题”）", max_length=100, required=False)
    lead_unit = forms.CharField(label="责任单位", max_length=100)
    responsible_person = forms.CharField(label="责任人", max_length=50)
    measures = forms.CharField(label="整改措施", max_length=4000, widget=TEXTAREA)
    deadline = deadline_field()


class ProblemForm(ProblemFields):
    """立项: a problem entered by hand, from any source, at the level it concerns."""

    source = forms.ChoiceField(label="问题来源", choices=CHOOSE + Source.choices)
    serial = forms.CharField(label="原清单序号", max_length=20, required=False)
    source_reference = forms.CharField(label="来源编号或链接", max_length=300, required=False)
    scope_level = forms.ChoiceField(label="问题层级", choices=CHOOSE + ScopeLevel.choices)
    region = forms.ChoiceField(label="所在区划")
    household_ids = forms.CharField(
        label="涉及农户的户编号（农户层级必填，多户用逗号或换行分隔）",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    project = forms.CharField(label="涉及项目（项目层级必填）", max_length=200, required=False)
    department = forms.CharField(label="涉及部门（部门层级必填）", max_length=100, required=False)

    field_order = ("source", "batch", "serial", "source_reference", "scope_level", "region", "household_ids")

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region = self.fields["region"]
        assert isinstance(region, forms.ChoiceField)
        region.choices = region_choices(user)

    def clean_household_ids(self) -> list[str]:
        text = str(self.cleaned_data.get("household_ids") or "")
        return [
            part for part in text.replace("，", ",").replace("\n", ",").replace(" ", ",").split(",") if part
        ]


class FixForm(forms.Form):
    note = forms.CharField(label="整改情况", max_length=4000, widget=TEXTAREA)
    fixed_on = bounds.date_field("整改完成日期")
    proof = proof_field("整改佐证材料", required=True)

    def clean_proof(self) -> UploadedFile[bytes] | None:
        return _checked(self)


class AcceptForm(forms.Form):
    rechecked_on = bounds.date_field("现场复核日期")
    rechecked_by = forms.CharField(label="现场复核人员", max_length=100)
    result = forms.CharField(label="现场复核结果", max_length=4000, widget=TEXTAREA)
    proof = proof_field("复核材料", required=False)

    def clean_proof(self) -> UploadedFile[bytes] | None:
        return _checked(self)


class CloseForm(forms.Form):
    note = forms.CharField(label="销号意见（可选）", required=False, max_length=2000, widget=TEXTAREA)


class ReasonForm(forms.Form):
    note = forms.CharField(label="退回原因", max_length=2000, widget=TEXTAREA)


class LedgerFilter(forms.Form):
    """The ledger's filter bar; every field optional."""

    source = forms.ChoiceField(label="来源", required=False, choices=ANY + Source.choices)
    batch = forms.CharField(label="批次", required=False, max_length=100)
    status = forms.ChoiceField(label="状态", required=False)
    region = forms.ChoiceField(label="区域", required=False)
    overdue = forms.BooleanField(label="只看已逾期", required=False)

    def __init__(self, user: User, data: Any) -> None:
        super().__init__(data)
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = [*ANY, ("open", "未销号"), *Status.choices]
        region = self.fields["region"]
        assert isinstance(region, forms.ChoiceField)
        region.choices = ANY + region_choices(user)


class DrawForm(forms.Form):
    """回头看: the share to draw per county and source, and the seed (blank: a new one)."""

    percent = forms.DecimalField(
        label="抽查比例（%）",
        min_value=Decimal("0.1"),
        max_value=Decimal("100"),
        decimal_places=1,
        initial=10,
    )
    seed = forms.IntegerField(
        label="随机种子（可选，填写同一种子可重现抽样）",
        required=False,
        min_value=0,
        max_value=2**63 - 1,  # the sample keeps it in a BigIntegerField
    )
    closed_before = bounds.date_field("抽取此日及以前销号的问题", required=False)
    note = forms.CharField(label="说明", max_length=200, required=False)


class RecheckForm(forms.Form):
    result = forms.ChoiceField(
        label="复查结果",
        choices=[*CHOOSE, (RecheckItem.Result.HOLDS, "整改到位"), (RecheckItem.Result.RECURRED, "复发")],
    )
    checked_on = bounds.date_field("复查日期")
    note = forms.CharField(label="复查情况", max_length=2000, widget=TEXTAREA)
    new_deadline = deadline_field("复发后的整改时限（复发必填）", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("result") == RecheckItem.Result.RECURRED and not data.get("new_deadline"):
            self.add_error("new_deadline", "复发的问题请填写新的整改时限")
        return data

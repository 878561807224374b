"""The forms of the project pages (validation only; the verbs in `actions` decide)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django import forms

from fangfan.engine.fieldwork.projects import BENEFITS, FUND_LEVELS, KINDS
from fangfan.web import bounds

CHOOSE = [("", "请选择")]
DATE_INPUT: dict[str, Any] = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
PLAN_AHEAD = bounds.days_from_today(10 * 366)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png", "capture": "environment"})

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(PhotosField, self).clean(item, initial) for item in files]


class ProjectForm(forms.Form):
    number = forms.CharField(label="项目编号（不填则自动编号）", max_length=40, required=False)
    name = forms.CharField(label="项目名称", max_length=200)
    kind = forms.ChoiceField(label="项目类别", choices=CHOOSE + list(KINDS))
    region = forms.CharField(label="项目所在地区划代码（县区6位、乡镇9位、村12位）", max_length=12)
    content = forms.CharField(label="建设内容", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    planned_start = bounds.date_field("计划开工日期", latest=PLAN_AHEAD, **DATE_INPUT)
    planned_finish = bounds.date_field("计划完工日期", latest=PLAN_AHEAD, **DATE_INPUT)
    budget_yuan = bounds.money_field("项目预算（元，须等于各级资金之和）")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for level, label in FUND_LEVELS:
            self.fields[f"fund_{level}"] = bounds.money_field(f"{label}资金（元）", required=False)

    def funds(self) -> dict[str, Decimal]:
        return {
            level: self.cleaned_data.get(f"fund_{level}") or Decimal(0)
            for level, _ in FUND_LEVELS
            if self.cleaned_data.get(f"fund_{level}")
        }


class ProgressForm(forms.Form):
    reported_on = bounds.date_field("进度日期", **DATE_INPUT)
    percent = forms.IntegerField(
        label="完成进度（%）",
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": 100}),
        error_messages={"min_value": "进度应在0到100之间", "max_value": "进度应在0到100之间"},
    )
    note = forms.CharField(label="进展情况", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    photos = PhotosField(label="现场照片（可多张）", required=False)


class PaymentForm(forms.Form):
    paid_on = bounds.date_field("支付日期", **DATE_INPUT)
    amount_yuan = bounds.money_field("支付金额（元）")
    level = forms.ChoiceField(label="资金来源", choices=CHOOSE + list(FUND_LEVELS))
    note = forms.CharField(label="说明", max_length=200, required=False)


class AcceptForm(forms.Form):
    accepted_on = bounds.date_field("验收日期", **DATE_INPUT)
    accepted_by_names = forms.CharField(label="验收人员", max_length=200)
    note = forms.CharField(label="验收意见", widget=forms.Textarea(attrs={"rows": 2}))


class BeneficiaryForm(forms.Form):
    household_id = forms.CharField(label="户编号", max_length=32)
    benefit = forms.ChoiceField(label="带动方式", choices=CHOOSE + list(BENEFITS))
    yuan_per_year = bounds.money_field("年受益金额（元）")


ACCEPTED_SUFFIXES = (".xlsx", ".xlsm", ".xls")
IMPORT_MAX_BYTES = 20 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(
        label="项目库Excel",
        help_text="项目表：项目编号、项目名称、项目类别、县区、乡镇、村、建设内容、中央资金……其他资金、"
        "项目预算、计划开工日期、计划完工日期；联农带农表：项目编号、户编号或户主身份证号、带动方式、年收益（元）",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_SUFFIXES)}),
        error_messages={"required": "请选择要导入的文件", "empty": "上传的文件是空的"},
    )

    def clean_file(self) -> Any:
        file = self.cleaned_data["file"]
        suffix = PurePath(file.name or "").suffix.lower()
        if suffix not in ACCEPTED_SUFFIXES:
            raise forms.ValidationError(
                f"不支持“{suffix or '无扩展名'}”文件，请上传 .xlsx 或 .xls 格式的项目库"
            )
        if (file.size or 0) > IMPORT_MAX_BYTES:
            raise forms.ValidationError("文件太大，项目库文件不能超过20MB")
        return file


class ListFilter(forms.Form):
    kind = forms.ChoiceField(label="类别", choices=[("", "全部"), *list(KINDS)], required=False)
    status = forms.ChoiceField(
        label="状态",
        choices=[
            ("", "全部"),
            ("not_started", "未开工"),
            ("in_progress", "在建"),
            ("finished", "已完工待验收"),
            ("accepted", "已验收"),
        ],
        required=False,
    )
    q = forms.CharField(label="项目名称或编号", max_length=60, required=False)


def today_initial() -> dict[str, dt.date]:
    from django.utils import timezone

    return {
        "reported_on": timezone.localdate(),
        "paid_on": timezone.localdate(),
        "accepted_on": timezone.localdate(),
    }

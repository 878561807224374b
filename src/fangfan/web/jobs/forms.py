"""The forms of public-welfare jobs: a post, an application, each selection step, the appraisal."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from fangfan.engine.fieldwork.jobs import GRADES, parse_month
from fangfan.web import bounds
from fangfan.web.jobs.models import Kind
from fangfan.web.procedures.notice import NOTICE_AHEAD_DAYS

DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d"]
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _date(label: str, **kwargs: Any) -> forms.DateField:
    return bounds.date_field(label, input_formats=DATE_FORMATS, widget=DATE_WIDGET, **kwargs)


def _note(label: str, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=300, required=required, widget=forms.Textarea(attrs={"rows": 2})
    )


class PostForm(forms.Form):
    village = forms.ChoiceField(label="行政村")
    kind = forms.ChoiceField(label="岗位类别", choices=Kind.choices)
    title = forms.CharField(label="岗位名称", max_length=60, help_text="如“石桥村保洁员”")
    monthly_pay = forms.IntegerField(
        label="月工资（元）", min_value=0, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    duties = forms.CharField(label="岗位职责", max_length=200, required=False)
    announced_on = _date("岗位公告日期")

    def __init__(self, *args: Any, villages: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        village = self.fields["village"]
        assert isinstance(village, forms.ChoiceField)
        village.choices = villages


class ApplyForm(forms.Form):
    household_id = forms.CharField(label="户编号", max_length=32)
    id_number = forms.CharField(label="申请人身份证号", max_length=32)
    applied_on = _date("申请日期")


class ReviewForm(forms.Form):
    reviewed_on = _date("村评议日期")
    note = _note("村评议意见")


class CheckForm(forms.Form):
    checked_on = _date("乡镇审核日期")
    note = _note("乡镇审核意见")


class NoticeForm(forms.Form):
    notice_start = _date("公示开始日期", latest=bounds.days_from_today(NOTICE_AHEAD_DAYS))
    notice_end = _date("公示结束日期", latest=bounds.days_from_today(NOTICE_AHEAD_DAYS * 2))
    note = _note("公示说明", required=False)


class RecordForm(forms.Form):
    recorded_on = _date("县备案日期")
    started_on = _date("上岗日期", latest=bounds.days_from_today(60))
    note = _note("备案说明", required=False)


class EndForm(forms.Form):
    ended_on = _date("离岗日期")
    reason = _note("离岗原因")


class NoteForm(forms.Form):
    note = _note("说明（原因）")


class MonthField(forms.CharField):
    """A month as 2026-05 (the phone's month picker) → its first day."""

    widget = forms.TextInput(attrs={"type": "month", "inputmode": "numeric"})

    def to_python(self, value: Any) -> dt.date | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_month(text)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


class AppraisalForm(forms.Form):
    month = MonthField(label="考核月份")
    absent_days = forms.IntegerField(
        label="缺勤天数",
        min_value=0,
        max_value=31,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": 31}),
    )
    grade = forms.ChoiceField(
        label="考核等次",
        choices=[(grade, grade) for grade in GRADES],
        widget=forms.RadioSelect,
        initial="合格",
    )
    note = _note("考核说明", required=False)


class MonthForm(forms.Form):
    month = MonthField(label="月份", required=False)

    def chosen(self) -> dt.date:
        """The month asked for, else the last month (the one being paid)."""
        if self.is_valid() and self.cleaned_data["month"]:
            chosen: dt.date = self.cleaned_data["month"]
            return chosen
        return last_month()


def last_month() -> dt.date:
    first = timezone.localdate().replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


class CadreImportForm(forms.Form):
    file = forms.FileField(
        label="村干部名单（Excel）",
        help_text="列：村代码（12位）、姓名、身份证号、职务；第一行为表头",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls"}),
        error_messages={"required": "请选择要导入的名单文件", "empty": "上传的文件是空的"},
    )


class CheckMonthForm(forms.Form):
    month = MonthField(label="检查月份")

"""The forms behind the pages; the verbs re-check everything that matters."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import PurePath
from typing import Any, cast

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse
from django.utils import timezone

from fangfan.engine import idnumber
from fangfan.web import bounds
from fangfan.web.accounts.access import regions_within
from fangfan.web.accounts.models import User
from fangfan.web.monitoring import places
from fangfan.web.monitoring.actions.reports import Report
from fangfan.web.monitoring.income import AMOUNT_FIELDS
from fangfan.web.monitoring.models import Category, RiskType
from fangfan.web.monitoring.spam import HONEYPOT_FIELD
from fangfan.web.monitoring.threshold import EARLIEST_THRESHOLD_YEAR
from fangfan.web.procedures.notice import (
    NOTICE_AHEAD_DAYS,
    NOTICE_LATE_DAYS,
    NOTICE_MAX_DAYS,
    NOTICE_MIN_DAYS,
)
from fangfan.web.regions.models import Region
from fangfan.web.workqueue.forms import ATTACHMENT_MAX_BYTES, ATTACHMENT_TYPES

Level = Region.Level
NAME_MAX, ID_MAX, PHONE_MAX, DESCRIPTION_MAX, NOTE_MAX = 32, 18, 20, 1000, 2000
SCAN_TYPES = (".jpg", ".jpeg", ".png", ".pdf")
PHONE = re.compile(r"^\d{7,12}$")


def _date(label: str, **kwargs: Any) -> forms.DateField:
    """A date (ISO, for the browser's picker) within bounds: a past event unless told."""
    return bounds.date_field(label, **kwargs)


def _notice_dates() -> tuple[forms.DateField, forms.DateField]:
    """A notice's first and last day: it starts within a week back and a month ahead."""
    start = _date(
        "公示开始日期",
        earliest=bounds.days_from_today(-NOTICE_LATE_DAYS),
        latest=bounds.days_from_today(NOTICE_AHEAD_DAYS),
    )
    end = _date(
        f"公示结束日期（不少于{NOTICE_MIN_DAYS}天）",
        earliest=bounds.days_from_today(NOTICE_MIN_DAYS - NOTICE_LATE_DAYS),
        latest=bounds.days_from_today(NOTICE_AHEAD_DAYS + NOTICE_MAX_DAYS),
    )
    return start, end


def _text(label: str, max_length: int = NOTE_MAX, rows: int = 3, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=max_length, widget=forms.Textarea(attrs={"rows": rows}), **kwargs
    )


def _money(label: str) -> forms.DecimalField:
    return bounds.money_field(label, initial=0)


def clean_id_number(raw: str) -> str:
    number = idnumber.normalise(raw)
    if number and idnumber.validate(number) != idnumber.IdProblem.OK:
        raise forms.ValidationError("身份证号不正确，请核对（18位，最后一位可以是X）")
    return number


def clean_phone(raw: str) -> str:
    number = re.sub(r"[\s\-()（）]", "", raw or "")
    if number and not PHONE.match(number):
        raise forms.ValidationError("电话号码应为7到12位数字")
    return number


class PersonFields(forms.Form):
    """Who the report is about and what happened: shared by the public form and the hotline form."""

    name = forms.CharField(label="姓名", max_length=NAME_MAX)
    id_number = forms.CharField(label="身份证号", max_length=ID_MAX + 4, required=False)
    phone = forms.CharField(label="手机号码", max_length=PHONE_MAX, required=False)
    description = _text("遇到的困难", DESCRIPTION_MAX, 4, min_length=4)

    def clean_id_number(self) -> str:
        return clean_id_number(self.cleaned_data.get("id_number", ""))

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data.get("phone", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not data.get("id_number") and not data.get("phone"):
            raise forms.ValidationError("身份证号和手机号码至少填写一项，便于核实")
        return data


class SelfReportForm(PersonFields):
    """The public form: county → township → village, each offered once the one above is chosen."""

    county = forms.ChoiceField(label="县（区）")
    township = forms.ChoiceField(label="乡（镇）")
    village = forms.ChoiceField(label="行政村")
    contact_phone = forms.CharField(label="其他联系电话（可选）", max_length=PHONE_MAX, required=False)
    website = forms.CharField(label="请勿填写此项", required=False, max_length=200)
    token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=400)

    field_order = (
        "name",
        "id_number",
        "phone",
        "county",
        "township",
        "village",
        "description",
        "contact_phone",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        chosen = self.data if self.is_bound else self.initial
        county = str(chosen.get("county", "") or "")
        township = str(chosen.get("township", "") or "")
        cast(forms.ChoiceField, self.fields["county"]).choices = places.choices(
            places.counties(), "请选择县（区）"
        )
        cast(forms.ChoiceField, self.fields["township"]).choices = places.choices(
            places.children(county, Level.TOWNSHIP), "请先选择县（区）" if not county else "请选择乡（镇）"
        )
        cast(forms.ChoiceField, self.fields["village"]).choices = places.choices(
            places.children(township if township.startswith(county) else "", Level.VILLAGE),
            "请先选择乡（镇）" if not township else "请选择行政村",
        )
        self.fields[HONEYPOT_FIELD].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        # Each choice loads the next level's choices (htmx); without script, sending the
        # form with only the county chosen comes back with its townships offered.
        places_url = reverse("monitoring:report_places")
        for name, below in (("county", "township"), ("township", "village")):
            self.fields[name].widget.attrs.update(
                {"hx-get": places_url, "hx-target": f"#field-{below}", "hx-swap": "outerHTML"}
            )
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})
        self.fields["contact_phone"].widget.attrs.update({"inputmode": "tel"})
        self.fields["id_number"].widget.attrs.update({"autocomplete": "off"})

    def clean_contact_phone(self) -> str:
        return clean_phone(self.cleaned_data.get("contact_phone", ""))

    def report(self) -> Report:
        data = self.cleaned_data
        return Report(
            village_code=data["village"],
            name=data["name"],
            description=data["description"],
            id_number=data["id_number"],
            phone=data["phone"],
            contact_phone=data["contact_phone"],
        )


class ProgressForm(forms.Form):
    """A reporter's look-up: the reference number on the answer page and the phone given."""

    reference = forms.CharField(
        label="受理编号", max_length=20, error_messages={"required": "请填写受理编号"}
    )
    phone = forms.CharField(
        label="申报时填写的手机号码", max_length=PHONE_MAX, error_messages={"required": "请填写手机号码"}
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reference = self.fields["reference"].widget
        reference.attrs.update({"autocomplete": "off", "placeholder": "如 20261129-K7QD"})
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})


def village_choices(user: User) -> list[tuple[str, str]]:
    """The villages inside the user's region, as "乡镇 · 村", by code."""
    region = user.region
    if region is None:
        return []
    villages = regions_within(region).filter(level=Level.VILLAGE).select_related("parent")
    return [("", "请选择行政村")] + [
        (village.code, f"{village.parent.name if village.parent else ''} · {village.name}")
        for village in villages.order_by("code")
    ]


class HotlineForm(PersonFields):
    """A 12317 call: who called and when, and the report as told."""

    caller_name = forms.CharField(label="来电人", max_length=NAME_MAX)
    caller_phone = forms.CharField(label="来电号码", max_length=PHONE_MAX, required=False)
    called_at = bounds.BoundedDateTimeField(
        label="来电时间",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
    village = forms.ChoiceField(label="行政村")

    field_order = ("caller_name", "caller_phone", "called_at", "name", "id_number", "phone", "village")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["village"]).choices = village_choices(user)
        self.fields["name"].label = "当事人（户主）姓名"
        self.fields["description"].label = "反映的情况"
        if not self.is_bound:
            self.initial.setdefault("called_at", timezone.localtime().replace(second=0, microsecond=0))

    def clean_caller_phone(self) -> str:
        return clean_phone(self.cleaned_data.get("caller_phone", ""))

    def report(self) -> Report:
        data = self.cleaned_data
        return Report(
            village_code=data["village"],
            name=data["name"],
            description=data["description"],
            id_number=data["id_number"],
            phone=data["phone"],
        )


class VisitForm(forms.Form):
    """走访记录 with 算细账: each income item of the past twelve months, in yuan."""

    # The income assessed is the year before the visit's (unless `income_year` says which);
    # a year before the first policy file has no threshold to weigh it against.
    visited_on = _date("走访日期", earliest=dt.date(EARLIEST_THRESHOLD_YEAR + 1, 1, 1))
    income_year = forms.IntegerField(
        label="所评估的收入年度（不填：走访日期的上一年）",
        required=False,
        min_value=EARLIEST_THRESHOLD_YEAR,
        max_value=2100,
    )
    wage_income = _money("工资性收入")
    business_income = _money("生产经营性收入")
    property_income = _money("财产性收入")
    transfer_income = _money("转移性收入")
    business_cost = _money("生产经营性支出")
    rigid_spending = _money("刚性支出（医疗、教育等自付部分，可为0）")
    # Asked only when the registry holds no size for the household (`income.household_size_for`).
    household_size = forms.IntegerField(label="家庭人口数", min_value=1, max_value=50, required=False)
    situation = _text("走访情况", required=False)
    # 政策知晓: offered the policies the household receives (`awareness.received_keys`).
    policies_known = forms.MultipleChoiceField(
        label="政策知晓：该户能说出自己享受的哪些政策（说得出的才勾选）",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    AMOUNTS = AMOUNT_FIELDS  # the amounts a visit's and a re-assessment's account take

    def __init__(
        self,
        *args: Any,
        size_known: bool = True,
        received: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("visited_on", timezone.localdate())
        if size_known:
            del self.fields["household_size"]
        else:
            self.fields["household_size"].required = True
        if received:
            cast(forms.MultipleChoiceField, self.fields["policies_known"]).choices = received
        else:
            del self.fields["policies_known"]  # nothing received: nothing to know

    def amounts(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.AMOUNTS}


class TakeUpForm(forms.Form):
    household_id = forms.CharField(
        label="户编号（未自动匹配时可填写，须在本辖区）", max_length=32, required=False
    )
    note = _text("研判意见（可选）", rows=2, required=False)


class ReasonForm(forms.Form):
    note = _text("理由")


class HomeCheckForm(forms.Form):
    checked_on = _date("入户核实日期")
    village_group = forms.CharField(label="村民小组", max_length=16, required=False)
    note = _text("核实情况")
    consent_signed_on = _date("承诺授权书签字日期")
    consent_scan = forms.FileField(label="承诺授权书扫描件（照片或PDF，不超过10MB）")

    def clean_consent_scan(self) -> UploadedFile[bytes]:
        upload: UploadedFile[bytes] = self.cleaned_data["consent_scan"]
        if upload.size and upload.size > ATTACHMENT_MAX_BYTES:
            raise forms.ValidationError("扫描件不能超过10MB")
        extension = PurePath(upload.name or "").suffix.lower()
        if extension not in SCAN_TYPES:
            raise forms.ValidationError("扫描件只能是照片（JPG、PNG）或PDF")
        head = upload.read(16)
        upload.seek(0)
        if not head.startswith(ATTACHMENT_TYPES[extension] or b""):
            raise forms.ValidationError("文件内容与扩展名不符")
        return upload


def _risks(label: str) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, choices=RiskType.choices, widget=forms.CheckboxSelectMultiple
    )


class NoticeForm(forms.Form):
    reviewed_on = _date("村级评议日期")
    note = _text("评议意见")
    proposed_category = forms.ChoiceField(label="拟识别类别", choices=[("", "请选择"), *Category.choices])
    proposed_risk_types = _risks("拟纳入原因（风险类型，可多选）")
    notice_start, notice_end = _notice_dates()


class CloseNoticeForm(forms.Form):
    note = _text("公示结果", rows=2, required=False, initial="公示期满无异议")


class TownshipReviewForm(forms.Form):
    note = _text("乡镇审核意见")


class DecisionForm(forms.Form):
    category = forms.ChoiceField(label="监测对象类别", choices=[("", "请选择"), *Category.choices])
    risk_types = _risks("风险类型（可多选）")
    monitoring_start = _date("识别监测时间")
    note = _text("审定意见（可选）", rows=2, required=False)

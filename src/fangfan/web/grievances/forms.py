"""The forms behind the grievance and public-opinion pages; the verbs re-check everything."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePath
from typing import Any, cast

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from fangfan.web import bounds
from fangfan.web.accounts.access import region_for_user, regions_within, scope
from fangfan.web.accounts.models import User
from fangfan.web.grievances.actions import Complaint, ProblemPlan, Sighting
from fangfan.web.grievances.deadlines import SLA_CHOICES
from fangfan.web.grievances.models import CATEGORIES, CHANNELS, Grievance, Level, OpinionItem, Satisfaction
from fangfan.web.monitoring.forms import clean_id_number, clean_phone
from fangfan.web.rectification.models import CATEGORY_CHOICES
from fangfan.web.regions.models import Region
from fangfan.web.registry.models import Household

ANY = [("", "全部")]
TEXT_MAX = 2000
# A screenshot: a photo or a PDF print of the page, at most 10 MB.
SCREENSHOT_MAX_BYTES = 10 * 1024 * 1024
SCREENSHOT_TYPES = {
    ".jpg": b"\xff\xd8\xff",
    ".jpeg": b"\xff\xd8\xff",
    ".png": b"\x89PNG\r\n\x1a\n",
    ".pdf": b"%PDF-",
}
# How far ahead a problem's deadline may lie (as the rectification ledger takes it).
PROBLEM_DEADLINE_DAYS = 366
INDENT: dict[str, str] = {Region.Level.COUNTY: "", Region.Level.TOWNSHIP: "　", Region.Level.VILLAGE: "　　"}


def _text(label: str, rows: int = 3, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=TEXT_MAX, required=required, widget=forms.Textarea(attrs={"rows": rows})
    )


def _moment(label: str) -> bounds.BoundedDateTimeField:
    return bounds.BoundedDateTimeField(
        label=label,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )


def place_choices(user: User) -> list[tuple[str, str]]:
    """The user's region and every county, township and village inside it, indented by level."""
    own = user.region
    if own is None:
        return []
    below = regions_within(own).filter(level__in=list(INDENT)).exclude(code=own.code).order_by("code")
    return [("", "请选择"), (own.code, f"{own.name}（本级）")] + [
        (region.code, f"{INDENT[region.level]}{region.name}") for region in below
    ]


class RegionChoiceMixin(forms.Form):
    """A `region` choice among the user's places, read back through the gate."""

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        cast(forms.ChoiceField, self.fields["region"]).choices = place_choices(user)

    def clean_region(self) -> str:
        code = str(self.cleaned_data.get("region", ""))
        return region_for_user(self.user, code).code


class GrievanceForm(RegionChoiceMixin):
    """登记信访事项: channel, who, where, what, when."""

    channel = forms.ChoiceField(label="渠道", choices=CHANNELS)
    category = forms.ChoiceField(label="类别", choices=CATEGORIES)
    first_level = forms.ChoiceField(label="首次反映层级", choices=Level.choices, initial=Level.VILLAGE)
    received_at = _moment("登记时间")
    name = forms.CharField(label="信访人姓名", max_length=32)
    id_number = forms.CharField(label="身份证号（可选）", max_length=22, required=False)
    phone = forms.CharField(label="联系电话（可选）", max_length=20, required=False)
    region = forms.ChoiceField(label="所在区划")
    household_id = forms.CharField(label="关联农户的户编号（可选）", max_length=40, required=False)
    content = _text("反映内容", rows=4)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("received_at", timezone.localtime().replace(second=0, microsecond=0))

    def clean_id_number(self) -> str:
        return clean_id_number(self.cleaned_data.get("id_number", ""))

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data.get("phone", ""))

    def clean_household_id(self) -> Household | None:
        number = str(self.cleaned_data.get("household_id", "")).strip()
        if not number:
            return None
        household = scope(Household.objects.all(), self.user).filter(household_id=number).first()
        if household is None:
            raise forms.ValidationError("本辖区内没有这个户编号")
        return household

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        household, region = data.get("household_id"), data.get("region")
        if household is not None and region and not household.village_code.startswith(region):
            self.add_error("household_id", "该户不在所选区划内")
        return data

    def complaint(self) -> Complaint:
        data = self.cleaned_data
        return Complaint(
            channel=data["channel"],
            category=data["category"],
            name=data["name"],
            region_code=data["region"],
            first_level=data["first_level"],
            content=data["content"],
            received_at=data["received_at"],
            id_number=data["id_number"],
            phone=data["phone"],
            household=data["household_id"],
        )


class NoteForm(forms.Form):
    note = _text("说明（可选）", rows=2, required=False)


class ReplyForm(forms.Form):
    outcome = _text("办理结果")
    reply = _text("答复意见（告知信访人的内容）")


class CallbackForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label="回访满意度",
        choices=[(Satisfaction.SATISFIED, "满意"), (Satisfaction.FAIRLY, "基本满意")],
        widget=forms.RadioSelect,
    )
    note = _text("回访情况（可选）", rows=2, required=False)


class ReasonForm(forms.Form):
    note = _text("信访人不满意的原因")


class ProblemForm(forms.Form):
    """转整改问题: what the rectification ledger needs beyond the grievance or item."""

    category = forms.ChoiceField(label="问题类别", choices=CATEGORY_CHOICES)
    lead_unit = forms.CharField(label="责任单位", max_length=100)
    responsible_person = forms.CharField(label="责任人", max_length=50)
    measures = _text("整改措施")
    deadline = bounds.date_field(
        "整改时限",
        earliest=bounds.up_to_today,
        latest=bounds.days_from_today(PROBLEM_DEADLINE_DAYS),
        input_formats=["%Y-%m-%d", "%Y/%m/%d"],
    )

    def plan(self) -> ProblemPlan:
        data = self.cleaned_data
        return ProblemPlan(
            data["category"],
            data["lead_unit"],
            data["responsible_person"],
            data["measures"],
            data["deadline"],
        )


class OpinionForm(RegionChoiceMixin):
    """登记舆情: where it was found, when, where it is about, what it claims, a screenshot."""

    platform = forms.ChoiceField(label="平台", choices=OpinionItem.Platform.choices)
    link = forms.URLField(label="链接（可选）", max_length=500, required=False, assume_scheme="https")
    found_at = _moment("发现时间")
    region = forms.ChoiceField(label="涉及区划")
    place = forms.CharField(label="具体地点（可选）", max_length=100, required=False)
    claim = _text("反映内容", rows=4)
    screenshot = forms.FileField(label="截图（可选：JPG、PNG或PDF，不超过10MB）", required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("found_at", timezone.localtime().replace(second=0, microsecond=0))

    def clean_screenshot(self) -> UploadedFile[bytes] | None:
        upload: UploadedFile[bytes] | None = self.cleaned_data.get("screenshot")
        if not upload:
            return None
        if upload.size and upload.size > SCREENSHOT_MAX_BYTES:
            raise forms.ValidationError("截图不能超过10MB")
        signature = SCREENSHOT_TYPES.get(PurePath(upload.name or "").suffix.lower())
        if signature is None:
            raise forms.ValidationError("截图只能是JPG、PNG或PDF文件")
        head = upload.read(16)
        upload.seek(0)
        if not head.startswith(signature):
            raise forms.ValidationError("文件内容与扩展名不符")
        return upload

    def sighting(self) -> Sighting:
        data = self.cleaned_data
        return Sighting(
            data["platform"], data["found_at"], data["region"], data["claim"], data["link"], data["place"]
        )


class VerifyForm(forms.Form):
    verified_on = bounds.date_field("现场核实日期", input_formats=["%Y-%m-%d", "%Y/%m/%d"])
    verified_by = forms.CharField(label="核实人员", max_length=100)
    is_true = forms.TypedChoiceField(
        label="核实结论",
        choices=[("1", "属实"), ("0", "不属实")],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    finding = _text("核实情况")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("verified_on", timezone.localdate())


class AnswerForm(forms.Form):
    note = _text("回应内容")


class ListFilter(forms.Form):
    """The filter bar of a list: a region inside the user's, a stage, the time-limit state."""

    region = forms.ChoiceField(label="区域", required=False)
    sla = forms.ChoiceField(label="时限", required=False, choices=ANY + SLA_CHOICES)

    def __init__(self, user: User, data: Mapping[str, Any]) -> None:
        super().__init__(data)
        self.user = user
        code = str(self.data.get("region", ""))
        if code:
            region_for_user(user, code)  # the gate: 404 outside the user's region
        choices = [(value, label.strip()) for value, label in place_choices(user)[1:]]
        cast(forms.ChoiceField, self.fields["region"]).choices = [("", "全部"), *choices]

    def chosen_region(self) -> Region | None:
        code = self.cleaned_data.get("region") if self.is_valid() else ""
        return region_for_user(self.user, code) if code else None

    def query_string(self) -> str:
        return self.data.urlencode() if hasattr(self.data, "urlencode") else ""


class GrievanceFilter(ListFilter):
    channel = forms.ChoiceField(label="渠道", required=False, choices=ANY + CHANNELS)
    category = forms.ChoiceField(label="类别", required=False, choices=ANY + CATEGORIES)
    stage = forms.ChoiceField(label="环节", required=False, choices=ANY + Grievance.Stage.choices)
    escalated = forms.BooleanField(label="只看已升级", required=False)
    repeat = forms.BooleanField(label="只看重复反映", required=False)


class OpinionFilter(ListFilter):
    stage = forms.ChoiceField(label="环节", required=False, choices=ANY + OpinionItem.Stage.choices)
    verdict = forms.ChoiceField(
        label="核实结论", required=False, choices=[*ANY, ("1", "属实"), ("0", "不属实"), ("-", "未核实")]
    )

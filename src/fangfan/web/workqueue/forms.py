"""The forms behind the verbs; the verbs themselves re-check everything."""

from __future__ import annotations

import datetime as dt
from pathlib import PurePath
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from fangfan.web import bounds
from fangfan.web.accounts.models import User
from fangfan.web.workqueue.actions import DEADLINE_AHEAD_DAYS

# Proof of a fix: photos, scans and office documents, at most 10 MB.
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
# Each accepted extension and the first bytes its files start with (None: any).
ATTACHMENT_TYPES: dict[str, tuple[bytes, ...] | None] = {
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".pdf": (b"%PDF-",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".doc": (b"\xd0\xcf\x11\xe0",),
    ".xls": (b"\xd0\xcf\x11\xe0",),
}


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label="责任人", queryset=User.objects.none(), empty_label="请选择")
    deadline = bounds.date_field(
        "整改时限",
        earliest=bounds.up_to_today,
        latest=bounds.days_from_today(DEADLINE_AHEAD_DAYS),
        # The picker sends ISO; a date typed or pasted the way Chinese pages print it is taken too.
        input_formats=["%Y-%m-%d", "%Y/%m/%d"],
    )
    note = forms.CharField(
        label="要求", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, assignees: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.filter(pk__in=[account.pk for account in assignees])
        # The picker offers only what the bounds accept: today to a year ahead.
        today = timezone.localdate()
        self.fields["deadline"].widget.attrs.update(
            min=today.isoformat(), max=(today + dt.timedelta(days=DEADLINE_AHEAD_DAYS)).isoformat()
        )
        # Django's way to label one field's choices; the stubs see a method being replaced.
        field.label_from_instance = lambda account: (  # type: ignore[method-assign,assignment]
            f"{account.display_name}（{account.get_role_display()}·{account.region.name}）"
        )


class FixForm(forms.Form):
    note = forms.CharField(label="整改情况", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    attachment = forms.FileField(label="佐证材料（可选：照片、PDF、Word、Excel，不超过10MB）", required=False)

    def clean_attachment(self) -> UploadedFile[bytes] | None:
        upload: UploadedFile[bytes] | None = self.cleaned_data.get("attachment")
        if not upload:
            return None
        check_attachment(upload)
        return upload


class ReasonForm(forms.Form):
    note = forms.CharField(label="原因", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class CloseForm(forms.Form):
    """核销; while the newest run still flags the finding the verb requires both fields."""

    note = forms.CharField(
        label="核销意见（可选）", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    attachment = forms.FileField(label="佐证材料（可选）", required=False)

    def __init__(self, *args: Any, still_flagged: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.still_flagged = still_flagged
        if still_flagged:
            self.fields["note"].label = "核销理由（必填）"
            self.fields["attachment"].label = "佐证材料（必填：照片、PDF、Word、Excel，不超过10MB）"

    def clean_attachment(self) -> UploadedFile[bytes] | None:
        upload: UploadedFile[bytes] | None = self.cleaned_data.get("attachment")
        if not upload:
            return None
        check_attachment(upload)
        return upload


def check_attachment(upload: UploadedFile[bytes]) -> None:
    """Refuse a file of the wrong type (by name and by its first bytes) or too large."""
    if upload.size and upload.size > ATTACHMENT_MAX_BYTES:
        raise forms.ValidationError("佐证材料不能超过10MB")
    extension = PurePath(upload.name or "").suffix.lower()
    if extension not in ATTACHMENT_TYPES:
        raise forms.ValidationError("佐证材料只能是照片（JPG、PNG）、PDF、Word或Excel文件")
    signatures = ATTACHMENT_TYPES[extension]
    head = upload.read(16)
    upload.seek(0)
    if signatures and not head.startswith(signatures):
        raise forms.ValidationError("文件内容与扩展名不符")

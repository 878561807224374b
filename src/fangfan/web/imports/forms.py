from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import UploadedFile

from fangfan.web import bounds
from fangfan.web.accounts.access import can
from fangfan.web.accounts.models import User
from fangfan.web.imports.models import FEED_CHOICES, default_as_of

ACCEPTED_SUFFIXES = (".xlsx", ".xls", ".et", ".csv")  # .et: WPS 表格 (old Excel format)


def feeds_for(user: User | AnonymousUser) -> list[tuple[str, str]]:
    """The tables and feeds `user` may upload, labelled (国扶办系统·户信息, 教育·学籍信息)."""
    return [(name, label) for name, label in FEED_CHOICES if can(user, "upload", name)]


def size_text(size: int) -> str:
    """A file size as people read it: 12.3 MB."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} 字节"


class UploadForm(forms.Form):
    feed = forms.ChoiceField(
        label="数据类别",
        error_messages={"required": "请选择数据类别", "invalid_choice": "您的账号不能上传这类数据"},
    )
    file = forms.FileField(
        label="导出文件",
        help_text="国扶办系统或部门系统导出的原始表格：.xlsx、.xls 或 .csv",
        error_messages={"required": "请选择要上传的文件", "empty": "上传的文件是空的"},
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_SUFFIXES)}),
    )
    # Not before 精准扶贫 began, not after today (bounds.date_field).
    as_of = bounds.date_field(
        "数据截止日期",
        help_text="导出数据所截止的日期，通常是上月最后一天",
        input_formats=["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"],
        error_messages={"required": "请填写数据截止日期", "invalid": "日期格式应为 2026-06-30"},
        # The browser's date picker wants ISO dates whatever the page's language.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = feeds_for(user)
        feed = self.fields["feed"]
        assert isinstance(feed, forms.ChoiceField)
        feed.choices = choices
        if len(choices) == 1:
            self.fields["feed"].initial = choices[0][0]
        self.fields["as_of"].initial = default_as_of()
        self.max_bytes = int(settings.FANGFAN_UPLOAD_MAX_BYTES)

    def clean_file(self) -> UploadedFile[bytes]:
        file: UploadedFile[bytes] = self.cleaned_data["file"]
        suffix = PurePath(file.name or "").suffix.lower()
        if suffix not in ACCEPTED_SUFFIXES:
            raise forms.ValidationError(
                f"不支持“{suffix or '无扩展名'}”文件，请上传 .xlsx、.xls 或 .csv 格式的导出表格"
            )
        limit = settings.FANGFAN_UPLOAD_MAX_BYTES
        if (file.size or 0) > limit:
            raise forms.ValidationError(
                f"文件太大（{size_text(file.size or 0)}），单个文件不能超过 {size_text(limit)}"
            )
        return file

"""The upload form (a need of the household, a photo from the camera or a file) and removal."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile

from fangfan.engine.evidence.needs import Need


def slot_value(need: Need) -> str:
    """A need as a form value: requirement|subject|proof."""
    return "|".join(need.slot)


class UploadForm(forms.Form):
    need = forms.ChoiceField(label="佐证项")
    # Two ways in: the phone's camera straight away, or a file already on the phone or computer.
    photo = forms.FileField(
        label="拍照",
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    document = forms.FileField(
        label="选择文件",
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,application/pdf,.jpg,.jpeg,.png,.pdf"}),
    )
    note = forms.CharField(label="说明（可选）", max_length=200, required=False)

    def __init__(self, needs: list[Need], *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.needs = {slot_value(need): need for need in needs}
        self.fields["need"].choices = [("", "请选择要上传的材料")] + [  # type: ignore[attr-defined]
            (value, need.title) for value, need in self.needs.items()
        ]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        files = [data.get(name) for name in ("photo", "document") if data.get(name)]
        if len(files) != 1:
            raise forms.ValidationError("请拍一张照片或选择一个文件（JPG、PNG照片或PDF）")
        data["upload"] = files[0]
        return data

    @property
    def chosen(self) -> Need:
        return self.needs[self.cleaned_data["need"]]

    @property
    def upload(self) -> UploadedFile[bytes]:
        upload: UploadedFile[bytes] = self.cleaned_data["upload"]
        return upload


class RemoveForm(forms.Form):
    reason = forms.CharField(label="删除原因", max_length=200)

from __future__ import annotations

from django import forms


class UploadForm(forms.Form):
    export = forms.FileField(
        label="提交数据导出文件（ODK Central 的 CSV，或 KoboToolbox 的 XLSX）",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

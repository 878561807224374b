from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib.auth.forms import AuthenticationForm

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class LoginForm(AuthenticationForm):
    # An instance attribute in django-stubs, so not a ClassVar here.
    error_messages: dict[str, StrOrPromise] = {  # noqa: RUF012
        **AuthenticationForm.error_messages,
        "invalid_login": "用户名或密码不正确。连续输错 5 次，该账号在本机将被锁定 15 分钟。",
        "inactive": "该账号已停用，请联系市级办公室。",
    }


class UnmaskForm(forms.Form):
    reason = forms.CharField(
        label="查看原因",
        max_length=200,
        strip=True,
        error_messages={"required": "请填写查看原因"},
    )

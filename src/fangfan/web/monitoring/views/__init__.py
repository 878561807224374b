"""Relapse monitoring's pages: the public report form, the intake list, visits and cases."""

from __future__ import annotations

from django.http import HttpRequest

from fangfan.web.accounts.models import User


def user_of(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user

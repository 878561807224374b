"""Error pages in Chinese in the site's frame (DEBUG off, as pytest-django runs), a busy
database answered with 503 and Retry-After, and a server error's traceback in the log
file under FANGFAN_HOME/logs.

The failing views live in a URL configuration of this module's own (`FAILING`), so the
site's URLs stay as they are.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import ClassVar

import pytest
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST

from fangfan.web import errors

pytestmark = pytest.mark.django_db


@login_not_required
def _forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("不许看")


@login_not_required
@require_POST
def _post_only(request: HttpRequest) -> HttpResponse:
    return HttpResponse("好")


@login_not_required
def _broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("测试用的故障：账册对不上")


@login_not_required
def _locked(request: HttpRequest) -> HttpResponse:
    raise OperationalError("database is locked")


class FAILING:  # a URL configuration: Django reads these two attributes
    urlpatterns: ClassVar[list[URLPattern]] = [
        path("forbidden/", _forbidden),
        path("post-only/", _post_only),
        path("broken/", _broken),
        path("locked/", _locked),
    ]
    handler500 = staticmethod(errors.server_error)


@pytest.fixture
def failing() -> Iterator[Client]:
    with override_settings(ROOT_URLCONF=FAILING):
        yield Client(raise_request_exception=False)


def _page(response: HttpResponse) -> str:
    text = response.content.decode()
    assert '<html lang="zh-CN">' in text and "site-header" in text  # the site's frame
    return text


def test_an_unknown_address_gets_the_chinese_404_page() -> None:
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert "找不到这个页面" in _page(response)


def test_a_page_outside_ones_rights_gets_the_chinese_403_page(failing: Client) -> None:
    response = failing.get("/forbidden/")
    assert response.status_code == 403
    assert "您没有查看这个页面的权限" in _page(response)


def test_a_get_where_only_post_is_accepted_gets_the_chinese_405_page(failing: Client) -> None:
    response = failing.get("/post-only/")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "这个地址不接受这种操作方式" in _page(response)


def test_the_429_page_says_what_to_do_instead() -> None:
    from django.template.loader import render_to_string

    text = render_to_string("429.html", {"reason": "提交次数过多，请一小时后再试"})
    assert "操作过于频繁，请稍后再试" in text and "提交次数过多，请一小时后再试" in text


def _error_log() -> Path:
    handler = next(h for h in logging.getLogger("django").handlers if isinstance(h, RotatingFileHandler))
    return Path(handler.baseFilename)


def test_a_server_error_gets_the_chinese_500_page_and_its_traceback_is_logged(failing: Client) -> None:
    log = _error_log()
    before = log.stat().st_size if log.exists() else 0
    response = failing.get("/broken/")
    assert response.status_code == 500
    assert "系统出错了" in _page(response)
    assert "账册对不上" not in response.content.decode()  # nothing of the error shown
    assert log.parent.name == "logs"
    with log.open(encoding="utf-8") as written:
        written.seek(before)
        entry = written.read()
    assert "Traceback" in entry and "RuntimeError: 测试用的故障：账册对不上" in entry and "/broken/" in entry


def test_a_busy_database_gets_503_try_again_shortly_not_500(failing: Client) -> None:
    response = failing.get("/locked/")
    assert response.status_code == 503
    assert response["Retry-After"] == str(errors.RETRY_AFTER_SECONDS)
    assert "系统正在更新数据，请稍后再试" in _page(response)


def test_only_what_says_the_database_was_busy_counts_as_busy() -> None:
    assert errors.database_busy(OperationalError("database is locked"))
    assert errors.database_busy(OperationalError("canceling statement due to lock timeout"))
    assert not errors.database_busy(OperationalError("no such table: registry_run"))
    assert not errors.database_busy(RuntimeError("database is locked"))


def test_a_form_sent_without_its_csrf_token_gets_the_chinese_403_page() -> None:
    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "页面已过期，这次提交没有完成" in _page(response)

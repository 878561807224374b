"""Error pages in Chinese, and a busy database answered with 503 rather than 500.

- `server_error` (urls.handler500): a request that failed because the database stayed
  busy past its timeout (SQLite's "database is locked", PostgreSQL's lock or statement
  timeout, a connection refused while the server restarts) gets 503.html, "系统正在更新数据，
  请稍后再试", with Retry-After; anything else gets 500.html. Neither touches the database
  or the request's session. Django's `django.request` logger records both with the
  traceback (LOGGING sends it to FANGFAN_HOME/logs/errors.log).
- `ErrorPagesMiddleware`: Django has no handler405; a bare 405 from `require_POST` and
  friends becomes 405.html, keeping the Allow header.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.template import loader

logger = logging.getLogger("fangfan.web.errors")

RETRY_AFTER_SECONDS = 30
# What the database says when it could not serve in time (SQLite, PostgreSQL via psycopg).
BUSY_MESSAGES = (
    "database is locked",
    "database is busy",
    "database table is locked",
    "lock timeout",
    "canceling statement due to statement timeout",
    "could not obtain lock",
    "connection refused",
    "the database system is starting up",
    "the database system is shutting down",
    "too many clients",
    "server closed the connection",
    "terminating connection due to administrator command",  # PostgreSQL restarted under a query
)


def database_busy(error: BaseException | None) -> bool:
    """True when `error` (or what caused it) says the database could not serve in time."""
    while error is not None:
        if isinstance(error, OperationalError) or type(error).__name__ in (
            "OperationalError",
            "LockNotAvailable",
        ):
            text = str(error).lower()
            if any(message in text for message in BUSY_MESSAGES):
                return True
        error = error.__cause__ or error.__context__
    return False


def busy_response() -> HttpResponse:
    """503 "系统正在更新数据，请稍后再试", rendered without the request or the database."""
    response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: 503 for a busy database, else 500.html (both without the database)."""
    if database_busy(sys.exc_info()[1]):
        logger.warning("数据库繁忙，请求 %s %s 未完成，已回复 503", request.method, request.path)
        return busy_response()
    return HttpResponse(loader.get_template("500.html").render(), status=500)


class ErrorPagesMiddleware:
    """Bare error responses (405 from the method decorators) as the site's Chinese pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if isinstance(response, HttpResponseNotAllowed) and not response.content:
            page = render(request, "405.html", status=405)
            page["Allow"] = response["Allow"]
            return page
        return response

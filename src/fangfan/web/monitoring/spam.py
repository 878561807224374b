"""Keeping the public report form for people: nothing here needs the internet.

- a honeypot field (`website`) that people never see and bots fill in;
- a signed fill token issued with the form: a report sent less than
  `MIN_FILL_SECONDS` after the form was served, or with a token older than
  `TOKEN_MAX_AGE_SECONDS`, forged or missing, is refused;
- a per-address rate limit through Django's cache: at most `RATE_LIMIT` submissions
  from one address in `RATE_WINDOW_SECONDS` (counted before anything else is read);
- duplicate suppression: the same person (ID number, phone or name) in the same
  village within a day makes no second lead.

The address is the client's as `fangfan.web.client_ip` reads it (behind a reverse proxy,
set FANGFAN_TRUSTED_PROXIES), as for the login throttle. The count lives in the default
cache, files under FANGFAN_HOME/cache shared by the server's processes.
"""

from __future__ import annotations

import datetime as dt
import time

from django.core import signing
from django.core.cache import cache
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from fangfan.web import client_ip
from fangfan.web.monitoring.models import Intake, Source

HONEYPOT_FIELD = "website"
MIN_FILL_SECONDS = 5
TOKEN_MAX_AGE_SECONDS = 2 * 60 * 60
RATE_LIMIT = 10
RATE_WINDOW_SECONDS = 60 * 60
DUPLICATE_WINDOW = dt.timedelta(days=1)
SALT = "fangfan.monitoring.report"


def fill_token(issued_at: float | None = None) -> str:
    """A signed token saying when the form was served (now, unless told)."""
    return signing.dumps({"at": time.time() if issued_at is None else issued_at}, salt=SALT)


def token_problem(token: str, now: float | None = None) -> str:
    """Why the token is refused (Chinese, for the page), or "" when it is good."""
    now = time.time() if now is None else now
    try:
        issued = float(signing.loads(token or "", salt=SALT)["at"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return "表单已失效，请重新填写后提交"
    if now - issued < MIN_FILL_SECONDS:
        return "提交太快了，请核对填写的内容后再提交"
    if now - issued > TOKEN_MAX_AGE_SECONDS:
        return "表单打开时间过长已失效，请重新提交"
    return ""


def client_address(request: HttpRequest) -> str:
    return client_ip.client_address(request)


def over_rate_limit(request: HttpRequest) -> bool:
    """Count this submission from the request's address; True once the limit is passed."""
    key = f"monitoring:report:{client_address(request)}"
    cache.add(key, 0, RATE_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, RATE_WINDOW_SECONDS)
        count = 1
    return count > RATE_LIMIT


def recent_duplicate(village_code: str, id_number: str, phone: str, name: str) -> Intake | None:
    """A report of the same person in the same village in the last day, if there is one."""
    # The same name is the same person unless both reports carry ID numbers that differ.
    same_person = Q(name=name) & (Q(id_number="") | Q(id_number=id_number)) if id_number else Q(name=name)
    if id_number:
        same_person |= Q(id_number=id_number)
    if phone:
        same_person |= Q(phone=phone)
    since = timezone.now() - DUPLICATE_WINDOW
    reports = Intake.objects.filter(
        village_code=village_code, received_at__gte=since, source__in=[Source.SELF_REPORT, Source.HOTLINE]
    )
    return reports.filter(same_person).first()

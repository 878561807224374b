"""Keeping the public pages for people: nothing here needs the internet.

- a honeypot field (`website`) that people never see and bots fill in;
- a signed fill token issued with the form: a report sent less than
  `MIN_FILL_SECONDS` after the form was served, or with a token older than
  `TOKEN_MAX_AGE_SECONDS`, forged or missing, is refused; a token is good for one
  report (`use_token`, in the report's own transaction);
- a per-address limit: at most `RATE_LIMIT` reports (and `LOOKUP_LIMIT` progress
  look-ups) from one address in `RATE_WINDOW_SECONDS`, the window starting with the
  address's first submission and lasting all of it. Counted before anything else is
  read, in the database (`PublicCounter`): one row per address, incremented in place,
  so every server process and thread agrees and the limit holds exactly.

The address is the client's as `fangfan.web.client_ip` reads it (behind a reverse proxy,
set FANGFAN_TRUSTED_PROXIES), as for the login throttle; it is kept only as a keyed hash.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from fangfan.web import client_ip
from fangfan.web.monitoring.models import PublicCounter, UsedFillToken

HONEYPOT_FIELD = "website"
MIN_FILL_SECONDS = 5
TOKEN_MAX_AGE_SECONDS = 2 * 60 * 60
RATE_LIMIT = 10
LOOKUP_LIMIT = 20
RATE_WINDOW_SECONDS = 60 * 60
REPORT, LOOKUP = "report", "lookup"
SALT = "fangfan.monitoring.report"


def now() -> dt.datetime:
    """The time the limits are counted by (tests move it)."""
    return timezone.now()


def fill_token(issued_at: float | None = None) -> str:
    """A signed token saying when the form was served (now, unless told); each one differs."""
    issued = time.time() if issued_at is None else issued_at
    return signing.dumps({"at": issued, "n": secrets.token_urlsafe(8)}, salt=SALT)


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


def use_token(token: str) -> bool:
    """Mark a (good) fill token used; False when it was used before. Call inside the
    transaction that stores the report, so a report that fails leaves its token unused."""
    digest = _hash("token", token)
    when = now()
    try:
        with transaction.atomic():
            UsedFillToken.objects.create(token_hash=digest, used_at=when)
    except IntegrityError:
        return False
    # Past their age tokens are refused anyway: forget them.
    UsedFillToken.objects.filter(used_at__lt=when - dt.timedelta(seconds=2 * TOKEN_MAX_AGE_SECONDS)).delete()
    return True


def client_address(request: HttpRequest) -> str:
    return client_ip.client_address(request)


def over_rate_limit(request: HttpRequest, purpose: str = REPORT) -> bool:
    """Count this submission from the request's address; True once the limit is passed."""
    limit = RATE_LIMIT if purpose == REPORT else LOOKUP_LIMIT
    return count_submission(purpose, client_address(request)) > limit


@transaction.atomic
def count_submission(purpose: str, address: str) -> int:
    """Add one to the address's count for `purpose` and return it (1 in a new window).

    Each statement writes before anything is read, so SQLite takes its write lock and
    PostgreSQL the row's lock at once; the count read back is this request's own.
    """
    when = now()
    rows = PublicCounter.objects.filter(purpose=purpose, address_hash=_hash(purpose, address))
    window = dt.timedelta(seconds=RATE_WINDOW_SECONDS)
    if rows.filter(window_start__lte=when - window).update(window_start=when, count=1):
        return 1
    if not rows.update(count=F("count") + 1):
        try:
            with transaction.atomic():
                PublicCounter.objects.create(
                    purpose=purpose, address_hash=_hash(purpose, address), window_start=when, count=1
                )
        except IntegrityError:  # another request created it a moment ago
            rows.update(count=F("count") + 1)
        else:
            PublicCounter.objects.filter(window_start__lt=when - 24 * window).delete()
    return rows.values_list("count", flat=True).get()


def _hash(purpose: str, value: str) -> str:
    return salted_hmac(f"{SALT}.{purpose}", value, algorithm="sha256").hexdigest()

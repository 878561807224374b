"""The login lock, exact under concurrency: a try is counted before the password is checked.

django-axes (settings AXES_*) records failures after the password check, so a burst of
simultaneous wrong passwords all pass its "locked?" test before the first failure is
written. `LoginThrottleBackend`, first in AUTHENTICATION_BACKENDS, takes a try from
`LoginThrottle` for the (username, address) pair in one conditional UPDATE

    UPDATE accounts_loginthrottle SET tries = tries + 1, last_try = now
     WHERE username = %s AND address = %s AND tries < AXES_FAILURE_LIMIT

which the database runs atomically (SQLite's write lock, PostgreSQL's row lock): only
AXES_FAILURE_LIMIT requests can win it in a cool-off period (AXES_COOLOFF_TIME after the
last try). A request that loses is refused like an axes lockout (the 429 page). A
successful login clears the pair's count, as axes does (AXES_RESET_ON_SUCCESS).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from axes.exceptions import AxesBackendPermissionDenied
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import IntegrityError, transaction
from django.db.models import F
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from fangfan.web import client_ip
from fangfan.web.accounts.models import LoginThrottle

FORGET_AFTER = dt.timedelta(days=1)


def take_try(username: str, address: str) -> bool:
    """Count one password check for the pair; False when the pair has none left."""
    now = timezone.now()
    pair = LoginThrottle.objects.filter(username=username, address=address)
    if not pair.exists():
        # Counts long quiet mean nothing any more; a new pair is a good moment to drop them.
        LoginThrottle.objects.filter(last_try__lt=now - FORGET_AFTER).delete()
        try:
            with transaction.atomic():
                LoginThrottle.objects.create(username=username, address=address)
        except IntegrityError:  # created by a simultaneous request
            pass
    # A pair quiet for the whole cool-off starts again (only if no try came since).
    pair.filter(last_try__lt=now - settings.AXES_COOLOFF_TIME).update(tries=0)
    return bool(pair.filter(tries__lt=settings.AXES_FAILURE_LIMIT).update(tries=F("tries") + 1, last_try=now))


def clear_tries(username: str, address: str) -> None:
    LoginThrottle.objects.filter(username=username, address=address).delete()


def _pair(request: HttpRequest | None, username: str | None) -> tuple[str, str]:
    address = client_ip.address_or_none(request) if request is not None else None
    return (username or "")[:150], address or ""


class LoginThrottleBackend:
    """Refuses the check once the pair's tries are used up; never authenticates anyone.

    Not a BaseBackend: without `get_user` it is never chosen to keep a session's user
    (the test client's `force_login` takes the first backend that has one).
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None or username is None:
            return None
        if not take_try(*_pair(request, username)):
            request.axes_locked_out = True  # type: ignore[attr-defined]  # axes' middleware renders the lock page
            raise AxesBackendPermissionDenied("登录已暂时锁定")
        return None


@receiver(user_logged_in)
def _clear_on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None:
        return
    for username in {str(request.POST.get("username", "")), user.get_username()} - {""}:
        clear_tries(*_pair(request, username))

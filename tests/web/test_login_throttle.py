"""The login lock: five wrong passwords for one account from one address, then 429 for
15 minutes, counted before the password is checked (fangfan.web.accounts.throttle).
Simultaneous guesses against a real server: tests/web/test_concurrency.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from fangfan.web.accounts.models import LoginThrottle, User
from fangfan.web.accounts.testing import make_regions

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


PASSWORD = "right-password-2026"


@pytest.fixture
def county() -> User:
    regions = make_regions()
    return User.objects.create_user("wangjianguo", password=PASSWORD, role="county", region=regions["621226"])


def _try(client: Client, username: str, password: str) -> int:
    return client.post(LOGIN, {"username": username, "password": password}).status_code


def test_the_sixth_wrong_password_is_refused_with_the_chinese_lock_page(county: User) -> None:
    user = county
    client = Client(REMOTE_ADDR="10.9.0.1")
    # The fifth check fails and locks (django-axes answers it with the lock page already).
    assert [_try(client, user.username, f"wrong-{n}") for n in range(5)] == [200] * 4 + [429]
    locked = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert locked.status_code == 429
    assert "登录已暂时锁定" in locked.content.decode() and "429" in locked.content.decode()
    assert LoginThrottle.objects.get(username=user.username).tries == 5


def test_a_right_password_clears_the_count_and_another_address_has_its_own(county: User) -> None:
    user = county
    client = Client(REMOTE_ADDR="10.9.0.2")
    for n in range(4):
        _try(client, user.username, f"wrong-{n}")
    assert _try(Client(REMOTE_ADDR="10.9.0.3"), user.username, "wrong") == 200  # its own count
    assert _try(client, user.username, PASSWORD) == 302
    assert not LoginThrottle.objects.filter(username=user.username, address="10.9.0.2").exists()


def test_the_lock_lifts_after_the_cool_off(county: User) -> None:
    user = county
    LoginThrottle.objects.create(
        username=user.username,
        address="10.9.0.4",
        tries=5,
        last_try=timezone.now() - dt.timedelta(minutes=16),
    )
    assert _try(Client(REMOTE_ADDR="10.9.0.4"), user.username, PASSWORD) == 302


def test_an_administrator_lifts_a_lock_early(county: User) -> None:
    from django.core.management import call_command

    client = Client(REMOTE_ADDR="10.9.0.5")
    for n in range(5):
        _try(client, county.username, f"wrong-{n}")
    assert _try(client, county.username, PASSWORD) == 429
    call_command("unlock_login", county.username)
    assert _try(client, county.username, PASSWORD) == 302


def test_counts_quiet_for_a_day_are_forgotten(county: User) -> None:
    LoginThrottle.objects.create(
        username="someone-else", address="10.9.0.6", tries=3, last_try=timezone.now() - dt.timedelta(days=2)
    )
    _try(Client(REMOTE_ADDR="10.9.0.7"), county.username, "wrong")
    assert list(LoginThrottle.objects.values_list("username", flat=True)) == [county.username]

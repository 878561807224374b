"""The client's address behind a reverse proxy: believed only from the proxies named."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from fangfan.web.client_ip import client_address

PROXY = "10.0.0.5"


@pytest.mark.parametrize(
    ("trusted", "remote", "forwarded", "expected"),
    [
        ([], "203.0.113.9", "", "203.0.113.9"),  # no proxy configured: the connection's address
        ([], "203.0.113.9", "1.2.3.4", "203.0.113.9"),  # a header from anyone else is ignored
        ([PROXY], PROXY, "198.51.100.7", "198.51.100.7"),  # through the proxy
        ([PROXY], PROXY, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # a forged left part is not believed
        ([PROXY, "10.0.0.6"], PROXY, "198.51.100.7, 10.0.0.6", "198.51.100.7"),  # two proxies
        ([PROXY], PROXY, "", PROXY),  # the proxy itself, with nothing forwarded
        ([PROXY], "203.0.113.9", "198.51.100.7", "203.0.113.9"),  # not from the proxy
    ],
)
def test_the_client_address(settings, trusted, remote, forwarded, expected):
    settings.FANGFAN_TRUSTED_PROXIES = trusted
    extra = {"REMOTE_ADDR": remote}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_address(RequestFactory().get("/", **extra)) == expected


def test_the_login_throttle_counts_the_same_address():
    from django.conf import settings

    assert settings.AXES_CLIENT_IP_CALLABLE == "fangfan.web.client_ip.address_or_none"


def test_a_request_without_an_address_gives_none_to_the_throttle_and_unknown_to_the_limit():
    """django-axes keeps the address in an IP column: PostgreSQL refuses anything but an address."""
    from django.http import HttpRequest

    from fangfan.web.client_ip import address_or_none

    assert address_or_none(HttpRequest()) is None
    assert client_address(HttpRequest()) == "unknown"

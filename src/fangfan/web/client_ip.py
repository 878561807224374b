"""The address a request came from, for the login throttle and the report form's limit.

Without FANGFAN_TRUSTED_PROXIES it is REMOTE_ADDR. Behind a reverse proxy every request
comes from the proxy, so list the proxy's address there: for a request from a trusted
proxy, the client is the right-most address of X-Forwarded-For that is not itself a
trusted proxy (the left-most entries are whatever the client chose to send, so they
are never believed).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's address, or "unknown" for a request that carries none."""
    return address_or_none(request) or "unknown"


def address_or_none(request: HttpRequest) -> str | None:
    """The client's address, or None (django-axes' AXES_CLIENT_IP_CALLABLE: it stores the
    address in an IP column, where only a real address or nothing may go)."""
    remote = str(request.META.get("REMOTE_ADDR", "") or "")
    trusted = set(getattr(settings, "FANGFAN_TRUSTED_PROXIES", ()))
    if remote not in trusted:
        return remote or None
    forwarded = [part.strip() for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    for address in reversed([part for part in forwarded if part]):
        if address not in trusted:
            return address
    return remote

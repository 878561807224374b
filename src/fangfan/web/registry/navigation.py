"""Breadcrumbs of the drill-down: from the user's own region down to where they are."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from fangfan.web.accounts.models import User
from fangfan.web.regions.models import Region


@dataclass(frozen=True)
class Crumb:
    label: str
    url: str


def breadcrumbs(user: User | AnonymousUser, region: Region) -> list[Crumb]:
    """`regions_down_to(user, region)`, each linking to its dashboard."""
    return [
        Crumb(item.name, reverse("registry:region", args=[item.code]))
        for item in regions_down_to(user, region)
    ]


def regions_down_to(user: User | AnonymousUser, region: Region) -> list[Region]:
    """The regions from the user's region down to `region` (nothing above the user's, which
    they may not open)."""
    home = getattr(user, "region", None)
    chain: list[Region] = []
    current: Region | None = region
    while current is not None:
        chain.append(current)
        if home is not None and current.pk == home.pk:
            break
        current = current.parent
    return list(reversed(chain))

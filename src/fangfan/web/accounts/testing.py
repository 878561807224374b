"""Helpers for tests: users of every role, placed in real regions.

from fangfan.web.accounts.testing import make_user
township = make_user("township", "621226100")
client.force_login(township)
"""

from __future__ import annotations

from typing import Any

from fangfan.web.accounts.models import User
from fangfan.web.regions.models import Region


def make_user(role: str, region_code: str, *, username: str = "", **fields: Any) -> User:
    """A saved, validated user of `role` in the region with `region_code` (which must exist)."""
    region = Region.objects.get(code=region_code)
    if role == User.Role.DEPARTMENT:
        fields.setdefault("department", "school_roll")
    user = User(username=username or f"{role}-{region_code}", role=role, region=region, **fields)
    user.set_unusable_password()
    user.full_clean()
    user.save()
    return user

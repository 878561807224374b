"""Helpers for tests: users of every role, placed in real regions.

from fangfan.web.accounts.testing import make_user
township = make_user("township", "621226100")
client.force_login(township)
"""

from __future__ import annotations

from typing import Any

from fangfan.web.accounts.models import User
from fangfan.web.regions.models import Region

# A small map of 陇南市 for tests: two counties, a township in each, three villages.
SMALL_MAP = (
    ("621200", "陇南市", Region.Level.CITY, None),
    ("621226", "礼县", Region.Level.COUNTY, "621200"),
    ("621226100", "城关镇", Region.Level.TOWNSHIP, "621226"),
    ("621226100201", "石桥村", Region.Level.VILLAGE, "621226100"),
    ("621226100202", "上坪村", Region.Level.VILLAGE, "621226100"),
    ("621202", "武都区", Region.Level.COUNTY, "621200"),
    ("621202001", "钟楼街道", Region.Level.TOWNSHIP, "621202"),
    ("621202001201", "北关村", Region.Level.VILLAGE, "621202001"),
)


def make_regions() -> dict[str, Region]:
    """SMALL_MAP in the Region table (much faster than sync_regions), by code."""
    made: dict[str, Region] = {}
    for code, name, level, parent in SMALL_MAP:
        made[code], _ = Region.objects.get_or_create(
            code=code, defaults={"name": name, "level": level, "parent": made.get(parent or "")}
        )
    return made


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

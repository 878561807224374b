"""Demo accounts, one per role, in 陇南市 and 礼县. Demo only: the passwords are public."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from fangfan.web.accounts.access import regions_within
from fangfan.web.accounts.models import User
from fangfan.web.regions.actions import sync_regions
from fangfan.web.regions.models import Region

CITY_CODE = "621200"
COUNTY_CODE = "621226"  # 礼县


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    region: Region
    department: str = ""


def demo_regions() -> dict[str, Region | None]:
    """The city, 礼县, 礼县's first loaded village and the township it lies in.

    The township is the village's own, so the demo township and village team share work
    (a finding the township assigns is one the team can fix). Without loaded villages
    the township is 礼县's first and there is no village account.
    """
    if not Region.objects.filter(code=CITY_CODE).exists():
        sync_regions()
    under_county = regions_within(Region.objects.get(code=COUNTY_CODE)).order_by("code")
    village = under_county.filter(level=Region.Level.VILLAGE).first()
    townships = under_county.filter(level=Region.Level.TOWNSHIP)
    township = townships.filter(code=village.code[:9]).first() if village else None
    return {
        "city": Region.objects.get(code=CITY_CODE),
        "county": Region.objects.get(code=COUNTY_CODE),
        "township": township or townships.first(),
        "village": village,
    }


def demo_accounts() -> list[DemoAccount]:
    regions = demo_regions()
    wanted = [
        ("demo-city", User.Role.CITY, regions["city"], ""),
        ("demo-county", User.Role.COUNTY, regions["county"], ""),
        ("demo-township", User.Role.TOWNSHIP, regions["township"], ""),
        ("demo-village", User.Role.VILLAGE, regions["village"], ""),
        ("demo-school", User.Role.DEPARTMENT, regions["city"], "school_roll"),
        ("demo-inspector", User.Role.INSPECTOR, regions["city"], ""),
    ]
    return [
        DemoAccount(username, f"{username}-2026", role, region, department)
        for username, role, region, department in wanted
        if region is not None
    ]


@transaction.atomic
def create_demo_accounts() -> list[DemoAccount]:
    """Create or reset the demo accounts (idempotent); returns what was set."""
    accounts = demo_accounts()
    for account in accounts:
        user = User.objects.filter(username=account.username).first() or User(username=account.username)
        user.role = account.role
        user.region = account.region
        user.department = account.department
        user.last_name = "演示"
        user.first_name = User.Role(account.role).label
        user.is_active = True
        user.set_password(account.password)
        user.full_clean()
        user.save()
    return accounts

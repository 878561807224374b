"""Counties, townships and villages to choose from, and a village's full place name."""

from __future__ import annotations

from django.db.models import QuerySet

from fangfan.web.regions.models import Region

Level = Region.Level


def counties() -> QuerySet[Region]:
    return Region.objects.filter(level=Level.COUNTY).order_by("code")


def children(parent_code: str, level: str) -> QuerySet[Region]:
    """The regions of `level` directly under the region `parent_code` (none for a blank code)."""
    if not parent_code:
        return Region.objects.none()
    return Region.objects.filter(parent__code=parent_code, level=level).order_by("code")


def choices(regions: QuerySet[Region], prompt: str) -> list[tuple[str, str]]:
    return [("", prompt), *((region.code, region.name) for region in regions)]


def place_name(village_code: str) -> str:
    """ "礼县城关镇石桥村" for a village code: its county, township and own name."""
    names = dict(
        Region.objects.filter(code__in=[village_code[:6], village_code[:9], village_code]).values_list(
            "code", "name"
        )
    )
    return "".join(names.get(code, "") for code in (village_code[:6], village_code[:9], village_code))

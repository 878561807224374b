"""The background task: a large region's village counts worked out in `manage.py db_worker`."""

from __future__ import annotations

from django_tasks import task


@task()
def count_region_task(region_code: str, year: int) -> None:
    """Work out and keep every village tally of the region (completeness.village_tallies)."""
    from fangfan.web.accounts.access import within_region
    from fangfan.web.evidence.completeness import village_tallies
    from fangfan.web.regions.models import Region
    from fangfan.web.registry.models import Household

    region = Region.objects.get(code=region_code)
    households = Household.objects.filter(within_region("village_code", region))
    village_tallies(region, households, year, may_defer=False)

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fangfan.web.accounts.access import regions_within
from fangfan.web.regions.models import Region


def region_overview(request: HttpRequest) -> HttpResponse:
    """The city and its counties, with how many townships and villages each has."""
    counties = (
        Region.objects.filter(level=Region.Level.COUNTY)
        .annotate(township_count=Count("children"))
        .order_by("code")
    )
    village_counts = {
        county.code: regions_within(county).filter(level=Region.Level.VILLAGE).count() for county in counties
    }
    rows = [(county, county.township_count, village_counts[county.code]) for county in counties]
    city = Region.objects.filter(level=Region.Level.CITY).first()
    return render(request, "regions/overview.html", {"city": city, "rows": rows})

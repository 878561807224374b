"""The city's 公益性岗位 dashboard panel, kept five minutes like the teams' city panel.

陇南市's office opens the dashboard: every post and every holder's month of the city is
counted once (a second's work on the bench's 600,000 households), then read from the
cache by every office of the city; a county's panel is counted each time, to the minute.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangfan.web.accounts.testing import make_regions
from fangfan.web.jobs import reports
from fangfan.web.jobs.testing import make_holder, make_payment, make_post
from fangfan.web.regions.models import Region
from fangfan.web.workqueue.testing import make_household

pytestmark = pytest.mark.django_db
SHIQIAO = "621226100201"
MAY = dt.date(2026, 5, 1)


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def ranger() -> None:
    make_regions()
    household = make_household(SHIQIAO, 1, head_name="马大军")
    holder = make_holder(make_post(SHIQIAO, title="石桥村护林员"), household, "马大军", "621226198001011234")
    make_payment(holder, MAY, net="800")


def test_the_city_panel_is_counted_once_then_read_from_the_cache(ranger):
    city = Region.objects.get(code="621200")
    first = reports.panel(city, MAY)
    assert (first.posts, first.held) == (1, 1) and first.paid.net == 800
    with CaptureQueriesContext(connection) as queries:
        again = reports.panel(city, MAY)
    assert again == first and len(queries) == 0


def test_a_county_panel_is_counted_each_time(ranger):
    county = Region.objects.get(code="621226")
    reports.panel(county, MAY)
    with CaptureQueriesContext(connection) as queries:
        assert reports.panel(county, MAY).held == 1
    assert len(queries) > 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="covering indexes are PostgreSQL's")
def test_a_month_s_pay_is_summed_from_the_index_alone():
    # The bench's city month: 106 ms reading 16,478 table pages, 10 ms from the index.
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'jobs_payment_month_idx'")
        (definition,) = cursor.fetchone()
    assert "(month, village_code) INCLUDE (id, township_code, gross, deduction, net)" in definition

"""The web application's regions: reference data plus villages learned from a snapshot."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from fangfan.engine.snapshot import SnapshotStore
from fangfan.web.accounts.models import User
from fangfan.web.accounts.testing import make_user
from fangfan.web.regions.actions import sync_regions
from fangfan.web.regions.models import Region

pytestmark = pytest.mark.django_db


def _snapshot_with_villages(root: Path) -> SnapshotStore:
    store = SnapshotStore(root)
    villages = pl.DataFrame(
        {
            "village_code": ["621226100201", "621226100202", "621299999201"],
            "village_name": ["石桥村", "上坪村", "无名村"],
            "township_code": ["621226100", "621226100", "621299999"],
        }
    )
    store.write({"villages": villages}, {"sources": []}, dt.date(2026, 10, 31))
    return store


def test_sync_loads_the_city_nine_counties_and_199_townships() -> None:
    sync_regions()
    assert Region.objects.filter(level=Region.Level.CITY).count() == 1
    assert Region.objects.filter(level=Region.Level.COUNTY).count() == 9
    assert Region.objects.filter(level=Region.Level.TOWNSHIP).count() == 199
    lixian = Region.objects.get(code="621226")
    assert lixian.name == "礼县"
    assert lixian.parent is not None and lixian.parent.code == "621200"


def test_villages_under_known_townships_are_learned_from_the_snapshot(tmp_path: Path) -> None:
    store = _snapshot_with_villages(tmp_path)
    sync_regions(store.latest())
    village = Region.objects.get(code="621226100201")
    assert village.name == "石桥村"
    assert village.parent is not None and village.parent.code == "621226100"
    assert not Region.objects.filter(code="621299999201").exists()


def test_syncing_twice_changes_nothing(tmp_path: Path) -> None:
    store = _snapshot_with_villages(tmp_path)
    sync_regions(store.latest())
    again = sync_regions(store.latest())
    assert again.created == 0
    assert Region.objects.count() == 209 + 2


def test_region_contains_its_villages() -> None:
    sync_regions()
    city = Region.objects.get(code="621200")
    county = Region.objects.get(code="621226")
    assert city.contains("621226100201")
    assert county.contains("621226100201")
    assert not county.contains("621202100201")


def test_overview_page_lists_the_counties_in_chinese(client: Client) -> None:
    sync_regions()
    client.force_login(make_user("city", "621200"))
    response = client.get("/regions/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "陇南市" in page
    assert "武都区" in page and "两当县" in page
    assert "尚未载入区划" not in page


def test_overview_page_says_so_when_no_regions_are_loaded(client: Client) -> None:
    client.force_login(User.objects.create_user("technician"))
    response = client.get("/regions/")
    assert "尚未载入区划" in response.content.decode()


def test_database_follows_database_url() -> None:
    url = settings.DATABASES["default"]["ENGINE"]
    assert connection.vendor in url


def test_a_second_sync_writes_only_what_changed_in_a_few_statements(
    tmp_path: Path, django_assert_max_num_queries: Any
) -> None:
    store = _snapshot_with_villages(tmp_path)
    sync_regions(store.latest())
    Region.objects.filter(code="621226100201").update(name="旧名村")
    lixian = Region.objects.get(code="621226")
    Region.objects.filter(code="621226100202").update(parent=lixian)
    with django_assert_max_num_queries(8):  # read all, update the changed: not one a region
        again = sync_regions(store.latest())
    assert (again.created, again.updated) == (0, 209 + 2)
    renamed = Region.objects.get(code="621226100201")
    moved = Region.objects.get(code="621226100202")
    assert renamed.name == "石桥村"
    assert moved.parent is not None and moved.parent.code == "621226100"

"""The registry's pages as every role sees them, inside and outside its region.

The places come from the published first run (see conftest): `HERE` is a village with
a household that has a veto finding, with its township and county; `AWAY` is a village
in another county. One account per role sits over HERE (city and inspector on the city).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

import polars as pl
import pytest
from django.test import Client
from python_calamine import CalamineWorkbook

from fangfan.engine.rules.model import load_catalogue
from fangfan.web.accounts.models import User
from fangfan.web.accounts.testing import make_user
from fangfan.web.registry.models import DepartmentRecord, Finding, Household, Member, Run

from .conftest import EngineData

pytestmark = pytest.mark.django_db
Role = User.Role
FULL_ID = re.compile(r"\d{17}[\dX]")
LIVING = "正常"


@dataclass(frozen=True)
class Places:
    village: str
    township: str
    county: str
    household: str  # in the village, with a veto finding
    away_village: str
    away_county: str
    away_household: str


@pytest.fixture(scope="module")
def places(published: EngineData) -> Places:
    findings = pl.read_parquet(published.first_run / "findings.parquet")
    veto = findings.filter(pl.col("veto")).row(0, named=True)
    households = pl.read_parquet(published.first_snapshot / "households.parquet")
    away = households.filter(pl.col("village_code").str.slice(0, 6) != veto["county_code"]).row(0, named=True)
    return Places(
        village=veto["village_code"],
        township=veto["township_code"],
        county=veto["county_code"],
        household=veto["household_id"],
        away_village=away["village_code"],
        away_county=away["village_code"][:6],
        away_household=away["household_id"],
    )


def _home(role: str, places: Places) -> str:
    return {
        Role.CITY: "621200",
        Role.COUNTY: places.county,
        Role.TOWNSHIP: places.township,
        Role.VILLAGE: places.village,
        Role.DEPARTMENT: "621200",
        Role.INSPECTOR: "621200",
    }[role]


def _signed_in(client: Client, role: str, places: Places) -> User:
    user = make_user(role, _home(role, places))
    client.force_login(user)
    return user


def _download(response: Any) -> list[list[Any]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    data = b"".join(response.streaming_content)
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return workbook.get_sheet_by_index(0).to_python()


READERS = (Role.CITY, Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE, Role.INSPECTOR)
SEES_EVERYWHERE = (Role.CITY, Role.INSPECTOR)


def _inside_urls(places: Places) -> list[str]:
    return [
        "/",
        f"/region/{places.village}/",
        "/households/",
        f"/households/?q={places.household}",
        f"/households/{places.household}/",
        f"/households/{places.household}/findings.xlsx",
        f"/households/{places.household}/household.xlsx",
        f"/households.xlsx?region={places.village}",
    ]


def _outside_urls(places: Places) -> list[str]:
    return [
        f"/region/{places.away_county}/",
        f"/region/{places.away_village}/",
        f"/region/{places.away_county}/children.xlsx",
        f"/households/{places.away_household}/",
        f"/households/{places.away_household}/findings.xlsx",
        f"/households/{places.away_household}/household.xlsx",
        f"/households/?region={places.away_village}",
        f"/households.xlsx?region={places.away_village}",
    ]


@pytest.mark.parametrize("role", READERS)
def test_every_reader_opens_every_page_of_its_region(client: Client, places: Places, role: str) -> None:
    _signed_in(client, role, places)
    for url in _inside_urls(places):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", READERS)
def test_pages_outside_the_region_are_not_found(client: Client, places: Places, role: str) -> None:
    _signed_in(client, role, places)
    expected = 200 if role in SEES_EVERYWHERE else 404
    for url in _outside_urls(places):
        assert client.get(url).status_code == expected, url


def test_regions_above_ones_own_are_not_found(client: Client, places: Places) -> None:
    _signed_in(client, Role.TOWNSHIP, places)
    assert client.get(f"/region/{places.county}/").status_code == 404
    assert client.get("/region/621200/").status_code == 404


def test_department_officers_are_sent_to_their_uploads_and_refused_the_registry(
    client: Client, places: Places
) -> None:
    _signed_in(client, Role.DEPARTMENT, places)
    home = client.get("/")
    assert home.status_code == 302 and home["Location"].startswith("/imports/")
    for url in _inside_urls(places)[1:]:
        assert client.get(url).status_code == 403, url


def test_the_anonymous_are_sent_to_sign_in(client: Client, places: Places) -> None:
    for url in _inside_urls(places):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_an_account_without_a_region_sees_no_business_data(client: Client) -> None:
    client.force_login(User.objects.create_user("technician"))
    page = client.get("/").content.decode()
    assert "尚未设置角色或所属区划" in page


# The dashboard's numbers are the engine's ------------------------------------------------


def _engine_counts(data: EngineData, prefix: str) -> dict[str, Any]:
    households = pl.read_parquet(data.first_snapshot / "households.parquet").filter(
        pl.col("village_code").str.starts_with(prefix)
    )
    members = pl.read_parquet(data.first_snapshot / "members.parquet")
    living = members.filter(pl.col("member_status") == LIVING).join(
        households.select("household_id"), on="household_id", how="semi"
    )
    findings = pl.read_parquet(data.first_run / "findings.parquet").filter(
        pl.col("village_code").str.starts_with(prefix)
    )
    categories = findings.group_by("category", "veto").len()
    return {
        "households": households.height,
        "people": living.height,
        "findings": findings.height,
        "veto_findings": findings.filter(pl.col("veto")).height,
        "households_with_findings": findings["household_id"].n_unique(),
        "households_with_veto": findings.filter(pl.col("veto"))["household_id"].n_unique(),
        "types": dict(households.group_by("household_type").len().iter_rows()),
        "categories": {(c, v): n for c, v, n in categories.iter_rows()},
    }


def _shown(dashboard: Any) -> dict[str, Any]:
    totals = dashboard.totals
    return {
        "households": totals.households,
        "people": totals.people,
        "findings": totals.findings,
        "veto_findings": totals.veto_findings,
        "households_with_findings": totals.households_with_findings,
        "households_with_veto": totals.households_with_veto,
        "types": {row.household_type: row.households for row in dashboard.types},
        "categories": {
            (row.category, veto): count
            for row in dashboard.categories
            for veto, count in ((True, row.veto), (False, row.other))
            if count
        },
    }


def test_the_city_dashboard_equals_the_run_summary(
    client: Client, places: Places, published: EngineData
) -> None:
    _signed_in(client, Role.CITY, places)
    dashboard = client.get("/").context["dashboard"]
    run = Run.objects.get(is_current=True)
    for key in (
        "households",
        "findings",
        "veto_findings",
        "households_with_findings",
        "households_with_veto",
    ):
        assert getattr(dashboard.totals, key) == run.summary[key], key
    assert dashboard.totals.new == run.summary["comparison"]["new"]


@pytest.mark.parametrize("level", ["county", "township", "village"])
def test_a_region_dashboard_equals_the_engine_counts_for_that_region(
    client: Client, places: Places, published: EngineData, level: str
) -> None:
    _signed_in(client, Role.CITY, places)
    code = getattr(places, level)
    dashboard = client.get(f"/region/{code}/").context["dashboard"]
    assert _shown(dashboard) == _engine_counts(published, code)


def test_the_city_compares_its_counties_and_each_row_equals_the_engine(
    client: Client, places: Places, published: EngineData
) -> None:
    _signed_in(client, Role.CITY, places)
    response = client.get("/")
    children = response.context["dashboard"].children
    assert len(children) == 9
    for child in children:
        expected = _engine_counts(published, child.code)
        assert child.totals.households == expected["households"], child.name
        assert child.totals.findings == expected["findings"], child.name
        assert child.totals.households_with_veto == expected["households_with_veto"], child.name
    page = response.content.decode()
    assert "武都区" in page and "两当县" in page


def test_the_dashboard_carries_its_chart_data_without_inline_script_or_style(
    client: Client, places: Places
) -> None:
    _signed_in(client, Role.COUNTY, places)
    page = client.get("/").content.decode()
    assert '<script id="dashboard-data" type="application/json">' in page
    assert "<script>" not in page and "style=" not in page and " on" + "click=" not in page
    assert "vendor/chartjs/chart.umd.min.js" in page and "registry/charts.js" in page


def test_the_drill_down_links_each_level_to_the_next(client: Client, places: Places) -> None:
    _signed_in(client, Role.CITY, places)
    assert f'href="/region/{places.county}/"' in client.get("/").content.decode()
    county = client.get(f"/region/{places.county}/").content.decode()
    assert f'href="/region/{places.township}/"' in county
    township = client.get(f"/region/{places.township}/").content.decode()
    assert f'href="/region/{places.village}/"' in township
    village = client.get(f"/region/{places.village}/").content.decode()
    assert f'href="/households/{places.household}/"' in village
    assert 'href="/region/621200/"' in village  # breadcrumbs back up


# Search ---------------------------------------------------------------------------------


def _found(client: Client, query: str) -> set[str]:
    page = client.get("/households/", {"q": query}).context["households"]
    return {household.household_id for household in page.object_list}


def test_search_finds_a_household_by_number_head_member_and_id_and_offers_the_village(
    client: Client, places: Places
) -> None:
    _signed_in(client, Role.CITY, places)
    household = Household.objects.get(household_id=places.household)
    member = (
        Member.objects.filter(household=household).exclude(relation="户主").first()
        or Member.objects.filter(household=household).first()
    )
    assert member is not None
    assert places.household in _found(client, places.household)
    assert places.household in _found(client, household.head_name)
    assert places.household in _found(client, member.name)
    assert _found(client, member.id_number) == set(
        Member.objects.filter(id_number=member.id_number).values_list("household_id", flat=True)
    ) | set(Household.objects.filter(head_id_number=member.id_number).values_list("household_id", flat=True))
    villages = client.get("/households/", {"q": household.village_name}).context["villages"]
    assert places.village in {village.code for village in villages}
    assert places.household not in _found(client, member.id_number[:-1])  # only the full number


def test_search_never_shows_a_household_outside_the_region(client: Client, places: Places) -> None:
    _signed_in(client, Role.COUNTY, places)
    away = Household.objects.get(household_id=places.away_household)
    assert _found(client, away.head_name) <= set(
        Household.objects.filter(village_code__startswith=places.county).values_list(
            "household_id", flat=True
        )
    )
    assert _found(client, places.away_household) == set()


def test_the_household_list_is_paginated(client: Client, places: Places) -> None:
    _signed_in(client, Role.CITY, places)
    first = client.get("/households/").context["households"]
    assert first.paginator.count == Household.objects.count()
    assert len(first.object_list) == min(50, Household.objects.count())
    second = client.get("/households/", {"page": 2}).context["households"]
    assert {h.pk for h in first.object_list}.isdisjoint({h.pk for h in second.object_list})


# The household page ---------------------------------------------------------------------


def test_the_household_page_shows_every_indicator_and_the_failed_ones_with_evidence(
    client: Client, places: Places
) -> None:
    _signed_in(client, Role.VILLAGE, places)
    response = client.get(f"/households/{places.household}/")
    run = Run.objects.get(is_current=True)
    groups = response.context["indicator_groups"]
    indicators = [indicator for group in groups for indicator in group.indicators]
    assert len(indicators) == len(load_catalogue(run.policy_year))
    failed_codes = {indicator.rule.code for indicator in indicators if not indicator.passed}
    open_codes = set(
        Finding.objects.filter(household_id=places.household, engine_status="open").values_list(
            "rule_code", flat=True
        )
    )
    assert failed_codes == open_codes and failed_codes
    assert sum(indicator.passed for indicator in indicators) == len(indicators) - len(failed_codes)
    page = response.content.decode()
    for finding in Finding.objects.filter(household_id=places.household):
        assert finding.message in page
        assert finding.evidence[0]["label"] in page


def test_the_household_page_masks_id_numbers_and_lists_members_and_history(
    client: Client, places: Places
) -> None:
    _signed_in(client, Role.VILLAGE, places)
    page = client.get(f"/households/{places.household}/").content.decode()
    members = Member.objects.filter(household_id=places.household)
    assert members and all(member.name in page for member in members)
    for member in members:
        assert member.id_number not in page
        assert member.id_number[:6] + "********" + member.id_number[-4:] in page
    assert not FULL_ID.search(page)
    assert "历次筛查" in page and "修改记录" in page


def test_the_household_page_lists_its_department_records(client: Client, places: Places) -> None:
    _signed_in(client, Role.CITY, places)
    response = client.get(f"/households/{places.household}/")
    rows = response.context["department_rows"]
    own = DepartmentRecord.objects.filter(household_id=places.household).count()
    village = DepartmentRecord.objects.filter(household__isnull=True, village_code=places.village).count()
    assert len(rows) == own + village
    assert village >= 1  # the village's water supply record


# Excel ----------------------------------------------------------------------------------


def test_the_household_list_downloads_only_the_region_with_masked_ids(client: Client, places: Places) -> None:
    _signed_in(client, Role.COUNTY, places)
    rows = _download(client.get("/households.xlsx"))
    header, body = rows[0], rows[1:]
    assert header[0] == "户编号" and "户主身份证号" in header
    assert len(body) == Household.objects.filter(village_code__startswith=places.county).count() > 0
    code_column, id_column = header.index("行政区划代码"), header.index("户主身份证号")
    assert all(str(row[code_column]).startswith(places.county) for row in body)
    assert all("********" in row[id_column] for row in body)
    assert not any(FULL_ID.search(str(cell)) for row in body for cell in row)


def test_the_child_regions_download_has_one_row_per_child(client: Client, places: Places) -> None:
    _signed_in(client, Role.CITY, places)
    rows = _download(client.get("/region/621200/children.xlsx"))
    assert rows[0][:3] == ["区划代码", "名称", "户数"]
    assert len(rows) - 1 == 9
    assert sum(int(row[2]) for row in rows[1:]) == Household.objects.count()


def test_the_household_findings_download_masks_the_person(client: Client, places: Places) -> None:
    _signed_in(client, Role.TOWNSHIP, places)
    rows = _download(client.get(f"/households/{places.household}/findings.xlsx"))
    assert rows[0][:3] == ["户编号", "行政区划代码", "规则编号"]
    assert len(rows) - 1 == Finding.objects.filter(household_id=places.household).count()
    assert not any(FULL_ID.search(str(cell)) for row in rows[1:] for cell in row)


def test_the_household_workbook_has_a_sheet_per_list_of_the_page(client: Client, places: Places) -> None:
    _signed_in(client, Role.VILLAGE, places)
    response = client.get(f"/households/{places.household}/household.xlsx")
    assert response.status_code == 200
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheet_names == [
        "基本情况",
        "收入",
        "家庭成员",
        "逐项核查",
        "问题及依据",
        "部门数据",
        "历次筛查",
    ]
    sheet = {name: workbook.get_sheet_by_name(name).to_python() for name in workbook.sheet_names}
    household = Household.objects.get(household_id=places.household)
    facts = {row[0]: row[1] for row in sheet["基本情况"][1:]}
    assert facts["户编号"] == household.household_id and "********" in facts["户主身份证号"]
    members = Member.objects.filter(household=household)
    assert sorted(row[0] for row in sheet["家庭成员"][1:]) == sorted(member.name for member in members)
    failed = [row for row in sheet["逐项核查"][1:] if row[4] == "未达标"]
    open_rules = set(
        Finding.objects.filter(household=household, engine_status="open").values_list("rule_code", flat=True)
    )
    assert {row[1] for row in failed} == open_rules
    assert len(sheet["问题及依据"]) - 1 == Finding.objects.filter(household=household).count()
    assert len(sheet["历次筛查"]) - 1 >= 1
    assert not any(FULL_ID.search(str(cell)) for rows in sheet.values() for row in rows for cell in row)


def test_a_county_officer_unmasks_a_member_id_on_record_and_a_village_team_cannot(
    client: Client, places: Places
) -> None:
    from fangfan.web.accounts.models import UnmaskEvent

    member = Member.objects.filter(household_id=places.household).first()
    assert member is not None
    url = f"/accounts/unmask/registry.member/{member.pk}/id_number/"
    officer = _signed_in(client, Role.COUNTY, places)
    assert "查看原因" in client.get(f"/households/{places.household}/").content.decode()
    revealed = client.post(url, {"reason": "入户核实身份"})
    assert revealed.status_code == 200 and member.id_number in revealed.content.decode()
    assert UnmaskEvent.objects.filter(user=officer, object_id=str(member.pk), field="id_number").exists()
    _signed_in(client, Role.VILLAGE, places)
    assert "查看原因" not in client.get(f"/households/{places.household}/").content.decode()
    assert client.post(url, {"reason": "好奇"}).status_code == 403

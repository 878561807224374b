"""The access gate: every role against every workflow action, inside and outside its region.

The cast, in 陇南市 (621200):
- 礼县 (621226) holds 城关镇 (621226100) with 石桥村 (621226100201) and 上坪村 (621226100202);
- 武都区 (621202) holds 钟楼街道 (621202001) with 北关村 (621202001201).
One account per role sits over 石桥村; the records the actions are tried on are village
team accounts (accounts are region-scoped through REGION_FIELD = "region__code"): 石桥村's
is inside every role's region, 北关村's is outside all but the city's.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.test import RequestFactory

from fangfan.engine.schema import DEPARTMENT_FEEDS, REGISTRY_TABLES
from fangfan.web.accounts.access import (
    ACTIONS,
    can,
    get_scoped_or_404,
    region_prefix,
    require_roles,
    scope,
)
from fangfan.web.accounts.models import User
from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.regions.models import Region

pytestmark = pytest.mark.django_db

Role = User.Role

# Where each role's account sits: all above 石桥村.
HOME = {
    Role.CITY: "621200",
    Role.COUNTY: "621226",
    Role.TOWNSHIP: "621226100",
    Role.VILLAGE: "621226100201",
    Role.DEPARTMENT: "621200",
    Role.INSPECTOR: "621200",
}

# docs/web.md, Roles: what each role may do to a record inside its region.
MAY = {
    Role.CITY: {"view", "assign", "verify_close", "unmask", "confirm_upload"},
    Role.COUNTY: {"view", "assign", "verify_close", "unmask"},
    Role.TOWNSHIP: {"view", "assign", "mark_fixed", "mark_explained"},
    Role.VILLAGE: {"view", "mark_fixed", "mark_explained"},
    Role.DEPARTMENT: set(),
    Role.INSPECTOR: {"view"},
}
# Relapse monitoring (docs/monitoring.md): city offices and inspectors only read.
MAY[Role.COUNTY] |= {"monitoring_report", "monitoring_county_decision"}
MAY[Role.TOWNSHIP] |= {
    "monitoring_report",
    "monitoring_visit",
    "monitoring_intake",
    "monitoring_township_review",
    "monitoring_measure",
    "monitoring_reassess",
    "monitoring_propose_elimination",
}
MAY[Role.VILLAGE] |= {
    "monitoring_report",
    "monitoring_visit",
    "monitoring_home_check",
    "monitoring_village_review",
    "monitoring_measure",
    "monitoring_reassess",
    "monitoring_propose_elimination",
}
# Grievances and public-opinion items (fangfan.web.grievances): every cadre records a
# grievance, the offices from the township up handle both.
for office in (Role.CITY, Role.COUNTY, Role.TOWNSHIP):
    MAY[office] |= {"grievance_record", "grievance_handle", "opinion_handle"}
MAY[Role.VILLAGE] |= {"grievance_record"}
# Campaigns (fangfan.web.campaigns): the teams on the ground visit the target households.
for team in (Role.TOWNSHIP, Role.VILLAGE):
    MAY[team] |= {"campaign_visit"}
# Rectification (fangfan.web.rectification): every cadre office enters problems and reports
# fixes; townships up accept (never their own fix: the verb's rule); counties and the city
# close out and draw 回头看.
for cadre in (Role.CITY, Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE):
    MAY[cadre] |= {"rectification_open", "rectification_fix"}
for office in (Role.CITY, Role.COUNTY, Role.TOWNSHIP):
    MAY[office] |= {"rectification_accept"}
for office in (Role.CITY, Role.COUNTY):
    MAY[office] |= {"rectification_close", "rectification_recheck"}
# Evidence (佐证资料): the teams that hold the papers file a household's proofs.
for team in (Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE):
    MAY[team] |= {"evidence_upload"}
# Industry income (产业收入, fangfan.web.industry): the teams on the ground record from visits;
# the offices down to the villages import Excel lists.
for team in (Role.TOWNSHIP, Role.VILLAGE):
    MAY[team] |= {"industry_record"}
for office in (Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE):
    MAY[office] |= {"industry_import"}
# Village work teams (驻村工作队, fangfan.web.teams): the offices keep the roster; a member checks
# in with the village account; the township decides short leave, the county longer leave.
for office in (Role.CITY, Role.COUNTY, Role.TOWNSHIP):
    MAY[office] |= {"team_roster"}
MAY[Role.VILLAGE] |= {"team_checkin"}
MAY[Role.TOWNSHIP] |= {"team_leave_township"}
MAY[Role.COUNTY] |= {"team_leave_county"}
# 衔接资金项目 (fangfan.web.projects): the offices keep the library; counties down to villages
# report progress; the offices accept (never the one who reported the finish: the verb's rule).
for office in (Role.CITY, Role.COUNTY, Role.TOWNSHIP):
    MAY[office] |= {"project_edit", "project_accept"}
for team in (Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE):
    MAY[team] |= {"project_progress"}
# Public-welfare jobs (公益性岗位, fangfan.web.jobs): townships and counties set up posts and import
# cadre rosters; the village reviews applications; the township checks and posts the notice; the
# county records; the village and township appraise each month; the offices run the monthly check.
for office in (Role.COUNTY, Role.TOWNSHIP):
    MAY[office] |= {"jobs_post"}
MAY[Role.VILLAGE] |= {"jobs_village_review"}
MAY[Role.TOWNSHIP] |= {"jobs_township_check"}
MAY[Role.COUNTY] |= {"jobs_county_record"}
for team in (Role.TOWNSHIP, Role.VILLAGE):
    MAY[team] |= {"jobs_appraise"}
for office in (Role.CITY, Role.COUNTY, Role.TOWNSHIP):
    MAY[office] |= {"jobs_check"}
RECORD_ACTIONS = [action for action in ACTIONS if action != "upload"]


@pytest.fixture
def cast() -> dict[str, Any]:
    make_regions()
    users = {role: make_user(role, code) for role, code in HOME.items()}
    return {
        "users": users,
        "inside": make_user(Role.VILLAGE, "621226100201", username="石桥村工作队"),
        "neighbour": make_user(Role.VILLAGE, "621226100202", username="上坪村工作队"),
        "outside": make_user(Role.VILLAGE, "621202001201", username="北关村工作队"),
    }


@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("action", RECORD_ACTIONS)
def test_each_role_may_do_exactly_its_actions_inside_its_region(
    cast: dict[str, Any], role: str, action: str
) -> None:
    user = cast["users"][role]
    assert can(user, action, cast["inside"]) is (action in MAY[role])


@pytest.mark.parametrize("role", [role for role in Role.values if HOME[role] != "621200"])
@pytest.mark.parametrize("action", RECORD_ACTIONS)
def test_no_role_may_do_anything_outside_its_region(cast: dict[str, Any], role: str, action: str) -> None:
    assert can(cast["users"][role], action, cast["outside"]) is False


@pytest.mark.parametrize("action", RECORD_ACTIONS)
def test_a_village_team_may_not_touch_the_next_village(cast: dict[str, Any], action: str) -> None:
    assert can(cast["users"][Role.VILLAGE], action, cast["neighbour"]) is False


@pytest.mark.parametrize("action", RECORD_ACTIONS)
def test_the_city_reaches_every_county(cast: dict[str, Any], action: str) -> None:
    assert can(cast["users"][Role.CITY], action, cast["outside"]) is (action in MAY[Role.CITY])


FEEDS = [feed.name for feed in DEPARTMENT_FEEDS] + [table.name for table in REGISTRY_TABLES]


@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("feed", FEEDS)
def test_only_the_school_officer_uploads_the_school_roll_and_only_the_city_the_registry(
    cast: dict[str, Any], role: str, feed: str
) -> None:
    user = cast["users"][role]
    expected = (role == Role.DEPARTMENT and feed == "school_roll") or (
        role == Role.CITY and feed in {table.name for table in REGISTRY_TABLES}
    )
    assert can(user, "upload", feed) is expected


def test_upload_takes_an_object_with_a_feed_too(cast: dict[str, Any]) -> None:
    class Upload:
        feed = "school_roll"

    assert can(cast["users"][Role.DEPARTMENT], "upload", Upload())


def test_an_unknown_action_is_a_programming_error(cast: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="unknown action"):
        can(cast["users"][Role.CITY], "approve", cast["inside"])


@pytest.mark.parametrize("action", ACTIONS)
def test_nobody_without_an_active_account_and_a_region_may_do_anything(
    cast: dict[str, Any], action: str
) -> None:
    target = "school_roll" if action == "upload" else cast["inside"]
    suspended = cast["users"][Role.CITY]
    suspended.is_active = False
    no_region = User.objects.create_user("技术员")
    for user in (AnonymousUser(), None, suspended, no_region):
        assert can(user, action, target) is False


def test_unmask_can_be_granted_to_a_township_account_by_name(cast: dict[str, Any]) -> None:
    township = cast["users"][Role.TOWNSHIP]
    township.user_permissions.add(Permission.objects.get(codename="unmask_personal_data"))
    township = User.objects.get(pk=township.pk)  # permissions are cached per instance
    assert can(township, "unmask", cast["inside"])
    assert not can(township, "unmask", cast["outside"])


def test_a_department_officer_sees_what_it_uploaded(
    cast: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    officer = cast["users"][Role.DEPARTMENT]
    monkeypatch.setattr(User, "OWNER_FIELD", "uploaded_by", raising=False)
    record = cast["inside"]
    record.uploaded_by_id = officer.pk  # type: ignore[attr-defined]
    assert can(officer, "view", record)
    record.uploaded_by_id = cast["users"][Role.CITY].pk  # type: ignore[attr-defined]
    assert not can(officer, "view", record)


@pytest.mark.parametrize(
    ("role", "prefix"),
    [
        (Role.CITY, "6212"),
        (Role.COUNTY, "621226"),
        (Role.TOWNSHIP, "621226100"),
        (Role.VILLAGE, "621226100201"),
    ],
)
def test_region_prefix_is_the_code_prefix_of_the_users_level(
    cast: dict[str, Any], role: str, prefix: str
) -> None:
    assert region_prefix(cast["users"][role]) == prefix


def test_a_user_without_a_region_has_no_prefix(cast: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        region_prefix(User.objects.create_user("技术员"))


def _names(queryset: Any) -> set[str]:
    return set(queryset.filter(username__endswith="工作队").values_list("username", flat=True))


def test_scope_keeps_each_user_inside_its_region(cast: dict[str, Any]) -> None:
    accounts = User.objects.all()
    users = cast["users"]
    everyone = {"石桥村工作队", "上坪村工作队", "北关村工作队"}
    assert _names(scope(accounts, users[Role.CITY])) == everyone
    assert _names(scope(accounts, users[Role.INSPECTOR])) == everyone
    assert _names(scope(accounts, users[Role.COUNTY])) == {"石桥村工作队", "上坪村工作队"}
    assert _names(scope(accounts, users[Role.TOWNSHIP])) == {"石桥村工作队", "上坪村工作队"}
    assert _names(scope(accounts, users[Role.VILLAGE])) == {"石桥村工作队"}


def test_scope_shows_nothing_to_department_officers_on_records_they_do_not_upload(
    cast: dict[str, Any],
) -> None:
    assert not scope(User.objects.all(), cast["users"][Role.DEPARTMENT]).exists()


def test_scope_shows_nothing_to_the_anonymous_or_those_without_a_region(cast: dict[str, Any]) -> None:
    assert not scope(User.objects.all(), AnonymousUser()).exists()
    assert not scope(User.objects.all(), User.objects.create_user("技术员")).exists()


def test_scope_refuses_a_model_that_declares_no_region_field(cast: dict[str, Any]) -> None:
    with pytest.raises(TypeError, match="REGION_FIELD"):
        scope(Region.objects.all(), cast["users"][Role.CITY])


def test_a_record_outside_the_region_is_404_not_403(cast: dict[str, Any]) -> None:
    village = cast["users"][Role.VILLAGE]
    assert get_scoped_or_404(User.objects.all(), village, pk=cast["inside"].pk) == cast["inside"]
    with pytest.raises(Http404):
        get_scoped_or_404(User.objects.all(), village, pk=cast["outside"].pk)
    with pytest.raises(Http404):
        get_scoped_or_404(User.objects.all(), village, pk=10**9)


@require_roles(Role.VILLAGE, Role.TOWNSHIP)
def _mark_fixed(request: HttpRequest) -> HttpResponse:
    return HttpResponse("已整改")


@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("method", ["get", "post"])
def test_require_roles_lets_in_the_named_roles_and_inspectors_for_reads(
    cast: dict[str, Any], role: str, method: str
) -> None:
    request = getattr(RequestFactory(), method)("/findings/1/fixed")
    request.user = cast["users"][role]
    allowed = role in (Role.VILLAGE, Role.TOWNSHIP) or (role == Role.INSPECTOR and method == "get")
    if allowed:
        assert _mark_fixed(request).status_code == 200
    else:
        with pytest.raises(PermissionDenied):
            _mark_fixed(request)


def test_require_roles_sends_the_anonymous_to_the_login_page() -> None:
    request = RequestFactory().get("/findings/1/fixed")
    request.user = AnonymousUser()
    response = _mark_fixed(request)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_require_roles_refuses_a_role_that_does_not_exist() -> None:
    with pytest.raises(ValueError, match="unknown roles"):
        require_roles("mayor")


@pytest.mark.parametrize(
    ("prefix", "inside", "outside"),
    [
        ("6212", ["621200", "621226100201", "6212"], ["621300", "621199999999", "6213"]),
        ("621229", ["621229", "621229999999"], ["621230", "62122"]),
        ("999", ["999", "999123"], ["998999"]),
    ],
)
def test_code_within_is_the_prefix_as_a_range(prefix, inside, outside):
    """The gate's region filter: a code range equal to 'begins with' for digit codes."""
    from fangfan.web.accounts.access import code_within
    from fangfan.web.regions.models import Region

    for code in inside + outside:
        Region.objects.create(code=code, name=code, level=Region.Level.VILLAGE)
    found = set(Region.objects.filter(code_within("code", prefix)).values_list("code", flat=True))
    assert found == {code for code in inside + outside if code.startswith(prefix)}
    assert found == set(inside)

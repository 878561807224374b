"""Accounts: signing in and out, throttling, headers, masking, unmasking on record, the audit trail.

The cast (a small 陇南市, see fangfan.web.accounts.testing.SMALL_MAP):
- 王建国, 礼县's county office, signs in with a password and may see full numbers;
- 李芳, 城关镇's township officer, sees masked numbers only;
- 赵小军, 石桥村's village team, whose phone 13812345678 is the personal value looked at;
- 马德明, 北关村's village team in 武都区, outside 礼县.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.template import Context, Template
from django.test import Client

from fangfan.web.accounts.audit import (
    field_values,
    history,
    record_change,
    record_creation,
    record_deletion,
    track_changes,
)
from fangfan.web.accounts.models import AuditEvent, UnmaskEvent, User
from fangfan.web.accounts.personal import mask_id, mask_phone
from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.regions.models import Region

pytestmark = pytest.mark.django_db

PASSWORD = "石桥-春耕-2026"


@pytest.fixture
def cast() -> dict[str, Any]:
    regions = make_regions()
    county = User.objects.create_user(
        "wangjianguo",
        password=PASSWORD,
        last_name="王",
        first_name="建国",
        role="county",
        region=regions["621226"],
    )
    return {
        "county": county,
        "township": make_user("township", "621226100", username="lifang", last_name="李", first_name="芳"),
        "village": make_user("village", "621226100201", username="zhaoxiaojun", phone="13812345678"),
        "outside": make_user("village", "621202001201", username="mademing", phone="13900001111"),
    }


def _login(client: Client, username: str, password: str) -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password})


# Roles and regions


@pytest.mark.parametrize(
    ("role", "code", "department", "field"),
    [
        ("village", "621226100", "", "region"),
        ("township", "621226", "", "region"),
        ("county", "621200", "", "region"),
        ("city", "621226", "", "region"),
        ("department", "621226100", "school_roll", "region"),
        ("department", "621226", "", "department"),
        ("county", "621226", "school_roll", "department"),
    ],
)
def test_a_role_must_fit_its_regions_level(role: str, code: str, department: str, field: str) -> None:
    regions = make_regions()
    user = User(username="someone", role=role, region=regions[code], department=department)
    user.set_unusable_password()
    with pytest.raises(ValidationError) as raised:
        user.full_clean()
    assert field in raised.value.message_dict


@pytest.mark.parametrize("code", ["621200", "621226", "621226100", "621226100201"])
def test_an_inspector_may_sit_at_any_level(code: str) -> None:
    make_regions()
    assert make_user("inspector", code).region.code == code


def test_a_department_officer_sits_on_the_city_or_a_county() -> None:
    make_regions()
    assert make_user("department", "621226", department="medical_insurance").get_department_display()


# Signing in and out


def test_every_page_needs_a_signed_in_user(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_the_login_page_is_in_chinese_and_has_no_inline_script(client: Client) -> None:
    response = client.get("/accounts/login/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "登录防返" in page and "用户名" in page and "密码" in page
    assert "csrfmiddlewaretoken" in page
    assert "<script>" not in page and "style=" not in page
    assert "/static/vendor/htmx/htmx.min.js" in page


def test_signing_in_shows_name_role_and_region_and_signing_out_ends_the_session(
    client: Client, cast: dict[str, Any]
) -> None:
    response = _login(client, "wangjianguo", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    page = client.get("/accounts/me/").content.decode()
    assert "王建国" in page and "县级办公室" in page and "礼县" in page and "退出登录" in page
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert client.get("/").status_code == 302


def test_a_wrong_password_says_so_in_chinese(client: Client, cast: dict[str, Any]) -> None:
    page = _login(client, "wangjianguo", "wrong").content.decode()
    assert "用户名或密码不正确" in page


def test_five_failures_lock_the_username_on_that_address_for_fifteen_minutes(
    client: Client, cast: dict[str, Any]
) -> None:
    for _ in range(5):
        _login(client, "wangjianguo", "wrong")
    locked = _login(client, "wangjianguo", PASSWORD)
    assert locked.status_code == 429
    assert "锁定 15 分钟" in locked.content.decode()
    assert client.get("/").status_code == 302
    # Another account from the same address is not locked out.
    User.objects.create_user(
        "lixiuying", password=PASSWORD, role="county", region=Region.objects.get(code="621226")
    )
    assert _login(client, "lixiuying", PASSWORD).status_code == 302


def test_the_session_ends_after_eight_hours_or_when_the_browser_closes(settings: Any) -> None:
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


# Headers


def test_pages_carry_a_self_only_content_security_policy_and_security_headers(client: Client) -> None:
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_login_posts_need_a_csrf_token(cast: dict[str, Any]) -> None:
    client = Client(enforce_csrf_checks=True)
    assert _login(client, "wangjianguo", PASSWORD).status_code == 403


# Personal data


def test_id_numbers_show_their_first_six_and_last_four_characters() -> None:
    assert mask_id("62122619800101123X") == "621226********123X"
    assert mask_id("") == "" and mask_id(None) == ""
    assert mask_id("1234567") == "*******"


def test_phone_numbers_show_their_first_three_and_last_four_digits() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone(None) == ""


def test_the_template_filters_mask() -> None:
    template = Template("{% load personal %}{{ id|mask_id }} {{ phone|mask_phone }}")
    rendered = template.render(Context({"id": "62122619800101123X", "phone": "13812345678"}))
    assert rendered == "621226********123X 138****5678"


def _unmask_url(user: User, field: str = "phone") -> str:
    return f"/accounts/unmask/accounts.user/{user.pk}/{field}/"


def test_the_county_office_sees_a_full_phone_number_and_it_is_recorded(
    client: Client, cast: dict[str, Any]
) -> None:
    client.force_login(cast["county"])
    response = client.post(_unmask_url(cast["village"]), {"reason": "核实联系方式"})
    assert response.status_code == 200
    assert "13812345678" in response.content.decode()
    event = UnmaskEvent.objects.get()
    assert (event.user, event.object_id, event.field, event.reason) == (
        cast["county"],
        str(cast["village"].pk),
        "phone",
        "核实联系方式",
    )


def test_unmasking_needs_a_reason(client: Client, cast: dict[str, Any]) -> None:
    client.force_login(cast["county"])
    response = client.post(_unmask_url(cast["village"]), {"reason": " "})
    assert response.status_code == 400
    assert "请填写查看原因" in response.content.decode()
    assert "13812345678" not in response.content.decode()
    assert not UnmaskEvent.objects.exists()


def test_a_township_officer_without_the_permission_cannot_unmask(
    client: Client, cast: dict[str, Any]
) -> None:
    client.force_login(cast["township"])
    assert client.post(_unmask_url(cast["village"]), {"reason": "核实"}).status_code == 403
    assert not UnmaskEvent.objects.exists()


def test_unmasking_outside_the_region_is_404(client: Client, cast: dict[str, Any]) -> None:
    client.force_login(cast["county"])
    assert client.post(_unmask_url(cast["outside"]), {"reason": "核实"}).status_code == 404
    assert not UnmaskEvent.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/unmask/accounts.user/{pk}/password/",
        "/accounts/unmask/regions.region/1/code/",
        "/accounts/unmask/nothing.here/1/phone/",
    ],
)
def test_only_declared_personal_fields_can_be_unmasked(
    client: Client, cast: dict[str, Any], url: str
) -> None:
    client.force_login(cast["county"])
    assert client.post(url.format(pk=cast["village"].pk), {"reason": "核实"}).status_code == 404


def test_unmasking_is_a_post(client: Client, cast: dict[str, Any]) -> None:
    client.force_login(cast["county"])
    assert client.get(_unmask_url(cast["village"])).status_code == 405


def _personal_value(viewer: User, record: User) -> str:
    template = Template('{% load personal %}{% personal_value record "phone" %}')
    request = type("Request", (), {"user": viewer})()
    return template.render(Context({"record": record, "request": request, "csrf_token": "t"}))


def test_the_personal_value_tag_offers_unmasking_only_to_those_who_may(cast: dict[str, Any]) -> None:
    for_county = _personal_value(cast["county"], cast["village"])
    assert "138****5678" in for_county and "13812345678" not in for_county
    assert 'hx-post="/accounts/unmask/accounts.user/' in for_county
    for_township = _personal_value(cast["township"], cast["village"])
    assert "138****5678" in for_township and "hx-post" not in for_township


# The audit trail


def test_an_update_records_only_the_changed_fields(cast: dict[str, Any]) -> None:
    village = cast["village"]
    with track_changes(cast["county"], village):
        village.first_name = "小军"
        village.save()
    event = history(village).get()
    assert event.action == "update" and event.user == cast["county"]
    assert event.old == {"first_name": ""} and event.new == {"first_name": "小军"}


def test_saving_without_a_change_records_nothing(cast: dict[str, Any]) -> None:
    village = cast["village"]
    old = field_values(village)
    assert record_change(cast["county"], village, old, field_values(village), "update") is None
    assert not AuditEvent.objects.exists()


def test_creation_and_deletion_keep_every_value(cast: dict[str, Any]) -> None:
    record_creation(None, cast["outside"])
    record_deletion(cast["county"], cast["outside"])
    deleted, created = history(cast["outside"])
    assert created.action == "create" and created.user is None and created.new["username"] == "mademing"
    assert deleted.action == "delete" and deleted.old["phone"] == "13900001111" and deleted.new == {}


def test_the_history_include_shows_who_changed_what_with_phone_numbers_masked(cast: dict[str, Any]) -> None:
    village = cast["village"]
    with track_changes(cast["county"], village, fields=["phone"]):
        village.phone = "13700002222"
        village.save()
    page = Template('{% include "accounts/history.html" with record=village %}').render(
        Context({"village": village})
    )
    assert "修改记录" in page and "王建国" in page and "县级办公室" in page and "修改" in page
    assert "手机号" in page and "138****5678" in page and "137****2222" in page
    assert "13812345678" not in page


def test_a_record_without_changes_says_so(cast: dict[str, Any]) -> None:
    page = Template('{% include "accounts/history.html" with record=r %}').render(
        Context({"r": cast["village"]})
    )
    assert "暂无修改记录" in page


# Demo accounts


def test_demo_accounts_are_made_once_per_role_and_sign_in(client: Client) -> None:
    make_regions()
    call_command("create_demo_accounts", stdout=open_null())
    call_command("create_demo_accounts", stdout=open_null())
    demo = User.objects.filter(username__startswith="demo-")
    assert sorted(demo.values_list("role", flat=True)) == sorted(User.Role.values)
    assert demo.get(role="village").region.code.startswith("621226")
    assert demo.get(role="department").department == "school_roll"
    assert _login(client, "demo-village", "demo-village-2026").status_code == 302


def open_null() -> Any:
    import io

    return io.StringIO()

"""Signing in, in a real browser: the wrong password is refused in Chinese, the right one lets you in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fangfan.web.accounts.models import User
from fangfan.web.accounts.testing import make_regions, make_user

PASSWORD = "石桥-春耕-2026"


@pytest.fixture
def county_officer(transactional_db: None) -> User:
    """王建国 of 礼县's county office, with a password."""
    make_regions()
    user = make_user("county", "621226", username="wangjianguo", last_name="王", first_name="建国")
    user.set_password(PASSWORD)
    user.save()
    return user


def test_a_wrong_password_is_refused_with_a_chinese_message(
    page: Any, county_officer: User, shoot: Callable[[Any, str], Path]
) -> None:
    page.goto("/")
    assert "/accounts/login/" in page.url  # every page needs a signed-in user
    page.fill("#id_username", "wangjianguo")
    page.fill("#id_password", "猜一个密码")
    page.click("button[type=submit]")
    alert = page.locator(".form-errors")
    alert.wait_for()
    assert "用户名或密码不正确" in alert.inner_text()
    assert "/accounts/login/" in page.url
    assert page.locator(".site-user").count() == 0
    shoot(page, "login-wrong-password")


def test_the_right_password_signs_in_and_shows_who_is_signed_in(
    page: Any, county_officer: User, shoot: Callable[[Any, str], Path]
) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", "wangjianguo")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    header = page.locator(".site-user")
    assert "王建国" in header.inner_text() and "县级办公室" in header.inner_text()
    assert "礼县" in header.inner_text()
    shoot(page, "login-signed-in")
    page.click("text=退出登录")
    page.wait_for_url(lambda url: "/accounts/login/" in url)

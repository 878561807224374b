"""The site's navigation leads every office and village team to the four field-work parts
(docs/fieldwork.md), and each link opens inside the user's own region; a department's data
officer, who reads only what they uploaded, gets none of them."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from fangfan.web.accounts.models import User
from fangfan.web.accounts.testing import make_regions, make_user

pytestmark = pytest.mark.django_db

Role = User.Role
LINKS = ("驻村工作队", "公益岗位", "衔接项目", "产业收入")
HOMES = {Role.CITY: "621200", Role.COUNTY: "621226", Role.TOWNSHIP: "621226100", Role.VILLAGE: "621226100201"}


def _navigation(client: Client) -> dict[str, str]:
    page = client.get("/", follow=True).content.decode()  # a department officer lands on imports
    nav = page.split('aria-label="主要功能"', 1)[1].split("</nav>", 1)[0]
    return {label: href for href, label in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav)}


@pytest.mark.parametrize("role", [Role.CITY, Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE, Role.INSPECTOR])
def test_every_office_and_team_finds_the_field_work_parts_in_the_navigation(role):
    make_regions()
    user = make_user(role, HOMES.get(role, "621200"))
    client = Client()
    client.force_login(user)
    links = _navigation(client)
    assert set(LINKS) <= links.keys()
    for label in LINKS:
        response = client.get(links[label], follow=True)
        assert response.status_code == 200, (label, links[label])
        final = response.redirect_chain[-1][0] if response.redirect_chain else links[label]
        codes = re.findall(r"\d{6,12}", final)
        assert all(code.startswith(user.region.code) for code in codes), (label, final)


def test_a_department_officer_sees_none_of_them():
    make_regions()
    client = Client()
    client.force_login(make_user(Role.DEPARTMENT, "621200"))
    assert not set(LINKS) & _navigation(client).keys()

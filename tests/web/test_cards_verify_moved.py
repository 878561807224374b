"""A card's QR link after the household moved or left the registry.

孙桂兰's card was printed in 上坪村. She then moved to 石桥村 (the next publish has her
household there, its policies unchanged): whoever scans the old card is told it is out of
date, not that it matches the data. Once her household is no longer in the registry at all,
the page says so.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from cast import SHIQIAO
from fangfan.web.registry.models import Household

from .test_cards_web import _token
from .test_cards_web import cast as cast  # the fixture

pytestmark = pytest.mark.django_db


def _page(token: str) -> str:
    return Client().get(reverse("cards:verify"), {"t": token}).content.decode()


def test_the_card_of_a_household_that_moved_to_another_village_is_called_outdated(cast) -> None:
    token = _token(cast["sun"])
    assert "卡上所列政策与当前数据一致" in _page(token)

    Household.objects.filter(pk=cast["sun"].pk).update(village_code=SHIQIAO, village_name="石桥村")
    page = _page(token)

    assert "卡上所列政策与当前数据一致" not in page
    assert "本卡签发后该户的政策数据已有变化（或该户已迁到别的村）" in page and "石桥村" in page


def test_the_card_of_a_household_no_longer_in_the_registry_says_so(cast) -> None:
    token = _token(cast["sun"])
    Household.objects.get(pk=cast["sun"].pk).soft_delete(None)  # as a publish without her does

    page = _page(token)

    assert "该户已不在当前建档立卡数据中" in page and "卡上所列政策与当前数据一致" not in page

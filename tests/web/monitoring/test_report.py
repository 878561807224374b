"""The public report form (/report/): 王秀英 reports herself, and what keeps the form for people.

Every report below is sent as a person sends it, through the Django client without an
account; the fill token is minted as if the form had been served a minute before
(`aged_token`), so nothing waits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fangfan.engine import idnumber
from fangfan.web.monitoring import spam
from fangfan.web.monitoring.models import Intake
from fangfan.web.monitoring.testing import aged_token

pytestmark = pytest.mark.django_db
REPORT = reverse("monitoring:report")
COUNTY, TOWNSHIP, SHIQIAO, SHANGPING = "621226", "621226100", "621226100201", "621226100202"
WANG_ID = idnumber.make("621226", dt.date(1968, 3, 5), 42)  # as in conftest
WANG_PHONE = "13912345678"


def wang_report(**changes: Any) -> dict[str, Any]:
    """王秀英's report as she types it: full-width digits and a lower-case x are fine."""
    return {
        "name": "王秀英",
        "id_number": WANG_ID,
        "phone": "",
        "county": COUNTY,
        "township": TOWNSHIP,
        "village": SHIQIAO,
        "description": "儿子李明得了大病住院，今年医药费自付三万多元，家里快撑不住了。",
        "contact_phone": "",
        "website": "",
        "token": aged_token(),
        **changes,
    }


def send(data: dict[str, Any], address: str = "10.0.0.1") -> Any:
    return Client(REMOTE_ADDR=address).post(REPORT, data)


def test_the_form_needs_no_account_and_fits_a_phone(cast):
    page = Client().get(REPORT)
    assert page.status_code == 200
    assert 'name="viewport"' in page.text and "防返贫监测自主申报" in page.text
    assert 'name="website"' in page.text and 'class="hp-field"' in page.text
    assert 'name="token"' in page.text and "礼县" in page.text


def test_wang_xiuying_reports_and_lands_in_her_townships_list_matched_by_id(cast, client_for):
    response = send(wang_report())
    assert response.status_code == 200
    intake = Intake.objects.get()
    assert response.context["intake"] == intake and intake.reference in response.text
    assert (intake.source, intake.village_code, intake.household) == ("self_report", SHIQIAO, cast["wang"])
    assert intake.match == Intake.Match.ID_NUMBER and intake.recorded_by is None
    assert intake.place_name == "礼县城关镇石桥村" and intake.status == "new"

    listing = client_for(cast["township"]).get(reverse("monitoring:intakes"))
    assert [row.pk for row in listing.context["intakes"]] == [intake.pk]
    assert WANG_ID not in listing.text
    page = client_for(cast["township"]).get(reverse("monitoring:intake", args=[intake.pk]))
    assert "621226********" in page.text and WANG_ID not in page.text
    assert (
        client_for(cast["wudu_township"])
        .get(reverse("monitoring:intakes"))
        .context["intakes"]
        .paginator.count
        == 0
    )


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"id_number": "", "phone": WANG_PHONE}, "phone"),
        ({"id_number": "", "phone": "13800000000", "name": "李明"}, "name"),
        ({"id_number": " ".join(WANG_ID[i : i + 6] for i in (0, 6, 12))}, "id_number"),
    ],
)
def test_a_phone_or_a_members_name_in_the_village_finds_the_household_too(cast, changes, match):
    assert send(wang_report(**changes)).status_code == 200
    intake = Intake.objects.get()
    assert (intake.household, intake.match) == (cast["wang"], match)


def test_a_report_that_identifies_no_household_still_lands_unmatched(cast):
    assert (
        send(wang_report(id_number="", phone="13800000000", name="陌生人", village=SHANGPING)).status_code
        == 200
    )
    intake = Intake.objects.get()
    assert intake.household is None and intake.match == "" and intake.village_code == SHANGPING


def test_the_report_needs_an_id_number_or_a_phone_a_valid_id_and_a_village_of_the_township(cast):
    cases = [
        {"id_number": "", "phone": ""},
        {"id_number": WANG_ID[:-1] + ("0" if WANG_ID[-1] != "0" else "1")},  # wrong check character
        {"village": "621202001201"},  # a village of another county
        {"description": "难"},
        {"name": "王" * 40},
        {"description": "困" * 1001},
    ]
    for changes in cases:
        response = send(wang_report(**changes))
        assert response.status_code == 400, changes
    assert not Intake.objects.exists()


def test_a_bot_that_fills_the_honeypot_is_refused(cast):
    response = send(wang_report(website="http://spam.example"))
    assert response.status_code == 400 and "提交未成功" in response.text
    assert not Intake.objects.exists()


def test_a_form_sent_too_fast_or_with_a_forged_or_stale_token_is_refused(cast):
    too_fast = send(wang_report(token=spam.fill_token()))
    assert too_fast.status_code == 400 and "提交太快" in too_fast.text
    forged = send(wang_report(token=aged_token()[:-2] + "xx"))
    assert forged.status_code == 400 and "表单已失效" in forged.text
    missing = send(wang_report(token=""))
    assert missing.status_code == 400
    stale = send(wang_report(token=aged_token(spam.TOKEN_MAX_AGE_SECONDS + 60)))
    assert stale.status_code == 400 and "时间过长" in stale.text
    assert not Intake.objects.exists()
    # The refused form comes back filled in, with a fresh token, so a person just sends it again.
    assert "儿子李明得了大病" in too_fast.text and 'name="token"' in too_fast.text


def test_one_address_may_send_only_so_many_reports_an_hour(cast, monkeypatch):
    monkeypatch.setattr(spam, "RATE_LIMIT", 3)
    for number in range(3):
        response = send(wang_report(name=f"申报人{number}", id_number="", phone=f"1380000000{number}"))
        assert response.status_code == 200
    response = send(wang_report(name="第四位", id_number="", phone="13800000009"))
    assert response.status_code == 429 and "12317" in response.text
    assert Intake.objects.count() == 3
    assert (
        send(wang_report(name="别处的人", id_number="", phone="13800000008"), "10.0.0.2").status_code == 200
    )


def test_the_same_person_in_the_same_village_within_a_day_makes_one_lead(cast):
    first = send(wang_report())
    again = send(wang_report(id_number="", phone=WANG_PHONE, token=aged_token()))
    assert first.status_code == again.status_code == 200
    assert again.context["duplicate"] and first.context["intake"].reference not in again.text
    assert Intake.objects.count() == 1
    namesake = idnumber.make("621226", dt.date(1990, 1, 1), 8)  # another 王秀英 of the village
    assert send(wang_report(id_number=namesake, token=aged_token())).context["intake"] is not None
    assert Intake.objects.count() == 2
    Intake.objects.update(received_at=first.context["intake"].received_at - spam.DUPLICATE_WINDOW)
    assert send(wang_report()).context["intake"] is not None
    assert Intake.objects.count() == 3


def test_choosing_a_county_offers_its_townships_and_a_township_its_villages(cast):
    places = reverse("monitoring:report_places")
    townships = Client().get(places, {"county": COUNTY})
    assert townships.status_code == 200
    assert 'id="field-township"' in townships.text and "城关镇" in townships.text
    assert 'id="field-village" hx-swap-oob="true"' in townships.text and "钟楼街道" not in townships.text
    villages = Client().get(places, {"township": TOWNSHIP})
    assert "石桥村" in villages.text and "上坪村" in villages.text and "北关村" not in villages.text


def test_without_script_a_form_with_only_the_county_comes_back_with_its_townships(cast):
    response = send(wang_report(township="", village=""))
    assert response.status_code == 400
    assert "城关镇" in response.text and not Intake.objects.exists()

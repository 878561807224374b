"""The public report form (/report/): 王秀英 reports herself, and what keeps the form for people.

Every report below is sent as a person sends it, through the Django client without an
account; the fill token is minted as if the form had been served a minute before
(`aged_token`), so nothing waits.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cast import LI_MING, SHANGPING, SHIQIAO, WANG_XIUYING
from fangfan.engine import idnumber
from fangfan.web.monitoring import spam
from fangfan.web.monitoring.models import FurtherReport, Intake, PublicCounter
from fangfan.web.monitoring.testing import aged_token
from fangfan.web.registry.models import Member

pytestmark = pytest.mark.django_db
REPORT = reverse("monitoring:report")
COUNTY, TOWNSHIP = "621226", "621226100"
WANG_ID, WANG_PHONE = WANG_XIUYING.id_number, WANG_XIUYING.phone
LI_MING_ID = LI_MING.id_number


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
    assert response.context["reference"] == intake.reference and intake.reference in response.text
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


class Clock:
    """The time the report limits count by, moved by hand."""

    def __init__(self) -> None:
        self.at = timezone.now()

    def __call__(self) -> dt.datetime:
        return self.at

    def move(self, **delta: float) -> None:
        self.at += dt.timedelta(**delta)


def test_the_hourly_limit_lasts_the_whole_hour_and_then_opens_again(cast, monkeypatch):
    clock = Clock()
    monkeypatch.setattr(spam, "now", clock)
    monkeypatch.setattr(spam, "RATE_LIMIT", 2)
    for number in range(2):
        assert (
            send(wang_report(name=f"申报人{number}", id_number="", phone=f"1380000000{number}")).status_code
            == 200
        )
    clock.move(minutes=6)  # the file cache's window used to end after five minutes
    refused = send(wang_report(name="第三位", id_number="", phone="13800000003"))
    assert refused.status_code == 429 and "一小时后再试" in refused.text and "操作过于频繁" in refused.text
    clock.move(minutes=53)  # 59 minutes after the first
    assert send(wang_report(name="第三位", id_number="", phone="13800000003")).status_code == 429
    clock.move(minutes=2)  # 61 minutes after the first: a new window
    assert send(wang_report(name="第三位", id_number="", phone="13800000003")).status_code == 200
    assert Intake.objects.count() == 3


def test_the_limit_keeps_addresses_hashed_never_as_sent(cast):
    send(wang_report(), "203.0.113.77")
    stored = list(PublicCounter.objects.values_list("address_hash", flat=True))
    assert len(stored) == 1 and "203.0.113.77" not in stored[0] and len(stored[0]) == 64


def test_a_fill_token_is_good_for_one_report(cast):
    token = aged_token()
    first = send(wang_report(token=token))
    again = send(wang_report(token=token, name="李明", id_number=LI_MING_ID))
    assert first.status_code == 200 and again.status_code == 400
    assert "已经提交过" in again.text and 'name="token"' in again.text
    assert Intake.objects.count() == 1 and not FurtherReport.objects.exists()


def test_a_form_refused_for_a_mistake_can_be_sent_again_with_the_same_token(cast):
    token = aged_token()
    assert send(wang_report(token=token, description="难")).status_code == 400
    assert send(wang_report(token=token)).status_code == 200
    assert Intake.objects.count() == 1


def _without_reference(response: Any) -> str:
    text = response.text.replace(response.context["reference"], "REFERENCE")
    # The CSRF token differs per response, whoever sent what.
    return re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]*"', "", text)


def test_a_junk_first_report_does_not_hide_the_real_one(cast):
    """Someone sends 王秀英's name with a junk phone first; then she reports with her ID
    number and phone. Both are kept on one lead, her report finds her household, and she
    gets the very answer the first sender got (her own reference number aside)."""
    # Another 王秀英 lives in the village (赵永福's household): the name alone finds no one.
    Member.objects.create(
        household=cast["zhao"],
        village_code=SHIQIAO,
        name="王秀英",
        id_number=idnumber.make("621226", dt.date(1975, 5, 5), 3),
        last_run=cast["zhao"].last_run,
    )
    junk = send(wang_report(id_number="", phone="1234567", description="随便写写试试看"), "10.0.0.5")
    lead = Intake.objects.get()
    assert lead.household is None and lead.match == ""
    real = send(wang_report(phone=WANG_PHONE))
    assert junk.status_code == real.status_code == 200
    assert _without_reference(junk) == _without_reference(real)
    assert junk.context["reference"] != real.context["reference"]
    assert Intake.objects.count() == 1
    further = FurtherReport.objects.get()
    assert further.intake == lead and further.reference == real.context["reference"]
    assert (further.id_number, further.phone) == (WANG_ID, WANG_PHONE)
    assert (further.household, further.match) == (cast["wang"], "id_number")
    lead.refresh_from_db()
    assert (lead.household, lead.match) == (cast["wang"], "id_number")


def test_a_further_report_is_counted_and_shown_to_the_township_masked(cast, client_for):
    send(wang_report())
    send(wang_report(id_number="", phone=WANG_PHONE, description="医院又催缴费用了，实在没办法"))
    send(wang_report(name="王秀英", id_number=WANG_ID, description="第三次反映：孩子还在住院"))
    lead = Intake.objects.get()
    assert lead.further_reports.count() == 2
    township = client_for(cast["township"])
    listing = township.get(reverse("monitoring:intakes"))
    assert "共 3 次反映" in listing.text
    page = township.get(reverse("monitoring:intake", args=[lead.pk]))
    assert "共 3 次反映" in page.text and "医院又催缴费用了" in page.text and "孩子还在住院" in page.text
    for further in lead.further_reports.all():
        assert further.reference in page.text
    assert WANG_ID not in page.text and WANG_PHONE not in page.text
    assert "139****5678" in page.text


def test_a_namesake_with_another_id_number_or_a_report_after_a_dismissal_opens_a_new_lead(cast, client_for):
    send(wang_report())
    namesake = idnumber.make("621226", dt.date(1990, 1, 1), 8)  # another 王秀英 of the village
    send(wang_report(id_number=namesake))
    assert Intake.objects.count() == 2 and not FurtherReport.objects.exists()
    Intake.objects.update(status=Intake.Status.DISMISSED, dismiss_reason="测试")
    send(wang_report())
    assert Intake.objects.count() == 3 and not FurtherReport.objects.exists()

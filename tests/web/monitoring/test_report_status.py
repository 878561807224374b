"""A reporter looks up their report's progress (/report/status/) with the reference number
and the phone they gave: 王秀英 follows her report from 已受理 to 核实中; anyone with a
wrong number or a wrong phone learns nothing but 未找到."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cast import SHIQIAO, WANG_XIUYING
from fangfan.web.monitoring import spam
from fangfan.web.monitoring.models import Intake
from fangfan.web.monitoring.testing import aged_token

pytestmark = pytest.mark.django_db
REPORT, STATUS = reverse("monitoring:report"), reverse("monitoring:report_status")
WANG_ID, WANG_PHONE = WANG_XIUYING.id_number, WANG_XIUYING.phone


def report(**changes: Any) -> str:
    data = {
        "name": "王秀英",
        "id_number": WANG_ID,
        "phone": WANG_PHONE,
        "county": "621226",
        "township": "621226100",
        "village": SHIQIAO,
        "description": "儿子李明得了大病住院，今年医药费自付三万多元。",
        "token": aged_token(),
        **changes,
    }
    response = Client(REMOTE_ADDR="10.0.0.9").post(REPORT, data)
    assert response.status_code == 200
    return str(response.context["reference"])


def look_up(reference: str, phone: str, address: str = "10.0.0.1") -> Any:
    return Client(REMOTE_ADDR=address).post(STATUS, {"reference": reference, "phone": phone})


def test_the_look_up_page_needs_no_account(cast):
    page = Client().get(STATUS)
    assert page.status_code == 200 and "查询申报办理进度" in page.text and 'name="reference"' in page.text


def test_wang_xiuying_sees_her_reports_stage_and_nothing_more(cast, client_for):
    reference = report()
    found = look_up(reference, WANG_PHONE)
    assert found.status_code == 200 and "已受理" in found.text and "139****5678" in found.text
    for detail in ("王秀英", WANG_ID, WANG_PHONE, "李明", "石桥村", "城关镇"):
        assert detail not in found.text, detail
    # Typed as people type it: lower case, without the dash, with spaces.
    assert "已受理" in look_up(reference.lower().replace("-", " "), "139 1234 5678").text
    intake = Intake.objects.get()
    client_for(cast["township"]).post(reverse("monitoring:take_up", args=[intake.pk]))
    assert "核实中" in look_up(reference, WANG_PHONE).text


def test_a_wrong_number_or_a_wrong_phone_both_answer_not_found_alike(cast):
    reference = report()
    wrong_phone = look_up(reference, "13800000000")
    wrong_number = look_up("20200101-ABCD", WANG_PHONE)
    assert wrong_phone.status_code == wrong_number.status_code == 200
    assert "未找到" in wrong_phone.text and "已受理" not in wrong_phone.text
    assert _answer(wrong_phone) == _answer(wrong_number)
    assert reference not in wrong_phone.text and WANG_PHONE not in wrong_number.text


def _answer(response: Any) -> str:
    """The page without its CSRF tokens (they differ per response)."""
    return re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]*"', "", response.text)


def test_a_further_report_has_its_own_number_to_look_up(cast):
    first = report(phone="")
    second = report(id_number="", description="第二次反映：医院催缴费用")
    assert first != second and Intake.objects.count() == 1
    assert "已受理" in look_up(second, WANG_PHONE).text
    assert "未找到" in look_up(first, WANG_PHONE).text  # the first gave no phone


def test_a_dismissed_lead_reads_as_not_taken_up_without_the_reason(cast, client_for):
    reference = report()
    intake = Intake.objects.get()
    client_for(cast["township"]).post(
        reverse("monitoring:dismiss", args=[intake.pk]), {"note": "家庭收入较高"}
    )
    page = look_up(reference, WANG_PHONE)
    assert "未予受理" in page.text and "家庭收入较高" not in page.text


def test_look_ups_from_one_address_are_limited(cast, monkeypatch):
    monkeypatch.setattr(spam, "LOOKUP_LIMIT", 3)
    reference = report()
    for _ in range(3):
        assert look_up("20200101-ABCD", WANG_PHONE, "10.0.0.7").status_code == 200
    refused = look_up(reference, WANG_PHONE, "10.0.0.7")
    assert refused.status_code == 429 and "已受理" not in refused.text
    assert look_up(reference, WANG_PHONE, "10.0.0.8").status_code == 200

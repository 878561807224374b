"""政策知晓率 through the Django client: what the households of 石桥村 know they receive.

The story (the cast of conftest.py, with what the registry says they receive):
- 王秀英 receives 低保 and has a family doctor (her member row says both). The village
  team visits on the web form: she names 低保 but not the family doctor — 1 of 2.
- 赵永福's house was renovated (农村危房改造). His visit comes in from ODK Collect: he
  names it — 1 of 1. A second row says he knows 低保, which he does not receive: that row
  is refused, named in the report, and counts nowhere.
- 石桥村 knows 2 of 3 (66.7%); 上坪村 has no visit that asked (—); 城关镇 and 礼县 show
  石桥村's figures as theirs. Visiting 王秀英 again, she names both: her latest visit
  counts, 3 of 3.
- A visit recorded before awareness was asked counts nowhere.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from fangfan.web.monitoring.models import Visit
from fangfan.web.monitoring.testing import make_visit
from fangfan.web.odk.models import SubmissionImport
from fangfan.web.registry.models import Household, Member

from .test_odk_visits import ZHAO_HOUSEHOLD, _answers, central_csv, upload

pytestmark = pytest.mark.django_db
SHIQIAO, TOWNSHIP, COUNTY = "621226100201", "621226100", "621226"


@pytest.fixture
def receiving(cast):
    Member.objects.filter(household=cast["wang"], relation="户主").update(dibao=True, family_doctor=True)
    Household.objects.filter(pk=cast["zhao"].pk).update(house_renovated=True)
    return cast


def _web_visit(client, household_id: str, known: list[str], days_ago: int = 1):
    visited = (timezone.localdate() - dt.timedelta(days=days_ago)).isoformat()
    amounts = dict.fromkeys(
        (
            "wage_income",
            "business_income",
            "property_income",
            "transfer_income",
            "business_cost",
            "rigid_spending",
        ),
        "30000",
    )
    amounts["business_cost"] = amounts["rigid_spending"] = "0"
    data = {"visited_on": visited, "situation": "", **amounts, "policies_known": known}
    return client.post(reverse("monitoring:visit_new", args=[household_id]), data)


def _rows(client, url_name: str, region: str) -> dict[str, list[str]]:
    page = client.get(reverse(url_name), {"region": region}, HTTP_HX_REQUEST="true").text
    body = page.split('id="table-awareness"')[1].split("</table>")[0]
    rows = {}
    for row in body.split("<tr")[2:]:
        cells = [cell.split("</td>")[0].split(">")[-1] for cell in row.split("<td")[1:]]
        rows[cells[0]] = cells[1:]
    return rows


def test_the_web_form_offers_only_what_the_household_receives(receiving, client_for):
    village = client_for(receiving["village"])
    page = village.get(reverse("monitoring:visit_new", args=[receiving["wang"].pk])).text
    assert "最低生活保障" in page and "家庭医生签约服务" in page and "农村危房改造" not in page
    assert _web_visit(village, receiving["wang"].pk, ["dibao"]).status_code == 302
    visit = Visit.objects.get()
    assert (visit.policies_received, visit.policies_known) == (["dibao", "family_doctor"], ["dibao"])
    detail = village.get(reverse("monitoring:visit", args=[visit.pk])).text
    assert "政策知晓" in detail and "不知晓" in detail


def test_a_policy_the_household_does_not_receive_is_refused(receiving, client_for):
    village = client_for(receiving["village"])
    response = _web_visit(village, receiving["wang"].pk, ["housing_renovation"])
    assert response.status_code == 400 and Visit.objects.count() == 0


def test_the_rate_per_village_township_and_county(receiving, client_for):
    village = client_for(receiving["village"])
    _web_visit(village, receiving["wang"].pk, ["dibao"], days_ago=3)
    make_visit(receiving["zhao"], receiving["village"])  # before awareness was asked: not counted
    export = central_csv(
        [
            ("zhao-aware", _answers(ZHAO_HOUSEHOLD, "30000", policies_known="housing_renovation")),
            ("zhao-wrong", _answers(ZHAO_HOUSEHOLD, "30000", policies_known="dibao")),
        ]
    )
    upload(village, "submissions.csv", export)
    batch = SubmissionImport.objects.get()
    assert batch.created == 1 and "最低生活保障" in batch.unplaced[0]["problem"]
    township = client_for(receiving["township"])
    rows = _rows(township, "monitoring:awareness", TOWNSHIP)
    assert rows["城关镇"] == ["2", "3", "2", "66.7%"]
    assert rows["石桥村"] == ["2", "3", "2", "66.7%"] and rows["上坪村"] == ["0", "0", "0", "—"]
    county = _rows(client_for(receiving["county"]), "monitoring:awareness", COUNTY)
    assert county["城关镇"][-1] == "66.7%"
    _web_visit(village, receiving["wang"].pk, ["dibao", "family_doctor"], days_ago=1)
    assert _rows(township, "monitoring:awareness", TOWNSHIP)["石桥村"] == ["2", "3", "3", "100.0%"]


def test_both_dashboards_and_the_excel_show_the_rate(receiving, client_for):
    _web_visit(client_for(receiving["village"]), receiving["wang"].pk, ["dibao"])
    county = client_for(receiving["county"])
    dashboard = county.get(reverse("monitoring:dashboard"), {"region": COUNTY}).text
    assert 'id="table-awareness"' in dashboard and "50.0%" in dashboard
    region_page = county.get(reverse("registry:region", args=[COUNTY])).text
    assert reverse("monitoring:awareness") in region_page
    excel = county.get(reverse("monitoring:dashboard_excel"), {"region": COUNTY})
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(excel.streaming_content)))
    sheet = book.get_sheet_by_name("政策知晓率").to_python()
    assert sheet[0][:6] == ["区域", "代码", "走访户数", "享受政策项数", "知晓项数", "知晓率"]
    assert sheet[1][0] == "礼县" and sheet[1][5] == "50.0%"
    alone = county.get(reverse("monitoring:awareness_excel"), {"region": TOWNSHIP})
    assert alone.status_code == 200
    assert (
        client_for(receiving["wudu_county"])
        .get(reverse("monitoring:awareness"), {"region": COUNTY})
        .status_code
        == 404
    )

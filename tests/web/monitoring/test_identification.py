"""Identification through the Django test client: from 王秀英's own report to the county's decision.

Time is moved by setting dates, never by waiting: her report is made today, then dated
nine days back (as if she had sent it then), and each step is recorded on the day it
would have happened — so the notice has run its five days by today, and the county
decides with six days to spare.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cast import BEIGUAN, LI_MING, SHIQIAO
from fangfan.web.accounts.audit import history
from fangfan.web.monitoring.models import Case, CaseEvent, Intake, MonitoredHousehold
from fangfan.web.monitoring.testing import PNG, aged_token, make_case

pytestmark = pytest.mark.django_db
LI_MING_ID = LI_MING.id_number


def ago(days: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=days)).isoformat()


def scan(name: str = "承诺授权书.png", content: bytes = PNG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def act(client: Any, verb: str, case: Case, **data: Any) -> Any:
    return client.post(reverse(f"monitoring:{verb}", args=[case.pk]), data)


def home_check_data(**changes: Any) -> dict[str, Any]:
    return {
        "checked_on": ago(8),
        "village_group": "三组",
        "note": "入户核实：李明确诊重病，今年自付医疗费三万余元，家庭收入锐减，情况属实。",
        "consent_signed_on": ago(8),
        "consent_scan": scan(),
        **changes,
    }


def notice_data(**changes: Any) -> dict[str, Any]:
    return {
        "reviewed_on": ago(7),
        "note": "村民代表会议评议同意纳入",
        "proposed_category": "脱贫不稳定户",
        "proposed_risk_types": ["因病", "缺劳力"],
        "notice_start": ago(7),
        "notice_end": ago(2),
        **changes,
    }


def reported_nine_days_ago(cast: dict[str, Any]) -> Intake:
    """王秀英's report through the public form, then dated nine days back."""
    wang = cast["wang"]
    report = {
        "name": wang.head_name,
        "id_number": wang.head_id_number,
        "county": "621226",
        "township": "621226100",
        "village": SHIQIAO,
        "description": "儿子得了大病，医药费自付三万多元",
        "token": aged_token(),
    }
    assert Client().post(reverse("monitoring:report"), report).status_code == 200
    intake = Intake.objects.get()
    Intake.objects.filter(pk=intake.pk).update(discovered_on=timezone.localdate() - dt.timedelta(days=9))
    intake.refresh_from_db()
    return intake


def test_wang_xiuying_goes_from_her_own_report_to_the_countys_decision_within_15_days(cast, client_for):
    intake = reported_nine_days_ago(cast)
    township, village, county = (client_for(cast[role]) for role in ("township", "village", "county"))

    response = township.post(reverse("monitoring:take_up", args=[intake.pk]), {"note": "情况紧急，立即核实"})
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("monitoring:case", args=[case.pk])
    assert (case.household, case.stage, case.deadline) == (cast["wang"], "home_check", intake.deadline)
    assert case.days_left() == 6

    assert act(village, "home_check", case, **home_check_data()).status_code == 302
    case.refresh_from_db()
    assert case.stage == "village_review" and case.consent_signed_on.isoformat() == ago(8)
    download = village.get(reverse("monitoring:consent", args=[case.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG

    assert act(village, "post_notice", case, **notice_data()).status_code == 302
    notice = village.get(reverse("monitoring:notice", args=[SHIQIAO]))
    assert notice.status_code == 200 and "王秀英" in notice.text and "三组" in notice.text
    assert "因病、缺劳力" in notice.text and "脱贫不稳定户" in notice.text

    ended = village.get(reverse("monitoring:case", args=[case.pk])).text
    assert reverse("monitoring:close_notice", args=[case.pk]) in ended and "waiting-close_notice" not in ended
    assert act(village, "close_notice", case, note="公示期满无异议").status_code == 302
    assert act(township, "township_review", case, note="经审核，符合纳入条件").status_code == 302
    start = timezone.localdate().isoformat()
    decision = {"category": "脱贫不稳定户", "risk_types": ["因病", "缺劳力"], "monitoring_start": start}
    assert act(county, "decide", case, **decision).status_code == 302

    case.refresh_from_db()
    assert (case.stage, case.category, case.risk_types) == ("decided", "脱贫不稳定户", ["因病", "缺劳力"])
    assert case.decided_on == timezone.localdate() and case.decided_in_time
    monitored = MonitoredHousehold.objects.get()
    assert (monitored.household, monitored.status, monitored.monitoring_start.isoformat()) == (
        cast["wang"],
        "monitored",
        start,
    )
    assert [(event.action, event.to_stage) for event in case.events.order_by("at", "id")] == [
        ("open", "home_check"),
        ("home_check", "village_review"),
        ("post_notice", "notice"),
        ("close_notice", "township_review"),
        ("township_review", "county_decision"),
        ("decide", "decided"),
    ]
    assert history(case).count() == 6  # created, then each of the five steps
    intake.refresh_from_db()
    assert intake.status == "taken_up" and intake.handled_by == cast["township"]

    page = county.get(reverse("monitoring:case", args=[case.pk]))
    assert "已认定纳入监测" in page.text and "按时审定" in page.text and "修改记录" in page.text
    household_page = client_for(cast["village"]).get(reverse("registry:household", args=[cast["wang"].pk]))
    assert (
        "防返贫监测" in household_page.text
        and reverse("monitoring:case", args=[case.pk]) in household_page.text
    )
    assert "监测中" in household_page.text and "脱贫不稳定户" in household_page.text


def test_the_notice_shows_name_group_and_reason_but_no_id_phone_bank_or_health(cast, client_for):
    case = make_case(SHIQIAO, opened_by=cast["township"], household=cast["wang"], stage="notice", days_ago=6)
    case.update_audited(None, village_group="三组", proposed_risk_types=["因病"])
    page = client_for(cast["village"]).get(reverse("monitoring:notice", args=[SHIQIAO])).text
    sheet = page[page.index('class="notice-sheet"') :]
    assert "王秀英" in sheet and "三组" in sheet and "因病" in sheet
    wang = cast["wang"]
    for secret in (
        wang.head_id_number,
        LI_MING_ID,
        wang.phone,
        "621226********",
        "139****",
        "患有大病",
        "李明",
    ):
        assert secret not in page, secret
    assert "银行" not in sheet and "病情" not in sheet
    assert "data-print" in page


def test_a_notice_shorter_than_five_days_is_refused_and_one_still_running_cannot_be_closed(cast, client_for):
    case = make_case(
        SHIQIAO, opened_by=cast["township"], household=cast["wang"], stage="village_review", days_ago=3
    )
    village = client_for(cast["village"])
    short = act(
        village,
        "post_notice",
        case,
        **notice_data(reviewed_on=ago(2), notice_start=ago(2), notice_end=ago(-2)),
    )
    assert short.status_code == 409 and "公示不少于5天" in short.text
    case.refresh_from_db()
    assert case.stage == "village_review"

    running = notice_data(reviewed_on=ago(2), notice_start=ago(2), notice_end=ago(-3))
    assert act(village, "post_notice", case, **running).status_code == 302
    # The page shows 公示期满 disabled, with the day it opens, and no form to send.
    opens = timezone.localdate() + dt.timedelta(days=3)
    page = village.get(reverse("monitoring:case", args=[case.pk])).text
    waiting = page[page.index('id="waiting-close_notice"') :]
    waiting = waiting[: waiting.index("</div>")]
    assert "disabled" in waiting and f"{opens.month}月{opens.day}日起可操作" in waiting
    assert reverse("monitoring:close_notice", args=[case.pk]) not in page
    early = act(village, "close_notice", case)
    assert early.status_code == 409 and "公示期未满" in early.text
    # Under htmx the address bar shows the case page, not the step's POST-only address.
    assert early["HX-Push-Url"] == reverse("monitoring:case", args=[case.pk])
    case.refresh_from_db()
    assert case.stage == "notice"
    assert act(client_for(cast["township"]), "township_review", case, note="同意").status_code == 409


@pytest.mark.parametrize(
    ("stage", "verb", "refused"),
    [
        ("home_check", "home_check", ["city", "county", "township", "inspector", "department", "shangping"]),
        ("village_review", "post_notice", ["city", "county", "township", "inspector", "department"]),
        ("notice", "close_notice", ["city", "county", "township", "inspector", "department"]),
        ("township_review", "township_review", ["city", "county", "village", "inspector", "department"]),
        ("county_decision", "decide", ["city", "township", "village", "inspector", "department"]),
        ("township_review", "reject", ["city", "county", "village", "inspector", "department"]),
        ("county_decision", "send_back", ["city", "township", "village", "inspector", "department"]),
    ],
)
def test_each_step_is_refused_to_every_role_but_its_owner(cast, client_for, stage, verb, refused):
    case = make_case(SHIQIAO, opened_by=cast["township"], household=cast["wang"], stage=stage, days_ago=8)
    data = {
        **home_check_data(),
        **notice_data(),
        "note": "试一下",
        "category": "边缘易致贫户",
        "risk_types": ["因病"],
        "monitoring_start": ago(0),
    }
    events = CaseEvent.objects.count()
    for role in refused:
        data["consent_scan"] = scan()
        response = act(client_for(cast[role]), verb, case, **data)
        expected = 404 if role == "shangping" else 403
        assert response.status_code == expected, (verb, role, response.status_code)
    case.refresh_from_db()
    assert case.stage == stage and CaseEvent.objects.count() == events
    page = client_for(cast["inspector"]).get(reverse("monitoring:case", args=[case.pk]))
    assert page.status_code == 200 and "mon-action" not in page.text


def test_the_case_page_offers_each_role_only_its_own_step(cast, client_for):
    case = make_case(SHIQIAO, opened_by=cast["township"], household=cast["wang"], stage="home_check")
    url = reverse("monitoring:case", args=[case.pk])
    village = client_for(cast["village"]).get(url).text
    assert "mon-action-home_check" in village and "mon-action-reject" in village
    for role in ("city", "county", "township"):
        assert "mon-action" not in client_for(cast[role]).get(url).text, role


def test_nothing_of_a_case_outside_the_region_answers(cast, client_for):
    outside = make_case(BEIGUAN, opened_by=cast["wudu_township"], household=cast["ma"], stage="notice")
    for role in ("county", "township", "village", "inspector"):
        client = client_for(cast[role])
        for name in ("monitoring:case", "monitoring:consent", "monitoring:intake"):
            key = "intake_id" if name == "monitoring:intake" else "case_id"
            target = outside.intake_id if key == "intake_id" else outside.pk
            assert client.get(reverse(name, kwargs={key: target})).status_code == 404, (role, name)
        assert client.get(reverse("monitoring:notice", args=[BEIGUAN])).status_code == 404
        assert "马占山" not in client.get(reverse("monitoring:cases")).text
    assert act(client_for(cast["county"]), "send_back", outside, note="试").status_code == 404
    assert (
        client_for(cast["wudu_village"]).get(reverse("monitoring:case", args=[outside.pk])).status_code == 200
    )


def test_an_overdue_case_stands_out_and_comes_first(cast, client_for):
    late = make_case(
        SHIQIAO, opened_by=cast["township"], household=cast["zhao"], stage="township_review", days_ago=20
    )
    fresh = make_case(
        SHIQIAO, opened_by=cast["township"], household=cast["wang"], stage="home_check", days_ago=1
    )
    listing = client_for(cast["county"]).get(reverse("monitoring:cases"))
    assert [case.pk for case in listing.context["cases"]] == [late.pk, fresh.pk]
    assert "mon-row overdue" in listing.text and "已超期5天" in listing.text and "剩余14天" in listing.text
    only_late = client_for(cast["county"]).get(reverse("monitoring:cases"), {"overdue": "on"})
    assert [case.pk for case in only_late.context["cases"]] == [late.pk]
    page = client_for(cast["township"]).get(reverse("monitoring:case", args=[late.pk]))
    assert "已超期5天" in page.text
    # Still decided, and marked as late.
    assert act(client_for(cast["township"]), "township_review", late, note="同意").status_code == 302
    decision = {"category": "边缘易致贫户", "risk_types": ["因灾"], "monitoring_start": ago(0)}
    assert act(client_for(cast["county"]), "decide", late, **decision).status_code == 302
    late.refresh_from_db()
    assert late.decided_in_time is False
    assert "超期审定" in client_for(cast["county"]).get(reverse("monitoring:cases")).text


def test_a_step_sends_the_case_back_or_rejects_it_with_a_reason(cast, client_for):
    case = make_case(
        SHIQIAO, opened_by=cast["township"], household=cast["wang"], stage="township_review", days_ago=8
    )
    township = client_for(cast["township"])
    assert act(township, "send_back", case, note="").status_code == 400
    assert act(township, "send_back", case, note="评议记录不全，请重新评议公示").status_code == 302
    case.refresh_from_db()
    assert case.stage == "village_review"
    assert case.events.last().note == "评议记录不全，请重新评议公示"

    assert (
        act(client_for(cast["village"]), "reject", case, note="核实后家庭收入稳定，不符合条件").status_code
        == 302
    )
    case.refresh_from_db()
    assert case.stage == "rejected" and case.rejected_reason.startswith("核实后")
    again = act(client_for(cast["village"]), "post_notice", case, **notice_data())
    assert again.status_code == 409 and not MonitoredHousehold.objects.exists()
    # A rejected case does not stop the household being taken up again later.
    second = make_case(SHIQIAO, opened_by=cast["township"], household=cast["wang"])
    assert second.stage == "home_check"


def test_home_check_needs_the_consent_scan_and_dates_inside_the_case(cast, client_for):
    case = make_case(SHIQIAO, opened_by=cast["township"], household=cast["wang"], days_ago=3)
    village = client_for(cast["village"])
    data = home_check_data(checked_on=ago(1), consent_signed_on=ago(1))
    for changes, status in [
        ({"consent_scan": ""}, 400),
        ({"consent_scan": scan("病毒.exe", b"MZ")}, 400),
        ({"consent_scan": scan("假的.png", b"not a png")}, 400),
        ({"checked_on": ago(5)}, 409),  # before the report was discovered
        ({"consent_signed_on": ago(-1)}, 400),  # tomorrow: the form refuses it
    ]:
        response = act(
            village,
            "home_check",
            case,
            **{**data, **changes, "consent_scan": changes.get("consent_scan", scan())},
        )
        assert response.status_code == status, changes
    case.refresh_from_db()
    assert case.stage == "home_check" and not case.consent_scan


def test_taking_up_needs_the_township_and_refuses_a_household_already_in_hand(cast, client_for):
    intake = reported_nine_days_ago(cast)
    url = reverse("monitoring:take_up", args=[intake.pk])
    for role in ("county", "village", "city", "inspector"):
        assert client_for(cast[role]).post(url).status_code == 403, role
    assert client_for(cast["wudu_township"]).post(url).status_code == 404
    make_case(SHIQIAO, opened_by=cast["township"], household=cast["wang"])
    response = client_for(cast["township"]).post(url)
    assert response.status_code == 409 and "正在办理的识别认定" in response.text
    intake.refresh_from_db()
    assert intake.status == "new"
    dismissed = client_for(cast["township"]).post(
        reverse("monitoring:dismiss", args=[intake.pk]), {"note": "已在识别中，重复线索"}
    )
    assert dismissed.status_code == 302
    intake.refresh_from_db()
    assert (intake.status, intake.dismiss_reason) == ("dismissed", "已在识别中，重复线索")


def test_an_unmatched_lead_is_matched_by_hand_when_taken_up(cast, client_for):
    intake = reported_nine_days_ago(cast)
    Intake.objects.filter(pk=intake.pk).update(household=None, match="")
    township = client_for(cast["township"])
    url = reverse("monitoring:take_up", args=[intake.pk])
    assert township.post(url, {"household_id": cast["ma"].pk}).status_code == 400  # not in the township
    assert township.post(url, {"household_id": cast["zhang"].pk}).status_code == 302
    case = Case.objects.get()
    intake.refresh_from_db()
    assert case.household == cast["zhang"] and case.village_code == cast["zhang"].village_code
    assert (intake.household, intake.match) == (cast["zhang"], "manual")

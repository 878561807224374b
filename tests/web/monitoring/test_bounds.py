"""Dates and sums out of range: a Chinese form error, never a 500, and nothing frozen.

Each date a person types has bounds (fangfan.web.bounds): a notice starting in 9999 or
two years ahead, a 12317 call in year 1, a visit in a year with no policy file, a
deadline in 9999, a data date before 精准扶贫 — all refused by the form, and the verbs
behind them refuse them too, so the case can still go on with a sensible date.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from fangfan.web.accounts.models import User
from fangfan.web.accounts.testing import make_user
from fangfan.web.imports.models import Upload
from fangfan.web.monitoring.actions.discovery import record_visit
from fangfan.web.monitoring.actions.identification import post_notice
from fangfan.web.monitoring.models import Case, Visit
from fangfan.web.monitoring.testing import make_case, make_elimination, make_monitored
from fangfan.web.monitoring.threshold import EARLIEST_THRESHOLD_YEAR
from fangfan.web.procedures.base import WorkflowError
from fangfan.web.registry.models import Finding
from fangfan.web.workqueue.testing import make_finding

pytestmark = pytest.mark.django_db
SHIQIAO = "621226100201"
FAR, ANCIENT = "9999-12-31", "0001-01-01"


def day(days_from_today: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days_from_today)).isoformat()


def notice(**changes: Any) -> dict[str, Any]:
    return {
        "reviewed_on": day(0),
        "note": "村民代表会议评议同意",
        "proposed_category": "脱贫不稳定户",
        "proposed_risk_types": ["因病"],
        "notice_start": day(0),
        "notice_end": day(5),
        **changes,
    }


def refused(response: Any, *words: str) -> None:
    assert response.status_code == 400, response.status_code
    for word in words:
        assert word in response.text, word


def test_a_notice_in_9999_or_years_ahead_is_refused_and_the_case_goes_on(cast, client_for):
    case = make_case(SHIQIAO, opened_by=cast["township"], household=cast["wang"], stage="village_review")
    village = client_for(cast["village"])
    url = reverse("monitoring:post_notice", args=[case.pk])
    refused(village.post(url, notice(notice_start=FAR, notice_end=FAR)), "公示开始日期应在")
    refused(village.post(url, notice(notice_start=day(730), notice_end=day(735))), "公示开始日期应在")
    refused(village.post(url, notice(notice_end=day(400))), "公示结束日期")
    refused(village.post(url, notice(reviewed_on=ANCIENT)), "村级评议日期应在 2013年1月1日")
    case.refresh_from_db()
    assert case.stage == "village_review" and case.notice_start is None
    assert village.post(url, notice()).status_code == 302
    case.refresh_from_db()
    assert case.stage == "notice" and case.notice_start == timezone.localdate()


def test_the_notice_verb_itself_refuses_a_start_years_ahead_or_a_notice_of_a_year(cast):
    case = make_case(SHIQIAO, opened_by=cast["township"], household=cast["wang"], stage="village_review")
    today = timezone.localdate()
    far = today + dt.timedelta(days=730)
    steps = {"note": "评议同意", "proposed_category": "脱贫不稳定户", "proposed_risk_types": ["因病"]}
    for start, end, message in [
        (far, far + dt.timedelta(days=5), "公示开始日期不能晚于"),
        (today, today + dt.timedelta(days=365), "公示期不超过30天"),
        (today - dt.timedelta(days=60), today - dt.timedelta(days=55), "公示开始日期不能早于"),
    ]:
        with pytest.raises(WorkflowError, match=message):
            post_notice(cast["village"], case, reviewed_on=today, notice_start=start, notice_end=end, **steps)
    assert Case.objects.get(pk=case.pk).stage == "village_review"


def test_an_elimination_notice_in_9999_is_refused(cast, client_for):
    monitored = make_monitored(SHIQIAO, opened_by=cast["township"], household=cast["wang"], days_ago=240)
    elimination = make_elimination(monitored, cast["village"], stage="village_review", days_ago=2)
    url = reverse("monitoring:elimination_post_notice", args=[elimination.pk])
    data = {"reviewed_on": day(0), "note": "评议同意", "notice_start": FAR, "notice_end": FAR}
    refused(client_for(cast["village"]).post(url, data), "公示开始日期应在")
    elimination.refresh_from_db()
    assert elimination.stage == "village_review" and elimination.notice_start is None


def test_a_12317_call_in_year_1_or_9999_is_a_form_error(cast, client_for):
    call = {
        "caller_name": "李明",
        "caller_phone": "",
        "name": "王秀英",
        "id_number": "",
        "phone": "13912345678",
        "village": SHIQIAO,
        "description": "母亲家里困难，医药费负担重",
    }
    township = client_for(cast["township"])
    for when in ("0001-01-01T00:00", "9999-12-31T23:59", "2009-05-01T10:00"):
        refused(township.post(reverse("monitoring:hotline"), {**call, "called_at": when}), "来电时间应在")
    assert not cast["wang"].monitoring_intakes.exists()


def visit(**changes: Any) -> dict[str, Any]:
    return {
        "visited_on": day(0),
        "wage_income": "6000",
        "business_income": "0",
        "property_income": "0",
        "transfer_income": "2400",
        "business_cost": "0",
        "rigid_spending": "0",
        "situation": "",
        **changes,
    }


def test_a_visit_in_a_year_with_no_policy_file_or_with_sums_out_of_range_is_a_form_error(cast, client_for):
    url = reverse("monitoring:visit_new", args=[cast["zhang"].pk])
    team = client_for(cast["shangping"])
    earliest = f"走访日期应在 {EARLIEST_THRESHOLD_YEAR + 1}年1月1日"
    refused(team.post(url, visit(visited_on="2015-06-01")), earliest)
    refused(team.post(url, visit(visited_on=ANCIENT)), earliest)
    refused(team.post(url, visit(visited_on=FAR)), earliest)
    refused(team.post(url, visit(wage_income="-1")), "金额不能为负数")
    refused(team.post(url, visit(transfer_income="99999999999")), "金额")
    refused(team.post(url, visit(business_cost="10000001")), "金额不能超过10,000,000元")
    assert not Visit.objects.exists()
    assert team.post(url, visit()).status_code == 302


def test_the_visit_verb_refuses_a_year_without_a_threshold_in_chinese(cast):
    amounts = {"wage_income": Decimal(6000)}
    with pytest.raises(WorkflowError, match="所评估的2015年度收入没有监测标准"):
        record_visit(cast["shangping"], cast["zhang"], dt.date(2016, 5, 1), amounts)
    with pytest.raises(WorkflowError, match="工资性收入应在 0 至"):
        record_visit(cast["shangping"], cast["zhang"], timezone.localdate(), {"wage_income": Decimal(-5)})
    assert not Visit.objects.exists()


def test_decision_and_measure_dates_and_amounts_are_bounded(cast, client_for):
    case = make_case(SHIQIAO, opened_by=cast["township"], household=cast["wang"], stage="county_decision")
    decision = {"category": "脱贫不稳定户", "risk_types": ["因病"], "monitoring_start": ANCIENT}
    refused(client_for(cast["county"]).post(reverse("monitoring:decide", args=[case.pk]), decision), "应在")
    monitored = make_monitored(SHIQIAO, opened_by=cast["township"], household=cast["zhao"], days_ago=30)
    url = reverse("monitoring:measure_add", args=[monitored.pk])
    measure = {
        "member": "",
        "kind": "产业帮扶",
        "item": "",
        "content": "发放花椒苗200株",
        "amount": "3000",
        "amount_period": "month",
        "start_date": day(-10),
        "end_date": "",
        "cadre": "",
        "cadre_name": "李干部",
        "cadre_phone": "",
    }
    village = client_for(cast["village"])
    refused(village.post(url, {**measure, "amount": "-300"}), "金额不能为负数")
    refused(village.post(url, {**measure, "amount": "1e12"}), "金额")
    refused(village.post(url, {**measure, "end_date": FAR}), "结束日期")
    refused(village.post(url, {**measure, "start_date": ANCIENT}), "开始日期应在")
    assert not monitored.measures.exists()


def test_a_work_queue_deadline_runs_from_today_to_a_year_ahead(cast, client_for):
    finding = make_finding(SHIQIAO, number=7)
    url = reverse("workqueue:assign", args=[finding.pk])
    township = client_for(cast["township"])
    for deadline in (FAR, day(-1), day(400)):
        refused(township.post(url, {"assignee": cast["village"].pk, "deadline": deadline}), "整改时限应在")
    finding.refresh_from_db()
    assert finding.status == Finding.Status.OPEN and finding.deadline is None
    assert township.post(url, {"assignee": cast["village"].pk, "deadline": day(30)}).status_code == 302


def test_an_uploads_data_date_is_between_2013_and_today(cast, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    officer: User = make_user("department", "621200", username="刘学籍", department="school_roll")
    client = client_for(officer)
    for as_of in (ANCIENT, FAR, "2012-12-31", day(1)):
        upload = SimpleUploadedFile("学籍信息.csv", "身份证号,姓名\n".encode(), content_type="text/csv")
        response = client.post("/imports/new/", {"feed": "school_roll", "file": upload, "as_of": as_of})
        assert response.status_code in (200, 400) and "数据截止日期应在 2013年1月1日" in response.text, as_of
    assert not Upload.objects.exists()


def test_the_upload_verb_itself_refuses_a_data_date_outside_2013_to_today(cast, settings, tmp_path):
    from django.core.exceptions import ValidationError

    from fangfan.web.imports.actions import create_upload

    settings.MEDIA_ROOT = tmp_path / "media"
    officer: User = make_user("department", "621200", username="刘学籍", department="school_roll")
    for as_of in (dt.date(9999, 12, 31), dt.date(1, 1, 1), timezone.localdate() + dt.timedelta(days=1)):
        upload = SimpleUploadedFile("学籍信息.csv", "身份证号,姓名\n".encode(), content_type="text/csv")
        with pytest.raises(ValidationError, match="数据截止日期应在 2013年1月1日"):
            create_upload(officer, upload, "school_roll", as_of)
    assert not Upload.objects.exists()

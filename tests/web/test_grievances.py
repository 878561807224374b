"""Grievances (信访、12317) and public-opinion items (舆情) through the Django test client.

The cast (tests/cast.py), in the small 陇南市 of `make_regions`:

- 王秀英 of 石桥村 (礼县 城关镇) calls 12317 about her son 李明's hospital bills; twenty days
  later she calls 12345 about the same, then writes a letter giving only her phone: each
  contact is linked to the earlier ones and counted. Her household is in the registry,
  found by her ID number. Her case also goes to the monitoring intake list.
- 赵永福 of 石桥村: the flood brought his house down; his 12317 call about it is recorded and
  nobody takes it up: past 24 hours it is 超时 and goes up to the township, two days
  later to the county (a frozen clock, `now=`).
- 张德顺 of 上坪村 writes about his son's wages; the township answers, he is not satisfied
  on the callback, it is reopened, answered again, and then he is.
- 马占山 of 北关村 (武都区) complains too: outside every 礼县 account's region.

The county office (礼县), the township office (城关镇), the village team (石桥村), the
city office, an inspector and a school officer (礼县) are the accounts.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from cast import BEIGUAN, MA_ZHANSHAN, SHANGPING, SHIQIAO, WANG_XIUYING, ZHANG_DESHUN, ZHAO_YONGFU
from fangfan.web.accounts.models import AuditEvent, User
from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.grievances import actions, deadlines
from fangfan.web.grievances.actions import Complaint
from fangfan.web.grievances.models import Grievance, GrievanceEvent, Level, OpinionItem
from fangfan.web.monitoring.models import Intake, Source
from fangfan.web.procedures.base import WorkflowError
from fangfan.web.workqueue.testing import make_household

pytestmark = pytest.mark.django_db

Role = User.Role
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def cast(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    make_regions()
    wang = make_household(SHIQIAO, 1, head_name=WANG_XIUYING.name, head_id_number=WANG_XIUYING.id_number)
    return {
        "city": make_user(Role.CITY, "621200"),
        "county": make_user(Role.COUNTY, "621226"),
        "township": make_user(Role.TOWNSHIP, "621226100"),
        "village": make_user(Role.VILLAGE, SHIQIAO),
        "inspector": make_user(Role.INSPECTOR, "621226"),
        "department": make_user(Role.DEPARTMENT, "621226"),
        "wudu_county": make_user(Role.COUNTY, "621202"),
        "wang_household": wang,
    }


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def record(user: User, **fields: object):
    data = {
        "channel": "12317",
        "category": "monitoring",
        "first_level": Level.VILLAGE,
        "received_at": local(timezone.now() - HOUR),
        "name": WANG_XIUYING.name,
        "id_number": WANG_XIUYING.id_number,
        "phone": WANG_XIUYING.phone,
        "region": SHIQIAO,
        "household_id": "",
        "content": "儿子李明患重病住院，医药费自付部分很高，家里收入不够",
        **fields,
    }
    return client_for(user).post(reverse("grievances:new"), data)


def complaint(person=ZHAO_YONGFU, received_at=None, **fields: object) -> Complaint:
    values = {
        "channel": "12317",
        "category": "housing",
        "name": person.name,
        "region_code": person.village_code,
        "first_level": Level.VILLAGE,
        "content": "洪水冲垮了住房，一家人借住在亲戚家",
        "received_at": received_at or timezone.now() - HOUR,
        **fields,
    }
    return Complaint(**values)


def step(user: User, verb: str, grievance: Grievance, **data: object):
    return client_for(user).post(reverse(f"grievances:{verb}", args=[grievance.pk]), data)


def test_the_village_team_records_wang_xiuying_s_call_timed_by_the_first_matching_rule(cast):
    response = record(cast["village"])
    assert response.status_code == 302
    grievance = Grievance.objects.get()
    assert response["Location"] == reverse("grievances:detail", args=[grievance.pk])
    assert grievance.household == cast["wang_household"]  # found by her ID number
    assert grievance.sla_rule == "热线和当面反映的急难事项"
    assert grievance.response_due - grievance.received_at == 24 * HOUR
    assert grievance.resolution_due - grievance.received_at == 120 * HOUR
    assert (grievance.due_at, grievance.stage, grievance.repeat_count) == (
        grievance.response_due,
        "registered",
        0,
    )
    assert AuditEvent.objects.filter(object_id=str(grievance.pk), action="create").exists()

    page = client_for(cast["township"]).get(reverse("grievances:detail", args=[grievance.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert WANG_XIUYING.id_number not in text and WANG_XIUYING.phone not in text  # masked
    assert "正常" in text and "受理" in text


def test_a_repeat_caller_is_linked_to_her_earlier_grievances_and_counted(cast):
    now = timezone.now()
    wang = {"name": WANG_XIUYING.name, "region_code": SHIQIAO, "category": "medical"}
    old = actions.register(
        cast["village"],
        complaint(received_at=now - 125 * 24 * HOUR, id_number=WANG_XIUYING.id_number, **wang),
    )
    first = actions.register(
        cast["village"], complaint(received_at=now - 30 * 24 * HOUR, id_number=WANG_XIUYING.id_number, **wang)
    )
    second = actions.register(
        cast["village"],
        complaint(
            channel="12345", received_at=now - 10 * 24 * HOUR, id_number=WANG_XIUYING.id_number, **wang
        ),
    )
    # The letter gives only her phone, and the team links her household: the household the
    # first call found by her ID number links the letter to it all the same.
    household_id = cast["wang_household"].household_id
    response = record(
        cast["village"],
        channel="letter",
        id_number="",
        phone="",
        category="medical",
        household_id=household_id,
    )
    assert response.status_code == 302
    letter = Grievance.objects.latest("received_at")
    assert (first.repeat_count, second.repeat_count) == (0, 1)  # the call 125 days ago is too old
    assert list(second.earlier.all()) == [first]
    assert letter.repeat_count == 2 and set(letter.earlier.all()) == {first, second}
    assert old not in letter.earlier.all()

    page = client_for(cast["county"]).get(reverse("grievances:repeats"))
    assert page.status_code == 200
    text = page.content.decode()
    assert letter.reference in text and second.reference in text and first.reference not in text
    assert "90天内第3次" in text
    detail = client_for(cast["county"]).get(reverse("grievances:detail", args=[letter.pk])).content.decode()
    assert first.reference in detail and second.reference in detail


def test_zhao_yongfu_s_untouched_call_is_breached_and_escalates_one_level_then_one_more(cast):
    received = timezone.now() - 2 * HOUR
    grievance = actions.register(cast["village"], complaint(received_at=received))
    rule_hours = (24, 48, 12)  # 热线和当面反映的急难事项: respond, escalate every, at risk
    assert grievance.response_due == received + rule_hours[0] * HOUR

    assert deadlines.sla_state(grievance.due_at, grievance.warn_at, received + 11 * HOUR) == "on_track"
    assert deadlines.sla_state(grievance.due_at, grievance.warn_at, received + 13 * HOUR) == "at_risk"
    assert deadlines.sla_state(grievance.due_at, grievance.warn_at, received + 25 * HOUR) == "breached"

    assert deadlines.escalate_overdue(received + 23 * HOUR) == []
    escalated = deadlines.escalate_overdue(received + 25 * HOUR)
    assert [(item.grievance.pk, item.level) for item in escalated] == [(grievance.pk, Level.TOWNSHIP)]
    assert deadlines.escalate_overdue(received + 26 * HOUR) == []  # no second event for the same breach

    later = received + (24 + 48 + 1) * HOUR
    out = io.StringIO()
    call_command("escalate_grievances", "--at", later.isoformat(), stdout=out)
    assert f"{grievance.reference} 升级至县区督办" in out.getvalue()
    grievance.refresh_from_db()
    assert grievance.escalations == 2 and deadlines.handling_level(grievance) == Level.COUNTY
    events = grievance.events.filter(action=GrievanceEvent.Action.ESCALATE).order_by("at")
    assert [event.note for event in events] == [
        "超过受理时限未办，由村升级至乡镇督办",
        "超过受理时限未办，由乡镇升级至县区督办",
    ]
    assert AuditEvent.objects.filter(object_id=str(grievance.pk), action="update").count() == 2


def test_the_county_list_leads_with_breached_grievances_marked_as_escalated_to_it(cast):
    on_track = actions.register(cast["village"], complaint(person=WANG_XIUYING, channel="letter"))
    breached = actions.register(cast["village"], complaint(received_at=timezone.now() - 80 * HOUR))
    # Read on the page: 80 hours without acceptance is two levels up, at the county, even
    # before the hourly command has written it.
    response = client_for(cast["county"]).get(reverse("grievances:list"))
    assert response.status_code == 200
    rows = list(response.context["grievances"])
    assert rows == [breached, on_track]
    assert (rows[0].sla_label, rows[0].level_label, rows[1].sla_label) == ("超时", "县区", "正常")
    assert "升级至县区（本级）" in response.content.decode()
    only_breached = client_for(cast["county"]).get(reverse("grievances:list"), {"sla": "breached"})
    assert list(only_breached.context["grievances"]) == [breached]


def test_an_unsatisfied_callback_reopens_the_grievance_and_is_counted(cast):
    grievance = actions.register(
        cast["township"],
        complaint(
            person=ZHANG_DESHUN,
            channel="letter",
            category="income",
            content="儿子在县里的工地干了三个月，工钱没结",
        ),
    )
    township = cast["township"]
    shangping_team = make_user(Role.VILLAGE, SHANGPING, username="shangping-village")
    assert (
        step(shangping_team, "accept", grievance).status_code == 403
    )  # village teams record, offices handle
    assert step(township, "accept", grievance, note="转县人社局").status_code == 302
    assert (
        step(township, "reply", grievance, outcome="人社局约谈包工头", reply="工钱月底前结清").status_code
        == 302
    )
    assert (
        step(township, "callback", grievance, satisfaction="unsatisfied").status_code == 400
    )  # not offered there
    response = step(township, "reopen", grievance, note="到现在只结了一半")
    assert response.status_code == 302
    grievance.refresh_from_db()
    assert (grievance.stage, grievance.satisfaction, grievance.reopened) == ("handling", "unsatisfied", 1)
    assert grievance.due_at is not None and grievance.due_at > timezone.now()
    assert step(township, "callback", grievance, satisfaction="satisfied").status_code == 409  # wrong stage

    step(township, "reply", grievance, outcome="工钱已全部结清", reply="已结清，请核对")
    assert step(township, "callback", grievance, satisfaction="fairly", note="钱收到了").status_code == 302
    grievance.refresh_from_db()
    assert (grievance.stage, grievance.satisfaction, grievance.due_at) == ("closed", "fairly", None)
    actions_done = list(grievance.events.order_by("at", "id").values_list("action", flat=True))
    assert actions_done == ["accept", "reply", "reopen", "reply", "callback"]


def test_wang_xiuying_s_grievance_opens_a_monitoring_intake_linked_both_ways(cast):
    record(cast["village"])
    grievance = Grievance.objects.get()
    assert step(cast["village"], "open_intake", grievance).status_code == 403
    response = step(cast["township"], "open_intake", grievance)
    assert response.status_code == 302
    grievance.refresh_from_db()
    intake = Intake.objects.get()
    assert grievance.intake == intake and list(intake.grievances.all()) == [grievance]
    assert (intake.source, intake.village_code, intake.household) == (
        Source.HOTLINE,
        SHIQIAO,
        cast["wang_household"],
    )
    assert grievance.reference in intake.description
    assert grievance.events.filter(action="open_intake").count() == 1
    lead_page = (
        client_for(cast["township"]).get(reverse("monitoring:intake", args=[intake.pk])).content.decode()
    )
    assert reverse("grievances:detail", args=[grievance.pk]) in lead_page
    again = step(cast["township"], "open_intake", grievance)
    assert again.status_code == 409 and Intake.objects.count() == 1
    assert "已转为监测线索" in again.content.decode()


def test_a_grievance_opens_a_rectification_problem_linked_both_ways(cast):
    grievance = actions.register(cast["village"], complaint())
    deadline = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    plan = {
        "category": "HOUSING",
        "lead_unit": "城关镇人民政府",
        "responsible_person": "李镇长",
        "measures": "危房改造，过渡期安排周转房",
        "deadline": deadline,
    }
    assert step(cast["township"], "open_problem", grievance, **{**plan, "deadline": ""}).status_code == 400
    response = step(cast["township"], "open_problem", grievance, **plan)
    assert response.status_code == 302
    grievance.refresh_from_db()
    problem = grievance.problem
    assert problem is not None and list(problem.grievances.all()) == [grievance]
    assert (problem.source, problem.source_reference, problem.region_code) == (
        "grievance",
        grievance.reference,
        SHIQIAO,
    )
    problem_page = client_for(cast["county"]).get(reverse("rectification:problem_detail", args=[problem.pk]))
    assert reverse("grievances:detail", args=[grievance.pk]) in problem_page.content.decode()


def test_wrong_roles_are_refused(cast):
    grievance = actions.register(cast["village"], complaint())
    assert client_for(cast["department"]).get(reverse("grievances:list")).status_code == 403
    assert client_for(cast["inspector"]).get(reverse("grievances:list")).status_code == 200
    assert record(cast["inspector"]).status_code == 403
    assert step(cast["inspector"], "accept", grievance).status_code == 403
    assert client_for(cast["village"]).get(reverse("grievances:skipped")).status_code == 403
    assert client_for(cast["village"]).get(reverse("grievances:opinion_new")).status_code == 403
    grievance.refresh_from_db()
    assert grievance.stage == "registered"


def test_ma_zhanshan_s_grievance_is_not_found_from_lixian(cast):
    wudu = make_user(Role.VILLAGE, BEIGUAN, username="wudu-village")
    outside = actions.register(wudu, complaint(person=MA_ZHANSHAN, content="北关村的外部信访"))
    county = client_for(cast["county"])
    assert county.get(reverse("grievances:detail", args=[outside.pk])).status_code == 404
    assert county.post(reverse("grievances:accept", args=[outside.pk])).status_code == 404
    assert county.post(reverse("grievances:open_intake", args=[outside.pk])).status_code == 404
    assert county.get(reverse("grievances:list"), {"region": "621202"}).status_code == 404
    assert "北关村的外部信访" not in county.get(reverse("grievances:list")).content.decode()
    # Recording into a region outside one's own is refused by the form (not a choice) and the verb.
    assert record(cast["village"], region=SHANGPING).status_code == 400
    with pytest.raises(Exception, match="无权登记"):
        actions.register(cast["village"], complaint(person=MA_ZHANSHAN))
    outside.refresh_from_db()
    assert outside.stage == "registered"


def test_the_skipped_levels_report_counts_complaints_first_filed_at_the_province_or_in_beijing(cast):
    actions.register(cast["village"], complaint(first_level=Level.NATIONAL))
    actions.register(cast["village"], complaint(person=WANG_XIUYING, first_level=Level.PROVINCE))
    actions.register(cast["township"], complaint(person=ZHANG_DESHUN))
    wudu = make_user(Role.VILLAGE, BEIGUAN, username="wudu-village")
    actions.register(wudu, complaint(person=MA_ZHANSHAN, first_level=Level.NATIONAL))
    response = client_for(cast["county"]).get(reverse("grievances:skipped"))
    rows = response.context["counties"]
    assert [(row.county_name, row.total, row.province, row.national, row.share) for row in rows] == [
        ("礼县", 3, 1, 1, 66.7)
    ]
    city = client_for(cast["city"]).get(reverse("grievances:skipped")).context["counties"]
    assert [(row.county_code, row.skipped) for row in city] == [("621202", 1), ("621226", 2)]
    book = _workbook(client_for(cast["county"]).get(reverse("grievances:skipped_excel")))
    assert book["按县区统计"][1][:6] == ["礼县", 3.0, 1.0, 1.0, 2.0, 66.7]
    assert len(book["越级反映事项"]) == 3


def test_the_excel_list_masks_id_and_phone_numbers(cast):
    record(cast["village"])
    book = _workbook(client_for(cast["county"]).get(reverse("grievances:excel")))
    header, row = book["信访事项"][0], book["信访事项"][1]
    assert row[header.index("身份证号")] != WANG_XIUYING.id_number
    assert row[header.index("身份证号")].startswith(WANG_XIUYING.id_number[:6])
    assert row[header.index("联系电话")] == "139****5678"
    assert row[header.index("时限状态")] == "正常"


def test_an_item_found_online_is_verified_on_site_answered_and_turned_into_a_problem(cast):
    county = client_for(cast["county"])
    response = county.post(
        reverse("grievances:opinion_new"),
        {
            "platform": "douyin",
            "link": "https://www.douyin.com/video/1",
            "found_at": local(timezone.now() - 3 * HOUR),
            "region": SHIQIAO,
            "place": "石桥村三社",
            "claim": "视频称石桥村有户人家房子塌了没人管",
            "screenshot": SimpleUploadedFile("截图.png", PNG, content_type="image/png"),
        },
    )
    assert response.status_code == 302
    item = OpinionItem.objects.get()
    assert item.verify_due - item.found_at == 24 * HOUR and item.screenshot
    assert county.get(reverse("grievances:opinion_screenshot", args=[item.pk])).status_code == 200
    assert (
        client_for(cast["village"]).post(reverse("grievances:opinion_verify", args=[item.pk])).status_code
        == 403
    )
    verify = {"verified_on": timezone.localdate().isoformat(), "verified_by": "城关镇 王干事", "is_true": "1"}
    township = client_for(cast["township"])
    response = township.post(
        reverse("grievances:opinion_verify", args=[item.pk]), {**verify, "finding": "赵永福家房屋倒塌属实"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.stage, item.is_true, item.due_at) == ("verified", True, item.answer_due)
    assert 2.9 < item.hours_to_verification < 3.2
    plan = {
        "category": "HOUSING",
        "lead_unit": "城关镇人民政府",
        "responsible_person": "李镇长",
        "measures": "危房改造",
        "deadline": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
    }
    assert township.post(reverse("grievances:opinion_problem", args=[item.pk]), plan).status_code == 302
    item.refresh_from_db()
    assert item.problem is not None and item.problem.source == "public_opinion"
    problem_page = county.get(
        reverse("rectification:problem_detail", args=[item.problem_id])
    ).content.decode()
    assert reverse("grievances:opinion", args=[item.pk]) in problem_page
    assert (
        township.post(reverse("grievances:opinion_answer", args=[item.pk]), {"note": "已回应"}).status_code
        == 302
    )
    item.refresh_from_db()
    assert item.stage == "answered"

    register = county.get(reverse("grievances:opinions")).context["counties"]
    assert [
        (row.county_name, row.total, row.verified, row.true, row.answered, row.problems, row.late)
        for row in register
    ] == [("礼县", 1, 1, 1, 1, 1, 0)]
    assert 2.9 < register[0].average_hours < 3.2


def test_an_untrue_item_cannot_become_a_problem_and_a_verification_before_discovery_is_refused(cast):
    item = actions.register_opinion(
        cast["county"],
        actions.Sighting("weibo", timezone.now() - 30 * HOUR, SHIQIAO, "传言石桥村低保名额被村干部亲属占了"),
    )
    with pytest.raises(WorkflowError, match="现场核实日期不能早于"):
        actions.verify(
            cast["township"], item, timezone.localdate() - dt.timedelta(days=5), "王干事", False, "不实"
        )
    actions.verify(
        cast["township"], item, timezone.localdate(), "王干事", False, "低保对象均按程序评定，无亲属"
    )
    item.refresh_from_db()
    plan = actions.ProblemPlan("ASSISTANCE", "城关镇", "李镇长", "无", timezone.localdate())
    with pytest.raises(WorkflowError, match="只有现场核实属实的舆情"):
        actions.open_opinion_problem(cast["township"], item, plan)
    # Verified 30 hours after it was found: later than its 24 hours.
    assert client_for(cast["county"]).get(reverse("grievances:opinions")).context["counties"][0].late == 1


def _workbook(response) -> dict[str, list[list[object]]]:
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def test_the_performance_report_counts_late_answered_on_time_and_satisfied_per_county(cast):
    township = cast["township"]
    actions.register(township, complaint(received_at=timezone.now() - 80 * HOUR))  # 赵永福's: 超时
    answered = actions.register(township, complaint(person=WANG_XIUYING, category="medical"))
    actions.accept(township, answered)
    actions.reply(township, answered, "医保报销已落实", "已报销")
    actions.callback(township, answered, "satisfied")
    reopened = actions.register(township, complaint(person=ZHANG_DESHUN, channel="letter", category="income"))
    actions.accept(township, reopened)
    actions.reply(township, reopened, "已协调", "月底结清")
    actions.reopen(township, reopened, "还没结清")
    assert client_for(cast["village"]).get(reverse("grievances:performance")).status_code == 403
    rows = client_for(cast["county"]).get(reverse("grievances:performance")).context["counties"]
    [row] = rows
    assert (row.county_name, row.total, row.open, row.breached, row.replied, row.replied_on_time) == (
        "礼县",
        3,
        2,
        1,
        2,
        2,
    )
    assert (row.called_back, row.satisfied, row.satisfied_share, row.reopened) == (2, 1, 50.0, 1)
    book = _workbook(client_for(cast["county"]).get(reverse("grievances:performance_excel")))
    header, values = book["信访办理时效"][0], book["信访办理时效"][1]
    assert values[header.index("满意率(%)")] == 50.0 and values[header.index("超时")] == 1.0

"""The findings work queue through the Django test client.

The cast, in the small 陇南市 of `make_regions`: a finding on a household of 石桥村
(礼县 城关镇) that the township assigns, the village team fixes and the county closes;
another on 北关村 (武都区), outside every 礼县 account's region.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from fangfan.web.accounts.models import AuditEvent, User
from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.procedures.base import WorkflowError
from fangfan.web.registry.models import Finding, FindingEvent
from fangfan.web.workqueue.actions import DEADLINE_AHEAD_DAYS, assign
from fangfan.web.workqueue.testing import make_finding

pytestmark = pytest.mark.django_db

Role = User.Role
SHIQIAO, BEIGUAN = "621226100201", "621202001201"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture
def cast(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    make_regions()
    return {
        "city": make_user(Role.CITY, "621200"),
        "county": make_user(Role.COUNTY, "621226"),
        "township": make_user(Role.TOWNSHIP, "621226100"),
        "village": make_user(Role.VILLAGE, SHIQIAO),
        "inspector": make_user(Role.INSPECTOR, "621226"),
        "department": make_user(Role.DEPARTMENT, "621226"),
        "wudu_county": make_user(Role.COUNTY, "621202"),
        "wudu_village": make_user(Role.VILLAGE, BEIGUAN),
        "finding": make_finding(SHIQIAO),
        "outside": make_finding(BEIGUAN, rule_code="HS-001", veto=True),
    }


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(user: User, verb: str, finding: Finding, **data: object):
    return client_for(user).post(reverse(f"workqueue:{verb}", args=[finding.pk]), data)


def tomorrow() -> str:
    return (timezone.localdate() + dt.timedelta(days=1)).isoformat()


def test_a_finding_goes_from_assigned_to_fixed_to_closed(cast):
    finding, village = cast["finding"], cast["village"]
    response = post(cast["township"], "assign", finding, assignee=village.pk, deadline=tomorrow())
    assert response.status_code == 302
    finding.refresh_from_db()
    assert (finding.status, finding.assignee, finding.deadline.isoformat()) == (
        "assigned",
        village,
        tomorrow(),
    )

    response = client_for(village).post(
        reverse("workqueue:mark_fixed", args=[finding.pk]),
        {"note": "已送去鸡蛋和牛奶", "attachment": _file("照片.png", PNG)},
    )
    assert response.status_code == 302
    # The newest run still flags it: the county closes it with its reason and a proof file.
    response = client_for(cast["county"]).post(
        reverse("workqueue:verify_close", args=[finding.pk]),
        {"note": "核实属实", "attachment": _file("核查表.pdf", b"%PDF-1.4 proof")},
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == Finding.Status.CLOSED
    events = list(finding.events.order_by("at", "id"))
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("assign", "open", "assigned"),
        ("fix", "assigned", "fixed"),
        ("close", "fixed", "closed"),
    ]
    assert events[1].note == "已送去鸡蛋和牛奶" and events[1].attachment
    assert AuditEvent.objects.filter(object_id=str(finding.pk), action="update").count() == 3
    page = client_for(cast["county"]).get(reverse("workqueue:detail", args=[finding.pk]))
    assert "已核销" in page.text and "已送去鸡蛋和牛奶" in page.text and "下载佐证材料" in page.text


def _file(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize(
    ("verb", "refused"),
    [
        ("assign", ["village", "inspector", "department"]),
        ("mark_fixed", ["city", "county", "inspector", "department"]),
        ("mark_explained", ["city", "county", "inspector", "department"]),
        ("verify_close", ["township", "village", "inspector", "department"]),
        ("reject", ["township", "village", "inspector", "department"]),
    ],
)
def test_each_verb_is_refused_to_the_wrong_roles(cast, verb, refused):
    finding = cast["finding"]
    if verb in ("verify_close", "reject"):
        finding.update_audited(None, status=Finding.Status.FIXED)
    for role in refused:
        response = post(
            cast[role], verb, finding, note="试一下", assignee=cast["village"].pk, deadline=tomorrow()
        )
        assert response.status_code == 403, (verb, role)
    assert not FindingEvent.objects.exists()


@pytest.mark.parametrize("verb", ["assign", "mark_fixed", "mark_explained", "verify_close", "reject"])
def test_each_verb_outside_the_region_is_not_found(cast, verb):
    outside = cast["outside"]
    for role in ("county", "township", "village"):
        response = post(cast[role], verb, outside, note="试一下", deadline=tomorrow())
        assert response.status_code == 404
    assert client_for(cast["county"]).get(reverse("workqueue:detail", args=[outside.pk])).status_code == 404
    assert not FindingEvent.objects.exists()


def test_a_finding_cannot_be_closed_before_it_is_fixed(cast):
    response = post(cast["county"], "verify_close", cast["finding"])
    assert response.status_code == 409
    assert "当前为“待处理”，不能核销" in response.text
    cast["finding"].refresh_from_db()
    assert cast["finding"].status == "open" and not FindingEvent.objects.exists()


def test_a_closed_finding_cannot_be_marked_fixed_or_reassigned(cast):
    finding = cast["finding"]
    finding.update_audited(None, status=Finding.Status.CLOSED)
    assert post(cast["village"], "mark_fixed", finding, note="再改").status_code == 409
    response = post(cast["township"], "assign", finding, assignee=cast["village"].pk, deadline=tomorrow())
    assert response.status_code == 409 and "已核销" in response.text
    assert not FindingEvent.objects.exists()


def test_a_fix_without_a_note_and_an_explanation_without_a_reason_are_refused(cast):
    finding = cast["finding"]
    assert post(cast["village"], "mark_fixed", finding, note="").status_code == 400
    assert post(cast["village"], "mark_explained", finding, note="  ").status_code == 400
    finding.refresh_from_db()
    assert finding.status == "open"


def test_a_false_alarm_is_explained_then_sent_back_by_the_county(cast):
    finding = cast["finding"]
    assert post(cast["village"], "mark_explained", finding, note="该户养鸡，每天有蛋").status_code == 302
    assert post(cast["county"], "reject", finding, note="").status_code == 400
    assert post(cast["county"], "reject", finding, note="请附照片").status_code == 302
    finding.refresh_from_db()
    assert finding.status == "assigned"
    assert finding.events.last().action == "reopen"


def test_a_finding_is_assigned_only_to_someone_covering_its_village(cast):
    finding = cast["finding"]
    for wrong in (cast["wudu_village"], cast["county"]):
        response = post(cast["county"], "assign", finding, assignee=wrong.pk, deadline=tomorrow())
        assert response.status_code == 400
    cast["village"].is_active = False
    cast["village"].save()
    assert (
        post(cast["county"], "assign", finding, assignee=cast["village"].pk, deadline=tomorrow()).status_code
        == 400
    )
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    # A deadline already past: the form's bounds (today to a year ahead) refuse it first.
    late = post(cast["county"], "assign", finding, assignee=cast["township"].pk, deadline=yesterday)
    assert late.status_code == 400 and "整改时限应在" in late.text
    assert not FindingEvent.objects.exists()


def test_the_assign_verb_itself_refuses_a_deadline_years_ahead_or_past(cast):
    finding = cast["finding"]
    today = timezone.localdate()
    for deadline in (today - dt.timedelta(days=1), today + dt.timedelta(days=DEADLINE_AHEAD_DAYS + 1)):
        with pytest.raises(WorkflowError, match="整改时限应在"):
            assign(cast["county"], finding, cast["township"], deadline)
    with pytest.raises(WorkflowError, match="整改时限应在"):
        assign(cast["county"], finding, cast["township"], dt.date(9999, 12, 31))
    assign(cast["county"], finding, cast["township"], timezone.localdate() + dt.timedelta(days=30))
    finding.refresh_from_db()
    assert finding.status == "assigned"


def test_a_wrong_attachment_is_refused_and_a_good_one_is_read_only_in_the_region(cast):
    finding, village = cast["finding"], cast["village"]
    url = reverse("workqueue:mark_fixed", args=[finding.pk])
    for name, content in [
        ("病毒.exe", b"MZ" + b"\0" * 20),
        ("假照片.png", b"not a png"),
        ("大.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024)),
    ]:
        response = client_for(village).post(url, {"note": "整改", "attachment": _file(name, content)})
        assert response.status_code == 400, name
    assert (
        client_for(village).post(url, {"note": "整改", "attachment": _file("照片.png", PNG)}).status_code
        == 302
    )
    event = finding.events.get()
    assert event.attachment.path.startswith(str(event.attachment.storage.location))
    download = reverse("workqueue:attachment", args=[finding.pk, event.pk])
    for role in ("city", "county", "township", "village", "inspector"):
        response = client_for(cast[role]).get(download)
        assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    for role in ("wudu_county", "wudu_village"):
        assert client_for(cast[role]).get(download).status_code == 404
    assert client_for(cast["department"]).get(download).status_code == 403


def test_overdue_findings_stand_out_and_come_first(cast):
    late = make_finding(SHIQIAO, rule_code="ED-001", number=2)
    late.update_audited(None, status="assigned", deadline=timezone.localdate() - dt.timedelta(days=3))
    page = client_for(cast["county"]).get(reverse("workqueue:list"))
    assert page.status_code == 200
    rows = page.context["findings"].object_list
    assert [finding.pk for finding in rows] == [late.pk, cast["finding"].pk]
    assert "queue-row overdue" in page.text and "已逾期" in page.text
    only_late = client_for(cast["county"]).get(reverse("workqueue:list"), {"overdue": "on"})
    assert [finding.pk for finding in only_late.context["findings"].object_list] == [late.pk]


def test_the_list_shows_only_the_region_and_filters(cast):
    make_finding(SHIQIAO, rule_code="HS-001", number=3, veto=True, category="HOUSING")
    city = client_for(cast["city"]).get(reverse("workqueue:list"))
    assert city.context["findings"].paginator.count == 3
    county = client_for(cast["county"]).get(reverse("workqueue:list"))
    assert county.context["findings"].paginator.count == 2 and "北关村" not in county.text
    veto = client_for(cast["county"]).get(reverse("workqueue:list"), {"veto": "1"})
    assert [f.rule_code for f in veto.context["findings"].object_list] == ["HS-001"]
    wudu = client_for(cast["city"]).get(reverse("workqueue:list"), {"region": "621202"})
    assert [f.pk for f in wudu.context["findings"].object_list] == [cast["outside"].pk]
    assert client_for(cast["county"]).get(reverse("workqueue:list"), {"region": "621202"}).status_code == 404


def _excel_rows(response) -> list[list[object]]:
    content = b"".join(response.streaming_content)
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0)
    return sheet.to_python()


def test_the_excel_holds_only_the_region_and_respects_the_filters(cast):
    make_finding(SHIQIAO, rule_code="HS-001", number=3, veto=True, category="HOUSING")
    rows = _excel_rows(client_for(cast["county"]).get(reverse("workqueue:excel")))
    header, body = rows[0], rows[1:]
    assert "责任人" in header and "已逾期" in header
    codes = sorted(row[header.index("规则编号")] for row in body)
    assert codes == ["FC-002", "HS-001"]
    assert all(str(row[header.index("行政区划代码")]).startswith("621226") for row in body)
    filtered = _excel_rows(
        client_for(cast["county"]).get(reverse("workqueue:excel"), {"category": "HOUSING"})
    )
    assert [row[filtered[0].index("规则编号")] for row in filtered[1:]] == ["HS-001"]


def test_the_household_page_links_its_findings_to_the_work_queue(cast):
    finding = cast["finding"]
    page = client_for(cast["village"]).get(reverse("registry:household", args=[finding.household_id]))
    assert reverse("workqueue:detail", args=[finding.pk]) in page.text


def test_the_detail_page_offers_only_the_actions_the_user_may_take(cast):
    url = reverse("workqueue:detail", args=[cast["finding"].pk])
    assert "queue-action-assign" in client_for(cast["township"]).get(url).text
    village = client_for(cast["village"]).get(url).text
    assert "queue-action-mark_fixed" in village and "queue-action-assign" not in village
    inspector = client_for(cast["inspector"]).get(url)
    assert inspector.status_code == 200 and "queue-action" not in inspector.text


def test_the_change_record_reads_in_words_not_codes(cast):
    """The trail names the status and the person, as the page's reader knows them."""
    finding, village = cast["finding"], cast["village"]
    post(cast["township"], "assign", finding, assignee=village.pk, deadline=tomorrow())
    page = client_for(cast["county"]).get(reverse("workqueue:detail", args=[finding.pk])).text
    trail = page[page.index("修改记录") :]
    assert "待处理" in trail and "已分派" in trail and village.display_name in trail
    assert ">open<" not in trail and ">assigned<" not in trail
    assert f">{village.pk}<" not in trail


def test_the_detail_page_writes_its_dates_and_times_in_one_chinese_style(cast):
    finding, village = cast["finding"], cast["village"]
    post(cast["township"], "assign", finding, assignee=village.pk, deadline=tomorrow())
    page = client_for(cast["township"]).get(reverse("workqueue:detail", args=[finding.pk])).text
    day = timezone.localdate() + dt.timedelta(days=1)
    assert f"{day.year}年{day.month}月{day.day}日" in page
    body = page[page.index("<main") :]
    stripped = re.sub(r'(value|min|max|datetime)="[^"]*"', "", body)  # machine-read attributes
    found = re.search(r"\d{4}-\d{2}-\d{2}", stripped)
    assert not found, stripped[found.start() - 200 : found.end() + 50] if found else ""

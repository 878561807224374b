"""No close-outs on paper (假销号), and the work queue's smaller defects, through the Django client.

The cast, in the small 陇南市 of `make_regions` (礼县 城关镇 石桥村):

- 李桂兰's household was marked fixed, but the newest run still flags it: the county may
  close it only with a reason and a proof file, and the page says why;
- 赵德胜's household was fixed and the newest run no longer flags it: an ordinary close;
- 孙玉梅's finding was closed while still flagged (已核销·仍被筛出), the near miss of a
  closed finding the run resolved (周长青's);
- 王建军's finding was assigned to the village team with a deadline two weeks ahead and
  is re-assigned from the page's own pre-filled form.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from fangfan.web.accounts.models import User
from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.registry.models import Finding, FindingEvent, VillageFindingCount, VillageHouseholdCount
from fangfan.web.workqueue.testing import current_run, make_finding, make_household

pytestmark = pytest.mark.django_db

Role = User.Role
Status, EngineStatus = Finding.Status, Finding.EngineStatus
SHIQIAO = "621226100201"
PDF = b"%PDF-1.4 proof of a visit"


@pytest.fixture
def cast(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    make_regions()
    for number, head in enumerate(("李桂兰", "赵德胜", "孙玉梅", "周长青", "王建军"), start=1):
        make_household(SHIQIAO, number, head_name=head, county_name="礼县", township_name="城关镇")
    village = make_user(Role.VILLAGE, SHIQIAO)
    return {
        "county": make_user(Role.COUNTY, "621226"),
        "township": make_user(Role.TOWNSHIP, "621226100"),
        "village": village,
        "flagged": make_finding(SHIQIAO, number=1, status=Status.FIXED),
        "resolved": make_finding(SHIQIAO, number=2, status=Status.FIXED, engine_status=EngineStatus.RESOLVED),
        "paper": make_finding(
            SHIQIAO, rule_code="HS-001", number=3, status=Status.CLOSED, category="HOUSING"
        ),
        "confirmed": make_finding(
            SHIQIAO, rule_code="WS-001", number=4, status=Status.CLOSED, engine_status=EngineStatus.RESOLVED
        ),
        "assigned": make_finding(
            SHIQIAO,
            number=5,
            status=Status.ASSIGNED,
            assignee=village,
            deadline=timezone.localdate() + dt.timedelta(days=14),
        ),
    }


def client_for(user: User, **headers: str) -> Client:
    client = Client(**headers)
    client.force_login(user)
    return client


def close(user: User, finding: Finding, **data: object):
    return client_for(user).post(reverse("workqueue:verify_close", args=[finding.pk]), data)


def proof() -> SimpleUploadedFile:
    return SimpleUploadedFile("核查表.pdf", PDF)


def test_closing_a_finding_the_newest_run_still_flags_is_refused_without_reason_and_proof(cast):
    finding, county = cast["flagged"], cast["county"]
    for data in ({}, {"note": "已入户核实"}, {"attachment": proof()}):
        response = close(county, finding, **data)
        assert response.status_code == 409
        assert "最新一次筛查仍筛出该问题" in response.text and "核销理由" in response.text
    finding.refresh_from_db()
    assert finding.status == Status.FIXED and not finding.events.exists()

    response = close(county, finding, note="已入户核实，系统数据待下月更新", attachment=proof())
    assert response.status_code == 302
    finding.refresh_from_db()
    event = finding.events.get()
    assert finding.status == Status.CLOSED
    assert event.still_flagged and event.attachment
    assert event.note.startswith("最新一次筛查仍筛出该问题") and "系统数据待下月更新" in event.note
    page = client_for(county).get(reverse("workqueue:detail", args=[finding.pk]))
    assert "核销时仍被筛出" in page.text


def test_the_close_form_warns_only_while_the_newest_run_still_flags_the_finding(cast):
    county = cast["county"]
    flagged = client_for(county).get(reverse("workqueue:detail", args=[cast["flagged"].pk]))
    assert "最新一次筛查仍筛出该问题" in flagged.text and "核销理由（必填）" in flagged.text
    resolved = client_for(county).get(reverse("workqueue:detail", args=[cast["resolved"].pk]))
    assert "最新一次筛查仍筛出该问题" not in resolved.text and "核销意见（可选）" in resolved.text
    # The screening no longer flags it: an ordinary close, no reason or proof needed.
    assert close(county, cast["resolved"]).status_code == 302
    event = cast["resolved"].events.get()
    assert not event.still_flagged and event.note == "核实无误，予以核销"


def test_closed_findings_still_flagged_are_counted_and_listed_apart(cast):
    client = client_for(cast["county"])
    listed = client.get(reverse("workqueue:list"), {"closeout": "closed_still_flagged"})
    rows = re.findall(r'<tr class="queue-row.*?</tr>', listed.text, re.S)
    assert len(rows) == 1 and "孙玉梅" in rows[0] and "已核销·仍被筛出" in rows[0]
    counts = re.search(r'id="closeout-counts">(.*?)</p>', client.get(reverse("workqueue:list")).text, re.S)
    assert counts and re.search(r"已核销·仍被筛出 <strong>1</strong>", counts.group(1))

    dashboard = client.get(reverse("registry:region", args=["621226"]))
    card = re.search(r'id="stat-closed-still-flagged">(.*?)</div>', dashboard.text, re.S)
    assert card and ">1</a>" in card.group(1)


def test_a_recurring_finding_is_counted_listed_and_shown_in_the_household_history(cast):
    finding = cast["paper"]
    Finding.objects.filter(pk=finding.pk).update(status=Status.OPEN, recurrences=1)
    FindingEvent.objects.create(
        finding=finding, action=FindingEvent.Action.RECUR, note="筛查仍筛出该问题：已核销的问题复发"
    )
    client = client_for(cast["county"])
    rows = re.findall(
        r'<tr class="queue-row.*?</tr>',
        client.get(reverse("workqueue:list"), {"closeout": "recurring"}).text,
        re.S,
    )
    assert len(rows) == 1 and "孙玉梅" in rows[0] and "复发" in rows[0]
    card = re.search(
        r'id="stat-recurring">(.*?)</div>', client.get(reverse("registry:region", args=["621226"])).text, re.S
    )
    assert card and ">1</a>" in card.group(1)
    household = client.get(reverse("registry:household", args=[finding.household_id]))
    assert "复发 1 次" in household.text and "已核销的问题复发" in household.text


def test_re_assigning_keeps_the_deadline_the_form_pre_fills(cast):
    finding, township = cast["assigned"], cast["township"]
    page = client_for(township).get(reverse("workqueue:detail", args=[finding.pk])).text
    form = re.search(r"<form[^>]*queue-action-assign.*?</form>", page, re.S)
    assert form
    deadline = re.search(r'<input type="date" name="deadline" value="([^"]+)"[^>]*>', form.group(0))
    assert deadline and deadline.group(1) == finding.deadline.isoformat()
    assert f'min="{timezone.localdate().isoformat()}"' in deadline.group(0)
    chosen = re.search(r'<option value="(\d+)" selected>', form.group(0))
    assert chosen and int(chosen.group(1)) == cast["village"].pk

    response = client_for(township).post(
        reverse("workqueue:assign", args=[finding.pk]),
        {"assignee": chosen.group(1), "deadline": deadline.group(1), "note": "请加快整改"},
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.deadline.isoformat() == deadline.group(1) and finding.events.get().action == "assign"


def test_an_overdue_deadline_is_not_pre_filled_for_the_form_to_refuse(cast):
    finding = cast["assigned"]
    Finding.objects.filter(pk=finding.pk).update(deadline=timezone.localdate() - dt.timedelta(days=3))
    page = client_for(cast["township"]).get(reverse("workqueue:detail", args=[finding.pk])).text
    deadline = re.search(r'<input type="date" name="deadline"[^>]*>', page)
    assert deadline and "value=" not in deadline.group(0)


def test_a_refused_step_under_htmx_keeps_the_detail_page_in_the_address_bar(cast):
    finding = cast["flagged"]
    detail = reverse("workqueue:detail", args=[finding.pk])
    client = client_for(cast["county"], HTTP_HX_REQUEST="true", HTTP_HX_BOOSTED="true")
    refused = client.post(reverse("workqueue:verify_close", args=[finding.pk]), {})
    assert refused.status_code == 409 and refused["HX-Push-Url"] == detail
    assert "最新一次筛查仍筛出该问题：核销须填写核销理由并上传佐证材料" in refused.text
    invalid = client_for(cast["township"], HTTP_HX_REQUEST="true").post(
        reverse("workqueue:assign", args=[cast["assigned"].pk]), {"deadline": "不是日期"}
    )
    assert invalid.status_code == 400 and invalid["HX-Push-Url"] == reverse(
        "workqueue:detail", args=[cast["assigned"].pk]
    )


def test_the_category_filter_lists_the_census_areas_first(cast):
    page = client_for(cast["county"]).get(reverse("workqueue:list")).text
    select = re.search(r'<select name="category".*?</select>', page, re.S)
    assert select
    labels = re.findall(r'<option value="[A-Z_]+"[^>]*>([^<]+)</option>', select.group(0))
    assert labels[:6] == ["收入", "吃穿", "义务教育", "基本医疗", "住房安全", "饮水安全"]
    assert len(labels) == len(set(labels)) > 6


def test_the_findings_excel_names_the_county_and_township(cast):
    response = client_for(cast["county"]).get(reverse("workqueue:excel"))
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    rows = workbook.get_sheet_by_index(0).to_python()
    header = [str(cell) for cell in rows[0]]
    assert header[:3] == ["县(区)", "乡(镇)", "行政村"] and "复发次数" in header
    assert all(row[0] == "礼县" and row[1] == "城关镇" for row in rows[1:]) and len(rows) == 6


def test_the_dashboard_type_and_category_tables_download_as_excel(cast):
    run = current_run()
    places = {"village_code": SHIQIAO, "township_code": SHIQIAO[:9], "county_code": SHIQIAO[:6]}
    VillageHouseholdCount.objects.create(run=run, household_type="脱贫户", households=4, people=13, **places)
    VillageHouseholdCount.objects.create(run=run, household_type="一般农户", households=1, people=3, **places)
    VillageFindingCount.objects.create(run=run, category="WATER", veto=True, findings=2, **places)
    VillageFindingCount.objects.create(run=run, category="INCOME", veto=False, findings=3, **places)
    client = client_for(cast["county"])
    page = client.get(reverse("registry:region", args=["621226"])).text
    for name in ("registry:region_types_excel", "registry:region_categories_excel"):
        assert reverse(name, args=["621226"]) in page

    def sheet(name: str) -> list[list[object]]:
        content = b"".join(client.get(reverse(name, args=["621226"])).streaming_content)
        return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()

    types = sheet("registry:region_types_excel")
    assert types[0][:3] == ["户类型", "户数", "人数"]
    assert [(row[0], int(row[1]), int(row[2])) for row in types[1:]] == [
        ("脱贫户", 4, 13),
        ("一般农户", 1, 3),
    ]
    categories = sheet("registry:region_categories_excel")
    assert [(row[0], int(row[1]), int(row[2]), int(row[3])) for row in categories[1:]] == [
        ("收入", 0, 3, 3),
        ("饮水安全", 2, 0, 2),
    ]


def test_every_page_links_a_favicon_that_the_static_files_hold(cast):
    page = client_for(cast["county"]).get(reverse("workqueue:list")).text
    link = re.search(r'<link rel="icon" href="([^"]+)"', page)
    assert link and link.group(1).endswith("fangfan/favicon.svg")
    assert finders.find("fangfan/favicon.svg")

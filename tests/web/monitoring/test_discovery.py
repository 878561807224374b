"""Discovery through the Django test client: the 12317 form, a cadre's visit, the run's warnings.

- A caller rings 12317 for 王秀英; 城关镇's officer records it, with who called and when.
- 上坪村's team visits 张德顺: ¥8,400 for three people is ¥2,800 each, under the year's
  threshold, so a lead opens by itself; a well-off year opens none.
- 赵永福's flood (MON-001, a department warning) and his income finding (INC-001) come
  into 城关镇's list from the current run, once, whoever presses the button or runs the
  command how often; his FC-002 (food) is no lead.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from fangfan.web.monitoring.models import Intake, IntakeFinding, Visit
from fangfan.web.monitoring.testing import make_case
from fangfan.web.monitoring.threshold import monitoring_threshold

pytestmark = pytest.mark.django_db
SHIQIAO, SHANGPING = "621226100201", "621226100202"


def hotline_call(**changes: object) -> dict[str, object]:
    called = timezone.localtime() - dt.timedelta(days=2)
    return {
        "caller_name": "李明",
        "caller_phone": "13700001111",
        "called_at": called.strftime("%Y-%m-%dT%H:%M"),
        "name": "王秀英",
        "id_number": "",
        "phone": "13912345678",
        "village": SHIQIAO,
        "description": "来电反映：母亲王秀英家因病支出大，生活困难",
        **changes,
    }


def test_a_12317_call_is_recorded_with_the_caller_and_the_time(cast, client_for):
    township = client_for(cast["township"])
    assert township.get(reverse("monitoring:hotline")).status_code == 200
    response = township.post(reverse("monitoring:hotline"), hotline_call())
    intake = Intake.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "monitoring:intake", args=[intake.pk]
    )
    assert (intake.source, intake.caller_name, intake.recorded_by) == ("hotline", "李明", cast["township"])
    assert intake.discovered_on == timezone.localdate() - dt.timedelta(days=2)
    assert (intake.household, intake.match) == (cast["wang"], "phone")
    page = township.get(reverse("monitoring:intake", args=[intake.pk])).text
    assert "137****1111" in page and "13700001111" not in page and "来电时间" in page
    again = township.post(reverse("monitoring:hotline"), hotline_call())
    assert again.status_code == 302 and Intake.objects.count() == 1


def test_the_hotline_form_is_for_county_township_and_village_cadres_in_their_region(cast, client_for):
    for role in ("city", "department"):
        assert client_for(cast[role]).get(reverse("monitoring:hotline")).status_code == 403, role
    assert (
        client_for(cast["inspector"]).post(reverse("monitoring:hotline"), hotline_call()).status_code == 403
    )
    outside = client_for(cast["wudu_township"]).post(reverse("monitoring:hotline"), hotline_call())
    assert outside.status_code == 400  # 石桥村 is not among its villages
    future = hotline_call(called_at=(timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    assert client_for(cast["county"]).post(reverse("monitoring:hotline"), future).status_code == 400
    assert not Intake.objects.exists()


def visit(client, household, **amounts: object):
    data = {
        "visited_on": timezone.localdate().isoformat(),
        "wage_income": 6000,
        "business_income": 2000,
        "property_income": 0,
        "transfer_income": 1200,
        "business_cost": 800,
        "rigid_spending": 0,
        "situation": "务工收入减少，母亲常年吃药",
        **amounts,
    }
    return client.post(reverse("monitoring:visit_new", args=[household.pk]), data)


def test_a_visit_works_the_income_out_and_below_the_threshold_opens_a_lead(cast, client_for):
    zhang, team = cast["zhang"], client_for(cast["shangping"])
    form = team.get(reverse("monitoring:visit_new", args=[zhang.pk]))
    threshold = monitoring_threshold(timezone.localdate().year - 1)
    assert form.status_code == 200 and threshold.label in form.text and "3</strong> 人" in form.text
    response = visit(team, zhang)
    record = Visit.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "monitoring:visit", args=[record.pk]
    )
    assert (record.net_income, record.household_size, record.net_income_per_capita) == (
        Decimal("8400.00"),
        3,
        Decimal("2800.00"),
    )
    assert (
        record.threshold == threshold.yuan and record.below_threshold and record.visitor == cast["shangping"]
    )
    intake = Intake.objects.get()
    assert (intake.source, intake.visit, intake.household, intake.discovered_on) == (
        "visit",
        record,
        zhang,
        timezone.localdate(),
    )
    assert "人均纯收入2,800元" in intake.description
    page = team.get(reverse("monitoring:visit", args=[record.pk])).text
    assert "8,400.00" in page and "2,800.00" in page and intake.reference in page
    household_page = client_for(cast["township"]).get(reverse("registry:household", args=[zhang.pk])).text
    assert (
        reverse("monitoring:visit", args=[record.pk]) in household_page and "在监测范围内" in household_page
    )


def test_a_visit_above_the_threshold_opens_nothing_and_one_already_in_hand_says_so(cast, client_for):
    team = client_for(cast["shangping"])
    assert visit(team, cast["zhang"], wage_income=60000).status_code == 302
    assert Visit.objects.count() == 1 and not Intake.objects.exists()
    assert not Visit.objects.get().in_range
    make_case(SHANGPING, opened_by=cast["township"], household=cast["zhang"])
    before = Intake.objects.count()
    response = visit(team, cast["zhang"])
    assert Intake.objects.count() == before and Visit.objects.count() == 2
    assert "该户已有正在办理的识别认定" in team.get(response["Location"]).text


def test_rigid_spending_above_the_net_income_opens_a_lead_too(cast, client_for):
    assert (
        visit(
            client_for(cast["shangping"]), cast["zhang"], wage_income=60000, rigid_spending=90000
        ).status_code
        == 302
    )
    record = Visit.objects.get()
    assert not record.below_threshold and record.spending_exceeds_income
    assert "刚性支出" in Intake.objects.get().description


def test_only_township_and_village_cadres_record_visits_in_their_region(cast, client_for):
    url = reverse("monitoring:visit_new", args=[cast["zhang"].pk])
    for role in ("city", "county", "department"):
        assert client_for(cast[role]).get(url).status_code == 403, role
    assert client_for(cast["inspector"]).post(url, {}).status_code == 403
    assert client_for(cast["village"]).get(url).status_code == 404  # 石桥村's team, 上坪村's household
    assert visit(client_for(cast["wudu_township"]), cast["zhang"]).status_code == 404
    assert not Visit.objects.exists()


def test_the_township_brings_in_the_runs_warnings_once(cast, client_for, zhao_findings):
    township = client_for(cast["township"])
    response = township.post(reverse("monitoring:import_findings"), follow=True)
    assert response.status_code == 200 and "新增线索 2 条" in response.text
    leads = {intake.source: intake for intake in Intake.objects.all()}
    assert set(leads) == {"department", "sieve"}
    assert list(leads["department"].findings.all()) == [zhao_findings["flood"]]
    assert list(leads["sieve"].findings.all()) == [zhao_findings["income"]]
    assert all(lead.household == cast["zhao"] and lead.village_code == SHIQIAO for lead in leads.values())
    assert not IntakeFinding.objects.filter(finding=zhao_findings["outside"]).exists()

    again = township.post(reverse("monitoring:import_findings"), follow=True)
    assert "新增线索 0 条" in again.text and "此前已导入的 2 条" in again.text
    assert Intake.objects.count() == 2
    for role in ("county", "village", "city", "inspector"):
        assert client_for(cast[role]).post(reverse("monitoring:import_findings")).status_code == 403, role


def test_the_command_brings_in_every_regions_warnings_and_is_idempotent(cast, zhao_findings):
    out = io.StringIO()
    call_command("import_monitoring_findings", stdout=out)
    assert "新增线索 3 条" in out.getvalue()  # 赵永福's two, 马占山's one in 北关村
    call_command("import_monitoring_findings", stdout=out)
    assert Intake.objects.count() == 3 and IntakeFinding.objects.count() == 3
    assert Intake.objects.filter(village_code__startswith="621202").count() == 1


def test_a_finding_explained_as_a_false_alarm_or_of_a_household_in_hand_makes_no_lead(cast, zhao_findings):
    zhao_findings["income"].update_audited(None, status="explained")
    make_case(SHIQIAO, opened_by=cast["township"], household=cast["zhao"])
    out = io.StringIO()
    call_command("import_monitoring_findings", "--region", "621226", stdout=out)
    assert "新增线索 0 条" in out.getvalue() and "已在识别或监测中的 1 条" in out.getvalue()
    assert Intake.objects.filter(source__in=["department", "sieve"]).count() == 0


def _excel(response) -> list[list[object]]:
    content = b"".join(response.streaming_content)
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()


def test_the_lists_filter_by_region_and_channel_and_download_masked(cast, client_for, zhao_findings):
    call_command("import_monitoring_findings", stdout=io.StringIO())
    client_for(cast["township"]).post(reverse("monitoring:hotline"), hotline_call())
    county = client_for(cast["county"])
    assert county.get(reverse("monitoring:intakes")).context["intakes"].paginator.count == 3
    hotline_only = county.get(reverse("monitoring:intakes"), {"source": "hotline"})
    assert [row.source for row in hotline_only.context["intakes"]] == ["hotline"]
    shangping = county.get(reverse("monitoring:intakes"), {"region": SHANGPING})
    assert shangping.context["intakes"].paginator.count == 0
    assert county.get(reverse("monitoring:intakes"), {"region": "621202"}).status_code == 404
    rows = _excel(county.get(reverse("monitoring:intakes_excel")))
    header, body = rows[0], rows[1:]
    assert "受理编号" in header and "剩余天数" in header and len(body) == 3
    phones = [row[header.index("联系电话")] for row in body if row[header.index("联系电话")]]
    assert phones == ["139****5678"]
    assert all(str(row[header.index("行政区划代码")]).startswith("621226") for row in body)
    cases = _excel(county.get(reverse("monitoring:cases_excel")))
    assert cases[0][0] == "受理编号" and len(cases) == 1
    city = client_for(cast["city"]).get(reverse("monitoring:intakes"))
    assert city.context["intakes"].paginator.count == 4 and "马占山" in city.text
    assert "马占山" not in county.get(reverse("monitoring:intakes")).text


def test_a_visit_and_the_screen_judge_the_same_household_against_the_same_years_line(
    cast, client_for, monkeypatch
):
    """¥8,500 a head: above 2025's line (¥8,300, what the screen of 2025 income uses),
    below the 2026 placeholder (¥8,700). A visit now assesses 2025 income, like the screen."""
    from fangfan.engine import screen
    from fangfan.engine.policy import monitoring_threshold_for

    monkeypatch.setattr(screen, "newer_income_year", lambda snapshot: 2025)
    screened = monitoring_threshold_for(screen.policy_year_for(None))  # type: ignore[arg-type]
    zhang, team = cast["zhang"], client_for(cast["shangping"])
    a_head = {"wage_income": 25500, "business_income": 0, "transfer_income": 0, "business_cost": 0}
    today = timezone.localdate()
    assert visit(team, zhang, visited_on=dt.date(2026, 3, 10).isoformat(), **a_head).status_code == 302
    record = Visit.objects.get()
    assert (record.threshold_year, record.threshold) == (2025, Decimal(str(screened.yuan)))
    assert not record.below_threshold and not Intake.objects.exists()
    page = team.get(reverse("monitoring:visit", args=[record.pk])).text
    assert "标准：2025年度 ¥8,300（暂定，待省里公布）" in page

    # The cadre may say which income year the visit assesses: then that year's line.
    assert today.year >= 2026
    response = visit(team, zhang, income_year=2026, **a_head)
    later = Visit.objects.exclude(pk=record.pk).get()
    assert response.status_code == 302 and (later.threshold_year, later.threshold) == (2026, Decimal(8700))
    assert later.below_threshold and Intake.objects.filter(visit=later).exists()

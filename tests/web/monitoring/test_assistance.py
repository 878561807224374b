"""Assistance and follow-up through the Django test client, after the county's decision.

王秀英's case reached the county late: it decides today that she has been monitored
for 240 days. Her household has no measure yet, so it heads 城关镇's list of
households without one (户户有帮扶机制), and she and her son 李明 head the list of
people without a safeguard (人人有防返贫措施). 石桥村's team puts 李明 on 健康帮扶
(a person's safeguard, the team's account answering for it) and the household on
产业帮扶; the township adds the 低保 for the whole household, with a cadre named and
a phone number; then ends it. Each list follows, in pages and in Excel.

Re-assessments are due every 90 days (FANGFAN_REASSESSMENT_DAYS); she has had none.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from fangfan.web.accounts.models import AuditEvent
from fangfan.web.monitoring.models import Measure, MonitoredHousehold, Reassessment
from fangfan.web.monitoring.testing import make_case, make_monitored, make_reassessment
from fangfan.web.monitoring.threshold import monitoring_threshold
from fangfan.web.registry.models import Member

pytestmark = pytest.mark.django_db
SHIQIAO, SHANGPING, BEIGUAN = "621226100201", "621226100202", "621202001201"


def ago(days: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=days)).isoformat()


def decided(cast: dict[str, Any], client_for: Any) -> MonitoredHousehold:
    """王秀英's case decided today by 礼县, her monitoring started 240 days ago."""
    case = make_case(
        SHIQIAO, opened_by=cast["township"], household=cast["wang"], stage="county_decision", days_ago=245
    )
    decision = {"category": "脱贫不稳定户", "risk_types": ["因病"], "monitoring_start": ago(240)}
    response = client_for(cast["county"]).post(reverse("monitoring:decide", args=[case.pk]), decision)
    assert response.status_code == 302
    return MonitoredHousehold.objects.get(case=case)


def measure_data(**changes: Any) -> dict[str, Any]:
    return {
        "member": "",
        "kind": "产业帮扶",
        "item": "",
        "content": "发放花椒苗200株，技术员上门指导",
        "amount": "3000",
        "amount_period": "year",
        "start_date": ago(10),
        "end_date": "",
        "cadre": "",
        "cadre_name": "李干部",
        "cadre_phone": "",
        **changes,
    }


def names(response: Any, key: str) -> list[str]:
    rows = response.context[key]
    return [getattr(row, "name", "") for row in rows]


def workbook_rows(response: Any) -> list[list[Any]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    return book.get_sheet_by_name(book.sheet_names[0]).to_python()


def test_every_monitored_household_gets_a_measure_and_every_person_a_safeguard(cast, client_for):
    monitored = decided(cast, client_for)
    township, village = client_for(cast["township"]), client_for(cast["village"])
    li_ming = Member.objects.get(name="李明")

    assert names(township.get(reverse("monitoring:without_measures")), "households") == ["王秀英"]
    assert names(township.get(reverse("monitoring:without_safeguards")), "people") == ["王秀英", "李明"]
    page = village.get(reverse("monitoring:monitored", args=[monitored.pk]))
    assert 'id="no-measure"' in page.text and "mon-action-add_measure" in page.text

    health = measure_data(
        member=str(li_ming.pk),
        kind="健康帮扶",
        content="大病专项救治，医疗救助二次报销",
        cadre=str(cast["village"].pk),
    )
    url = reverse("monitoring:measure_add", args=[monitored.pk])
    assert village.post(url, health).status_code == 302
    measure = Measure.objects.get()
    assert (measure.member, measure.person_name, measure.cadre, measure.cadre_name) == (
        li_ming,
        "李明",
        cast["village"],
        cast["village"].display_name,
    )
    assert village.post(url, measure_data()).status_code == 302
    assert names(township.get(reverse("monitoring:without_measures")), "households") == []
    assert names(township.get(reverse("monitoring:without_safeguards")), "people") == ["王秀英"]

    dibao = measure_data(
        kind="兜底保障",
        item="低保",
        covers_everyone="on",
        content="全户纳入农村低保，按月发放",
        amount="",
        cadre_name="赵民政",
        cadre_phone="13811112222",
    )
    assert township.post(url, dibao).status_code == 302
    assert names(township.get(reverse("monitoring:without_safeguards")), "people") == []
    page = village.get(reverse("monitoring:monitored", args=[monitored.pk])).text
    assert "兜底保障·低保" in page and "138****2222" in page and "13811112222" not in page
    household_page = village.get(reverse("registry:household", args=[cast["wang"].pk])).text
    assert 'id="household-measures"' in household_page and "健康帮扶" in household_page

    ended = Measure.objects.get(kind="兜底保障")
    end = {"end_date": ago(1), "note": "家庭收入超过低保标准，退出低保"}
    assert township.post(reverse("monitoring:measure_end", args=[ended.pk]), end).status_code == 302
    ended.refresh_from_db()
    assert (ended.end_date.isoformat(), ended.ended_by, ended.is_current()) == (
        ago(1),
        cast["township"],
        False,
    )
    assert names(township.get(reverse("monitoring:without_safeguards")), "people") == ["王秀英"]
    again = township.post(reverse("monitoring:measure_end", args=[ended.pk]), end)
    assert again.status_code == 409 and "已于" in again.text

    rows = workbook_rows(township.get(reverse("monitoring:without_safeguards_excel")))
    assert rows[0][:2] == ["姓名", "身份证号"] and rows[1][0] == "王秀英"
    assert rows[1][1] != cast["wang"].head_id_number and rows[1][1].startswith("621226")
    assert len(workbook_rows(township.get(reverse("monitoring:without_measures_excel")))) == 1  # the header


def test_a_measure_is_refused_when_it_does_not_add_up(cast, client_for):
    monitored = decided(cast, client_for)
    village = client_for(cast["village"])
    url = reverse("monitoring:measure_add", args=[monitored.pk])
    zhang_member = Member.objects.create(
        household=cast["zhang"],
        village_code=SHANGPING,
        name="张小兵",
        id_number="X1",
        last_run=cast["zhang"].last_run,
    )
    for changes, status, reason in [
        ({"kind": "兜底保障"}, 409, "兜底保障须选择具体项目"),
        ({"item": "低保"}, 409, "产业帮扶没有具体项目"),
        ({"start_date": ago(-1)}, 400, "开始日期应在 2013年1月1日 至"),  # the form says so first
        ({"end_date": ago(20)}, 409, "结束日期不能早于"),
        ({"cadre": str(cast["wudu_village"].pk)}, 400, ""),  # not offered: another county's team
        ({"member": str(zhang_member.pk)}, 400, ""),  # not a member of her household
        ({"content": ""}, 400, ""),
    ]:
        data = measure_data(cadre_name="李干部", **changes)
        response = village.post(url, data)
        assert response.status_code == status, changes
        assert reason in response.text, changes
    data = measure_data(cadre_name="")
    assert "请选择帮扶责任人账号" in village.post(url, data).text
    assert not Measure.objects.exists()


def test_measures_are_added_and_ended_only_by_village_teams_and_townships_inside(cast, client_for):
    monitored = decided(cast, client_for)
    url = reverse("monitoring:measure_add", args=[monitored.pk])
    data = measure_data(cadre_name="李干部")
    for role in ("county", "city", "inspector", "department"):
        assert client_for(cast[role]).post(url, data).status_code == 403, role
    for role in ("wudu_village", "wudu_township", "shangping"):
        assert client_for(cast[role]).post(url, data).status_code == 404, role
    assert not Measure.objects.exists()
    assert client_for(cast["village"]).post(url, data).status_code == 302
    end = reverse("monitoring:measure_end", args=[Measure.objects.get().pk])
    assert client_for(cast["county"]).post(end, {"end_date": ago(0), "note": "试"}).status_code == 403
    assert client_for(cast["wudu_township"]).post(end, {"end_date": ago(0), "note": "试"}).status_code == 404
    page = client_for(cast["county"]).get(reverse("monitoring:monitored", args=[monitored.pk])).text
    assert "mon-action-add_measure" not in page and "mon-action-end_measure" not in page


def test_a_reassessment_works_the_income_out_and_an_overdue_one_stands_out(cast, client_for, monkeypatch):
    monitored = decided(cast, client_for)
    village = client_for(cast["village"])
    listing = village.get(reverse("monitoring:monitored_list"), {"overdue": "on"})
    assert [row.pk for row in listing.context["households"]] == [monitored.pk]
    assert "已超期150天" in listing.text  # 240 days monitored, none re-assessed, due after 90

    form = village.get(reverse("monitoring:reassess", args=[monitored.pk]))
    assert form.status_code == 200 and 'id="visit-estimate"' in form.text and 'data-size="3"' in form.text
    amounts = {
        "visited_on": ago(0),
        "wage_income": "30000",
        "business_income": "6000",
        "property_income": "0",
        "transfer_income": "1500",
        "business_cost": "1500",
        "rigid_spending": "4000",
        "situation": "李明病情稳定，已返岗务工",
    }
    response = village.post(reverse("monitoring:reassess", args=[monitored.pk]), amounts)
    reassessment = Reassessment.objects.get()
    assert response.status_code == 302
    assert (reassessment.net_income, reassessment.net_income_per_capita) == (36000, 12000)
    # The past twelve months: last year's income, against last year's line.
    assert reassessment.threshold == monitoring_threshold(timezone.localdate().year - 1).yuan
    assert reassessment.threshold_year == timezone.localdate().year - 1
    assert not reassessment.below_threshold and reassessment.assessor == cast["village"]
    detail = village.get(reverse("monitoring:reassessment", args=[reassessment.pk])).text
    assert "12,000.00" in detail and "李明病情稳定" in detail
    assert (
        village.get(reverse("monitoring:monitored_list"), {"overdue": "on"})
        .context["households"]
        .paginator.count
        == 0
    )

    monkeypatch.setenv("FANGFAN_REASSESSMENT_DAYS", "30")
    Reassessment.objects.filter(pk=reassessment.pk).update(
        assessed_on=timezone.localdate() - dt.timedelta(days=40)
    )
    overdue = village.get(reverse("monitoring:monitored_list"), {"overdue": "on"})
    assert [row.pk for row in overdue.context["households"]] == [
        monitored.pk
    ] and "已超期10天" in overdue.text

    early = village.post(
        reverse("monitoring:reassess", args=[monitored.pk]), {**amounts, "visited_on": ago(241)}
    )
    assert early.status_code == 400 and "回访日期不能早于" in early.text
    for role in ("county", "inspector"):
        assert (
            client_for(cast[role])
            .post(reverse("monitoring:reassess", args=[monitored.pk]), amounts)
            .status_code
            == 403
        )
    assert (
        client_for(cast["wudu_village"]).get(reverse("monitoring:reassess", args=[monitored.pk])).status_code
        == 404
    )


def test_the_monitored_list_narrows_by_region_category_and_state_and_downloads(cast, client_for):
    wang = decided(cast, client_for)
    zhang = make_monitored(
        SHANGPING, opened_by=cast["township"], household=cast["zhang"], category="突发严重困难户"
    )
    make_reassessment(zhang, cast["shangping"], days_ago=5)
    make_monitored(BEIGUAN, opened_by=cast["wudu_township"], household=cast["ma"])
    county = client_for(cast["county"])
    listing = county.get(reverse("monitoring:monitored_list"))
    assert [row.pk for row in listing.context["households"]] == [
        wang.pk,
        zhang.pk,
    ]  # longest without one first
    assert "马占山" not in listing.text
    only = county.get(reverse("monitoring:monitored_list"), {"region": SHANGPING})
    assert [row.pk for row in only.context["households"]] == [zhang.pk]
    sudden = county.get(reverse("monitoring:monitored_list"), {"category": "突发严重困难户"})
    assert [row.pk for row in sudden.context["households"]] == [zhang.pk]
    assert county.get(reverse("monitoring:monitored_list"), {"region": BEIGUAN}).status_code == 404
    rows = workbook_rows(county.get(reverse("monitoring:monitored_list_excel")))
    assert [row[0] for row in rows] == ["户主姓名", "王秀英", "张德顺"]


def test_adding_and_ending_a_measure_writes_the_households_change_log_with_who_when_and_the_amounts_period(
    cast, client_for
):
    monitored = decided(cast, client_for)
    village = client_for(cast["village"])
    url = reverse("monitoring:measure_add", args=[monitored.pk])
    missing_period = village.post(url, measure_data(amount_period=""))
    assert missing_period.status_code == 400 and "填写了金额，请选择周期" in missing_period.text
    assert village.post(url, measure_data(amount="600", amount_period="month")).status_code == 302
    measure = Measure.objects.get()
    assert measure.amount_period == "month" and measure.amount_text == "每月 600 元"

    page = village.get(reverse("monitoring:monitored", args=[monitored.pk])).text
    assert "每月 600 元" in page
    trail = AuditEvent.objects.get(content_type__model="monitoredhousehold", new__has_key="帮扶措施")
    assert trail.user == cast["village"]
    assert trail.new["帮扶措施"].startswith("添加：全户，产业帮扶，发放花椒苗200株")
    assert "每月 600 元" in trail.new["帮扶措施"]
    log = page[page.index("修改记录") :]
    assert "添加：全户，产业帮扶" in log and cast["village"].display_name in log

    end = reverse("monitoring:measure_end", args=[measure.pk])
    assert village.post(end, {"end_date": ago(0), "note": "花椒已挂果，转为自主经营"}).status_code == 302
    log = village.get(reverse("monitoring:monitored", args=[monitored.pk])).text
    assert "结束：全户，产业帮扶" in log and "花椒已挂果" in log

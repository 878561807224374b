"""Risk elimination through the Django test client, with the cast of conftest.

- 王秀英 has been monitored for 240 days. Her son fell ill; 220 days ago her income was
  still under the line. It has been above since 190 days ago, but with only the
  re-assessments of 190 and 100 days ago the run covers three months: refused. Today's
  makes it more than six: she is proposed, checked at home, reviewed and put on notice
  (the notice names her, her group and the reason, nothing personal), and 礼县 approves.
  Her household page keeps the whole story.
- 赵永福's income is as steady, but a veto finding (MED-001, a member without medical
  insurance) is still open: refused, saying which; once the engine no longer finds it,
  he may be proposed.
- 张德顺's latest re-assessment finds the medical bills above the family's income.
- 孙桂兰, 76 and alone, lives on the 低保: she stays monitored whatever her income.

Dates are set, never waited for: re-assessments are recorded on past days, and a
proposal is dated eight days back before its steps are taken.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from fangfan.web.monitoring.models import Elimination, EliminationEvent, MonitoredHousehold
from fangfan.web.monitoring.testing import make_elimination, make_measure, make_monitored, make_reassessment
from fangfan.web.registry.models import Finding
from fangfan.web.workqueue.testing import make_finding

pytestmark = pytest.mark.django_db
SHIQIAO, SHANGPING, BEIGUAN = "621226100201", "621226100202", "621202001201"


def ago(days: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=days)).isoformat()


def propose(client: Any, monitored: MonitoredHousehold, note: str = "") -> Any:
    return client.post(reverse("monitoring:propose_elimination", args=[monitored.pk]), {"note": note})


def act(client: Any, verb: str, elimination: Elimination, **data: Any) -> Any:
    return client.post(reverse(f"monitoring:elimination_{verb}", args=[elimination.pk]), data)


def reassess(client: Any, monitored: MonitoredHousehold, days_ago: int, wages: int, **changes: Any) -> Any:
    """A re-assessment of three people living on `wages` a year, recorded `days_ago` days back."""
    amounts = {
        "visited_on": ago(days_ago),
        "wage_income": str(wages),
        "business_income": "0",
        "property_income": "0",
        "transfer_income": "0",
        "business_cost": "0",
        "rigid_spending": "0",
        "situation": "回访",
        **changes,
    }
    response = client.post(reverse("monitoring:reassess", args=[monitored.pk]), amounts)
    assert response.status_code == 302, response.text[-2000:]
    return response


@pytest.fixture
def wang(cast: dict[str, Any]) -> MonitoredHousehold:
    monitored = make_monitored(
        SHIQIAO, opened_by=cast["township"], household=cast["wang"], days_ago=240, category="脱贫不稳定户"
    )
    make_measure(monitored, cast["village"], kind="就业帮扶", content="李明病愈后推荐到县城务工")
    return monitored


def test_wang_xiuying_goes_from_stable_income_to_risk_eliminated(cast, client_for, wang):
    village, township, county = (client_for(cast[role]) for role in ("village", "township", "county"))
    page_url = reverse("monitoring:monitored", args=[wang.pk])

    assert "纳入监测以来还没有回访" in village.get(page_url).text
    reassess(village, wang, 220, 15000)  # ¥5,000 a head: under the line
    refused = propose(village, wang)
    income_year = (timezone.localdate() - dt.timedelta(days=220)).year - 1
    assert refused.status_code == 409 and f"低于{income_year}年度监测标准" in refused.text

    reassess(village, wang, 190, 39000)
    reassess(township, wang, 100, 42000)
    refused = propose(village, wang)
    assert refused.status_code == 409 and "须连续6个月以上" in refused.text
    page = village.get(page_url).text
    assert 'class="unmet"' in page and "mon-action-propose" not in page and 'id="not-ready"' in page

    reassess(village, wang, 0, 45000, situation="李明在县城务工，月收入三千余元")
    page = village.get(page_url).text
    assert "✓ 收入持续稳定" in page and "✓ 无否决项问题" in page and "✓ 大额支出已解决" in page
    assert "mon-action-propose" in page
    response = propose(village, wang, "收入持续稳定，申请消除风险")
    elimination = Elimination.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "monitoring:elimination", args=[elimination.pk]
    )
    assert elimination.stage == "home_check" and "共3次评估" in elimination.basis
    assert propose(village, wang).status_code == 409  # one at a time
    Elimination.objects.filter(pk=elimination.pk).update(
        proposed_on=timezone.localdate() - dt.timedelta(days=8)
    )

    check = {
        "checked_on": ago(7),
        "village_group": "三组",
        "note": "入户核实：务工收入稳定，李明病愈，无大额支出",
    }
    assert act(village, "check", elimination, **check).status_code == 302
    short = {"reviewed_on": ago(6), "note": "村民代表评议同意", "notice_start": ago(6), "notice_end": ago(2)}
    response = act(village, "post_notice", elimination, **short)
    assert response.status_code == 409 and "公示不少于5天" in response.text
    assert response["HX-Push-Url"] == reverse("monitoring:elimination", args=[elimination.pk])
    notice = {**short, "notice_end": ago(1)}
    assert act(village, "post_notice", elimination, **notice).status_code == 302

    sheet = village.get(reverse("monitoring:notice", args=[SHIQIAO])).text
    sheet = sheet[sheet.index('class="notice-sheet"') :]
    assert "风险消除公示" in sheet and "王秀英" in sheet and "三组" in sheet and "拟消除返贫致贫风险" in sheet
    for secret in (
        cast["wang"].head_id_number,
        cast["wang"].phone,
        "139****",
        "621226****",
        "李明",
        "患有大病",
        "务工",
    ):
        assert secret not in sheet, secret
    assert "银行" not in sheet and "元" not in sheet

    assert act(village, "close_notice", elimination).status_code == 302
    assert act(village, "approve", elimination, eliminated_on=ago(0)).status_code == 403
    response = act(county, "approve", elimination, eliminated_on=ago(3), note="同意")
    assert response.status_code == 409 and "风险消除时间不能早于" in response.text
    assert act(county, "approve", elimination, eliminated_on=ago(0), note="同意风险消除").status_code == 302

    wang.refresh_from_db()
    elimination.refresh_from_db()
    assert (wang.status, wang.eliminated_on) == ("eliminated", timezone.localdate())
    assert (elimination.stage, elimination.approved_on) == ("approved", timezone.localdate())
    assert [event.action for event in EliminationEvent.objects.order_by("at", "id")] == [
        "propose",
        "check",
        "post_notice",
        "close_notice",
        "approve",
    ]
    household = village.get(reverse("registry:household", args=[cast["wang"].pk])).text
    for kept in (
        "风险已消除",
        "就业帮扶",
        "回访评估",
        reverse("monitoring:elimination", args=[elimination.pk]),
    ):
        assert kept in household, kept
    page = village.get(page_url).text
    assert "风险已消除" in page and "mon-action-add_measure" not in page and "记录回访" not in page
    assert propose(village, wang).status_code == 409


def test_an_open_veto_finding_holds_elimination_back_until_the_engine_no_longer_finds_it(cast, client_for):
    zhao = make_monitored(SHIQIAO, opened_by=cast["township"], household=cast["zhao"], days_ago=240)
    make_reassessment(zhao, cast["village"], days_ago=200, per_capita=11000, size=4)
    make_reassessment(zhao, cast["village"], days_ago=3, per_capita=12500, size=4)
    veto = make_finding(
        SHIQIAO, "MED-001", 3, veto=True, rule_name="家庭成员未参加基本医疗保险", category="MEDICAL"
    )
    village = client_for(cast["village"])
    refused = propose(village, zhao)
    assert (
        refused.status_code == 409
        and "仍有否决项问题未消除：MED-001 家庭成员未参加基本医疗保险" in refused.text
    )
    assert "✗ 无否决项问题" in village.get(reverse("monitoring:monitored", args=[zhao.pk])).text

    # A finding the office closed but the engine still finds still holds it back.
    Finding.objects.filter(pk=veto.pk).update(status="closed")
    assert propose(village, zhao).status_code == 409
    Finding.objects.filter(pk=veto.pk).update(engine_status="resolved")
    assert propose(village, zhao).status_code == 302


def test_large_spending_not_resolved_holds_elimination_back(cast, client_for):
    zhang = make_monitored(SHANGPING, opened_by=cast["township"], household=cast["zhang"], days_ago=240)
    make_reassessment(zhang, cast["shangping"], days_ago=200)
    make_reassessment(
        zhang, cast["shangping"], days_ago=3, rigid_spending=40000, spending_exceeds_income=True
    )
    team = client_for(cast["shangping"])
    refused = propose(team, zhang)
    assert refused.status_code == 409 and "刚性支出超过家庭纯收入" in refused.text
    make_reassessment(zhang, cast["shangping"], days_ago=1)
    make_finding(SHANGPING, "MED-004", 2, rule_name="合规自付医疗费用负担过重", category="MEDICAL")
    refused = propose(team, zhang)
    assert refused.status_code == 409 and "MED-004 合规自付医疗费用负担过重" in refused.text


def test_a_household_without_labour_on_the_safety_net_stays_monitored(cast, client_for):
    sun = make_monitored(
        SHANGPING, opened_by=cast["township"], household=cast["sun"], days_ago=300, risk_types=["缺劳力"]
    )
    make_measure(
        sun, cast["shangping"], kind="兜底保障", item="低保", covers_everyone=True, content="农村低保"
    )
    make_reassessment(sun, cast["shangping"], days_ago=250, per_capita=9000, size=1)
    make_reassessment(sun, cast["shangping"], days_ago=2, per_capita=9600, size=1)
    team = client_for(cast["shangping"])
    page = team.get(reverse("monitoring:monitored", args=[sun.pk])).text
    assert 'id="stays-monitored"' in page and "按政策继续监测" in page and "mon-action-propose" not in page
    refused = propose(team, sun)
    assert refused.status_code == 409 and "没有劳动能力的成员，依靠兜底保障（低保）" in refused.text
    assert not Elimination.objects.exists()
    # Without the safety net the usual conditions apply.
    sun.measures.update(end_date=timezone.localdate() - dt.timedelta(days=1))
    assert propose(team, sun).status_code == 302


def test_each_elimination_step_belongs_to_its_owner_and_nothing_answers_outside(cast, client_for, wang):
    make_reassessment(wang, cast["village"], days_ago=200)
    make_reassessment(wang, cast["village"], days_ago=1)
    for role in ("county", "city", "inspector", "department"):
        assert propose(client_for(cast[role]), wang).status_code == 403, role
    for role in ("wudu_village", "wudu_township", "shangping"):
        assert propose(client_for(cast[role]), wang).status_code == 404, role
    assert propose(client_for(cast["township"]), wang).status_code == 302
    elimination = Elimination.objects.get()
    steps = [
        (
            "home_check",
            "check",
            {"checked_on": ago(0), "note": "核实"},
            ["county", "township", "city", "inspector"],
        ),
        (
            "county_approval",
            "approve",
            {"eliminated_on": ago(0)},
            ["village", "township", "city", "inspector"],
        ),
        ("county_approval", "send_back", {"note": "补充材料"}, ["village", "township", "city", "inspector"]),
        ("notice", "reject", {"note": "有异议"}, ["county", "township", "city", "inspector"]),
    ]
    for stage, verb, data, refused in steps:
        Elimination.objects.filter(pk=elimination.pk).update(stage=stage)
        for role in refused:
            assert act(client_for(cast[role]), verb, elimination, **data).status_code == 403, (verb, role)
        assert act(client_for(cast["wudu_county"]), verb, elimination, **data).status_code == 404, verb
    assert not EliminationEvent.objects.exclude(action="propose").exists()
    for name in ("monitoring:elimination", "monitoring:monitored"):
        target = elimination.pk if name == "monitoring:elimination" else wang.pk
        assert client_for(cast["wudu_county"]).get(reverse(name, args=[target])).status_code == 404
        assert client_for(cast["inspector"]).get(reverse(name, args=[target])).status_code == 200


def test_the_county_sends_back_or_the_village_rejects_and_approval_checks_again(cast, client_for, wang):
    make_reassessment(wang, cast["village"], days_ago=200)
    make_reassessment(wang, cast["village"], days_ago=1)
    elimination = make_elimination(wang, cast["village"], stage="county_approval")
    county, village = client_for(cast["county"]), client_for(cast["village"])
    assert act(county, "send_back", elimination, note="").status_code == 400
    assert act(county, "send_back", elimination, note="评议记录不全，请重新评议公示").status_code == 302
    elimination.refresh_from_db()
    assert elimination.stage == "village_review"

    Elimination.objects.filter(pk=elimination.pk).update(stage="county_approval")
    make_finding(SHIQIAO, "MED-001", 1, veto=True, rule_name="家庭成员未参加基本医疗保险", category="MEDICAL")
    changed = act(county, "approve", elimination, eliminated_on=ago(0))
    assert changed.status_code == 409 and "提出后情况有变化" in changed.text and "MED-001" in changed.text
    wang.refresh_from_db()
    assert wang.status == "monitored"

    Elimination.objects.filter(pk=elimination.pk).update(stage="notice")
    assert act(village, "reject", elimination, note="公示期间群众反映家庭收入不稳定").status_code == 302
    elimination.refresh_from_db()
    assert elimination.stage == "rejected" and elimination.rejected_reason.startswith("公示期间")
    listing = county.get(reverse("monitoring:eliminations")).text
    assert "不予消除" in listing and "王秀英" in listing


def test_closing_a_notice_before_its_end_is_shown_disabled_with_the_day_it_opens(cast, client_for):
    monitored = make_monitored(SHIQIAO, opened_by=cast["township"], household=cast["wang"], days_ago=240)
    elimination = make_elimination(monitored, cast["village"], stage="notice", days_ago=3)
    village = client_for(cast["village"])
    opens = elimination.notice_end
    assert opens == timezone.localdate() + dt.timedelta(days=3)
    page = village.get(reverse("monitoring:elimination", args=[elimination.pk])).text
    waiting = page[page.index('id="waiting-close_notice"') :]
    waiting = waiting[: waiting.index("</div>")]
    assert "disabled" in waiting and f"{opens.month}月{opens.day}日起可操作" in waiting
    assert reverse("monitoring:elimination_close_notice", args=[elimination.pk]) not in page
    refused = act(village, "close_notice", elimination)
    assert refused.status_code == 409 and "公示期未满" in refused.text
    # Other steps of the stage stay offered as forms.
    assert reverse("monitoring:elimination_send_back", args=[elimination.pk]) in page

"""Rectification (整改销号) through the Django test client.

The cast, in the small 陇南市 of `make_regions`: the 2020 省际交叉考核 found that 石桥村
(礼县 城关镇) still had households drinking from an open cistern. The 城关镇 office (乡镇)
reports the fix with a photo; its own second account, 城关镇's deputy, may not accept
it (the same unit and role); 礼县's office (县级) re-checks on site, accepts and closes it
out (销号). A second county account (礼县's deputy) is the same unit as the county office.
北关村 (武都区) is outside every 礼县 account's region. Two sieve findings on 石桥村
households are escalated into one problem that lists both households.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangfan.web.accounts.audit import SoftDeletionRefused
from fangfan.web.accounts.models import AuditEvent, User
from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.rectification.models import Problem, ProblemEvent, RecheckItem, RecheckSample
from fangfan.web.rectification.recheck import draw_sample, drawn_ids
from fangfan.web.rectification.testing import fix, make_problem, proof
from fangfan.web.registry.models import Finding
from fangfan.web.workqueue.testing import make_finding, make_household

pytestmark = pytest.mark.django_db

Role = User.Role
SHIQIAO, BEIGUAN, CHENGGUAN, LIXIAN = "621226100201", "621202001201", "621226100", "621226"


@pytest.fixture
def cast(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    make_regions()
    county = make_user(Role.COUNTY, LIXIAN, username="lixian-office")
    return {
        "city": make_user(Role.CITY, "621200"),
        "county": county,
        "county_deputy": make_user(Role.COUNTY, LIXIAN, username="lixian-deputy"),
        "township": make_user(Role.TOWNSHIP, CHENGGUAN, username="chengguan-office"),
        "township_deputy": make_user(Role.TOWNSHIP, CHENGGUAN, username="chengguan-deputy"),
        "village": make_user(Role.VILLAGE, SHIQIAO),
        "inspector": make_user(Role.INSPECTOR, LIXIAN),
        "department": make_user(Role.DEPARTMENT, LIXIAN),
        "wudu_county": make_user(Role.COUNTY, "621202", username="wudu-office"),
        "cistern": make_problem(
            county,
            SHIQIAO,
            description="石桥村仍有农户饮用露天水窖水",
            category="WATER",
            lead_unit="城关镇人民政府",
        ),
        "beiguan": make_problem(make_user(Role.COUNTY, "621202", username="wudu-deputy"), BEIGUAN),
    }


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def step(user: User, verb: str, problem: Problem, data: dict[str, object] | None = None):
    return client_for(user).post(reverse(f"rectification:problem_{verb}", args=[problem.pk]), data or {})


def today() -> str:
    return timezone.localdate().isoformat()


def days_ahead(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def fix_data(**overrides: object) -> dict[str, object]:
    return {"note": "已接通自来水入户", "fixed_on": today(), "proof": proof(), **overrides}


def accept_data(**overrides: object) -> dict[str, object]:
    return {
        "rechecked_on": today(),
        "rechecked_by": "县乡村振兴局 刘敏、王涛",
        "result": "入户查看，自来水已通",
        **overrides,
    }


def statuses(problem: Problem) -> list[tuple[str, str, str]]:
    return [
        (event.action, event.user.username if event.user else "", event.to_status)
        for event in problem.events.order_by("at", "id")
    ]


def test_a_cadre_enters_a_problem_from_an_inspection_through_the_form(cast):
    response = client_for(cast["township"]).post(
        reverse("rectification:problem_create"),
        {
            "source": "cross_province",
            "batch": "2020年省际交叉考核反馈问题",
            "serial": "12",
            "scope_level": "township",
            "region": CHENGGUAN,
            "description": "城关镇部分脱贫户住房安全鉴定资料缺失",
            "category": "HOUSING",
            "lead_unit": "城关镇人民政府",
            "responsible_person": "李镇长",
            "measures": "逐户补齐住房安全鉴定",
            "deadline": days_ahead(20),
        },
    )
    assert response.status_code == 302
    problem = Problem.objects.get(description="城关镇部分脱贫户住房安全鉴定资料缺失")
    assert (problem.region_code, problem.county_code, problem.township_code, problem.status) == (
        CHENGGUAN,
        LIXIAN,
        CHENGGUAN,
        "in_progress",
    )
    assert (problem.serial, problem.opened_by) == ("12", cast["township"])
    assert statuses(problem) == [("create", "chengguan-office", "in_progress")]
    assert AuditEvent.objects.filter(object_id=str(problem.pk), action="create").exists()


def test_a_household_problem_lists_its_households_and_refuses_one_outside_the_region(cast):
    wang, zhao = make_household(SHIQIAO, 1), make_household(SHIQIAO, 2)
    outside = make_household(BEIGUAN, 9)
    data = {
        "source": "public_report",
        "scope_level": "household",
        "region": LIXIAN,
        "household_ids": f"{wang.household_id}，{zhao.household_id}",
        "description": "群众反映两户危房未改造",
        "category": "HOUSING",
        "lead_unit": "城关镇人民政府",
        "responsible_person": "李镇长",
        "measures": "实施危房改造",
        "deadline": days_ahead(60),
    }
    refused = client_for(cast["county"]).post(
        reverse("rectification:problem_create"), {**data, "household_ids": outside.household_id}
    )
    assert refused.status_code == 400
    assert "不存在或不在您的区划内" in refused.content.decode()
    assert client_for(cast["county"]).post(reverse("rectification:problem_create"), data).status_code == 302
    problem = Problem.objects.get(description="群众反映两户危房未改造")
    assert (problem.scope_level, problem.region_code) == ("household", SHIQIAO)
    assert set(problem.households.values_list("household_id", flat=True)) == {
        wang.household_id,
        zhao.household_id,
    }


def test_a_fix_needs_a_note_and_a_proof_file_and_the_proof_is_kept_behind_the_gate(cast):
    cistern = cast["cistern"]
    response = step(cast["township"], "submit_fix", cistern, fix_data(proof=""))
    assert response.status_code == 400
    cistern.refresh_from_db()
    assert cistern.status == "in_progress"

    assert step(cast["township"], "submit_fix", cistern, fix_data()).status_code == 302
    cistern.refresh_from_db()
    assert (cistern.status, cistern.fixed_by, cistern.fix_note) == (
        "fixed",
        cast["township"],
        "已接通自来水入户",
    )
    evidence = cistern.evidence.get()
    assert evidence.original_name == "整改照片.png" and evidence.event.action == "submit_fix"
    url = reverse("rectification:problem_evidence", args=[cistern.pk, evidence.pk])
    assert client_for(cast["county"]).get(url).status_code == 200
    assert client_for(cast["wudu_county"]).get(url).status_code == 404


def test_the_unit_that_fixed_a_problem_cannot_accept_it(cast):
    cistern = fix(cast["township"], cast["cistern"])
    detail = reverse("rectification:problem_detail", args=[cistern.pk])
    # Not offered to the fixer's unit; offered to the county.
    assert "mon-action-accept" not in client_for(cast["township_deputy"]).get(detail).content.decode()
    assert "mon-action-accept" in client_for(cast["county"]).get(detail).content.decode()
    for same_unit in (cast["township"], cast["township_deputy"]):
        response = step(same_unit, "accept", cistern, accept_data())
        assert response.status_code == 409, same_unit
        assert "验收须由整改单位以外的单位或角色进行" in response.content.decode()
        cistern.refresh_from_db()
        assert (cistern.status, cistern.accepted_by) == ("fixed", None)
    assert statuses(cistern)[-1] == ("submit_fix", "chengguan-office", "fixed")


def test_a_county_fix_is_refused_to_another_county_account_of_the_same_office(cast):
    problem = fix(cast["county"], make_problem(cast["county"], LIXIAN))
    assert step(cast["county_deputy"], "accept", problem, accept_data()).status_code == 409
    # Another unit (the city office) may accept it.
    assert step(cast["city"], "accept", problem, accept_data()).status_code == 302


def test_another_unit_accepts_after_an_on_site_recheck_and_the_county_closes_it_out(cast):
    cistern = fix(cast["village"], cast["cistern"])
    # The village team fixed it: the township, another unit and role, re-checks and accepts.
    response = step(cast["township"], "accept", cistern, accept_data(rechecked_by=""))
    assert response.status_code == 400
    assert step(cast["township"], "accept", cistern, accept_data()).status_code == 302
    cistern.refresh_from_db()
    assert (cistern.status, cistern.accepted_by, cistern.rechecked_by) == (
        "accepted",
        cast["township"],
        "县乡村振兴局 刘敏、王涛",
    )
    assert cistern.rechecked_on == timezone.localdate() and cistern.recheck_result == "入户查看，自来水已通"
    # 销号 is the county's or the city's: the township is refused.
    assert step(cast["township"], "close", cistern).status_code == 403
    assert step(cast["county"], "close", cistern, {"note": "验收合格"}).status_code == 302
    cistern.refresh_from_db()
    assert (cistern.status, cistern.closed_on) == ("closed", timezone.localdate())
    assert statuses(cistern) == [
        ("create", "lixian-office", "in_progress"),
        ("submit_fix", f"village-{SHIQIAO}", "fixed"),
        ("accept", "chengguan-office", "accepted"),
        ("close", "lixian-office", "closed"),
    ]
    page = client_for(cast["county"]).get(reverse("rectification:problem_detail", args=[cistern.pk]))
    text = page.content.decode()
    assert "已销号" in text and 'class="current">已销号' in text
    with pytest.raises(SoftDeletionRefused):
        cistern.delete()


def test_sending_back_needs_a_reason_and_returns_the_problem_to_work(cast):
    cistern = fix(cast["village"], cast["cistern"])
    assert step(cast["township"], "send_back", cistern, {"note": " "}).status_code == 400
    assert step(cast["township"], "send_back", cistern, {"note": "照片看不清水龙头"}).status_code == 302
    cistern.refresh_from_db()
    assert cistern.status == "in_progress"
    last = cistern.events.order_by("-at", "-id").first()
    assert (last.action, last.note, last.from_status, last.to_status) == (
        "send_back",
        "照片看不清水龙头",
        "fixed",
        "in_progress",
    )
    # Fixed again and accepted, the county may still send it back before closing it out.
    cistern = fix(cast["village"], cistern)
    assert step(cast["township"], "accept", cistern, accept_data()).status_code == 302
    assert step(cast["county"], "send_back", cistern, {"note": "抽查发现仍有一户未通水"}).status_code == 302
    cistern.refresh_from_db()
    assert cistern.status == "in_progress"
    # Nothing replaced: every step stays.
    assert [action for action, _, _ in statuses(cistern)] == [
        "create",
        "submit_fix",
        "send_back",
        "submit_fix",
        "accept",
        "send_back",
    ]


def _close(problem: Problem, cast: dict[str, object], closed_on: dt.date | None = None) -> Problem:
    fixer, acceptor, closer = cast["village"], cast["township"], cast["county"]
    problem = fix(fixer, problem)  # type: ignore[arg-type]
    assert step(acceptor, "accept", problem, accept_data()).status_code == 302  # type: ignore[arg-type]
    assert step(closer, "close", problem).status_code == 302  # type: ignore[arg-type]
    problem.refresh_from_db()
    return problem


def _closed_many(cast, count: int, region: str, source: str) -> list[int]:
    """`count` closed problems (closed directly: the steps are tested above)."""
    user = cast["county"] if region.startswith(LIXIAN) else cast["wudu_county"]
    made = [
        make_problem(user, region, source=source, description=f"{source}{number}") for number in range(count)
    ]
    ids = [problem.pk for problem in made]
    Problem.objects.filter(pk__in=ids).update(status="closed", closed_on=timezone.localdate())
    return ids


def test_a_recheck_draws_a_tenth_of_each_county_and_source_reproducibly(cast):
    audit = _closed_many(cast, 20, SHIQIAO, "audit")
    patrol = _closed_many(cast, 5, CHENGGUAN, "patrol")
    wudu = _closed_many(cast, 10, BEIGUAN, "audit")
    response = client_for(cast["city"]).post(
        reverse("rectification:recheck_draw"), {"percent": "10", "seed": "2026", "note": "年中回头看"}
    )
    assert response.status_code == 302
    sample = RecheckSample.objects.get()
    drawn = set(sample.items.values_list("problem_id", flat=True))
    # 10% rounded up per county and source: 2 of 礼县's 20 audits, 1 of its 5 patrols, 1 of 武都's 10.
    assert (len(drawn & set(audit)), len(drawn & set(patrol)), len(drawn & set(wudu))) == (2, 1, 1)
    assert (sample.seed, sample.share) == (2026, Decimal("0.100"))
    listing = client_for(cast["city"]).get(reverse("rectification:recheck_list")).content.decode()
    assert "年中回头看" in listing and ">2026<" in listing
    page = (
        client_for(cast["city"])
        .get(reverse("rectification:recheck_detail", args=[sample.pk]))
        .content.decode()
    )
    assert page.count("记录复查结果") == 4
    # The same seed draws the same problems, from the page or the command.
    call_command("draw_recheck_sample", user=cast["city"].username, share="0.1", seed=2026)
    again = RecheckSample.objects.exclude(pk=sample.pk).get()
    assert set(again.items.values_list("problem_id", flat=True)) == drawn
    # The county draws only in its own region.
    county_sample = draw_sample(cast["county"], share=Decimal("0.5"), seed=1)
    assert set(county_sample.items.values_list("problem__county_code", flat=True)) == {LIXIAN}
    assert county_sample.items.count() == 10 + 3


def test_the_command_refuses_an_unknown_account_a_bad_share_and_a_region_with_nothing_closed(cast):
    with pytest.raises(CommandError, match="没有找到在职账号"):
        call_command("draw_recheck_sample", user="nobody")
    with pytest.raises(CommandError, match="抽查比例应大于0且不超过100%"):
        call_command("draw_recheck_sample", user=cast["county"].username, share="1.5")
    with pytest.raises(CommandError, match="没有已销号的问题可供抽查"):
        call_command("draw_recheck_sample", user=cast["county"].username)
    with pytest.raises(CommandError, match="您的角色无权组织回头看"):
        call_command("draw_recheck_sample", user=cast["township"].username)
    assert not RecheckSample.objects.exists()


def test_the_draw_is_a_function_of_seed_and_candidates_alone():
    rows = [(number, "621226", "audit") for number in range(1, 41)]
    assert drawn_ids(rows, Decimal("0.1"), 7) == drawn_ids(list(reversed(rows)), Decimal("0.1"), 7)
    assert len(drawn_ids(rows, Decimal("0.1"), 7)) == 4
    assert len(drawn_ids(rows, Decimal("0.25"), 7)) == 10


def test_a_recheck_that_finds_the_problem_back_reopens_it_as_recurring(cast):
    cistern = _close(cast["cistern"], cast)
    sample = draw_sample(cast["county"], share=Decimal("1"), seed=5)
    item = sample.items.get(problem=cistern)
    url = reverse("rectification:recheck_result", args=[sample.pk, item.pk])
    data = {
        f"item{item.pk}-{key}": value
        for key, value in {"result": "recurred", "checked_on": today(), "note": "水窖又在用"}.items()
    }
    missing_deadline = client_for(cast["county"]).post(url, data)
    assert missing_deadline.status_code == 400
    assert "复发的问题请填写新的整改时限" in missing_deadline.content.decode()
    response = client_for(cast["county"]).post(url, {**data, f"item{item.pk}-new_deadline": days_ahead(15)})
    assert response.status_code == 302
    cistern.refresh_from_db()
    assert (cistern.status, cistern.recurring, cistern.recurrences, cistern.closed_on) == (
        "in_progress",
        True,
        1,
        None,
    )
    assert cistern.deadline.isoformat() == days_ahead(15)
    last = cistern.events.order_by("-at", "-id").first()
    assert (last.action, last.from_status, last.to_status) == ("recur", "closed", "in_progress")
    item.refresh_from_db()
    assert (item.result, item.checked_by) == ("recurred", cast["county"])
    # Recorded once: a second result is refused.
    assert (
        client_for(cast["county"])
        .post(url, {**data, f"item{item.pk}-new_deadline": days_ahead(15)})
        .status_code
        == 409
    )
    # The ledger marks it and counts it.
    listing = client_for(cast["county"]).get(reverse("rectification:problem_list")).content.decode()
    assert "复发1次" in listing


def test_a_recheck_that_finds_the_fix_holding_leaves_the_problem_closed(cast):
    cistern = _close(cast["cistern"], cast)
    sample = draw_sample(cast["county"], share=Decimal("1"), seed=5)
    item = sample.items.get(problem=cistern)
    url = reverse("rectification:recheck_result", args=[sample.pk, item.pk])
    data = {
        f"item{item.pk}-result": "holds",
        f"item{item.pk}-checked_on": today(),
        f"item{item.pk}-note": "自来水正常",
    }
    assert client_for(cast["township"]).post(url, data).status_code == 403
    assert client_for(cast["county"]).post(url, data).status_code == 302
    cistern.refresh_from_db()
    assert (cistern.status, cistern.recurring) == ("closed", False)
    assert cistern.events.order_by("-at", "-id").first().action == "recheck"
    assert RecheckItem.objects.get(pk=item.pk).result == "holds"


def _row_order(text: str, problems: list[Problem]) -> list[int]:
    found = [int(pk) for pk in re.findall(r'id="problem-(\d+)"', text)]
    return [pk for pk in found if pk in {problem.pk for problem in problems}]


def test_overdue_and_due_soon_problems_lead_and_an_overdue_one_shows_to_the_level_above_marked(cast):
    county, township = cast["county"], cast["township"]
    later = make_problem(
        county, SHIQIAO, description="下月到期", deadline=timezone.localdate() + dt.timedelta(days=40)
    )
    soon = make_problem(
        county, CHENGGUAN, description="两天后到期", deadline=timezone.localdate() + dt.timedelta(days=2)
    )
    overdue = make_problem(
        county, CHENGGUAN, description="乡镇逾期问题", deadline=timezone.localdate() - dt.timedelta(days=1)
    )
    county_page = client_for(county).get(reverse("rectification:problem_list")).content.decode()
    assert _row_order(county_page, [later, soon, overdue, cast["cistern"]])[:3] == [
        overdue.pk,
        soon.pk,
        cast["cistern"].pk,
    ]
    assert _row_order(county_page, [later, soon, overdue])[-1] == later.pk
    overdue_row = county_page.split(f'id="problem-{overdue.pk}"')[1].split("</tr>")[0]
    assert "已逾期" in overdue_row and "逾期提级" in overdue_row
    assert 'id="escalated-banner"' in county_page
    soon_row = county_page.split(f'id="problem-{soon.pk}"')[1].split("</tr>")[0]
    assert "3天内到期" in soon_row and "逾期提级" not in soon_row
    # The township's own problem: overdue there, but no mark (it is not yet above it).
    township_page = client_for(township).get(reverse("rectification:problem_list")).content.decode()
    own_row = township_page.split(f'id="problem-{overdue.pk}"')[1].split("</tr>")[0]
    assert "已逾期" in own_row and "逾期提级" not in own_row
    assert 'id="escalated-banner"' not in township_page
    only_overdue = (
        client_for(county).get(reverse("rectification:problem_list"), {"overdue": "on"}).content.decode()
    )
    assert _row_order(only_overdue, [later, soon, overdue, cast["cistern"]]) == [overdue.pk]


def test_the_ledger_filters_by_source_batch_status_and_region(cast):
    county = cast["county"]
    audit = make_problem(county, CHENGGUAN, source="audit", batch="2023年审计反馈")
    listed = lambda **query: _row_order(  # noqa: E731
        client_for(county).get(reverse("rectification:problem_list"), query).content.decode(),
        [audit, cast["cistern"]],
    )
    assert listed(source="audit") == [audit.pk]
    assert listed(batch="审计") == [audit.pk]
    assert listed(region=SHIQIAO) == [cast["cistern"].pk]
    assert listed(status="closed") == []
    assert sorted(listed(status="open")) == sorted([audit.pk, cast["cistern"].pk])
    assert (
        client_for(county).get(reverse("rectification:problem_list"), {"region": BEIGUAN}).status_code == 404
    )


def test_findings_escalate_into_one_problem_and_closing_it_leaves_the_findings_to_the_screening(cast):
    first = make_finding(SHIQIAO, number=1)
    second = make_finding(SHIQIAO, rule_code="WA-001", number=2, category="WATER", message="该户饮水不安全")
    county = cast["county"]
    url = reverse("rectification:escalate")
    form = client_for(county).get(url, {"finding": [first.pk, second.pk]})
    assert form.status_code == 200
    assert "该户饮水不安全" in form.content.decode()
    response = client_for(county).post(
        url,
        {
            "finding": [first.pk, second.pk],
            "description": "石桥村两户吃穿、饮水问题",
            "category": "WATER",
            "lead_unit": "城关镇人民政府",
            "responsible_person": "李镇长",
            "measures": "入户核实，落实帮扶",
            "deadline": days_ahead(10),
        },
    )
    assert response.status_code == 302
    problem = Problem.objects.get(description="石桥村两户吃穿、饮水问题")
    assert (problem.source, problem.scope_level, problem.region_code) == ("screening", "household", SHIQIAO)
    assert set(problem.households.values_list("household_id", flat=True)) == {
        first.household_id,
        second.household_id,
    }
    assert set(problem.source_findings.all()) == {first, second}
    assert problem.events.get().action == ProblemEvent.Action.ESCALATE

    _close(problem, cast)
    for finding in (first, second):
        finding.refresh_from_db()
        assert (finding.status, finding.engine_status) == ("open", "open")
    page = client_for(county).get(reverse("rectification:problem_detail", args=[problem.pk])).content.decode()
    assert "本问题销号不会核销这些筛查问题" in page and "仍被筛出" in page
    # The findings list lets several be chosen; the finding's page offers the escalation.
    finding_list = client_for(county).get(reverse("workqueue:list")).content.decode()
    assert 'id="escalate-findings"' in finding_list
    assert f'name="finding" value="{first.pk}" form="escalate-findings"' in finding_list
    finding_page = client_for(county).get(reverse("workqueue:detail", args=[first.pk])).content.decode()
    assert f"{url}?finding={first.pk}" in finding_page


def test_findings_outside_the_region_cannot_be_escalated(cast):
    outside = make_finding(BEIGUAN, number=3)
    url = reverse("rectification:escalate")
    assert client_for(cast["county"]).get(url, {"finding": outside.pk}).status_code == 404
    assert (
        client_for(cast["county"]).post(url, {"finding": outside.pk, "description": "x"}).status_code == 404
    )
    assert not Problem.objects.filter(source="screening").exists()
    assert Finding.objects.get(pk=outside.pk).status == "open"


def test_wrong_roles_are_refused(cast):
    cistern = cast["cistern"]
    assert client_for(cast["department"]).get(reverse("rectification:problem_list")).status_code == 403
    assert client_for(cast["inspector"]).get(reverse("rectification:problem_list")).status_code == 200
    assert client_for(cast["inspector"]).post(reverse("rectification:problem_create"), {}).status_code == 403
    assert step(cast["inspector"], "submit_fix", cistern, fix_data()).status_code == 403
    assert client_for(cast["village"]).get(reverse("rectification:recheck_list")).status_code == 403
    assert (
        client_for(cast["township"])
        .post(reverse("rectification:recheck_draw"), {"percent": "10"})
        .status_code
        == 403
    )
    fixed = fix(cast["township"], cistern)
    assert step(cast["village"], "accept", fixed, accept_data()).status_code == 403
    assert step(cast["village"], "close", fixed).status_code == 403
    fixed.refresh_from_db()
    assert fixed.status == "fixed"


def test_records_outside_the_region_are_not_found(cast):
    beiguan, wudu = cast["beiguan"], cast["wudu_county"]
    county = cast["county"]
    assert (
        client_for(county).get(reverse("rectification:problem_detail", args=[beiguan.pk])).status_code == 404
    )
    assert step(county, "submit_fix", beiguan, fix_data()).status_code == 404
    assert (
        client_for(wudu).get(reverse("rectification:problem_detail", args=[cast["cistern"].pk])).status_code
        == 404
    )
    listing = client_for(county).get(reverse("rectification:problem_list")).content.decode()
    assert "北关村的整改问题" not in listing and "石桥村仍有农户饮用露天水窖水" in listing
    sample = (
        draw_sample(wudu, share=Decimal("1"), seed=3) if _closed_many(cast, 1, BEIGUAN, "audit") else None
    )
    assert sample is not None
    assert (
        client_for(county).get(reverse("rectification:recheck_detail", args=[sample.pk])).status_code == 404
    )
    item = sample.items.get()
    data = {
        f"item{item.pk}-result": "holds",
        f"item{item.pk}-checked_on": today(),
        f"item{item.pk}-note": "好",
    }
    url = reverse("rectification:recheck_result", args=[sample.pk, item.pk])
    assert client_for(county).post(url, data).status_code == 404
    assert RecheckItem.objects.get(pk=item.pk).result == "pending"


def test_the_ledger_names_every_place_in_one_query(cast, django_assert_max_num_queries):
    """A village's name runs up to its county (石桥村 → 城关镇 → 礼县): read with the region, not
    one query per problem's county (33 extra queries for a page of a city's ledger)."""
    from fangfan.web.rectification.ledger import place_names

    with django_assert_max_num_queries(1):
        names = place_names([SHIQIAO, BEIGUAN, CHENGGUAN, LIXIAN])
    assert names == {
        SHIQIAO: "礼县城关镇石桥村",
        BEIGUAN: "武都区钟楼街道北关村",
        CHENGGUAN: "礼县城关镇",
        LIXIAN: "礼县",
    }

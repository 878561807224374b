"""Public-welfare jobs (公益性岗位) through the pages, the worker and the CLI.

The cast, in 石桥村 (礼县 城关镇), each with a near miss beside them:
- 马小军, forest ranger since June, from a 监测户 whose risk was eliminated on 2026年10月8日:
  the monthly check flags him; 马大军, ranger of the next post, whose household is still
  monitored, is not flagged.
- 杨秀兰 (残联 残疾人证 四级) applies for the cleaning post a day after 杨秀梅: she is listed first.
- 王桂英, wife of the village director 张建国 (same household, on the imported cadre roster):
  refused, saying so; 王桂芳 of another 脱贫户 is accepted.
- 赵德明 paid in May for his road post and a water post of another village: a finding; 赵德亮,
  paid once a month, is not.
- 孙福 died on 2026年4月10日 (公安 户籍变动) and was paid for May: a finding; 孙禄, died on
  2026年5月20日, paid for May only, is not.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import xlsxwriter
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from fangfan.web.accounts.models import AuditEvent, User
from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.jobs import actions
from fangfan.web.jobs.checks import run_check
from fangfan.web.jobs.models import JobCheck, JobFinding, Payment, Post, Selection, Stage, VillageCadre
from fangfan.web.jobs.testing import make_holder, make_payment, make_post
from fangfan.web.registry.models import DepartmentRecord, Household, Member
from fangfan.web.workqueue.testing import current_run, make_household

pytestmark = pytest.mark.django_db
Role = User.Role
SHIQIAO, BEIGUAN = "621226100201", "621202001201"
MAY = dt.date(2026, 5, 1)
PLACE = {"county_name": "礼县", "township_name": "城关镇", "village_name": "石桥村"}


def _person(household: Household, name: str, number: int, **fields) -> Member:
    from fangfan.engine.idnumber import make

    born = fields.pop("born", dt.date(1975, 3, 2))
    return Member.objects.create(
        household=household,
        village_code=household.village_code,
        name=name,
        id_number=make("621226", born, number),
        birth_date=born,
        relation=fields.pop("relation", "户主"),
        labour=fields.pop("labour", "普通劳动力"),
        work_status=fields.pop("work_status", "未务工"),
        member_status="正常",
        last_run=current_run(),
        **fields,
    )


def _feed(member: Member, feed: str, **data) -> DepartmentRecord:
    return DepartmentRecord.objects.create(
        snapshot_id=current_run().snapshot_id,
        feed=feed,
        household=member.household,
        village_code=member.village_code,
        linked_id_number=member.id_number,
        name=member.name,
        data=data,
        method="exact",
    )


def _household(number: int, kind: str = "脱贫户", **fields) -> Household:
    return make_household(SHIQIAO, number, household_type=kind, **PLACE, **fields)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def cast():
    make_regions()
    users = {
        "village": make_user(Role.VILLAGE, SHIQIAO),
        "township": make_user(Role.TOWNSHIP, SHIQIAO[:9]),
        "county": make_user(Role.COUNTY, SHIQIAO[:6]),
        "city": make_user(Role.CITY, "621200"),
    }
    ma = _household(1, "监测户", head_name="马小军", risk_eliminated=False)
    ma_da = _household(2, "监测户", head_name="马大军", risk_eliminated=False)
    yang = _household(3, head_name="杨秀兰")
    yang_mei = _household(4, head_name="杨秀梅")
    zhang = _household(5, head_name="张建国")
    wang = _household(6, head_name="王桂芳")
    zhao = _household(7, head_name="赵德明")
    zhao_liang = _household(8, head_name="赵德亮")
    sun = _household(9, head_name="孙福")
    sun_lu = _household(10, head_name="孙禄")
    people = {
        "马小军": _person(ma, "马小军", 11),
        "马大军": _person(ma_da, "马大军", 13),
        "杨秀兰": _person(yang, "杨秀兰", 22),
        "杨秀梅": _person(yang_mei, "杨秀梅", 24),
        "张建国": _person(zhang, "张建国", 31),
        "王桂英": _person(zhang, "王桂英", 32, relation="配偶"),
        "王桂芳": _person(wang, "王桂芳", 34),
        "赵德明": _person(zhao, "赵德明", 41),
        "赵德亮": _person(zhao_liang, "赵德亮", 43),
        "孙福": _person(sun, "孙福", 51),
        "孙禄": _person(sun_lu, "孙禄", 53),
    }
    _feed(people["杨秀兰"], "disability", disability_grade="四级", disability_kind="肢体")
    _feed(people["孙福"], "civil_registration", registration_status="死亡", change_date="2026-04-10")
    _feed(people["孙禄"], "civil_registration", registration_status="死亡", change_date="2026-05-20")
    return users, people


def _roster(rows: list[tuple[str, str, str, str]]) -> io.BytesIO:
    handle = io.BytesIO()
    book = xlsxwriter.Workbook(handle)
    sheet = book.add_worksheet()
    for number, row in enumerate([("村代码", "姓名", "身份证号", "职务"), *rows]):
        for column, value in enumerate(row):
            sheet.write_string(number, column, value)
    book.close()
    handle.seek(0)
    handle.name = "石桥村村干部.xlsx"
    return handle


def _post(users, title="石桥村保洁员", kind="cleaner") -> Post:
    data = actions.PostInput(kind, title, 800, timezone.localdate() - dt.timedelta(days=30))
    from fangfan.web.regions.models import Region

    return actions.create_post(users["township"], Region.objects.get(code=SHIQIAO), data)


def test_a_post_paid_outside_the_range_is_refused_saying_the_range(cast):
    users, _ = cast
    url = reverse("jobs:post_new", args=[SHIQIAO])
    form = {"village": SHIQIAO, "kind": "ranger", "title": "石桥村护林员", "announced_on": "2026-11-01"}
    refused = _client(users["township"]).post(url, {**form, "monthly_pay": 1200})
    assert refused.status_code == 409
    assert "月工资1,200 元超出范围：须在300 元至1,000 元之间" in refused.content.decode()
    assert not Post.objects.exists()
    made = _client(users["township"]).post(url, {**form, "monthly_pay": 1000})
    post = Post.objects.get()
    assert made.status_code == 302 and post.monthly_pay == 1000
    assert AuditEvent.objects.filter(object_id=str(post.pk), action="create").exists()
    # The village records applications, but does not set up posts.
    assert _client(users["village"]).post(url, {**form, "monthly_pay": 800}).status_code == 403


def test_a_cadres_wife_is_refused_from_the_imported_roster_and_a_woman_of_another_household_is_not(cast):
    users, people = cast
    director = people["张建国"]
    upload = _roster([(SHIQIAO, "张建国", director.id_number, "村委会主任")])
    response = _client(users["township"]).post(reverse("jobs:cadres", args=[SHIQIAO]), {"file": upload})
    assert response.status_code == 302
    cadre = VillageCadre.objects.get()
    assert cadre.household_id == director.household_id  # found in the registry by ID number
    post = _post(users)
    apply = reverse("jobs:apply", args=[post.pk])
    wife = people["王桂英"]
    form = {"household_id": wife.household_id, "id_number": wife.id_number, "applied_on": "2026-12-01"}
    refused = _client(users["village"]).post(apply, form)
    assert refused.status_code == 409
    assert (
        "王桂英不符合公益性岗位条件：为村干部张建国（村委会主任）的家庭成员（同户）"
        in refused.content.decode()
    )
    assert not Selection.objects.exists()
    other = people["王桂芳"]
    form = {"household_id": other.household_id, "id_number": other.id_number, "applied_on": "2026-12-01"}
    assert _client(users["village"]).post(apply, form).status_code == 302
    assert Selection.objects.get().name == "王桂芳"


def test_a_roster_with_a_bad_row_loads_nothing_and_names_the_file_row_and_column(cast):
    users, people = cast
    rows = [
        (SHIQIAO, "张建国", people["张建国"].id_number, "村委会主任"),
        (SHIQIAO, "李会计", "62122619750302", "村会计"),
    ]
    response = _client(users["township"]).post(
        reverse("jobs:cadres", args=[SHIQIAO]), {"file": _roster(rows)}
    )
    assert response.status_code == 409
    text = response.content.decode()
    assert "石桥村村干部.xlsx 第3行“身份证号”列" in text and "不是有效的身份证号" in text
    assert "下载问题清单（Excel）" in text and "base64," in text
    assert not VillageCadre.objects.exists()
    outside = [(BEIGUAN, "北关主任", people["孙禄"].id_number, "村委会主任")]
    refused = _client(users["township"]).post(
        reverse("jobs:cadres", args=[SHIQIAO]), {"file": _roster(outside)}
    )
    assert "不是您辖区内的行政村代码" in refused.content.decode()
    assert not VillageCadre.objects.exists()


def test_a_disabled_applicant_is_listed_first_with_the_reason_shown(cast):
    users, people = cast
    post = _post(users)
    for name, day in (("杨秀梅", dt.date(2026, 11, 20)), ("杨秀兰", dt.date(2026, 11, 21))):
        person = people[name]
        actions.apply(users["village"], post, person.household, person.id_number, day)
    page = _client(users["village"]).get(reverse("jobs:post", args=[post.pk])).content.decode()
    assert page.index("杨秀兰") < page.index("杨秀梅")
    assert "残疾人优先" in page
    first = Selection.objects.get(name="杨秀兰")
    assert first.priority and "残联残疾人证四级" in first.priority_reason
    assert not Selection.objects.get(name="杨秀梅").priority


def test_a_selection_goes_through_every_step_each_an_event_and_each_owned(cast):
    users, people = cast
    post = _post(users)
    person = people["王桂芳"]
    selection = actions.apply(
        users["village"], post, person.household, person.id_number, dt.date(2026, 11, 20)
    )
    today = timezone.localdate()

    def step(user, verb, **data):
        url = reverse(f"jobs:selection_{verb}", args=[selection.pk])
        return _client(users[user]).post(url, data)

    assert step("village", "township_check", checked_on=today, note="同意").status_code == 403
    assert (
        step("village", "village_review", reviewed_on=today, note="村民代表会议评议通过").status_code == 302
    )
    assert step("township", "township_check", checked_on=today, note="符合条件").status_code == 302
    end = today + dt.timedelta(days=5)
    assert step("township", "post_notice", notice_start=today, notice_end=end).status_code == 302
    early = step("township", "close_notice", note="")
    assert early.status_code == 409 and "公示期未满" in early.content.decode()
    Selection.objects.filter(pk=selection.pk).update(
        notice_start=today - dt.timedelta(days=6), notice_end=today - dt.timedelta(days=1)
    )
    assert step("township", "close_notice", note="").status_code == 302
    assert step("county", "county_record", recorded_on=today, started_on=today).status_code == 302
    selection.refresh_from_db()
    assert selection.stage == Stage.IN_POST and selection.notice_result == "公示期满无异议"
    actions_done = list(selection.events.order_by("at", "pk").values_list("action", flat=True))
    assert actions_done == [
        "apply",
        "village_review",
        "township_check",
        "post_notice",
        "close_notice",
        "county_record",
    ]
    # A second person for the same post is refused now that it is held.
    other = people["杨秀梅"]
    with pytest.raises(actions.WorkflowError, match="该岗位已有在岗人员"):
        actions.apply(users["village"], post, other.household, other.id_number, today)


def test_the_appraisal_deducts_absence_to_the_fen_and_a_failed_month_pays_nothing(cast):
    users, people = cast
    person = people["马大军"]
    holder = make_holder(make_post(SHIQIAO), person.household, person.name, person.id_number)
    url = reverse("jobs:appraise", args=[holder.pk])
    page = _client(users["village"]).get(url)
    assert page.status_code == 200 and "缺勤天数" in page.content.decode()
    month = f"{timezone.localdate().replace(day=1) - dt.timedelta(days=1):%Y-%m}"
    saved = _client(users["village"]).post(url, {"month": month, "absent_days": 2, "grade": "合格"})
    assert saved.status_code == 302
    payment = Payment.objects.get()
    assert (payment.gross, payment.deduction, payment.net) == (
        Decimal("800.00"),
        Decimal("72.73"),
        Decimal("727.27"),
    )
    _client(users["village"]).post(
        url, {"month": month, "absent_days": 0, "grade": "不合格", "note": "多次未履职"}
    )
    payment.refresh_from_db()
    assert (payment.grade, payment.net) == ("不合格", Decimal("0.00"))
    assert AuditEvent.objects.filter(object_id=str(payment.pk), action="update").exists()
    too_many = _client(users["village"]).post(url, {"month": month, "absent_days": 23, "grade": "合格"})
    assert too_many.status_code == 409 and "缺勤天数须在0至22天之间" in too_many.content.decode()
    # The county office reads the appraisal but does not record it.
    assert (
        _client(users["county"]).post(url, {"month": month, "absent_days": 0, "grade": "合格"}).status_code
        == 403
    )


def _holders(people):
    ranger_post = make_post(SHIQIAO, kind="ranger", title="石桥村护林员一")
    next_post = make_post(SHIQIAO, kind="ranger", title="石桥村护林员二")
    ma = people["马小军"]
    ranger = make_holder(ranger_post, ma.household, ma.name, ma.id_number)
    da = people["马大军"]
    make_holder(next_post, da.household, da.name, da.id_number)
    Household.objects.filter(pk=ma.household_id).update(
        risk_eliminated=True, risk_eliminated_on=dt.date(2026, 10, 8)
    )
    return ranger


def test_the_monthly_check_queued_from_the_page_flags_the_ranger_whose_household_left_monitoring(cast):
    users, people = cast
    ranger = _holders(people)
    url = reverse("jobs:check", args=[SHIQIAO[:9]])
    with pytest.MonkeyPatch.context() as patch:
        queued = []
        patch.setattr(actions, "_enqueue", queued.append)
        with django_capture_on_commit():
            response = _client(users["township"]).post(url, {"month": "2026-11"})
    assert response.status_code == 302
    check = JobCheck.objects.get()
    assert check.status == JobCheck.Status.QUEUED and queued == [check]
    from fangfan.web.jobs.tasks import run_check_task

    run_check_task.call(check.pk)
    check.refresh_from_db()
    assert (check.status, check.holders, check.found) == (JobCheck.Status.DONE, 2, 1)
    finding = JobFinding.objects.get()
    assert finding.selection == ranger
    assert finding.reason == "监测户风险已于2026年10月8日消除（须为脱贫户或风险未消除的监测户）"
    page = _client(users["county"]).get(reverse("jobs:findings", args=[SHIQIAO[:6]]) + "?month=2026-11")
    text = page.content.decode()
    assert page.status_code == 200 and "马小军" in text and "马大军" not in text
    own_village = reverse("jobs:check", args=[SHIQIAO])
    assert _client(users["village"]).post(own_village, {"month": "2026-11"}).status_code == 403


def django_capture_on_commit():
    """Run on_commit callbacks at once (the test's transaction never commits)."""
    from unittest import mock

    return mock.patch("django.db.transaction.on_commit", lambda callback, *args, **kwargs: callback())


def test_the_cli_check_finds_two_posts_paid_in_a_month_and_pay_after_death_with_near_misses(cast):
    from click.testing import CliRunner

    from fangfan.cli import main

    _, people = cast
    road, water = (
        make_post(SHIQIAO, kind="road", title="石桥村道路养护员"),
        make_post(BEIGUAN, kind="water", title="北关村水管员"),
    )
    zhao = people["赵德明"]
    make_payment(make_holder(road, zhao.household, zhao.name, zhao.id_number), MAY)
    make_payment(make_holder(water, zhao.household, zhao.name, zhao.id_number, village_code=BEIGUAN), MAY)
    liang = people["赵德亮"]
    once = make_holder(make_post(SHIQIAO, kind="cleaner"), liang.household, liang.name, liang.id_number)
    make_payment(once, MAY)
    make_payment(once, dt.date(2026, 6, 1))
    for name in ("孙福", "孙禄"):
        person = people[name]
        make_payment(make_holder(make_post(SHIQIAO), person.household, name, person.id_number), MAY)

    result = CliRunner().invoke(main, ["jobs", "check", "--month", "2026-05", "--region", SHIQIAO[:6]])
    assert result.exit_code == 0, result.output
    kinds = sorted(JobFinding.objects.values_list("kind", "name"))
    assert ("double_pay", "赵德明") in kinds and ("paid_after_death", "孙福") in kinds
    assert not JobFinding.objects.filter(
        name__in=("赵德亮", "孙禄"), kind__in=("double_pay", "paid_after_death")
    )
    assert "同时领取2个岗位的工资" in result.output
    assert "公安户籍状态为死亡（变动日期2026年4月10日），仍发放2026年5月工资" in result.output
    # Run again: the month's findings are replaced, not doubled.
    CliRunner().invoke(main, ["jobs", "check", "--month", "2026-05", "--region", SHIQIAO[:6]])
    assert JobFinding.objects.filter(kind="paid_after_death").count() == 1


def test_numbers_typed_into_the_duties_and_the_reason_for_leaving_show_masked(cast):
    # The township types the ranger's ID number and phone into 离岗原因 and a phone into 岗位职责:
    # the post's and the selection's pages, read by the village and the township, show them masked.
    users, people = cast
    person = people["马大军"]
    phone = "13912345678"
    post = make_post(SHIQIAO, title="石桥村护林员", duties=f"护林巡山，联系电话{phone}")
    holder = make_holder(post, person.household, "马大军", person.id_number)
    reason = f"马大军（{person.id_number}，电话{phone}）外出务工辞职"
    actions.end_post(users["township"], holder, timezone.localdate(), reason)
    for user in (users["village"], users["township"]):
        for url in (reverse("jobs:post", args=[post.pk]), reverse("jobs:selection", args=[holder.pk])):
            page = _client(user).get(url).content.decode()
            assert person.id_number not in page and phone not in page, url
        page = _client(user).get(reverse("jobs:selection", args=[holder.pk])).content.decode()
        assert f"{person.id_number[:6]}********{person.id_number[-4:]}" in page and "139****5678" in page


def test_the_township_pay_sheet_masks_id_numbers_keeps_a_signature_column_and_totals(cast):
    users, people = cast
    for name in ("马大军", "王桂芳"):
        person = people[name]
        holder = make_holder(
            make_post(SHIQIAO, title=f"{name}的岗位"), person.household, name, person.id_number
        )
        make_payment(holder, MAY, net="727.27", gross=Decimal("800"), deduction=Decimal("72.73"))
    township = SHIQIAO[:9]
    page = _client(users["township"]).get(reverse("jobs:pay_sheet", args=[township]) + "?month=2026-05")
    assert page.status_code == 200 and "1,454.54 元" in page.content.decode()
    response = _client(users["township"]).get(
        reverse("jobs:pay_sheet_excel", args=[township]) + "?month=2026-05"
    )
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    rows = book.get_sheet_by_index(0).to_python()
    assert "2026年5月公益性岗位工资发放表" in rows[0][0] and "单位：元" in rows[1][0]
    assert rows[2][-1] == "领取人签字"
    cells = " ".join(str(cell) for row in rows for cell in row)
    assert people["马大军"].id_number not in cells and people["马大军"].id_number[:6] in cells
    total = next(row for row in rows if row[0] == "合计")
    assert total[2] == "2人" and total[9] == pytest.approx(1454.54)


def test_the_household_page_section_and_the_dashboard_panel_show_the_post_and_this_years_pay(cast):
    users, people = cast
    person = people["马大军"]
    holder = make_holder(
        make_post(SHIQIAO, title="石桥村护林员"), person.household, person.name, person.id_number
    )
    make_payment(holder, dt.date(timezone.localdate().year, 1, 1), net="800")
    section = (
        _client(users["village"]).get(reverse("jobs:household", args=[person.household_id])).content.decode()
    )
    assert "石桥村护林员" in section and "已发1个月共800 元" in section
    panel = _client(users["county"]).get(reverse("jobs:panel", args=[SHIQIAO[:6]])).content.decode()
    assert "公益性岗位" in panel and "在岗" in panel
    region = _client(users["county"]).get(reverse("registry:region", args=[SHIQIAO[:6]])).content.decode()
    assert reverse("jobs:panel", args=[SHIQIAO[:6]]) in region


def test_the_city_pay_sheet_keeps_two_townships_of_one_name_apart_and_the_city_check_covers_every_county(
    cast,
):
    users, people = cast
    from fangfan.web.regions.models import Region

    Region.objects.filter(code=BEIGUAN[:9]).update(name="城关镇")  # 武都区 has its 城关镇 too
    for village, name in ((SHIQIAO, "马大军"), (BEIGUAN, "王桂芳")):
        person = people[name]
        holder = make_holder(
            make_post(village), person.household, name, person.id_number, village_code=village
        )
        Selection.objects.filter(pk=holder.pk).update(township_code=village[:9])
        make_payment(Selection.objects.get(pk=holder.pk), MAY)
    response = _client(users["city"]).get(reverse("jobs:pay_sheet_excel", args=["621200"]) + "?month=2026-05")
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(book.sheet_names) == ["城关镇621202001", "城关镇621226100"]
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    check = run_check(JobCheck.objects.create(region_code="621200", month=last_month))
    assert check.holders == 2  # the city's code 621200 covers every village code starting 6212

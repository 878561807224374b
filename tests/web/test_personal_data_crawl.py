"""Personal data cannot be read or rebuilt from anything the application shows.

A small synthetic city (60 households, seed 11; its duplicate registrations give
同一人登记在两户 findings with an ID number in them) is screened and published; on top
of it the monitoring desk has work in the county of the first household with a
finding: 王秀英 reported herself with her ID number and phone and wrote both into the
description too; a case is open on her household (its check note has her phone), another
is being publicly noticed; a visit was made (its notes carry her numbers); a household is
monitored, with a cadre's phone on its measure, a re-assessment and a proposed elimination.

Every role then signs in — city and county offices (who may unmask, but see pages as
rendered, before any 查看), a township, a village team, a department clerk and an
inspector — and follows every same-site link and htmx address from the start page, Excel
downloads included. No page, fragment or sheet may show a whole ID number, a mobile
phone number, or a masked ID whose hidden digits (the birth date) appear on the same
page or sheet.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import os
import re
import zipfile
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import Resolver404, resolve
from python_calamine import CalamineWorkbook

from cast import WANG_XIUYING
from fangfan.engine import idnumber
from fangfan.web.accounts.models import UnmaskEvent, User
from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.registry.models import DepartmentRecord, Finding, Household, Member
from fangfan.web.workqueue.testing import current_run, make_finding, make_household

pytestmark = pytest.mark.django_db
Role = User.Role
AS_OF = dt.date(2026, 10, 31)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WANG_ID, WANG_PHONE = WANG_XIUYING.id_number, WANG_XIUYING.phone  # tests/cast.py
CADRE_PHONE = "18809876543"
PER_VIEW = 5  # distinct addresses crawled per view (a list's pages, a household's siblings)
# Addresses crawled per role at most (the awareness panel and its Excel take ten; evidence 25;
# field work about 120 with the public-welfare jobs' seeds and its navigation, read early: the
# county reaches imports:problems between the 365th and the 385th).
PER_ROLE = 400

ID_CANDIDATE = re.compile(r"(?<!\d)(\d{17}[\dXx]|\d{15})(?![\dXx])")
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
MASKED_ID = re.compile(r"(?<![0-9])(\d{6})(\*{5,8})(\d{2,3}[\dXx])(?![0-9])")
LINK = re.compile(r"""(?:href|hx-get|action|src)="([^"]+)\"""")
SKIP = ("/static/", "/admin/", "/accounts/logout/", "/media/")
# A PDF is its Excel workbook printed by LibreOffice (seconds each): the workbook is crawled.
SKIP_SUFFIXES = (".pdf",)


def whole_ids(text: str, known_ids: Iterable[str] = ()) -> list[str]:
    """The ID numbers in `text`: valid ones (18 characters with their check digit, or 15
    digits with a birth date), and any of `known_ids` (a department's mistyped number too)."""
    found = []
    for candidate in ID_CANDIDATE.findall(text):
        number = candidate.upper()
        if idnumber.validate(number) == idnumber.IdProblem.OK:
            found.append(number)
    upper = text.upper()
    return found + [number for number in known_ids if number in upper and number not in found]


def date_forms(day: dt.date) -> list[str]:
    """The ways a page or sheet writes a date."""
    return [
        f"{day:%Y%m%d}",
        f"{day:%Y-%m-%d}",
        f"{day:%Y/%m/%d}",
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}-{day.month}-{day.day}",
        f"{day.year}年{day.month}月{day.day}日",
        f"{day:%Y.%m.%d}",
    ]


def completable(text: str, known_ids: Iterable[str]) -> list[str]:
    """Masked IDs in `text` that one of `known_ids` fits and whose birth date `text` shows."""
    masked = MASKED_ID.findall(text)
    if not masked:
        return []
    found = []
    for head, stars, tail in masked:
        for number in known_ids:
            if len(number) != len(head) + len(stars) + len(tail):
                continue
            if number.startswith(head) and number.upper().endswith(tail.upper()):
                birth = idnumber.birth_date(number)
                if birth and any(form in text for form in date_forms(birth)):
                    found.append(f"{head}{stars}{tail}")
    return found


def leaks(text: str, known_ids: Iterable[str]) -> list[str]:
    """Every way `text` gives personal data away: whole IDs, phones, completable masked IDs."""
    return (
        [f"身份证号 {number}" for number in whole_ids(text, known_ids)]
        + [f"手机号 {phone}" for phone in PHONE.findall(text)]
        + [f"可还原的脱敏证件号 {masked}" for masked in completable(text, known_ids)]
    )


def test_the_detector_finds_a_planted_whole_id_a_phone_and_a_masked_id_beside_its_birth_date() -> None:
    page = (
        f'<td>{WANG_ID}</td><td>{WANG_PHONE}</td><input type="hidden" value="19680305">'
        f"<td>{WANG_ID[:6]}********{WANG_ID[-4:]}</td>"
    )

    found = leaks(page, [WANG_ID])

    assert found == [
        f"身份证号 {WANG_ID}",
        f"手机号 {WANG_PHONE}",
        f"可还原的脱敏证件号 {WANG_ID[:6]}********{WANG_ID[-4:]}",
    ]


def test_the_detector_passes_a_masked_id_beside_a_year_of_birth_only() -> None:
    page = f"<td>{WANG_ID[:6]}********{WANG_ID[-4:]}</td><td>1968年</td><td>138****5678</td>"

    assert leaks(page, [WANG_ID]) == []


def _finding_with_numbers_in_it(village: str) -> tuple[Household, Finding]:
    """张燕萱 in two households, as the duplicate-registration rule once wrote it: her whole
    ID number in the message, her birth date and her phone in the evidence."""
    household = make_household(village, 1, head_name="张燕萱", head_id_number=WANG_ID)
    Member.objects.create(
        household=household,
        village_code=village,
        position=0,
        name="张燕萱",
        id_number=WANG_ID,
        relation="户主",
        birth_date=dt.date(1968, 3, 5),
        member_status="正常",
        last_run=current_run(),
    )
    finding = make_finding(
        village,
        "IDN-001",
        1,
        rule_name="同一人登记在两户",
        level="person",
        person_name="张燕萱",
        message=f"张燕萱（证件号码{WANG_ID}）同时登记在2个户中，出生日期1968-03-05，电话{WANG_PHONE}",
        evidence=[
            {"label": "证件号码", "value": WANG_ID, "source": "成员信息"},
            {"label": "出生日期", "value": "1968-03-05", "source": "成员信息"},
            {"label": "联系电话", "value": WANG_PHONE, "source": "户信息"},
        ],
    )
    Finding.objects.filter(pk=finding.pk).update(id_number=WANG_ID)
    return household, finding


def test_a_message_and_evidence_with_numbers_in_them_are_masked_on_pages_and_in_excel() -> None:
    make_regions()
    household, finding = _finding_with_numbers_in_it("621226100201")
    village = Client()
    village.force_login(make_user(Role.VILLAGE, "621226100201"))
    addresses = [
        f"/findings/{finding.pk}/",
        f"/households/{household.household_id}/",
        f"/households/{household.household_id}/household.xlsx",
        "/findings.xlsx",
    ]

    for address in addresses:
        text = _text(village.get(address))
        assert leaks(text, [WANG_ID]) == [], address
        assert f"{WANG_ID[:6]}********{WANG_ID[-4:]}" in text, address
    page = _text(village.get(f"/households/{household.household_id}/"))
    assert "出生年份" in page and "1968年" in page and "139****5678" in page


def test_the_office_that_may_unmask_still_sees_the_full_number_only_through_查看_on_record() -> None:

    make_regions()
    household, _ = _finding_with_numbers_in_it("621226100201")
    county = Client()
    county.force_login(make_user(Role.COUNTY, "621226"))
    page = _text(county.get(f"/households/{household.household_id}/"))
    assert leaks(page, [WANG_ID]) == [] and "查看" in page

    shown = county.post(
        f"/accounts/unmask/registry.household/{household.pk}/head_id_number/",
        {"reason": "核对全国系统数据"},
    )

    assert WANG_ID in shown.content.decode()
    assert UnmaskEvent.objects.filter(field="head_id_number", reason="核对全国系统数据").count() == 1


@dataclass(frozen=True)
class Demo:
    known_ids: frozenset[str]
    users: dict[str, User]
    seeds: list[str]


def _engine_run(home: Path) -> tuple[Path, Path]:
    from fangfan.engine.ingest import import_directory
    from fangfan.engine.screen import screen_snapshot
    from fangfan.engine.snapshot import SnapshotStore
    from fangfan.engine.synth import generate_dataset

    generate_dataset(home / "exports", 60, 11, as_of=AS_OF)
    snapshot = import_directory(home / "exports", store=SnapshotStore(home / "snapshots")).snapshot
    result = screen_snapshot(snapshot, runs_root=home / "runs")
    return home / "runs" / result.run_id, snapshot.path


@pytest.fixture
def demo(tmp_path: Path, settings: object) -> Iterator[Demo]:
    from fangfan.web.monitoring.testing import (
        make_case,
        make_elimination,
        make_intake,
        make_measure,
        make_monitored,
        make_reassessment,
        make_visit,
    )
    from fangfan.web.monitoring.workflow import Stage
    from fangfan.web.publishing import publish_run

    settings.MEDIA_ROOT = tmp_path / "media"  # type: ignore[attr-defined]
    previous_home = os.environ.get("FANGFAN_HOME")
    os.environ["FANGFAN_HOME"] = str(tmp_path)
    try:
        publish_run(*_engine_run(tmp_path))
        focus = Finding.objects.order_by("village_code", "household_id").first()
        assert focus is not None
        village = focus.village_code
        households = list(
            Household.objects.filter(village_code__startswith=village[:6]).order_by("household_id")
        )
        users = {
            "city": make_user(Role.CITY, village[:4] + "00"),
            "county": make_user(Role.COUNTY, village[:6]),
            "township": make_user(Role.TOWNSHIP, village[:9]),
            "village": make_user(Role.VILLAGE, village),
            "department": make_user(Role.DEPARTMENT, village[:6]),
            "inspector": make_user(Role.INSPECTOR, village[:6]),
        }
        home = households[0]
        # A helper's phone written into the household's 帮扶措施, as offices do.
        Household.objects.filter(pk=home.pk).update(measures=f"产业奖补（帮扶人电话{CADRE_PHONE}）；健康帮扶")
        make_intake(
            village,
            household=home,
            name="王秀英",
            id_number=WANG_ID,
            phone=WANG_PHONE,
            description=f"儿子生了大病，医药费花了很多，请打我电话{WANG_PHONE}，身份证{WANG_ID}",
        )
        make_case(village, opened_by=users["township"], household=home, check_note=f"户主电话{WANG_PHONE}")
        make_case(village, opened_by=users["township"], household=households[1], stage=Stage.NOTICE)
        make_visit(home, users["village"], situation=f"户主电话{WANG_PHONE}，身份证{WANG_ID}")
        monitored = make_monitored(village, opened_by=users["township"], household=households[-1])
        make_measure(monitored, users["township"], cadre_phone=CADRE_PHONE, content=f"联系{CADRE_PHONE}")
        make_reassessment(monitored, users["village"], days_ago=10, notes=f"户主电话{WANG_PHONE}")
        make_elimination(monitored, users["township"])
        # 王秀英 called 12317 and then wrote to the province, both times with her numbers in what she said.
        from django.utils import timezone

        from fangfan.web.grievances import actions as grievance_actions

        for level, hours in (("village", 30), ("province", 2)):
            said = f"儿子住院，请打我电话{WANG_PHONE}，身份证{WANG_ID}"
            when = timezone.now() - dt.timedelta(hours=hours)
            complaint = grievance_actions.Complaint(
                "12317", "medical", "王秀英", village, level, said, when, WANG_ID, WANG_PHONE, home
            )
            grievance_actions.register(users["village"], complaint)
        sighting = grievance_actions.Sighting(
            "weibo", timezone.now(), village, f"帖子称王秀英（{WANG_PHONE}）没人管"
        )
        grievance_actions.register_opinion(users["county"], sighting)
        upload_id = _upload_with_problems(users["department"], households[0])
        _rectification_and_campaign(users, home, village)
        _assessment_round(users, home, village)
        _odk_import(users["village"], home)
        card_batch = _card_batch(users["township"], village)
        _evidence(users, home)
        known = {WANG_ID}
        known |= set(Member.objects.values_list("id_number", flat=True))
        known |= set(Household.objects.values_list("head_id_number", flat=True))
        known |= {i for i in DepartmentRecord.objects.values_list("id_as_written", flat=True) if i}
        seeds = ["/"]
        for finding in Finding.objects.filter(rule_code__in=("IDN-001", "CON-003", "EDU-001", "EDU-002")):
            seeds += [f"/findings/{finding.pk}/", f"/households/{finding.household_id}/"]
            seeds.append(f"/households/{finding.household_id}/household.xlsx")
        seeds += ["/rectification/", "/rectification/recheck/", "/campaigns/warm_winter/", "/assessment/"]
        # The upload and its problems are seeds: however many pages come before them in the crawl.
        seeds += [f"/imports/{upload_id}/", f"/imports/{upload_id}/problems.xlsx"]
        seeds.append(f"/rectification/excel/ledger/{village[:6]}/")
        seeds += [
            "/odk/",
            f"/odk/villages/{village}/households.csv",
            f"/monitoring/awareness/?region={village[:6]}",
            f"/cards/batches/{card_batch}/",
        ]
        seeds += [
            f"/evidence/households/{home.household_id}/",
            f"/evidence/households/{home.household_id}/evidence.zip",
        ]
        from fangfan.web.teams.testing import crawl_records  # field work II: a team with numbers to mask

        seeds += crawl_records(users, home)
        from fangfan.web.projects.testing import crawl_records as project_records  # notes with numbers

        seeds += project_records(users, home)
        from fangfan.web.jobs.testing import crawl_records as job_records  # a post held, notes with numbers

        seeds += job_records(users, home)
        yield Demo(frozenset(i.upper() for i in known if i), users, seeds)
    finally:
        if previous_home is None:
            os.environ.pop("FANGFAN_HOME", None)
        else:
            os.environ["FANGFAN_HOME"] = previous_home


def _rectification_and_campaign(users: dict[str, User], home: Household, village: str) -> None:
    """A problem on 王秀英's household with her numbers in every free text of its ledger
    (description, measures, who is responsible, the fix, the proof file's name, the re-check,
    a 回头看 note), and a 温暖越冬 visit to her household whose answers and note carry them."""
    import datetime as dt

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from fangfan.web.campaigns import actions as campaign_actions
    from fangfan.web.campaigns.testing import make_target
    from fangfan.web.rectification import actions as problem_actions
    from fangfan.web.rectification import recheck
    from fangfan.web.rectification.models import RecheckItem
    from fangfan.web.rectification.testing import PNG, make_problem

    said = f"电话{WANG_PHONE}，身份证{WANG_ID}"
    problem = make_problem(
        users["township"],
        village,
        scope_level="household",
        households=[home],
        description=f"王秀英{WANG_ID}家医疗费用报销不到位，{said}",
        measures=f"逐项核对报销（联系{WANG_PHONE}）",
        lead_unit=f"镇卫生院（{CADRE_PHONE}）",
        responsible_person=f"李主任{CADRE_PHONE}",
        project=f"项目{WANG_ID}",
        department=f"医保局{CADRE_PHONE}",
        serial=WANG_PHONE,
        source_reference=f"https://example.org/{WANG_ID}",
        batch=f"{WANG_PHONE}批",
    )
    proof = SimpleUploadedFile(f"王秀英{WANG_ID}{WANG_PHONE}.png", PNG, content_type="image/png")
    problem_actions.submit_fix(users["village"], problem, f"已报销，{said}", timezone.localdate(), proof)
    problem.refresh_from_db()
    problem_actions.accept(
        users["county"],
        problem,
        rechecked_on=timezone.localdate(),
        rechecked_by=f"王科长{CADRE_PHONE}",
        result=f"属实，{said}",
    )
    problem.refresh_from_db()
    problem_actions.close(users["county"], problem, f"销号，{said}")
    sample = recheck.draw_sample(
        users["county"], share=Decimal("1"), seed=7, closed_before=timezone.localdate(), note=said
    )
    for item in RecheckItem.objects.filter(sample=sample):
        recheck.record_recheck(
            users["county"], item, result=RecheckItem.Result.HOLDS, checked_on=timezone.localdate(), note=said
        )
    target = make_target(home)
    data = campaign_actions.VisitInput(
        visited_on=timezone.localdate() - dt.timedelta(days=1),
        answers={
            "bedding": "是",
            "heating": "电取暖",
            "heating_fuel": "是",
            "house_safe": "是",
            "food_stock": "是",
            "situation": said,
        },
        result="no_problem",
        note=said,
    )
    from fangfan.engine.campaigns import campaign

    campaign_actions.record_visit(users["village"], target, campaign("warm_winter"), data)


def _assessment_round(users: dict[str, User], home: Household, village: str) -> None:
    """The county draws a national round over its county (王秀英's household made certain to be
    in it), and a visit's result on her household carries her numbers in every free text."""
    from django.utils import timezone

    from fangfan.web.assessment import actions as assessment_actions
    from fangfan.web.assessment.models import Unit
    from fangfan.web.assessment.results import ResultInput

    drawn = assessment_actions.draw_round(users["county"], "national", 7, [village[:6]])
    unit = Unit.objects.filter(round=drawn, village_code=village).order_by("household_id").first()
    assert unit is not None, "the round drew no household of the crawl's village"
    Household.objects.filter(pk=unit.household_id).update(head_id_number=WANG_ID, phone=WANG_PHONE)
    unit.refresh_from_db()
    said = f"电话{WANG_PHONE}，身份证{WANG_ID}"
    result = ResultInput(
        visited_on=timezone.localdate(),
        visitor=f"李干部{CADRE_PHONE}",
        **dict.fromkeys(("food", "clothing", "housing", "medical", "education", "water"), "有保障"),
        income_per_person=3200.0,
        wrongly_exited=True if unit.exited else None,
        wrongly_exited_reason=f"医疗支出大，{said}" if unit.exited else "",
        should_register=None if unit.registered else True,
        should_register_reason="" if unit.registered else f"收入低于标准，{said}",
        approves=False,
        aware_count=1,
        policy_count=1,
    )
    assessment_actions.record_result(users["village"], unit, result)


def _evidence(users: dict[str, User], home: Household) -> None:
    """The village team photographed the renovated house of the household with 王秀英's numbers
    in the photo's file name and in the note it wrote (the zip's index and names carry both)."""
    from fangfan.web.evidence.testing import make_evidence

    Household.objects.filter(pk=home.pk).update(house_renovated=True)
    home.refresh_from_db()
    said = f"户主电话{WANG_PHONE}，身份证{WANG_ID}"
    make_evidence(users["village"], home, name=f"王秀英{WANG_ID}{WANG_PHONE}.jpg", note=said)


def _odk_import(team: User, home: Household) -> None:
    """An ODK Central export the village team uploaded: a visit to the first household whose
    situation carries 王秀英's numbers, and a row whose household was typed as her ID number
    (unplaced: the report and its Excel show the value)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fangfan.web.odk.imports import import_submissions

    header = (
        "SubmissionDate,household-household_id,visit-visited_on,income-wage_income,income-business_income,"
    )
    header += "income-property_income,income-transfer_income,income-business_cost,income-rigid_spending,"
    header += "closing-situation,meta-instanceID,KEY\n"
    said = f"户主电话{WANG_PHONE}，身份证{WANG_ID}"
    rows = [
        f"2026-10-30T09:00:00Z,{home.household_id},2026-10-30,3000,0,0,0,0,0,{said},uuid:crawl-1,uuid:crawl-1\n",
        f"2026-10-30T09:00:00Z,{WANG_ID},2026-10-30,3000,0,0,0,0,0,{said},uuid:crawl-2,uuid:crawl-2\n",
    ]
    export = SimpleUploadedFile("submissions.csv", (header + "".join(rows)).encode())
    batch = import_submissions(team, export)
    assert (batch.created, batch.unplaced_count) == (1, 1), batch.unplaced


def _card_batch(township: User, village: str) -> int:
    """The village's policy cards asked for by the township and printed by the worker (the
    page and its status panel are crawled; the PDF is read in the cards test below)."""
    from fangfan.web.cards.background import print_batch, request_batch
    from fangfan.web.regions.models import Region

    batch = request_batch(township, Region.objects.get(code=village), None)
    print_batch(batch.pk)
    return batch.pk


def _upload_with_problems(clerk: User, household: Household) -> int:
    """The county's school-roll clerk sent a file whose problems name a member: number, birth date, phone."""
    from fangfan.web.imports.models import Upload, UploadProblem

    member = Member.objects.filter(household=household).order_by("pk").first()
    assert member is not None
    upload = Upload.objects.create(
        uploaded_by=clerk,
        region=clerk.region,
        feed="school_roll",
        stored_file="x.csv",
        original_name="学籍信息.csv",
        size=10,
        as_of=AS_OF,
        status=Upload.Status.DONE,
        problem_count=3,
    )
    rows = [
        ("id_number", "身份证号", member.id_number, f"身份证号 {member.id_number} 在户籍中未找到"),
        ("birth_date", "出生日期", member.birth_date.isoformat(), f"出生日期{member.birth_date:%Y%m%d}不符"),
        ("phone", "联系电话", WANG_PHONE, f"电话{WANG_PHONE}格式不对"),
    ]
    for position, (field, column, value, message) in enumerate(rows, start=1):
        UploadProblem.objects.create(
            upload=upload,
            position=position,
            sheet="学籍",
            row=position + 1,
            table="members",
            field=field,
            column=column,
            value=value,
            code="X",
            message=message,
            action="kept",
        )
    return upload.pk


def _text(response: object) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response["Content-Type"].startswith(XLSX):  # type: ignore[index]
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        sheets = []
        for name in workbook.sheet_names:
            rows = workbook.get_sheet_by_name(name).to_python()
            sheets.append("\n".join("\t".join(str(cell) for cell in row) for row in rows))
        return "\n\f\n".join(sheets)
    if response["Content-Type"] == "application/zip":  # type: ignore[index]
        archive = zipfile.ZipFile(io.BytesIO(content))
        texts = [
            archive.read(name).decode("utf-8-sig") for name in archive.namelist() if name.endswith(".txt")
        ]
        return "\n".join([*archive.namelist(), *texts])
    if response["Content-Type"].startswith(("image/", "application/pdf")):  # type: ignore[index]
        return ""  # a re-encoded photo or a PDF: no text of ours (tests/web/test_evidence.py)
    return html.unescape(content.decode("utf-8", errors="replace"))


def _pieces(text: str) -> Iterator[str]:
    """What must stand on its own: a page, or each sheet of a workbook."""
    yield from text.split("\n\f\n")


def _view(path: str) -> str:
    try:
        return resolve(path).view_name
    except Resolver404:
        return ""


def _links(base: str, text: str) -> Iterator[str]:
    for raw in LINK.findall(text):
        parts = urlsplit(urljoin(base, raw))
        if parts.netloc not in ("", "testserver") or parts.path.startswith(SKIP):
            continue
        if parts.path.endswith(SKIP_SUFFIXES):
            continue
        yield parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client: Client, seeds: list[str], known_ids: frozenset[str]) -> tuple[list[str], list[str]]:
    """Follow every same-site address from the seeds; the leaks found and the views read."""
    queue, seen, per_view = deque(seeds), set(seeds), Counter[str]()
    found: list[str] = []
    views: list[str] = []
    while queue and len(views) < PER_ROLE:
        response = client.get(queue.popleft(), follow=True)  # a department's start page is its uploads
        if response.status_code != 200:
            continue
        path = response.request["PATH_INFO"]
        views.append(_view(path))
        text = _text(response)
        for piece in _pieces(text):
            found += [f"{views[-1]}: {leak}" for leak in leaks(piece, known_ids)]
        if response["Content-Type"].startswith((XLSX, "application/zip")):
            continue
        for link in _links(path, text):
            view = _view(urlsplit(link).path)
            if link in seen or not view or per_view[view] >= PER_VIEW:
                continue
            seen.add(link)
            per_view[view] += 1
            queue.append(link)
    return found, views


# Pages and sheets that hold personal data: the crawl must have read each of them.
MUST_READ = {
    "registry:household",
    "registry:household_excel",
    "registry:households_excel",
    "workqueue:detail",
    "workqueue:excel",
    "monitoring:intake",
    "monitoring:intakes_excel",
    "monitoring:case",
    "monitoring:visit",
    "monitoring:monitored",
    "monitoring:reassessment",
    "monitoring:elimination",
    "monitoring:notice",
    "monitoring:without_safeguards",
    "monitoring:without_safeguards_excel",
    "grievances:detail",
    "grievances:excel",
    "grievances:repeats_excel",
    "grievances:skipped_excel",
    "grievances:opinion",
    "grievances:opinions_excel",
    "rectification:problem_list",
    "rectification:problem_detail",
    "rectification:export_three_lists",
    "rectification:export_progress",
    "campaigns:targets",
    "campaigns:target",
    "campaigns:targets_excel",
    "assessment:list",
    "assessment:round",
    "assessment:village",
    "assessment:visit_list_excel",
    "assessment:visit_lists_excel",
    "assessment:unit",
    "assessment:estimates",
    "assessment:overview",
    "odk:index",
    "odk:form",
    "odk:preload",
    "odk:import_detail",
    "odk:import_report",
    "cards:batch",
    "monitoring:awareness",
    "evidence:home",
    "evidence:region",
    "evidence:region_excel",
    "evidence:household",
    "evidence:household_zip",
}


def test_no_role_finds_a_whole_or_rebuildable_id_or_a_phone_on_any_page_or_sheet(demo: Demo) -> None:
    report: dict[str, tuple[list[str], list[str]]] = {}
    for role, user in demo.users.items():
        client = Client()
        client.force_login(user)
        report[role] = crawl(client, demo.seeds, demo.known_ids)

    leaked = [f"{role} {leak}" for role, (found, _) in report.items() for leak in sorted(set(found))]
    assert leaked == [], "\n".join(leaked)
    read = {role: len(views) for role, (_, views) in report.items()}
    # A department clerk reaches only the uploads (none here); every other role the registry.
    assert read["department"] >= 2 and all(read[role] >= 40 for role in read if role != "department"), read
    assert MUST_READ - set(report["township"][1]) == set()
    # 回头看 is the county and city offices' (a township does not draw or record it).
    assert {"rectification:recheck_list", "rectification:recheck_detail"} <= set(report["county"][1])
    # A county's readiness report is the county's and the city's (a township reads its villages).
    for role in ("city", "county"):
        assert "assessment:report_excel" in report[role][1], (role, report[role][1])
    # The uploads and their problems, read by the clerk who sent them and the county office.
    for role in ("department", "county"):
        assert {"imports:detail", "imports:problems"} <= set(report[role][1]), (role, report[role][1])


def test_a_policy_card_and_its_qr_page_show_no_members_number_and_no_phone_but_the_helpers(
    settings: object, tmp_path: Path
) -> None:
    """The card is handed to the household: its helper's phone is printed on purpose (the
    cadre they call), nothing else of the kind, for every role that may print it. Its QR
    page is public and shows no phone at all. (The crawl skips PDFs; cards are read here.)"""
    settings.MEDIA_ROOT = tmp_path / "media"  # type: ignore[attr-defined]  # the worker prints here
    import subprocess
    import tempfile

    from fangfan.web.cards.batch import cards_for

    make_regions()
    household, _ = _finding_with_numbers_in_it("621226100201")
    Household.objects.filter(pk=household.pk).update(
        phone=WANG_PHONE,
        helper_name="刘海燕",
        helper_phone=CADRE_PHONE,
        measures=f"其他（户主电话{WANG_PHONE}）",
    )
    for role, region in (("city", "621200"), ("county", "621226"), ("township", "621226100"),
                         ("village", "621226100201"), ("inspector", "621226")):  # fmt: skip
        client = Client()
        client.force_login(make_user(role, region))
        for address in (f"/cards/household/{household.household_id}.pdf", "/cards/region/621226100201.pdf"):
            response = client.get(address)
            assert response.status_code == 200, (role, address)
            with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
                handle.write(b"".join(response.streaming_content))
                handle.flush()
                text = subprocess.run(
                    ["pdftotext", handle.name, "-"], capture_output=True, text=True, check=True
                )
            compact = re.sub(r"\s+", "", text.stdout)
            assert CADRE_PHONE in compact and "张燕萱" in compact, (role, address)
            assert leaks(compact.replace(CADRE_PHONE, ""), [WANG_ID]) == [], (role, address)
    # The same cards printed by the worker for the township (a batch too large for a request).
    from fangfan.web.cards.background import print_batch, request_batch
    from fangfan.web.regions.models import Region

    township = User.objects.get(role="township")
    batch = request_batch(township, Region.objects.get(code="621226100"), None)
    print_batch(batch.pk)
    for reader in User.objects.filter(role__in=("city", "county", "township", "inspector")):
        client = Client()
        client.force_login(reader)
        response = client.get(f"/cards/batches/{batch.pk}.pdf")
        assert response.status_code == 200, reader.role
        with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
            handle.write(b"".join(response.streaming_content))
            handle.flush()
            text = subprocess.run(["pdftotext", handle.name, "-"], capture_output=True, text=True, check=True)
        compact = re.sub(r"\s+", "", text.stdout)
        assert CADRE_PHONE in compact and "张燕萱" in compact, reader.role
        assert leaks(compact.replace(CADRE_PHONE, ""), [WANG_ID]) == [], reader.role
    [card], _ = cards_for([Household.objects.get(pk=household.pk)])
    address = urlsplit(card.verify_url)
    page = _text(Client().get(f"{address.path}?{address.query}"))
    assert "本卡由本系统签发" in page and leaks(page, [WANG_ID]) == [] and CADRE_PHONE not in page

"""The issue 15 pages (整改销号, 信访, 专项行动) as an attacker or a careless office would try them.

In the small 陇南市 of `make_regions`: the 礼县 office and 城关镇 (石桥村 is theirs), the 武都区
office with 北关村 (not theirs). 王秀英's ID number and phone (tests/cast.py) are typed into
free text — a finding's message, a proof file's name, a feedback list — and must come back
masked to everyone; another county's records, files and places are not found; bad files and
impossible dates are refused in Chinese, never with a 500.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cast import WANG_XIUYING
from fangfan.engine import campaigns
from fangfan.web.accounts.models import User
from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.grievances.models import Grievance
from fangfan.web.rectification.models import Problem, ProblemEvidence
from fangfan.web.rectification.testing import PNG, fix, make_problem, proof
from fangfan.web.workqueue.testing import make_finding, make_household

pytestmark = pytest.mark.django_db
Role = User.Role
SHIQIAO, BEIGUAN, CHENGGUAN, LIXIAN, WUDU = "621226100201", "621202001201", "621226100", "621226", "621202"
WANG_ID, WANG_PHONE = WANG_XIUYING.id_number, WANG_XIUYING.phone
HOUR = dt.timedelta(hours=1)
WHOLE_NUMBERS = re.compile(rf"{WANG_ID}|{WANG_PHONE}|{WANG_ID[6:14]}")


@pytest.fixture
def cast(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    make_regions()
    county = make_user(Role.COUNTY, LIXIAN, username="lixian-office")
    wudu = make_user(Role.COUNTY, WUDU, username="wudu-office")
    return {
        "county": county,
        "township": make_user(Role.TOWNSHIP, CHENGGUAN, username="chengguan-office"),
        "village": make_user(Role.VILLAGE, SHIQIAO),
        "wudu": wudu,
        "shiqiao": make_problem(county, SHIQIAO, description="石桥村饮水问题"),
        "beiguan": make_problem(wudu, BEIGUAN, description="北关村住房问题"),
    }


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def shown(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8", errors="replace") + response.get("Content-Disposition", "")


# 1. Personal data in free text


def test_escalating_a_finding_whose_message_carries_numbers_prefills_them_masked(cast):
    finding = make_finding(
        SHIQIAO, number=1, message=f"王秀英（证件号码{WANG_ID}）同时登记在2个户中，电话{WANG_PHONE}"
    )
    for role in ("township", "county"):
        page = client_for(cast[role]).get(reverse("rectification:escalate"), {"finding": finding.pk})

        assert page.status_code == 200
        assert WHOLE_NUMBERS.findall(shown(page)) == [], role
        assert f"{WANG_ID[:6]}********{WANG_ID[-4:]}" in shown(page)


def test_a_proof_file_named_with_numbers_run_together_is_listed_and_downloaded_masked(cast):
    problem = cast["shiqiao"]
    named = SimpleUploadedFile(f"王秀英{WANG_ID}{WANG_PHONE}.png", PNG, content_type="image/png")
    response = client_for(cast["township"]).post(
        reverse("rectification:problem_submit_fix", args=[problem.pk]),
        {"note": "已整改", "fixed_on": timezone.localdate().isoformat(), "proof": named},
    )
    assert response.status_code == 302
    evidence = ProblemEvidence.objects.get(problem=problem)

    page = client_for(cast["village"]).get(reverse("rectification:problem_detail", args=[problem.pk]))
    download = client_for(cast["village"]).get(
        reverse("rectification:problem_evidence", args=[problem.pk, evidence.pk])
    )

    assert download.status_code == 200
    assert WHOLE_NUMBERS.findall(shown(page)) == []
    assert WHOLE_NUMBERS.findall(download["Content-Disposition"]) == []
    assert evidence.shown_name in shown(page) and evidence.shown_name.startswith("王秀英621*")


# 2. Access


def test_another_county_s_proof_file_is_not_found_through_a_problem_of_one_s_own(cast):
    beiguan = fix(cast["wudu"], cast["beiguan"])
    theirs = beiguan.evidence.get()
    own = cast["shiqiao"]

    through_own = reverse("rectification:problem_evidence", args=[own.pk, theirs.pk])
    direct = reverse("rectification:problem_evidence", args=[beiguan.pk, theirs.pk])

    assert client_for(cast["county"]).get(through_own).status_code == 404
    assert client_for(cast["county"]).get(direct).status_code == 404
    assert client_for(cast["wudu"]).get(direct).status_code == 200


def test_a_problem_cannot_be_entered_for_another_county_s_region_or_household(cast):
    beiguan_home = make_household(BEIGUAN, 9, head_name="马占山")
    data = {
        "source": "cross_province",
        "scope_level": "village",
        "region": BEIGUAN,
        "description": "越权录入",
        "category": "WATER",
        "lead_unit": "某单位",
        "responsible_person": "某人",
        "measures": "某措施",
        "deadline": (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
    }
    url = reverse("rectification:problem_create")
    by_region = client_for(cast["county"]).post(url, data)
    by_household = client_for(cast["county"]).post(
        url,
        {**data, "scope_level": "household", "region": SHIQIAO, "household_ids": beiguan_home.household_id},
    )

    assert by_region.status_code in (400, 404) and by_household.status_code in (400, 404)
    assert not Problem.objects.filter(description="越权录入").exists()


def test_the_unit_that_fixed_cannot_accept_through_a_crafted_post(cast):
    fixed = fix(cast["township"], cast["shiqiao"])
    deputy = make_user(Role.TOWNSHIP, CHENGGUAN, username="chengguan-deputy")
    response = client_for(deputy).post(
        reverse("rectification:problem_accept", args=[fixed.pk]),
        {"rechecked_on": timezone.localdate().isoformat(), "rechecked_by": "本镇", "result": "好"},
    )

    assert response.status_code in (400, 403, 409)
    fixed.refresh_from_db()
    assert fixed.status == "fixed"


def test_another_county_s_ledger_and_import_report_are_not_found(cast):
    county = client_for(cast["county"])
    assert county.get(reverse("rectification:export_ledger", args=[WUDU])).status_code == 404
    assert county.get(reverse("rectification:export_three_lists"), {"region": WUDU}).status_code == 404
    assert county.get(reverse("rectification:import_report", args=["0" * 32])).status_code == 404


def test_a_grievance_cannot_be_recorded_for_another_county_s_place_or_household(cast):
    ma = make_household(BEIGUAN, 4, head_name="马占山")
    data = {
        "channel": "12317",
        "category": "monitoring",
        "first_level": "village",
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "name": "马占山",
        "region": BEIGUAN,
        "content": "越权登记",
    }
    url = reverse("grievances:new")
    by_region = client_for(cast["county"]).post(url, data)
    by_household = client_for(cast["county"]).post(
        url, {**data, "region": SHIQIAO, "household_id": ma.household_id}
    )

    assert by_region.status_code == 400 and by_household.status_code == 400
    assert not Grievance.objects.exists()


# 3. Bad input


def test_a_proof_file_of_the_wrong_kind_or_too_large_is_refused_in_chinese(cast):
    problem = cast["shiqiao"]
    url = reverse("rectification:problem_submit_fix", args=[problem.pk])
    today = timezone.localdate().isoformat()
    program = SimpleUploadedFile("整改照片.png", b"MZ\x90\x00" + b"\0" * 64, content_type="image/png")
    script = SimpleUploadedFile("整改.html", b"<script>alert(1)</script>", content_type="text/html")
    huge = SimpleUploadedFile("整改照片.png", PNG + b"\0" * (11 * 1024 * 1024), content_type="image/png")

    for upload, message in (
        (program, "文件内容与扩展名不符"),
        (script, "佐证材料只能是"),
        (huge, "不能超过10MB"),
    ):
        response = client_for(cast["township"]).post(
            url, {"note": "已整改", "fixed_on": today, "proof": upload}
        )
        assert response.status_code == 400 and message in response.content.decode(), message
    problem.refresh_from_db()
    assert problem.status == "in_progress" and not problem.evidence.exists()


def test_a_fix_dated_tomorrow_is_refused(cast):
    problem = cast["shiqiao"]
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client_for(cast["township"]).post(
        reverse("rectification:problem_submit_fix", args=[problem.pk]),
        {"note": "已整改", "fixed_on": tomorrow, "proof": proof()},
    )
    assert response.status_code == 400
    problem.refresh_from_db()
    assert problem.status == "in_progress"


def _feedback(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def _import(user: User, upload: SimpleUploadedFile):
    data = {
        "file": upload,
        "source": "cross_province",
        "category": "WATER",
        "received": timezone.localdate().isoformat(),
    }
    return client_for(user).post(reverse("rectification:import_feedback"), data)


def test_a_feedback_list_that_is_not_a_workbook_is_refused_in_chinese(cast):
    for upload in (
        _feedback("反馈清单.xlsx", b"this is not a workbook"),
        _feedback("反馈清单.xlsx", b"PK\x03\x04" + b"\0" * 200),
        _feedback("反馈清单.xls", b"\xd0\xcf\x11\xe0 broken"),
        _feedback("反馈清单.csv", b"\xff\xfe\x00garbage\x00"),
        _feedback("反馈清单.exe", b"MZ"),
    ):
        response = _import(cast["county"], upload)
        assert response.status_code == 400, upload.name
        page = response.content.decode()
        assert re.search(r"[\u4e00-\u9fff]", page) and "Traceback" not in page
    assert Problem.objects.count() == 2


def _feedback_list(deadline: str) -> bytes:
    """A one-row list whose description carries 王秀英's numbers and whose measures a formula."""
    import xlsxwriter

    handle = io.BytesIO()
    workbook = xlsxwriter.Workbook(handle, {"strings_to_formulas": False})
    sheet = workbook.add_worksheet("反馈问题")
    sheet.write_row(0, 0, ["2020年省际交叉考核反馈问题清单"])
    sheet.write_row(1, 0, ["序号", "问题描述", "涉及县区", "整改措施", "责任单位", "责任人", "整改时限"])
    description = f"王秀英{WANG_ID}户饮水不安全，电话{WANG_PHONE}"
    sheet.write_row(
        2, 0, ["1", description, "礼县", '=HYPERLINK("http://x")', "礼县水务局", f"张三{WANG_PHONE}"]
    )
    sheet.write_string(2, 6, deadline)
    workbook.close()
    return handle.getvalue()


def test_a_refused_feedback_list_reports_its_rows_masked_on_the_page_and_in_the_report(cast):
    response = _import(cast["county"], _feedback(f"反馈清单{WANG_PHONE}.xlsx", _feedback_list("2099-01-01")))

    page = shown(response)
    assert response.status_code == 400 and "整改时限不能晚于" in page
    assert WHOLE_NUMBERS.findall(page) == []
    token = re.search(r"/rectification/import/report/([\w-]+)/", page)
    assert token is not None
    report = client_for(cast["county"]).get(reverse("rectification:import_report", args=[token.group(1)]))
    assert report.status_code == 200 and WHOLE_NUMBERS.findall(_sheets(report)) == []
    other = client_for(make_user(Role.COUNTY, LIXIAN, username="lixian-deputy"))
    assert other.get(reverse("rectification:import_report", args=[token.group(1)])).status_code == 404


def test_a_loaded_feedback_list_keeps_a_formula_as_text_and_shows_its_numbers_masked(cast):
    response = _import(cast["county"], _feedback("反馈清单.xlsx", _feedback_list("2027-03-31")))

    assert response.status_code == 302
    problem = Problem.objects.get(description__startswith="王秀英")
    assert problem.measures == '=HYPERLINK("http://x")'
    for url in (
        reverse("rectification:problem_list"),
        reverse("rectification:problem_detail", args=[problem.pk]),
        reverse("rectification:export_ledger", args=[LIXIAN]),
        reverse("rectification:export_three_lists"),
    ):
        got = client_for(cast["county"]).get(url)  # a county problem; pages are shown masked to all
        text = _sheets(got) if got["Content-Type"].startswith(XLSX) else shown(got)
        assert got.status_code == 200 and WHOLE_NUMBERS.findall(text) == [], url
    ledger = _content(client_for(cast["county"]).get(reverse("rectification:export_ledger", args=[LIXIAN])))
    assert "HYPERLINK" in _sheets(ledger) and "<f>" not in _xml(ledger)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _content(response) -> bytes:
    if isinstance(response, bytes):
        return response
    return b"".join(response.streaming_content) if response.streaming else response.content


def _sheets(response) -> str:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_filelike(io.BytesIO(_content(response)))
    rows = [workbook.get_sheet_by_name(name).to_python() for name in workbook.sheet_names]
    return "\n".join("\t".join(str(cell) for cell in row) for sheet in rows for row in sheet)


def _xml(response) -> str:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(_content(response))) as archive:
        return "".join(archive.read(name).decode() for name in archive.namelist() if "worksheets/" in name)


def test_every_text_of_a_ledger_column_is_masked_whatever_order_its_distinct_values_come_in():
    import polars as pl

    from fangfan.engine.rectification.workbooks import _mask_column

    texts = pl.Series([f"王秀英{WANG_ID}户，电话{WANG_PHONE}", "石桥村饮水问题", None])

    # polars lists a series' distinct values in no fixed order: each call may differ.
    for _ in range(50):
        masked = _mask_column(texts).to_list()
        assert masked == [
            f"王秀英{WANG_ID[:6]}********{WANG_ID[-4:]}户，电话139****5678",
            "石桥村饮水问题",
            None,
        ]


# Grievances and campaigns


def _grievance_data(**fields: object) -> dict[str, object]:
    return {
        "channel": "12317",
        "category": "monitoring",
        "first_level": "village",
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "name": WANG_XIUYING.name,
        "region": SHIQIAO,
        "content": "儿子住院，医药费报销不了",
        **fields,
    }


def test_a_call_received_later_today_or_next_year_is_refused(cast):
    url = reverse("grievances:new")
    later = timezone.localtime() + dt.timedelta(hours=3)
    for moment in (later, later + dt.timedelta(days=400)):
        data = _grievance_data(received_at=moment.strftime("%Y-%m-%dT%H:%M"))
        response = client_for(cast["village"]).post(url, data)
        assert response.status_code == 400, moment
    assert not Grievance.objects.exists()


def test_another_county_s_grievance_list_filter_and_steps_are_not_found(cast):
    from fangfan.web.grievances import actions as grievance_actions

    ma = grievance_actions.register(
        cast["wudu"],
        grievance_actions.Complaint(
            "12317", "housing", "马占山", BEIGUAN, "village", "房子漏雨", timezone.now() - HOUR
        ),
    )
    county = client_for(cast["county"])
    assert county.get(reverse("grievances:list"), {"region": BEIGUAN}).status_code == 404
    assert county.get(reverse("grievances:excel"), {"region": WUDU}).status_code == 404
    assert county.post(reverse("grievances:accept", args=[ma.pk]), {"note": "越权"}).status_code == 404
    assert county.post(reverse("grievances:open_problem", args=[ma.pk]), {}).status_code == 404
    village = client_for(cast["village"])
    assert village.post(reverse("grievances:accept", args=[ma.pk])).status_code in (403, 404)
    ma.refresh_from_db()
    assert ma.stage == "registered"


def test_another_county_s_opinion_screenshot_and_steps_are_not_found(cast):
    from fangfan.web.grievances import actions as grievance_actions

    shot = SimpleUploadedFile("截图.png", PNG, content_type="image/png")
    sighting = grievance_actions.Sighting("douyin", timezone.now() - HOUR, BEIGUAN, "北关村有人说没人管")
    item = grievance_actions.register_opinion(cast["wudu"], sighting, shot)
    county = client_for(cast["county"])

    assert county.get(reverse("grievances:opinion_screenshot", args=[item.pk])).status_code == 404
    assert county.get(reverse("grievances:opinion", args=[item.pk])).status_code == 404
    assert county.post(reverse("grievances:opinion_problem", args=[item.pk]), {}).status_code == 404
    assert (
        client_for(cast["wudu"]).get(reverse("grievances:opinion_screenshot", args=[item.pk])).status_code
        == 200
    )


def test_an_opinion_link_or_place_or_a_caller_s_name_carrying_a_phone_is_not_shown_whole(cast):
    from fangfan.web.grievances import actions as grievance_actions

    item = grievance_actions.register_opinion(
        cast["county"],
        grievance_actions.Sighting(
            "weibo",
            timezone.now(),
            SHIQIAO,
            "帖子称有户没人管",
            f"https://weibo.com/u/{WANG_PHONE}",
            f"王秀英家（{WANG_PHONE}）",
        ),
    )
    caller = grievance_actions.register(
        cast["village"],
        grievance_actions.Complaint(
            "12317", "medical", f"王秀英{WANG_PHONE}", SHIQIAO, "village", "看病难", timezone.now()
        ),
    )
    for url in (
        reverse("grievances:opinion", args=[item.pk]),
        reverse("grievances:opinions"),
        reverse("grievances:detail", args=[caller.pk]),
        reverse("grievances:list"),
    ):
        page = client_for(cast["township"]).get(url)
        assert page.status_code == 200 and WHOLE_NUMBERS.findall(shown(page)) == [], url
    page = shown(client_for(cast["township"]).get(reverse("grievances:opinion", args=[item.pk])))
    assert "weibo.com/u/139****5678" in page and 'href="https://weibo.com' not in page


def test_a_visit_dated_tomorrow_or_before_the_campaign_is_refused(cast):
    from fangfan.web.campaigns.models import Visit
    from fangfan.web.campaigns.testing import make_target

    target = make_target(make_household(SHIQIAO, 7, head_name="赵永福"))
    answers = {
        "answer_bedding": "是",
        "answer_heating": "燃煤炉",
        "answer_heating_fuel": "是",
        "answer_house_safe": "是",
        "answer_food_stock": "是",
        "result": "no_problem",
    }
    url = reverse("campaigns:record_visit", args=[target.pk])
    for day in (timezone.localdate() + dt.timedelta(days=1), dt.date(2026, 10, 31)):
        response = client_for(cast["village"]).post(url, {**answers, "visited_on": day.isoformat()})
        assert response.status_code in (400, 409), day
        assert re.search(r"[\u4e00-\u9fff]", response.content.decode())
    assert not Visit.objects.exists()


def test_another_county_s_campaign_targets_are_not_listed_or_visited(cast):
    from fangfan.web.campaigns.testing import make_target

    ma = make_target(make_household(BEIGUAN, 4, head_name="马占山"))
    county = client_for(cast["county"])
    for name in ("campaigns:targets", "campaigns:targets_excel", "campaigns:progress"):
        assert county.get(reverse(name, args=["warm_winter"]), {"region": WUDU}).status_code == 404, name
    assert county.get(reverse("campaigns:target", args=[ma.pk])).status_code == 404
    visit = client_for(cast["village"]).post(reverse("campaigns:record_visit", args=[ma.pk]), {"result": "x"})
    assert visit.status_code == 404


def test_garbage_in_the_lists_and_forms_is_answered_in_chinese_never_with_a_500(cast):
    county = client_for(cast["county"])
    lists = (
        reverse("rectification:problem_list"),
        reverse("rectification:export_three_lists"),
        reverse("rectification:export_progress"),
        reverse("grievances:list"),
        reverse("grievances:opinions"),
        reverse("campaigns:targets", args=["warm_winter"]),
        reverse("campaigns:progress", args=["warm_winter"]),
    )
    for url in lists:
        queries = ({"page": "abc"}, {"page": "9" * 20}, {"status": "<b>x</b>", "source": "x"})
        for query in queries:
            response = county.get(url, query)
            assert response.status_code in (200, 400, 404), (url, query, response.status_code)
    from fangfan.web.rectification import actions

    fixed = fix(cast["township"], cast["shiqiao"])
    today = timezone.localdate()
    actions.accept(cast["county"], fixed, rechecked_on=today, rechecked_by="县局", result="到位")
    actions.close(cast["county"], Problem.objects.get(pk=fixed.pk))
    draws = (
        {"percent": "1e9"},
        {"percent": "abc"},
        {"percent": "10", "seed": "9" * 30},
        {"percent": "10", "closed_before": "2999-01-01"},
    )
    for data in draws:
        response = county.post(reverse("rectification:recheck_draw"), data)
        assert response.status_code == 400, data
        assert re.search(r"[\u4e00-\u9fff]", response.content.decode())
    drawn = county.post(reverse("rectification:recheck_draw"), {"percent": "100", "seed": "7"})
    assert drawn.status_code == 302


def test_a_visit_s_number_answer_out_of_reason_is_refused_not_a_500(cast):
    from fangfan.web.campaigns.models import Visit
    from fangfan.web.campaigns.testing import make_target

    target = make_target(make_household(SHIQIAO, 7, head_name="赵永福"))
    answers = {
        "answer_bedding": "是",
        "answer_heating": "燃煤炉",
        "answer_heating_fuel": "是",
        "answer_house_safe": "是",
        "answer_food_stock": "是",
        "result": "no_problem",
        "visited_on": timezone.localdate().isoformat(),
    }
    url = reverse("campaigns:record_visit", args=[target.pk])
    for days in ("1e999999", "NaN", "-1", "abc", "Infinity"):
        response = client_for(cast["village"]).post(url, {**answers, "answer_food_days": days})
        assert response.status_code == 400, days
    assert not Visit.objects.exists()
    response = client_for(cast["village"]).post(url, {**answers, "answer_food_days": "90"})
    assert response.status_code == 302


def test_escalating_a_finding_id_beyond_any_row_is_not_found_not_a_500(cast):
    url = reverse("rectification:escalate")
    for value in ("9" * 20, "-1", "1e5"):
        response = client_for(cast["county"]).get(url, {"finding": value})
        assert response.status_code in (200, 404), value


def test_a_batch_typed_into_the_filter_does_not_come_back_whole_in_an_excel_name_or_title(cast):
    # (The filter bar itself keeps what was typed, so the filter still matches it.)
    county = client_for(cast["county"])
    for name in ("rectification:export_three_lists", "rectification:export_progress"):
        response = county.get(reverse(name), {"batch": f"王秀英{WANG_PHONE}"})
        assert response.status_code == 200
        content = _content(response)
        assert WHOLE_NUMBERS.findall(response["Content-Disposition"] + _sheets(content)) == [], name


def test_a_feedback_list_that_unpacks_to_a_bomb_is_refused_before_anything_reads_its_sheets(
    cast, monkeypatch
):
    import zipfile

    from fangfan.engine.rectification import cells

    read: list[object] = []
    monkeypatch.setattr(cells, "merged_ranges", lambda path: read.append(path) or {})
    handle = io.BytesIO()
    with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr(
            "xl/worksheets/sheet1.xml", "<worksheet>" + " " * (80 * 1024 * 1024) + "</worksheet>"
        )

    response = _import(cast["county"], _feedback("反馈清单.xlsx", handle.getvalue()))

    assert response.status_code == 400 and "压缩比异常" in response.content.decode()
    assert read == []


def test_a_caller_s_contact_in_another_county_is_counted_but_not_listed(cast):
    from fangfan.web.grievances import actions as grievance_actions

    def call(user: User, village: str, hours: int) -> Grievance:
        said = grievance_actions.Complaint(
            "12317", "medical", WANG_XIUYING.name, village, "village", "看病贵", timezone.now() - hours * HOUR
        )
        return grievance_actions.register(user, dataclasses.replace(said, phone=WANG_PHONE))

    elsewhere = call(cast["wudu"], BEIGUAN, 5)
    here = call(cast["village"], SHIQIAO, 1)
    assert list(here.earlier.all()) == [elsewhere]

    page = shown(client_for(cast["county"]).get(reverse("grievances:detail", args=[here.pk])))

    assert "90天内第2次反映" in page
    assert elsewhere.reference not in page
    theirs = shown(client_for(cast["wudu"]).get(reverse("grievances:detail", args=[elsewhere.pk])))
    assert here.reference not in theirs


def test_a_problem_or_a_grievance_names_itself_masked_in_audit_rows_and_messages(cast):
    from fangfan.web.grievances.models import Grievance as GrievanceModel

    problem = make_problem(cast["county"], SHIQIAO, description=f"{WANG_ID}户住房问题")
    caller = GrievanceModel(reference="XF1", name=f"王秀英{WANG_PHONE}")

    assert WHOLE_NUMBERS.findall(str(problem) + str(caller)) == []
    assert str(problem).startswith(f"整改问题{problem.pk}：{WANG_ID[:6]}****")


def test_a_repeated_row_is_reported_with_its_description_masked_before_it_is_cut(cast):
    import xlsxwriter

    description = "石桥村" * 8 + f"{WANG_ID}户饮水不安全"  # the ID starts at the 25th character
    handle = io.BytesIO()
    workbook = xlsxwriter.Workbook(handle)
    sheet = workbook.add_worksheet("反馈问题")
    sheet.write_row(0, 0, ["序号", "问题描述", "涉及县区", "整改措施", "责任单位", "责任人", "整改时限"])
    for row in (1, 2):
        sheet.write_row(
            row, 0, [str(row), description, "礼县", "入户核实", "礼县水务局", "张三", "2027-03-31"]
        )
    workbook.close()

    response = _import(cast["county"], _feedback("反馈清单.xlsx", handle.getvalue()))

    page = shown(response)
    assert response.status_code == 400 and "重复" in page
    assert WHOLE_NUMBERS.findall(page) == [] and WANG_ID[:16] not in page


@pytest.mark.parametrize("field", ["head_id_number", "phone", "helper_phone"])
def test_a_campaign_cannot_list_an_id_number_a_phone_or_a_birth_date_among_a_target_s_reasons(field):
    from fangfan.engine.campaigns import CampaignError, parse_campaign

    shipped = (Path(campaigns.__file__).parent / "warm_winter.toml").read_text(encoding="utf-8")
    assert 'evidence = ["winter_bedding"]' in shipped
    with pytest.raises(CampaignError, match="个人信息"):
        parse_campaign(shipped.replace('evidence = ["winter_bedding"]', f'evidence = ["{field}"]'), "x.toml")
    members = shipped.replace('evidence = ["name", "age"]', 'evidence = ["name", "birth_date"]')
    assert members != shipped
    with pytest.raises(CampaignError, match="个人信息"):
        parse_campaign(members, "x.toml")


def test_a_large_recheck_sample_is_paged_with_those_still_to_check_first(cast):
    from decimal import Decimal

    from fangfan.web.rectification.models import RecheckItem
    from fangfan.web.rectification.recheck import draw_sample, record_recheck

    for number in range(60):
        make_problem(cast["county"], SHIQIAO, description=f"石桥村第{number}个问题")
    today = timezone.localdate()
    Problem.objects.filter(region_code=SHIQIAO).update(status="closed", closed_on=today)
    sample = draw_sample(cast["county"], share=Decimal("1"), seed=5)
    first = RecheckItem.objects.filter(sample=sample).order_by("problem__county_code", "problem_id").first()
    assert first is not None and sample.items.count() == 61
    record_recheck(cast["county"], first, result="holds", checked_on=today, note="整改到位")
    url = reverse("rectification:recheck_detail", args=[sample.pk])

    page_one = shown(client_for(cast["county"]).get(url))
    page_two = shown(client_for(cast["county"]).get(url, {"page": 2}))

    assert "抽中的问题（61 个）" in page_one and "第 1 / 2 页" in page_one
    assert page_one.count('class="zg-recheck-form"') == 50
    assert f'id="item-{first.pk}"' in page_two and f'id="item-{first.pk}"' not in page_one

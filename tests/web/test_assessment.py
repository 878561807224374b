"""考核评估模拟 through the Django client: drawing a round, the region gate, masked visit
lists, a result form filled and estimated, the county's readiness report.

The cast, in the small 陇南市 of `make_regions` (tests/cast.py's people where they appear):

- 石桥村 (礼县): 王秀英 heads an exited household (脱贫户, 2019, three people) — the
  visit finds her son's medical bills have pushed them back under the line: wrongly
  exited. 赵永福 (脱贫户, 2020, four people) is fine. 刘大山 and 陈小梅 are 一般农户.
- 上坪村 (礼县): 张德顺 (一般农户, three people) whose income the team works out at
  ¥2,800 a head: he should have been registered. 孙桂兰 (监测户, one person).
- 北关村 (武都区): 马占山 (脱贫户): outside every 礼县 account's region.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from cast import BEIGUAN, SHANGPING, SHIQIAO, WANG_XIUYING
from fangfan.web.accounts.models import AuditEvent, User
from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.assessment.models import Result, Round, Unit
from fangfan.web.registry.models import Household
from fangfan.web.workqueue.testing import make_finding, make_household

pytestmark = pytest.mark.django_db

Role = User.Role
TODAY = timezone.localdate()
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
WANG_ID, WANG_PHONE = WANG_XIUYING.id_number, WANG_XIUYING.phone


@pytest.fixture
def cast() -> dict[str, Any]:
    make_regions()
    shiqiao = {"village_name": "石桥村", "township_name": "城关镇", "county_name": "礼县"}
    shangping = {"village_name": "上坪村", "township_name": "城关镇", "county_name": "礼县"}
    wang = make_household(
        SHIQIAO,
        1,
        head_name=WANG_XIUYING.name,
        head_id_number=WANG_ID,
        phone=WANG_PHONE,
        household_type="脱贫户",
        exit_year=2019,
        people=3,
        measures="产业帮扶；健康帮扶；教育帮扶",
        **shiqiao,
    )
    zhao = make_household(
        SHIQIAO, 2, head_name="赵永福", household_type="脱贫户", exit_year=2020, people=4, **shiqiao
    )
    liu = make_household(SHIQIAO, 3, head_name="刘大山", household_type="一般农户", people=2, **shiqiao)
    chen = make_household(SHIQIAO, 4, head_name="陈小梅", household_type="一般农户", people=5, **shiqiao)
    zhang = make_household(SHANGPING, 2, head_name="张德顺", household_type="一般农户", people=3, **shangping)
    sun = make_household(SHANGPING, 5, head_name="孙桂兰", household_type="监测户", people=1, **shangping)
    ma = make_household(BEIGUAN, 4, head_name="马占山", household_type="脱贫户", exit_year=2019, people=5)
    return {
        "wang": wang,
        "zhao": zhao,
        "liu": liu,
        "chen": chen,
        "zhang": zhang,
        "sun": sun,
        "ma": ma,
        "city": make_user(Role.CITY, "621200"),
        "county": make_user(Role.COUNTY, "621226"),
        "township": make_user(Role.TOWNSHIP, "621226100"),
        "village": make_user(Role.VILLAGE, SHIQIAO),
        "shangping": make_user(Role.VILLAGE, SHANGPING, username="上坪村工作队"),
        "inspector": make_user(Role.INSPECTOR, "621226"),
        "wudu": make_user(Role.COUNTY, "621202"),
    }


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def draw(user: User, plan: str = "national", seed: int = 7, counties: tuple[str, ...] = ("621226",)) -> Any:
    data = {"plan": plan, "seed": seed, "counties": list(counties), "title": ""}
    return client_for(user).post(reverse("assessment:draw"), data, follow=True)


def unit_of(household: Household) -> Unit:
    return Unit.objects.get(household=household)


def good_result(**changes: Any) -> dict[str, Any]:
    data = {
        "visited_on": TODAY.isoformat(),
        "visitor": "李干部",
        **dict.fromkeys(("food", "clothing", "housing", "medical", "education", "water"), "有保障"),
        "income_per_person": "9800",
        "approves": "yes",
        "policy_count": "3",
        "aware_count": "3",
    }
    return {**data, **changes}


def record(user: User, household: Household, **changes: Any) -> Any:
    return client_for(user).post(
        reverse("assessment:record_result", args=[unit_of(household).pk]), good_result(**changes)
    )


def sheet_rows(response: Any, name: str | None = None) -> list[list[Any]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    return book.get_sheet_by_name(name or book.sheet_names[0]).to_python()


def test_the_county_draws_a_round_whose_units_keep_their_inclusion_probabilities(cast):
    response = draw(cast["county"])
    assert response.status_code == 200
    made = Round.objects.get()
    assert (made.plan, made.seed, made.counties, made.drawn_by, made.region_code) == (
        "national",
        7,
        ["621226"],
        cast["county"],
        "621226",
    )
    drawn = set(Unit.objects.values_list("household__head_name", flat=True))
    assert "马占山" not in drawn and {"王秀英", "张德顺"} <= drawn
    assert f"已抽取样本：{made.unit_count} 户" in response.content.decode()
    for unit in Unit.objects.all():
        assert unit.inclusion_prob == pytest.approx(unit.village_prob * unit.household_prob)
        assert unit.weight == pytest.approx(1 / unit.inclusion_prob)
    wang = unit_of(cast["wang"])
    assert (wang.registered, wang.exited, wang.members) == (True, True, 3)
    assert AuditEvent.objects.filter(object_id=str(made.pk), action="create").exists()


def test_the_same_plan_and_seed_draw_the_same_households_again(cast):
    draw(cast["county"], seed=11)
    draw(cast["county"], seed=11)
    first, second = Round.objects.order_by("pk")
    keys = ("household_id", "stratum", "inclusion_prob", "weight")
    assert list(first.units.order_by("household_id").values_list(*keys)) == list(
        second.units.order_by("household_id").values_list(*keys)
    )


def test_a_village_team_cannot_draw_and_no_one_draws_outside_their_region(cast):
    assert draw(cast["village"]).status_code == 403
    response = draw(cast["county"], counties=("621202",))
    assert response.status_code == 400 and not Round.objects.exists()


def test_each_user_sees_only_the_units_of_their_region(cast):
    draw(cast["city"], counties=("621226", "621202"))
    made = Round.objects.get()
    page = client_for(cast["village"]).get(reverse("assessment:round", args=[made.pk])).content.decode()
    assert "石桥村" in page and "上坪村" not in page and "北关村" not in page
    assert (
        client_for(cast["village"]).get(reverse("assessment:village", args=[made.pk, SHANGPING])).status_code
        == 404
    )
    ma = unit_of(cast["ma"])
    assert client_for(cast["county"]).get(reverse("assessment:unit", args=[ma.pk])).status_code == 404
    assert client_for(cast["wudu"]).get(reverse("assessment:unit", args=[ma.pk])).status_code == 200
    county_round = draw(cast["county"]) and Round.objects.get(region_code="621226")
    assert (
        client_for(cast["wudu"]).get(reverse("assessment:round", args=[county_round.pk])).status_code == 404
    )


def test_the_visit_list_masks_id_numbers_and_phones_on_the_page_and_in_excel(cast):
    draw(cast["county"])
    made = Round.objects.get()
    page = (
        client_for(cast["village"])
        .get(reverse("assessment:village", args=[made.pk, SHIQIAO]))
        .content.decode()
    )
    assert WANG_ID not in page and WANG_ID[:6] in page
    workbook = client_for(cast["village"]).get(
        reverse("assessment:visit_list_excel", args=[made.pk, SHIQIAO])
    )
    rows = sheet_rows(workbook)
    text = " ".join(str(cell) for row in rows for cell in row)
    assert WANG_ID not in text and WANG_PHONE not in text
    header = rows[2]
    assert header[:5] == ["序号", "行政村", "户编号", "户主姓名", "户主身份证号"]
    assert {"走访日期", "是否错退", "是否应纳未纳", "知晓的政策数"} <= set(header)
    wang_row = next(row for row in rows if row[3] == WANG_XIUYING.name)
    assert wang_row[4].startswith(WANG_ID[:6]) and "*" in wang_row[4]
    assert "产业帮扶；健康帮扶；教育帮扶" in wang_row


def test_a_result_form_filled_is_kept_audited_and_estimated(cast):
    draw(cast["county"])
    made = Round.objects.get()
    form = (
        client_for(cast["village"])
        .get(reverse("assessment:unit", args=[unit_of(cast["wang"]).pk]))
        .content.decode()
    )
    assert "是否错退" in form and "是否应纳未纳" not in form  # she exited; she is registered
    response = record(
        cast["village"],
        cast["wang"],
        wrongly_exited="yes",
        wrongly_exited_reason="医疗支出大，人均纯收入低于标准",
    )
    assert response.status_code == 302
    result = Result.objects.get()
    assert (result.wrongly_exited, result.recorded_by, result.income_per_person) == (
        True,
        cast["village"],
        9800,
    )
    assert AuditEvent.objects.filter(object_id=str(result.pk), action="create").exists()
    assert record(cast["village"], cast["zhao"], wrongly_exited="no").status_code == 302

    page = client_for(cast["county"]).get(reverse("assessment:estimates", args=[made.pk])).content.decode()
    assert "错退率" in page and "礼县" in page
    # Two exited households visited, 3 of their 7 people wrongly exited: 42.86 %, yet two
    # households cannot show the rate is over 2 %: 不确定, on 2 units.
    row = page.split('data-measure="错退率"')[1].split("</tr>")[0]
    assert "42.86%" in row and "不确定" in row and '<td class="number">2</td>' in row


def test_a_result_missing_what_the_household_is_asked_is_refused_with_the_reason(cast):
    draw(cast["county"])
    response = record(cast["village"], cast["wang"])  # exited, but 是否错退 left blank
    assert response.status_code == 400
    assert "已脱贫户须填写“是否错退”" in response.content.decode()
    response = record(cast["village"], cast["wang"], wrongly_exited="yes")
    assert "请写明错退原因" in response.content.decode()
    assert record(cast["village"], cast["wang"], wrongly_exited="no", aware_count="5").status_code == 400
    assert not Result.objects.exists()


def test_an_inspector_reads_but_records_nothing(cast):
    draw(cast["county"])
    unit = unit_of(cast["wang"])
    assert client_for(cast["inspector"]).get(reverse("assessment:unit", args=[unit.pk])).status_code == 200
    assert record(cast["inspector"], cast["wang"], wrongly_exited="no").status_code == 403
    assert not Result.objects.exists()


def test_correcting_a_result_is_audited_as_an_update(cast):
    draw(cast["county"])
    record(cast["village"], cast["wang"], wrongly_exited="no")
    record(cast["village"], cast["wang"], wrongly_exited="no", approves="no")
    result = Result.objects.get()
    assert result.approves is False
    update = AuditEvent.objects.get(object_id=str(result.pk), action="update")
    assert (update.old["approves"], update.new["approves"]) == (True, False)
    assert "visitor" not in update.new  # only what changed (and when)


def test_the_size_calculator_gives_the_size_and_the_margin_it_buys(cast):
    response = client_for(cast["county"]).get(
        reverse("assessment:size"), {"p": "0.02", "margin": "0.01", "design_effect": "1.5", "n": "1000"}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "需要样本量" in page and "误差约为" in page


def filled_visit_list(
    user: User, made: Round, village: str, answers: dict[str, dict[str, str]]
) -> io.BytesIO:
    """The village's visit list as downloaded, its result cells filled in by head name."""
    rows = sheet_rows(client_for(user).get(reverse("assessment:visit_list_excel", args=[made.pk, village])))
    header = rows[2]
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet("入户调查表")
    for index, row in enumerate(rows):
        cells = ["" if cell is None else str(cell) for cell in row]
        for column, value in answers.get(cells[3] if index > 2 else "", {}).items():
            cells[header.index(column)] = value
        sheet.write_row(index, 0, cells)
    book.close()
    buffer.seek(0)
    buffer.name = "石桥村入户调查表.xlsx"
    return buffer


WANG_FOUND = {
    "走访日期": TODAY.isoformat(),
    "走访人": "李干部",
    **dict.fromkeys(("吃", "穿", "住房安全", "基本医疗", "义务教育", "饮水安全"), "有保障"),
    "核算人均纯收入(元)": "5200",
    "是否错退": "是",
    "错退原因": "儿子重病，医疗支出大",
    "是否认可": "是",
    "知晓的政策数": "2",
    "享受的政策数": "3",
}
ZHAO_FOUND = {**WANG_FOUND, "是否错退": "否", "错退原因": "", "核算人均纯收入(元)": "12,000"}


def upload(user: User, made: Round, workbook: io.BytesIO) -> Any:
    return client_for(user).post(reverse("assessment:import", args=[made.pk]), {"file": workbook})


def test_a_filled_in_visit_list_imports_whole_and_skips_households_not_visited(cast):
    draw(cast["county"])
    made = Round.objects.get()
    workbook = filled_visit_list(cast["village"], made, SHIQIAO, {"王秀英": WANG_FOUND, "赵永福": ZHAO_FOUND})
    response = upload(cast["village"], made, workbook)
    assert response.status_code == 302
    kept = {
        result.unit.household.head_name: result for result in Result.objects.select_related("unit__household")
    }
    assert set(kept) == {"王秀英", "赵永福"}  # 刘大山 and 陈小梅 not visited yet
    assert (kept["王秀英"].wrongly_exited, kept["王秀英"].wrongly_exited_reason) == (
        True,
        "儿子重病，医疗支出大",
    )
    assert kept["赵永福"].income_per_person == 12000
    assert AuditEvent.objects.filter(object_id=str(kept["王秀英"].pk), action="create").exists()


def test_a_visit_list_with_any_bad_row_imports_nothing_and_names_every_problem(cast):
    draw(cast["county"])
    made = Round.objects.get()
    answers = {
        "王秀英": {**WANG_FOUND, "是否错退": "也许"},
        "赵永福": {**ZHAO_FOUND, "走访日期": "下周"},
        "刘大山": {**ZHAO_FOUND, "是否应纳未纳": "否"},  # an 一般农户 is not asked 是否错退
    }
    response = upload(cast["village"], made, filled_visit_list(cast["village"], made, SHIQIAO, answers))
    assert response.status_code == 400
    page = response.content.decode()
    assert "整个文件未导入" in page and "石桥村入户调查表.xlsx" in page
    assert "“也许”应填“是”或“否”" in page
    assert "“下周”不是日期" in page
    assert "该户不是已脱贫户，“是否错退”和“错退原因”应空着" in page
    rows = page.split("<tbody>")[1]
    assert rows.count("<tr>") == 3 and "是否错退" in rows and "走访日期" in rows
    assert not Result.objects.exists()


def test_a_household_outside_the_users_region_cannot_be_imported(cast):
    draw(cast["county"])
    made = Round.objects.get()
    workbook = filled_visit_list(
        cast["county"], made, SHANGPING, {"张德顺": {**ZHAO_FOUND, "是否错退": "", "是否应纳未纳": "否"}}
    )
    response = upload(cast["village"], made, workbook)  # 石桥村's team, 上坪村's list
    assert response.status_code == 400 and "该户不在本轮样本中，或不在您的辖区" in response.content.decode()
    assert not Result.objects.exists()


def _visited_county(cast: dict[str, Any]) -> Round:
    """礼县's round with 王秀英 wrongly exited, 赵永福 fine, 张德顺 omitted (a finding on him)."""
    draw(cast["county"])
    record(cast["village"], cast["wang"], wrongly_exited="yes", wrongly_exited_reason="儿子重病，医疗支出大")
    record(cast["village"], cast["zhao"], wrongly_exited="no")
    record(
        cast["shangping"],
        cast["zhang"],
        should_register="yes",
        should_register_reason="人均纯收入2800元，低于监测标准",
        income_per_person="2800",
        approves="no",
    )
    make_finding(SHANGPING, number=2, message="家庭人均纯收入低于防止返贫监测标准")
    # A finding as the duplicate-registration rule once wrote it: a whole ID and a phone in it.
    make_finding(
        SHIQIAO,
        "IDN-001",
        number=1,
        message=f"王秀英（证件号码{WANG_ID}）同时登记在2个户中，电话{WANG_PHONE}",
    )
    return Round.objects.get()


def test_the_county_report_in_excel_holds_its_figures_villages_and_leads(cast):
    made = _visited_county(cast)
    response = client_for(cast["county"]).get(reverse("assessment:report_excel", args=[made.pk, "621226"]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    assert book.sheet_names[:4] == ["评估结论", "村排名", "错退漏评线索", "样本户"]
    measures = book.get_sheet_by_name("评估结论").to_python()
    assert measures[0][0].startswith("礼县考核评估模拟报告")
    wrong = next(row for row in measures if row[0] == "错退率")
    # Two exited households cannot prove a failure: the interval still reaches below 2 %.
    assert (wrong[1], wrong[3], wrong[4], wrong[5], wrong[6]) == ("42.86%", "< 2.00%", "不确定", 2, 1)
    assert float(wrong[2].split("%")[0]) < 2
    # 张德顺, the one 一般农户 visited, should have been registered: the whole interval of
    # 漏评率 lies above 2 %, and one failing measure fails the county.
    omitted = next(row for row in measures if row[0] == "漏评率")
    assert float(omitted[2].split("%")[0]) > 2 and omitted[4] == "不达标"
    assert next(row for row in measures if row[0] == "总体结论")[4] == "不达标"
    villages = book.get_sheet_by_name("村排名").to_python()
    assert [row[2] for row in villages[3:]] == ["上坪村", "石桥村"]  # 上坪村's two problems first
    leads = book.get_sheet_by_name("错退漏评线索").to_python()
    by_name = {row[3]: row for row in leads[3:]}
    assert by_name["王秀英"][5] == "疑似错退" and by_name["王秀英"][6] == "儿子重病，医疗支出大"
    assert by_name["张德顺"][5] == "疑似漏评" and "低于防止返贫监测标准" in by_name["张德顺"][7]
    text = " ".join(
        str(cell)
        for name in book.sheet_names
        for row in book.get_sheet_by_name(name).to_python()
        for cell in row
    )
    assert WANG_ID not in text and WANG_PHONE not in text
    assert f"证件号码{WANG_ID[:6]}" in by_name["王秀英"][7]  # the finding shown, its number masked


def test_a_township_cannot_download_its_countys_report(cast):
    made = _visited_county(cast)
    url = reverse("assessment:report_excel", args=[made.pk, "621226"])
    assert client_for(cast["township"]).get(url).status_code == 404
    assert client_for(cast["wudu"]).get(url).status_code == 404


def _pdf_tools() -> None:
    missing = [tool for tool in ("soffice", "pdftotext", "pdftoppm") if shutil.which(tool) is None]
    if missing:
        reason = f"缺少 {'、'.join(missing)}（apt-get install libreoffice-calc-nogui poppler-utils）"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI 中缺少 PDF 工具，不能跳过。{reason}")
        pytest.skip(reason)


def _pdf_text(response: Any, tmp_path: Any) -> str:
    pdf = tmp_path / "printed.pdf"
    pdf.write_bytes(b"".join(response.streaming_content))
    assert pdf.read_bytes().startswith(b"%PDF")
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout


def _keep_first_page(pdf: Path, name: str) -> None:
    """The first printed page as a PNG in var/screenshots/, for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(SCREENSHOTS / name),
        ],
        check=True,
    )


def test_the_county_report_and_a_visit_list_print_to_pdf_with_their_figures(cast, tmp_path):
    _pdf_tools()
    made = _visited_county(cast)
    report = client_for(cast["county"]).get(reverse("assessment:report_pdf", args=[made.pk, "621226"]))
    assert report.status_code == 200 and report["Content-Type"] == "application/pdf"
    text = _pdf_text(report, tmp_path)
    _keep_first_page(tmp_path / "printed.pdf", "assessment_report_printed_page")
    assert "礼县考核评估模拟报告" in text and "42.86%" in text and "疑似漏评" in text
    assert WANG_ID not in text
    visit_list = client_for(cast["village"]).get(
        reverse("assessment:visit_list_pdf", args=[made.pk, SHIQIAO])
    )
    text = _pdf_text(visit_list, tmp_path)
    assert "石桥村入户调查表" in text and WANG_XIUYING.name in text and WANG_ID not in text
    township = client_for(cast["township"]).get(
        reverse("assessment:visit_lists_pdf", args=[made.pk, "621226100"])
    )
    text = _pdf_text(township, tmp_path)
    # One PDF, each village's list on pages of its own.
    assert text.count("城关镇入户调查表") >= 2 and "石桥村" in text and "上坪村" in text and "张德顺" in text
    assert WANG_ID not in text and WANG_PHONE not in text


def test_the_city_overview_lists_each_county_with_its_verdict(cast):
    draw(cast["city"], counties=("621226", "621202"))
    record(cast["village"], cast["wang"], wrongly_exited="yes", wrongly_exited_reason="儿子重病")
    record(make_user(Role.VILLAGE, BEIGUAN, username="北关村工作队"), cast["ma"], wrongly_exited="no")
    made = Round.objects.get()
    page = client_for(cast["city"]).get(reverse("assessment:overview", args=[made.pk])).content.decode()
    table = page.split('id="county-verdicts"')[1]
    assert "礼县" in table and "武都区" in table and "不达标" in table
    county_page = (
        client_for(cast["county"]).get(reverse("assessment:overview", args=[made.pk])).content.decode()
    )
    assert "武都区" not in county_page.split('id="county-verdicts"')[1]


def test_a_targeted_self_check_shows_the_weighted_and_the_unweighted_figure(cast):
    Household.objects.filter(pk__in=[cast["wang"].pk, cast["sun"].pk]).update(open_findings=1)
    draw(cast["county"], plan="self_check")
    made = Round.objects.get()
    assert made.units.filter(targeted=True).exists()
    record(cast["village"], cast["wang"], wrongly_exited="yes", wrongly_exited_reason="儿子重病")
    record(cast["village"], cast["zhao"], wrongly_exited="no")
    page = client_for(cast["county"]).get(reverse("assessment:estimates", args=[made.pk])).content.decode()
    assert "未加权比例" in page and "多抽带来的偏差" in page


def test_another_countys_office_opens_no_page_and_downloads_nothing_of_the_round(cast):
    made = _visited_county(cast)
    wang = unit_of(cast["wang"])
    refused = [
        reverse("assessment:round", args=[made.pk]),
        reverse("assessment:estimates", args=[made.pk]),
        reverse("assessment:overview", args=[made.pk]),
        reverse("assessment:village", args=[made.pk, SHIQIAO]),
        reverse("assessment:visit_list_excel", args=[made.pk, SHIQIAO]),
        reverse("assessment:visit_list_pdf", args=[made.pk, SHIQIAO]),
        reverse("assessment:visit_lists_excel", args=[made.pk, "621226100"]),
        reverse("assessment:visit_lists_pdf", args=[made.pk, "621226"]),
        reverse("assessment:report_excel", args=[made.pk, "621226"]),
        reverse("assessment:report_pdf", args=[made.pk, "621226"]),
        reverse("assessment:import", args=[made.pk]),
        reverse("assessment:import_problems", args=[made.pk]),
        reverse("assessment:unit", args=[wang.pk]),
    ]
    wudu = client_for(cast["wudu"])
    assert {url: wudu.get(url).status_code for url in refused} == dict.fromkeys(refused, 404)
    # 石桥村's team asks for its township's lists and another village's: only its own village.
    village = client_for(cast["village"])
    assert (
        village.get(reverse("assessment:visit_lists_excel", args=[made.pk, "621226100"])).status_code == 404
    )
    assert village.get(reverse("assessment:visit_lists_excel", args=[made.pk, SHIQIAO])).status_code == 200


def test_writes_take_a_post_with_its_csrf_token_and_nothing_else(cast):
    draw(cast["county"])
    made, wang = Round.objects.get(), unit_of(cast["wang"])
    village = client_for(cast["village"])
    assert village.get(reverse("assessment:record_result", args=[wang.pk])).status_code == 405
    assert client_for(cast["county"]).get(reverse("assessment:draw")).status_code == 405
    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(cast["village"])
    url = reverse("assessment:record_result", args=[wang.pk])
    assert guarded.post(url, good_result(wrongly_exited="no")).status_code == 403
    county = Client(enforce_csrf_checks=True)
    county.force_login(cast["county"])
    data = {"plan": "national", "seed": 8, "counties": ["621226"]}
    assert county.post(reverse("assessment:draw"), data).status_code == 403
    assert not Result.objects.exists() and Round.objects.get() == made


def test_a_township_prints_every_village_list_in_one_workbook_a_sheet_per_village(cast):
    draw(cast["county"])
    made = Round.objects.get()
    page = client_for(cast["township"]).get(reverse("assessment:round", args=[made.pk])).content.decode()
    url = reverse("assessment:visit_lists_excel", args=[made.pk, "621226100"])
    assert url in page
    response = client_for(cast["township"]).get(url)
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheet_names == ["城关镇石桥村", "城关镇上坪村"]  # in village code order
    shiqiao = book.get_sheet_by_name("城关镇石桥村").to_python()
    assert {row[3] for row in shiqiao[3:]} == {"王秀英", "赵永福", "刘大山", "陈小梅"}
    assert "轮次编号" in shiqiao[0][0]
    text = " ".join(
        str(cell)
        for name in book.sheet_names
        for row in book.get_sheet_by_name(name).to_python()
        for cell in row
    )
    assert WANG_ID not in text and WANG_PHONE not in text and "马占山" not in text


def test_a_visit_list_of_another_round_is_refused_whole_and_named(cast):
    draw(cast["county"])
    first = Round.objects.get()
    draw(cast["county"], seed=8)
    second = Round.objects.exclude(pk=first.pk).get()
    workbook = filled_visit_list(cast["village"], first, SHIQIAO, {"王秀英": WANG_FOUND})
    response = upload(cast["village"], second, workbook)
    assert response.status_code == 400
    assert f"这是第{first.pk}号轮次的入户调查表，不是本轮次（第{second.pk}号）的" in response.content.decode()
    assert not Result.objects.exists()


def test_a_refused_imports_problems_download_as_excel_with_file_row_column_and_message(cast):
    draw(cast["county"])
    made = Round.objects.get()
    answers = {"王秀英": {**WANG_FOUND, "是否错退": "也许"}, "赵永福": {**ZHAO_FOUND, "享受的政策数": "500"}}
    village = client_for(cast["village"])
    workbook = filled_visit_list(cast["village"], made, SHIQIAO, answers)
    page = village.post(reverse("assessment:import", args=[made.pk]), {"file": workbook}).content.decode()
    url = reverse("assessment:import_problems", args=[made.pk])
    assert url in page
    rows = sheet_rows(village.get(url))
    header = rows.index(["文件", "工作表", "行号", "列", "单元格内容", "问题"])
    problems = {row[3]: row for row in rows[header + 1 :]}
    assert problems["是否错退"][0] == "石桥村入户调查表.xlsx" and problems["是否错退"][2] == 4
    assert "应填“是”或“否”" in problems["是否错退"][5]
    assert "享受的政策数" in problems and not Result.objects.exists()
    # Another account's session holds no problems of this round.
    assert client_for(cast["township"]).get(url).status_code == 404


def test_a_file_that_is_no_workbook_or_has_no_visit_list_sheet_is_refused_in_chinese(cast):
    draw(cast["county"])
    made = Round.objects.get()
    fake = io.BytesIO(b"not a workbook at all")
    fake.name = "走访结果.xlsx"
    page = upload(cast["village"], made, fake).content.decode()
    assert "走访结果.xlsx" in page and "整个文件未导入" in page
    other = io.BytesIO()
    book = xlsxwriter.Workbook(other)
    book.add_worksheet("花名册").write_row(0, 0, ["姓名", "电话"])
    book.close()
    other.seek(0)
    other.name = "花名册.xlsx"
    page = upload(cast["village"], made, other).content.decode()
    assert "没有找到表头含“户编号”的工作表" in page
    picture = io.BytesIO(b"GIF89a")
    picture.name = "照片.gif"
    assert "不支持“.gif”文件" in upload(cast["village"], made, picture).content.decode()
    assert not Result.objects.exists()


def test_a_round_too_large_for_a_request_is_drawn_by_the_worker_while_its_page_shows_progress(
    cast, monkeypatch, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    from fangfan.web.assessment import actions
    from fangfan.web.assessment.tasks import draw_round_task

    monkeypatch.setattr(actions, "INLINE_HOUSEHOLDS", 3)  # 礼县's six households: a "city"
    with django_capture_on_commit_callbacks(execute=True):
        response = draw(cast["county"])
    made = Round.objects.get()
    assert made.status == Round.Status.DRAWING and not made.units.exists()
    assert DBTaskResult.objects.filter(args_kwargs__args=[made.pk]).count() == 1
    page = response.content.decode()
    assert "已交后台抽取" in page and "抽样中" in page and 'http-equiv="refresh"' in page

    draw_round_task.call(made.pk)
    made.refresh_from_db()
    assert made.status == Round.Status.READY and made.unit_count == made.units.count() == 6
    page = client_for(cast["county"]).get(reverse("assessment:round", args=[made.pk])).content.decode()
    assert 'http-equiv="refresh"' not in page and "石桥村" in page
    # Drawn inline, the same plan and seed give the same households.
    monkeypatch.setattr(actions, "INLINE_HOUSEHOLDS", 100_000)
    draw(cast["county"])
    inline = Round.objects.exclude(pk=made.pk).get()
    assert set(inline.units.values_list("household_id", flat=True)) == set(
        made.units.values_list("household_id", flat=True)
    )


def test_a_background_draw_that_breaks_off_leaves_no_units_and_says_so(cast, monkeypatch):
    from fangfan.web.assessment import actions
    from fangfan.web.assessment.tasks import draw_round_task

    monkeypatch.setattr(actions, "INLINE_HOUSEHOLDS", 3)
    draw(cast["county"])
    made = Round.objects.get()

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr(actions, "draw_sample", broken)
    with pytest.raises(RuntimeError):
        draw_round_task.call(made.pk)
    made.refresh_from_db()
    assert made.status == Round.Status.FAILED and not made.units.exists()
    page = client_for(cast["county"]).get(reverse("assessment:round", args=[made.pk])).content.decode()
    assert "抽样失败" in page and "disk full" not in page

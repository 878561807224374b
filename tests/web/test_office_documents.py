"""Pages that read like office documents: run names, local times, values in words.

The cast, in the small 陇南市 of `make_regions`:
- 户主1's household in 石桥村 (礼县 城关镇) was screened twice on 5 December 2026 (local
  time; the first run at 21:10 UTC on the 4th), and its finding's county was corrected
  late in the evening (21:40 UTC, already 5 December in 陇南);
- its registry form says water is piped into the home, yet a 35-minute walk to fetch
  it; 石桥村's water project (水务) says piped water too;
- 礼县's school-roll officer sent a file that failed before any row was checked.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from fangfan.engine.masking import mask_id
from fangfan.web.accounts.audit import record_change
from fangfan.web.accounts.models import AuditEvent, User
from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.imports.models import Upload
from fangfan.web.registry.models import DepartmentRecord, Household, HouseholdRunSummary, Run
from fangfan.web.workqueue.testing import make_finding

pytestmark = pytest.mark.django_db
Role = User.Role
SHIQIAO = "621226100201"
UTC = dt.UTC


@pytest.fixture
def county(settings, tmp_path) -> User:
    settings.MEDIA_ROOT = tmp_path / "media"
    make_regions()
    return make_user(Role.COUNTY, "621226")


def _runs_on_the_fifth() -> tuple[Run, Run]:
    first = Run.objects.create(
        run_id="20261204T211000-aaaa",
        snapshot_id="s1",
        as_of=dt.date(2026, 10, 31),
        policy_year=2025,
        screened_at=dt.datetime(2026, 12, 4, 21, 10, tzinfo=UTC),
    )
    second = Run.objects.create(
        run_id="20261205T020000-bbbb",
        snapshot_id="s2",
        as_of=dt.date(2026, 10, 31),
        policy_year=2025,
        screened_at=dt.datetime(2026, 12, 5, 2, 0, tzinfo=UTC),
        is_current=True,
        previous=first,
    )
    return first, second


def _page(client: Client, user: User, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_two_runs_on_the_same_day_are_told_apart_by_their_order_in_the_household_history(
    client: Client, county: User
) -> None:
    first, second = _runs_on_the_fifth()
    finding = make_finding(SHIQIAO)
    household = finding.household
    for run, income in ((first, 4652.0), (second, 4652.5)):
        HouseholdRunSummary.objects.create(
            run=run, household_id=household.household_id, village_code=SHIQIAO, net_income_per_capita=income
        )

    page = _page(client, county, f"/households/{household.household_id}/")

    assert "2026年12月5日 第1次筛查" in page and "2026年12月5日 第2次筛查" in page
    assert "4,652 元" in page and "4,652.50 元" in page and "4652.0" not in page
    assert "筛查批次 20261205T020000-bbbb" not in page  # the batch ID is no name for people
    workbook = client.get(f"/households/{household.household_id}/household.xlsx")
    data = b"".join(workbook.streaming_content)
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    history = book.get_sheet_by_name(next(n for n in book.sheet_names if "筛查" in n)).to_python()
    assert [row[0] for row in history[1:]] == ["2026年12月5日 第1次筛查", "2026年12月5日 第2次筛查"]


def test_the_change_log_shows_local_time_and_region_names_not_codes(client: Client, county: User) -> None:
    finding = make_finding(SHIQIAO)
    event = record_change(county, finding, {"county_code": "621202"}, {"county_code": "621226"}, "update")
    assert event is not None
    AuditEvent.objects.filter(pk=event.pk).update(at=dt.datetime(2026, 12, 4, 21, 40, tzinfo=UTC))

    page = _page(client, county, reverse("workqueue:detail", args=[finding.pk]))

    assert "2026年12月5日 05:40" in page  # 21:40 UTC is the next morning in 陇南
    assert "2026-12-04 21:40" not in page
    assert "武都区（621202）" in page and "礼县（621226）" in page
    assert "第1次筛查" in page  # the run it was first seen in, by name


def test_a_new_records_change_log_names_its_village_once_not_three_codes(
    client: Client, county: User
) -> None:
    finding = make_finding(SHIQIAO)
    record_change(
        county,
        finding,
        {},
        {"village_code": SHIQIAO, "township_code": SHIQIAO[:9], "county_code": SHIQIAO[:6]},
        "create",
    )

    page = _page(client, county, reverse("workqueue:detail", args=[finding.pk]))
    log = page[page.index("修改记录") :]

    assert "礼县城关镇石桥村（621226100201）" in log
    assert "乡镇代码" not in log and "县区代码" not in log and "621226100<" not in log


def test_a_village_water_project_is_shown_as_the_village_record_not_a_person_matched_by_id(
    client: Client, county: User
) -> None:
    _runs_on_the_fifth()
    household = make_finding(SHIQIAO).household
    Household.objects.filter(pk=household.pk).update(
        water_supply="集中供水入户", water_trip_minutes=35, village_name="石桥村"
    )
    DepartmentRecord.objects.create(
        snapshot_id="s2",
        feed="water_supply",
        household=None,
        village_code=SHIQIAO,
        id_as_written=SHIQIAO,
        data={"project_name": "石桥村集中供水工程", "supply_mode": "集中供水入户"},
        method="exact",
        match_probability=1.0,
        source_file="供水工程.xlsx",
        source_row=3,
    )

    page = _page(client, county, f"/households/{household.household_id}/")

    departments = page[page.index('id="departments-title"') :]
    assert "按行政村匹配" in departments and "证件号一致" not in departments
    assert SHIQIAO in departments and mask_id(SHIQIAO) not in departments
    assert "部门所填证件号" not in departments
    # The trip check passes because the water is piped in; the page says so and what to check.
    assert "自来水入户即视为用水方便" in page
    assert "登记单次取水往返35分钟，超过20分钟" in page
    assert "水务部门供水工程记录本村为“集中供水入户”" in page


def test_a_household_whose_walk_is_within_the_limit_needs_no_water_note(client: Client, county: User) -> None:
    _runs_on_the_fifth()
    household = make_finding(SHIQIAO).household
    Household.objects.filter(pk=household.pk).update(water_supply="集中供水入户", water_trip_minutes=10)

    page = _page(client, county, f"/households/{household.household_id}/")

    assert "自来水入户即视为用水方便" not in page


def test_a_failed_upload_without_row_problems_says_what_happened_not_that_nothing_was_wrong(
    client: Client, county: User
) -> None:
    officer = make_user(Role.DEPARTMENT, "621226", department="school_roll")
    upload = Upload.objects.create(
        feed="school_roll",
        original_name="学籍信息.xlsx",
        stored_file="uploads/x.xlsx",
        size=10,
        uploaded_by=officer,
        region=officer.region,
        as_of=dt.date(2026, 10, 31),
        status=Upload.Status.FAILED,
        outcome="文件无法打开：不是有效的 Excel 文件",
    )
    Upload.objects.filter(pk=upload.pk).update(uploaded_at=dt.datetime(2026, 12, 4, 21, 40, tzinfo=UTC))

    page = _page(client, county, f"/imports/{upload.pk}/")

    assert "没有发现问题" not in page and "（0 条）" not in page
    assert "未能逐行检查" in page and "文件无法打开" in page
    assert "2026年12月5日 05:40" in page and "2026年10月31日" in page


def test_a_findings_evidence_reads_in_words_on_the_page_and_in_the_excel(
    client: Client, county: User
) -> None:
    _runs_on_the_fifth()
    finding = make_finding(
        SHIQIAO,
        rule_code="INC-001",
        evidence=[
            {"label": "人均纯收入(按分项重算)", "value": 4652.5, "source": "计算"},
            {"label": "随时能吃肉蛋奶或豆制品", "value": "否", "source": "户信息"},
        ],
    )
    url = f"/households/{finding.household.household_id}/"
    DepartmentRecord.objects.create(
        snapshot_id="s2",
        feed="medical_claims",
        household=finding.household,
        village_code=SHIQIAO,
        data={"settlement_date": "2025-06-17", "total_cost": 6993.52, "basic_reimbursed": 4376.0},
        method="exact",
    )

    page = _page(client, county, url)
    excel = client.get(url + "findings.xlsx")

    assert "4,652.50 元" in page and "4652.5" not in page
    assert "国扶办·户信息" in page
    assert "6,993.52 元" in page and "4,376 元" in page and "2025年6月17日" in page  # the claim
    cells = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(excel.streaming_content)))
    text = str(cells.get_sheet_by_index(0).to_python())
    assert "人均纯收入(按分项重算)：4,652.50 元（计算）" in text
    assert "随时能吃肉蛋奶或豆制品：否（国扶办·户信息）" in text

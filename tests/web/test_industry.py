"""产业收入 through the Django client: the visit form on a phone, corrections and removals,
the household page's section, the region summaries and lists, Excel out, the dashboard panel.

The cast, in 礼县 城关镇 (this year; targets ¥3,000 a mu and ¥10,000 a household):

- 杜春生 (石桥村) grows 4 mu of 花椒 that brought ¥12,000: exactly ¥3,000 a mu, he meets it.
- His neighbour 杜春林 (石桥村) grows 1 mu of 核桃 that brought ¥2,999: below.
- 冯玉兰 (上坪村) keeps cattle (¥6,000) and bees (¥4,000): ¥10,000 over two kinds, meets it.
- 罗建华 (上坪村) sold ¥2,000 of 马铃薯, his mu never written down: not judged, and says why.
- 马占山 (北关村, 武都区) grows 花椒 too, far below target: outside every 礼县 account.

The 石桥村 team records on its phone; the 礼县 office reads the reports; the inspector reads
and never writes.
"""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from fangfan.engine.formatting import date_text
from fangfan.web.accounts.models import AuditEvent, User
from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.industry import synthetic
from fangfan.web.industry.ledger import this_year
from fangfan.web.industry.models import HouseholdIndustry, Livestock, Planting, VillageIndustry
from fangfan.web.industry.testing import make_row
from fangfan.web.registry.models import Household
from fangfan.web.workqueue.testing import make_household

pytestmark = pytest.mark.django_db
Role = User.Role
SHIQIAO, SHANGPING, BEIGUAN = "621226100201", "621226100202", "621202001201"
YEAR = this_year()


@pytest.fixture
def cast(settings: Any, tmp_path: Path) -> dict[str, Any]:
    settings.MEDIA_ROOT = tmp_path / "media"
    make_regions()
    team = make_user(Role.VILLAGE, SHIQIAO)
    homes = {
        "du_chunsheng": make_household(
            SHIQIAO, 1, head_name="杜春生", village_name="石桥村", township_name="城关镇"
        ),
        "du_chunlin": make_household(
            SHIQIAO, 2, head_name="杜春林", village_name="石桥村", township_name="城关镇"
        ),
        "feng_yulan": make_household(
            SHANGPING, 1, head_name="冯玉兰", village_name="上坪村", township_name="城关镇"
        ),
        "luo_jianhua": make_household(
            SHANGPING, 2, head_name="罗建华", village_name="上坪村", township_name="城关镇"
        ),
        "ma_zhanshan": make_household(BEIGUAN, 1, head_name="马占山", village_name="北关村"),
    }
    make_row(team, homes["du_chunsheng"], "planting", "花椒", income="12000", mu="4")
    make_row(team, homes["du_chunlin"], "planting", "核桃", income="2999", mu="1")
    make_row(None, homes["feng_yulan"], "livestock", "牛", income="6000", head=3)
    make_row(None, homes["feng_yulan"], "livestock", "中蜂", income="4000", head=12)
    make_row(None, homes["luo_jianhua"], "planting", "马铃薯", income="2000", mu=None)
    make_row(None, homes["ma_zhanshan"], "planting", "花椒", income="1000", mu="2")
    users = {
        "team": team,
        "township": make_user(Role.TOWNSHIP, "621226100"),
        "county": make_user(Role.COUNTY, "621226"),
        "city": make_user(Role.CITY, "621200"),
        "inspector": make_user(Role.INSPECTOR, "621226"),
        "wudu_team": make_user(Role.VILLAGE, BEIGUAN),
    }
    return {**homes, **users}


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response: Any) -> str:
    return response.content.decode()


def sheet_rows(response: Any, index: int = 0, *, titled: bool = False) -> list[list[Any]]:
    """The sheet's header and rows (with `titled`: also the title and 制表日期 lines above)."""
    data = b"".join(response.streaming_content)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(index).to_python()
    return rows if titled else rows[2:]


def tally(household: Household) -> HouseholdIndustry:
    return HouseholdIndustry.objects.get(household=household, year=YEAR)


def test_the_cast_is_judged_as_its_story_says(cast):
    assert tally(cast["du_chunsheng"]).planting_status == "meets"
    assert tally(cast["du_chunlin"]).planting_status == "below"
    assert tally(cast["feng_yulan"]).livestock_status == "meets"
    assert tally(cast["feng_yulan"]).livestock_income == Decimal("10000")
    assert tally(cast["luo_jianhua"]).planting_status == "not_judged"


def test_the_household_page_shows_the_verdict_with_the_figures_behind_it(cast):
    page = text(signed_in(cast["county"]).get(reverse("registry:household", args=[cast["du_chunlin"].pk])))
    assert "产业收入" in page and "核桃" in page
    assert "种植1亩，收入2,999元，每亩2,999元，低于每亩3,000元" in page
    page = text(signed_in(cast["county"]).get(reverse("registry:household", args=[cast["luo_jianhua"].pk])))
    assert "没有登记面积" in page and "无法判断" in page


def test_the_village_team_records_a_planting_from_its_phone(cast):
    client = signed_in(cast["team"])
    url = reverse("industry:household", args=[cast["du_chunlin"].pk])
    form = text(client.get(url))
    assert 'id="industry-planting-form"' in form and 'inputmode="decimal"' in form
    response = client.post(
        reverse("industry:record", args=[cast["du_chunlin"].pk]),
        {"kind": "planting", "year": YEAR, "name": "花椒", "mu": "1", "income": "4001", "note": "走访核实"},
    )
    assert response.status_code == 302
    row = Planting.objects.get(household=cast["du_chunlin"], crop="花椒")
    assert (row.source, row.recorded_by, row.mu) == ("visit", cast["team"], Decimal("1"))
    assert AuditEvent.objects.filter(object_id=str(row.pk), action="create", user=cast["team"]).exists()
    # 2 mu for ¥7,000 together: ¥3,500 a mu, he now meets the target.
    assert tally(cast["du_chunlin"]).planting_status == "meets"


def test_a_second_tap_on_a_slow_phone_records_the_planting_once(cast):
    # The team taps 登记 twice; the same row twice would double 杜春林's planting income. A second,
    # different row (another crop the same minute) is recorded as usual.
    client = signed_in(cast["team"])
    url = reverse("industry:record", args=[cast["du_chunlin"].pk])
    row = {"kind": "planting", "year": YEAR, "name": "花椒", "mu": "1", "income": "4001", "note": ""}
    assert client.post(url, row).status_code == 302
    assert client.post(url, row).status_code == 302
    assert client.post(url, {**row, "name": "核桃", "income": "900"}).status_code == 302
    rows = Planting.objects.filter(household=cast["du_chunlin"], year=YEAR)
    assert sorted(rows.values_list("crop", "income")) == [
        ("核桃", Decimal("900")),  # the new row
        ("核桃", Decimal("2999")),  # recorded before
        ("花椒", Decimal("4001")),  # once
    ]
    assert tally(cast["du_chunlin"]).planting_income == Decimal("7900")


def test_a_livestock_row_needs_its_head_and_says_so(cast):
    response = signed_in(cast["team"]).post(
        reverse("industry:record", args=[cast["du_chunlin"].pk]),
        {"kind": "livestock", "year": YEAR, "name": "羊", "income": "3000"},
    )
    assert response.status_code == 400 and "请填写养殖数量" in text(response)
    assert not Livestock.objects.filter(household=cast["du_chunlin"]).exists()


@pytest.mark.parametrize(
    ("kind", "figures", "why"),
    [
        ("planting", {"mu": "99999999", "income": "4000"}, "面积（亩）过大"),
        ("livestock", {"head": "1000000000000", "income": "4000"}, "数量（头、只、箱）过大"),
    ],
)
def test_a_slip_of_the_thumb_on_the_visit_form_is_refused_in_chinese_not_a_server_error(
    cast, kind, figures, why
):
    # 99,999,999 mu does not fit the ledger's column: it was a 500 (the row saved, then unreadable).
    response = signed_in(cast["team"]).post(
        reverse("industry:record", args=[cast["du_chunlin"].pk]),
        {"kind": kind, "year": YEAR, "name": "花椒", **figures},
    )
    assert response.status_code == 400 and why in text(response)
    assert not Planting.objects.filter(household=cast["du_chunlin"], crop="花椒").exists()
    assert not Livestock.objects.filter(household=cast["du_chunlin"], kind="花椒").exists()


def test_a_correction_is_audited_and_rejudges_the_household(cast):
    row = Planting.objects.get(household=cast["du_chunlin"])
    client = signed_in(cast["team"])
    edit = reverse("industry:edit", args=["planting", row.pk])
    assert "保存更正" in text(client.get(edit))
    response = client.post(edit, {"year": YEAR, "name": "核桃", "mu": "1", "income": "3000"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.income == Decimal("3000")
    event = AuditEvent.objects.get(object_id=str(row.pk), action="update")
    assert event.old["income"] == "2999.00" and event.new["income"] == "3000.00"
    assert tally(cast["du_chunlin"]).planting_status == "meets"


def test_a_removal_needs_a_reason_and_drops_the_household_from_the_lists(cast):
    row = Planting.objects.get(household=cast["du_chunlin"])
    client = signed_in(cast["team"])
    client.post(reverse("industry:remove", args=["planting", row.pk]), {"reason": ""})
    assert Planting.objects.filter(pk=row.pk).exists()
    client.post(reverse("industry:remove", args=["planting", row.pk]), {"reason": "重复登记"})
    removed = Planting.all_objects.get(pk=row.pk)
    assert removed.deleted_by == cast["team"] and removed.removal_reason == "重复登记"
    assert not HouseholdIndustry.objects.filter(household=cast["du_chunlin"]).exists()
    assert AuditEvent.objects.filter(object_id=str(row.pk), action="delete").exists()
    # The village's and county's totals follow at once.
    village = VillageIndustry.objects.get(village_code=SHIQIAO, year=YEAR)
    assert (village.planting_households, village.planting_below, village.below_households) == (1, 0, 0)
    summary = signed_in(cast["county"]).get(reverse("industry:summary", args=["621226"]))
    assert summary.context["total"].planting_below == 0


def test_offices_read_but_only_the_teams_on_the_ground_record(cast):
    payload = {"kind": "planting", "year": YEAR, "name": "花椒", "mu": "1", "income": "100"}
    url = reverse("industry:record", args=[cast["du_chunlin"].pk])
    for user in ("county", "city", "inspector"):
        assert signed_in(cast[user]).post(url, payload).status_code == 403, user
    page = text(signed_in(cast["county"]).get(reverse("industry:household", args=[cast["du_chunlin"].pk])))
    assert "走访登记" not in page
    row = Planting.objects.get(household=cast["du_chunlin"])
    edit = reverse("industry:edit", args=["planting", row.pk])
    assert signed_in(cast["county"]).post(edit, {**payload, "income": "5"}).status_code == 403
    assert Planting.objects.filter(household=cast["du_chunlin"]).count() == 1
    row.refresh_from_db()
    assert row.income == Decimal("2999")


def test_another_countys_team_finds_nothing(cast):
    client = signed_in(cast["wudu_team"])
    assert client.get(reverse("industry:household", args=[cast["du_chunlin"].pk])).status_code == 404
    row = Planting.objects.get(household=cast["du_chunlin"])
    assert (
        client.post(reverse("industry:remove", args=["planting", row.pk]), {"reason": "x"}).status_code == 404
    )
    assert client.get(reverse("industry:summary", args=["621226"])).status_code == 404


def test_the_county_summary_counts_each_township_and_the_whole(cast):
    response = signed_in(cast["county"]).get(reverse("industry:summary", args=["621226"]))
    page = text(response)
    assert "礼县产业收入汇总" in page and "城关镇" in page and "马占山" not in page
    total = response.context["total"]
    assert (total.planting_households, total.mu, total.planting_income) == (3, Decimal("5"), Decimal("16999"))
    assert (total.planting_below, total.planting_not_judged) == (1, 1)
    assert (total.livestock_households, total.head, total.livestock_below) == (1, 15, 0)


def test_the_summary_workbook_has_the_townships_the_total_and_each_village(cast):
    response = signed_in(cast["county"]).get(reverse("industry:summary_excel", args=["621226"]))
    rows = sheet_rows(response)
    assert rows[0][:4] == ["区划代码", "名称", "种植户数（户）", "种植面积（亩）"]
    assert [row[1] for row in rows[1:]] == ["城关镇", "礼县合计"]
    assert rows[2][2] == 3 and rows[2][4] == 16999
    again = signed_in(cast["county"]).get(reverse("industry:summary_excel", args=["621226"]))
    villages = sheet_rows(again, 1)
    assert sorted(row[1] for row in villages[1:]) == ["上坪村", "石桥村"]


def test_the_below_list_names_the_neighbour_not_the_household_at_the_target(cast):
    client = signed_in(cast["township"])
    response = client.get(reverse("industry:below", args=["621226100"]))
    page = text(response)
    assert response.context["page"].paginator.count == 1
    assert "杜春林" in page and "杜春生" not in page and "冯玉兰" not in page and "罗建华" not in page
    assert "低于每亩3,000元" in page
    livestock_only = text(client.get(reverse("industry:below", args=["621226100"]), {"kind": "livestock"}))
    assert "杜春林" not in livestock_only
    other_village = text(client.get(reverse("industry:below", args=["621226100"]), {"village": SHANGPING}))
    assert "杜春林" not in other_village


def test_the_below_workbook_masks_id_numbers_and_gives_the_reason(cast):
    rows = sheet_rows(signed_in(cast["county"]).get(reverse("industry:below_excel", args=["621226"])))
    assert len(rows) == 2
    header, row = rows
    record = dict(zip(header, row, strict=True))
    assert record["户主"] == "杜春林" and "*" in record["户主身份证号"]
    assert record["依据"].startswith("种植1亩，收入2,999元")


def test_the_industry_workbooks_are_office_documents_titled_with_the_region_and_year(cast):
    client = signed_in(cast["county"])
    for name in ("industry:below_excel", "industry:villages_excel", "industry:summary_excel"):
        response = client.get(reverse(name, args=["621226"]))
        data = b"".join(response.streaming_content)
        title, made, header = (
            CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()[:3]
        )
        assert title[0].startswith("礼县产业收入") and title[0].endswith(f"（{YEAR}年度）"), name
        assert made[0] == f"制表日期：{date_text(timezone.localdate())}"
        assert "身份证号已脱敏" in made[3]
        assert header[0] in ("县（区）", "区划代码")
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            sheet = book.read("xl/worksheets/sheet1.xml").decode()
        assert 'ySplit="3"' in sheet and '<autoFilter ref="A3:' in sheet


def test_villages_below_target_are_listed_with_their_share(cast):
    client = signed_in(cast["county"])
    response = client.get(reverse("industry:villages", args=["621226"]))
    names = [row["name"] for row in response.context["rows"]]
    # 石桥村: 5 mu for ¥14,999 is below ¥3,000 a mu; 上坪村 has no mu, and its livestock meets.
    assert names == ["石桥村"] and "50.0%" in text(response)
    everyone = client.get(reverse("industry:villages", args=["621226"]), {"all": "1"})
    assert [row["name"] for row in everyone.context["rows"]] == ["石桥村", "上坪村"]
    rows = sheet_rows(client.get(reverse("industry:villages_excel", args=["621226"])))
    assert [row[1] for row in rows[1:]] == ["石桥村"]


def test_the_dashboard_panel_counts_recorded_and_below(cast):
    client = signed_in(cast["county"])
    region = text(client.get(reverse("registry:region", args=["621226"])))
    assert reverse("industry:panel") in region
    panel = client.get(reverse("industry:panel"), {"region": "621226100"})
    assert panel.context["total"].planting_below == 1
    assert "产业收入" in text(panel) and "33.3%" in text(panel)
    assert client.get(reverse("industry:panel"), {"region": BEIGUAN}).status_code == 404


def test_synthetic_population_fills_the_small_city_and_its_reports_answer(
    cast, django_assert_max_num_queries
):
    for number in range(3, 40):
        make_household(SHIQIAO, number)
    counts = synthetic.populate(seed=7, scale=1.0)
    assert counts["种植记录"] > 0 and counts["登记户"] > 0
    again = synthetic.populate(seed=7, scale=1.0)
    assert again == counts  # deterministic, and the earlier synthetic rows replaced
    # The cast's own rows (走访) are kept as they were.
    assert tally(cast["du_chunlin"]).planting_income == Decimal("2999")
    assert Planting.objects.filter(source="synthetic", household=cast["du_chunlin"]).count() == 0
    for user, code in (("county", "621226"), ("township", "621226100"), ("city", "621226")):
        for path in synthetic.report_paths(code, __import__("datetime").date.today()):
            response = signed_in(cast[user]).get(path)
            assert response.status_code == 200, (user, path)
            assert synthetic.REPORT_MARKER in text(response)

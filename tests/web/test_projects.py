"""衔接资金项目 through the Django client: the library, progress from a phone with photos,
payments, acceptance, beneficiaries, the alerts list, the county report and the panels.

The cast, in 礼县 (the small 陇南市 of `make_regions`):
- 礼县乡村振兴局 (`county`) keeps the library; 张工 (`engineer`, another county account)
  reports the progress of the county's own works; 城关镇 (`township`) accepts; the 石桥村
  team (`village`) reports progress from its phone, with photos.
- 石桥村产业路 was to start ten days ago and has not (逾期未开工); 上坪村饮水工程 starts
  tomorrow (the near miss).
- 礼县花椒加工厂 reports 10% and has been paid 600,000 of its 1,000,000 (支付超前).
- 石桥村文化广场 was reported finished 40 days ago by 张工 and nobody has accepted it; 张工
  then tries to accept it himself and is refused; 城关镇 accepts it.
- 王秀英 (石桥村) works on the 产业路 (务工, 6,000 a year); 马占山 of 北关村 (武都区) lives
  outside every 礼县 project's area.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from python_calamine import CalamineWorkbook

from fangfan.web.accounts.models import AuditEvent, User
from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.evidence.models import StoredFile
from fangfan.web.evidence.testing import camera_photo
from fangfan.web.procedures.base import WorkflowError
from fangfan.web.projects import actions, synthetic
from fangfan.web.projects.models import Beneficiary, ProgressPhoto, Project
from fangfan.web.projects.testing import make_project
from fangfan.web.workqueue.testing import make_household

pytestmark = pytest.mark.django_db
Role = User.Role
LIXIAN, CHENGGUAN, SHIQIAO, SHANGPING, BEIGUAN = (
    "621226",
    "621226100",
    "621226100201",
    "621226100202",
    "621202001201",
)


@pytest.fixture
def cast(settings: Any, tmp_path: Path) -> dict[str, Any]:
    settings.MEDIA_ROOT = tmp_path / "media"
    make_regions()
    today = timezone.localdate()
    county = make_user(Role.COUNTY, LIXIAN)
    engineer = make_user(Role.COUNTY, LIXIAN, username="zhang-engineer")
    township = make_user(Role.TOWNSHIP, CHENGGUAN)
    village = make_user(Role.VILLAGE, SHIQIAO)
    wudu = make_user(Role.COUNTY, "621202")
    wang = make_household(SHIQIAO, 1, head_name="王秀英")
    ma = make_household(BEIGUAN, 1, head_name="马占山")
    road = make_project(county, SHIQIAO, name="石桥村产业路", planned_start=today - dt.timedelta(days=10))
    water = make_project(county, SHANGPING, name="上坪村饮水工程", planned_start=today + dt.timedelta(days=1))
    pepper = make_project(
        county,
        LIXIAN,
        name="礼县花椒加工厂",
        kind="industry",
        planned_start=today - dt.timedelta(days=60),
        planned_finish=today + dt.timedelta(days=700),
    )
    actions.report_progress(
        county, pepper, reported_on=today - dt.timedelta(days=50), percent=10, note="开工"
    )
    actions.record_payment(county, pepper, paid_on=today, amount_yuan=Decimal(600_000), level="central")
    square = make_project(
        county,
        SHIQIAO,
        name="石桥村文化广场",
        planned_start=today - dt.timedelta(days=200),
        planned_finish=today - dt.timedelta(days=30),
    )
    actions.report_progress(
        engineer, square, reported_on=today - dt.timedelta(days=40), percent=100, note="完工"
    )
    actions.record_payment(county, square, paid_on=today, amount_yuan=Decimal(950_000), level="central")
    actions.add_beneficiary(county, road, wang, benefit="work", yuan_per_year=Decimal(6_000))
    return {
        "county": county,
        "engineer": engineer,
        "township": township,
        "village": village,
        "wudu": wudu,
        "wang": wang,
        "ma": ma,
        "road": road,
        "water": water,
        "pepper": pepper,
        "square": square,
    }


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response: Any) -> str:
    return response.content.decode()


def sheets(response: Any) -> dict[str, list[list[Any]]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def test_the_road_not_started_is_on_the_alerts_list_and_the_water_project_starting_tomorrow_is_not(cast):
    response = signed_in(cast["county"]).get(reverse("projects:alerts", args=[LIXIAN]) + "?kind=not_started")
    assert response.status_code == 200
    page = text(response)
    assert "石桥村产业路" in page and "逾期未开工" in page and "已超过10天" in page
    assert "上坪村饮水工程" not in page


def test_the_pepper_plant_paid_ahead_of_its_progress_is_flagged_with_its_figures(cast):
    page = text(
        signed_in(cast["county"]).get(reverse("projects:alerts", args=[LIXIAN]) + "?kind=payment_ahead")
    )
    assert "礼县花椒加工厂" in page and "资金支付超前于进度" in page
    assert "占预算1,000,000 元的60%" in page and "支付超前50个百分点" in page


def test_the_square_finished_40_days_ago_without_acceptance_is_flagged(cast):
    page = text(
        signed_in(cast["township"]).get(reverse("projects:alerts", args=[CHENGGUAN]) + "?kind=not_accepted")
    )
    assert "石桥村文化广场" in page and "已40天未验收" in page
    assert "礼县花椒加工厂" not in page, "the county's own project is not the township's"


def test_the_engineer_who_reported_the_finish_cannot_accept_it_himself(cast):
    square = cast["square"]
    url = reverse("projects:accept", args=[square.pk])
    form = {"accepted_on": timezone.localdate().isoformat(), "accepted_by_names": "张工", "note": "合格"}
    refused = signed_in(cast["engineer"]).post(url, form)
    assert refused.status_code == 409
    assert "验收须由完工报告人以外的人员进行" in text(refused)
    square.refresh_from_db()
    assert square.accepted_on is None
    accepted = signed_in(cast["township"]).post(url, {**form, "accepted_by_names": "镇验收组：李、赵"})
    assert accepted.status_code == 302
    square.refresh_from_db()
    assert square.accepted_on == timezone.localdate() and square.accepted_by == cast["township"]
    page = text(
        signed_in(cast["county"]).get(reverse("projects:alerts", args=[LIXIAN]) + "?kind=not_accepted")
    )
    assert "石桥村文化广场" not in page


def test_a_project_not_finished_cannot_be_accepted(cast):
    with pytest.raises(WorkflowError, match="尚未报告完工"):
        actions.accept_project(
            cast["township"],
            cast["road"],
            accepted_on=timezone.localdate(),
            accepted_by_names="镇",
            note="合格",
        )


def test_the_village_team_reports_progress_from_its_phone_and_the_photo_loses_its_gps(cast):
    road = cast["road"]
    client = signed_in(cast["village"])
    form = client.get(reverse("projects:progress", args=[road.pk]))
    assert form.status_code == 200 and 'capture="environment"' in text(form)
    photo = io.BytesIO(camera_photo())
    photo.name = "IMG_0001.jpg"
    response = client.post(
        reverse("projects:progress", args=[road.pk]),
        {
            "reported_on": timezone.localdate().isoformat(),
            "percent": 15,
            "note": "路基开挖",
            "photos": [photo],
        },
    )
    assert response.status_code == 302
    road.refresh_from_db()
    assert road.progress_percent == 15 and road.actual_start == timezone.localdate()
    kept = ProgressPhoto.objects.get(report__project=road)
    image = Image.open(open_file(kept.file))
    assert not image.getexif(), "no EXIF (GPS, camera) survives"
    assert signed_in(cast["township"]).get(reverse("projects:photo", args=[kept.pk])).status_code == 200
    assert signed_in(cast["wudu"]).get(reverse("projects:photo", args=[kept.pk])).status_code == 404
    detail = text(client.get(reverse("projects:detail", args=[road.pk])))
    assert "路基开挖" in detail and reverse("projects:photo", args=[kept.pk]) in detail


def open_file(stored: StoredFile) -> Any:
    from django.core.files.storage import default_storage

    return default_storage.open(stored.stored_name, "rb")


def test_a_file_that_is_no_photo_is_refused_and_nothing_is_reported(cast):
    road = cast["road"]
    fake = io.BytesIO(b"<svg onload=alert(1)>")
    fake.name = "现场.jpg"
    response = signed_in(cast["village"]).post(
        reverse("projects:progress", args=[road.pk]),
        {"reported_on": timezone.localdate().isoformat(), "percent": 15, "photos": [fake]},
    )
    assert response.status_code == 400 and "不是照片" in text(response)
    road.refresh_from_db()
    assert road.progress_percent == 0 and not road.reports.exists()


def test_progress_never_goes_backwards(cast):
    with pytest.raises(WorkflowError, match="进度不能倒退"):
        actions.report_progress(
            cast["county"], cast["pepper"], reported_on=timezone.localdate(), percent=5, note=""
        )


def test_a_payment_beyond_the_budget_is_refused(cast):
    response = signed_in(cast["county"]).post(
        reverse("projects:payment", args=[cast["pepper"].pk]),
        {"paid_on": timezone.localdate().isoformat(), "amount_yuan": "500000", "level": "county"},
    )
    assert response.status_code == 409 and "将超过项目预算" in text(response)
    cast["pepper"].refresh_from_db()
    assert cast["pepper"].paid_yuan == Decimal(600_000)


def test_a_payment_clicked_twice_is_paid_once_and_the_same_sum_later_is_a_second_payment(cast):
    pepper, county = cast["pepper"], cast["county"]
    form = {"paid_on": timezone.localdate().isoformat(), "amount_yuan": "100000", "level": "county"}
    for _ in range(2):
        response = signed_in(county).post(reverse("projects:payment", args=[pepper.pk]), form)
        assert response.status_code in (200, 302)
    pepper.refresh_from_db()
    assert pepper.paid_yuan == Decimal(700_000) and pepper.payments.count() == 2
    # Three minutes on, the same sum again is a real second payment.
    pepper.payments.filter(amount_yuan=Decimal(100_000)).update(
        recorded_at=timezone.now() - dt.timedelta(minutes=3)
    )
    signed_in(county).post(reverse("projects:payment", args=[pepper.pk]), form)
    pepper.refresh_from_db()
    assert pepper.paid_yuan == Decimal(800_000) and pepper.payments.count() == 3


def test_a_budget_that_is_not_the_sum_of_its_sources_is_refused_and_a_right_one_is_kept(cast):
    client = signed_in(cast["county"])
    form = {
        "name": "上坪村光伏电站",
        "kind": "industry",
        "region": SHANGPING,
        "planned_start": timezone.localdate().isoformat(),
        "planned_finish": (timezone.localdate() + dt.timedelta(days=200)).isoformat(),
        "budget_yuan": "900000",
        "fund_central": "500000",
        "fund_province": "300000",
    }
    refused = client.post(reverse("projects:new"), form)
    assert refused.status_code == 400 and "不等于各级资金合计" in text(refused)
    assert not Project.objects.filter(name="上坪村光伏电站").exists()
    kept = client.post(reverse("projects:new"), {**form, "fund_county": "100000"})
    assert kept.status_code == 302
    project = Project.objects.get(name="上坪村光伏电站")
    assert {fund.level: fund.amount_yuan for fund in project.funds.all()} == {
        "central": Decimal(500_000),
        "province": Decimal(300_000),
        "county": Decimal(100_000),
    }
    assert AuditEvent.objects.filter(object_id=str(project.pk), action="create").exists()


def test_a_village_team_cannot_create_projects_nor_an_office_outside_place_one(cast):
    assert signed_in(cast["village"]).get(reverse("projects:new")).status_code == 403
    form = {
        "name": "北关村项目",
        "kind": "other",
        "region": BEIGUAN,
        "planned_start": timezone.localdate().isoformat(),
        "planned_finish": timezone.localdate().isoformat(),
        "budget_yuan": "100",
        "fund_central": "100",
    }
    assert signed_in(cast["county"]).post(reverse("projects:new"), form).status_code == 404


def test_a_household_outside_the_project_area_cannot_benefit_from_it(cast):
    with pytest.raises(WorkflowError, match="不在项目所在地范围内"):
        actions.add_beneficiary(
            cast["county"], cast["water"], cast["wang"], benefit="work", yuan_per_year=Decimal(1)
        )
    response = signed_in(cast["county"]).post(
        reverse("projects:beneficiary", args=[cast["road"].pk]),
        {"household_id": cast["ma"].household_id, "benefit": "work", "yuan_per_year": "100"},
    )
    assert response.status_code == 409 and "找不到该户编号" in text(response)


def test_the_household_page_shows_the_projects_it_benefits_from(cast):
    page = text(
        signed_in(cast["village"]).get(reverse("registry:household", args=[cast["wang"].household_id]))
    )
    assert "联农带农" in page and "石桥村产业路" in page and "务工" in page and "6,000" in page


def test_a_phone_typed_into_a_project_name_shows_masked_on_every_page_as_in_the_workbooks(cast):
    # An office names the road after its contractor's mobile; the workbooks always masked the name,
    # the pages showed it whole. Every page that names the project masks it now.
    phone = "13912345678"
    road = cast["road"]
    Project.objects.filter(pk=road.pk).update(name=f"石桥村产业路（联系人{phone}）")
    county, village = signed_in(cast["county"]), signed_in(cast["village"])
    pages = [
        county.get(reverse("projects:list", args=[LIXIAN])),
        county.get(reverse("projects:detail", args=[road.pk])),
        county.get(reverse("projects:alerts", args=[LIXIAN])),
        county.get(reverse("projects:report", args=[LIXIAN])),
        village.get(reverse("projects:progress", args=[road.pk])),
        village.get(reverse("registry:household", args=[cast["wang"].household_id])),
    ]
    for page in pages:
        assert page.status_code == 200
        assert phone not in text(page) and "139****5678" in text(page), page.wsgi_request.path


def test_the_county_report_shows_funds_by_source_and_kind_shares_overdue_and_beneficiaries(cast):
    client = signed_in(cast["county"])
    page = text(client.get(reverse("projects:report", args=[LIXIAN])))
    assert "衔接资金项目报表" in page
    assert "4,000,000 元" in page, "four projects of a million each"
    assert "1,550,000 元" in page, "paid: 600,000 + 950,000"
    assert "开工率 50.0%" in page and "支付率 38.8%" in page
    assert "石桥村产业路" in page, "overdue: not started"
    workbook = sheets(client.get(reverse("projects:report_excel", args=[LIXIAN])))
    assert list(workbook) == ["汇总", "按资金来源", "按项目类别", "逾期项目", "联农带农"]
    assert workbook["按资金来源"][0][0] == "礼县衔接资金按来源（单位：元）"
    sources = {row[0]: row[1] for row in workbook["按资金来源"][3:]}
    assert sources["中央"] == 2_400_000 and sources["县级"] == 1_600_000
    benefits = {row[0]: row[1:] for row in workbook["联农带农"][3:]}
    assert benefits["务工"] == [1.0, 6000.0]


def test_the_alerts_excel_names_each_alert_and_the_figures_behind_it(cast):
    workbook = sheets(signed_in(cast["county"]).get(reverse("projects:alerts_excel", args=[LIXIAN])))
    rows = workbook["项目预警"]
    assert rows[0][0] == "礼县衔接资金项目预警清单"
    alerts = {(row[2], row[5]) for row in rows[3:]}
    assert ("石桥村产业路", "逾期未开工") in alerts
    assert ("礼县花椒加工厂", "资金支付超前于进度") in alerts
    assert ("石桥村文化广场", "完工未验收") in alerts
    assert not any(row[2] == "上坪村饮水工程" for row in rows[3:])


def test_the_dashboard_loads_the_projects_panel(cast):
    client = signed_in(cast["county"])
    region = text(client.get(reverse("registry:region", args=[LIXIAN])))
    assert reverse("projects:panel", args=[LIXIAN]) in region
    panel = text(client.get(reverse("projects:panel", args=[LIXIAN]), HTTP_HX_REQUEST="true"))
    assert "衔接资金项目" in panel and "逾期未开工 1" in panel and "完工未验收 1" in panel


def test_the_list_pages_by_region_and_the_township_sees_only_its_own(cast):
    county_page = text(signed_in(cast["county"]).get(reverse("projects:list", args=[LIXIAN])))
    assert "礼县花椒加工厂" in county_page and "项目（4 个）" in county_page
    township_page = text(signed_in(cast["township"]).get(reverse("projects:list", args=[CHENGGUAN])))
    assert "礼县花椒加工厂" not in township_page and "石桥村产业路" in township_page
    assert signed_in(cast["township"]).get(reverse("projects:list", args=[LIXIAN])).status_code == 404


def test_synthetic_projects_fill_the_small_city_and_the_report_pages_answer(cast):
    for number in range(2, 8):
        make_household(SHIQIAO, number)
        make_household(SHANGPING, number)
    counts = synthetic.populate(seed=7, scale=0.01)
    assert counts["项目"] == 50 and counts["资金来源"] >= 100 and counts["受益户"] > 0
    assert counts == synthetic.populate(seed=7, scale=0.01), "the same again, not twice as many"
    assert Project.objects.filter(synthetic=True).count() == 50
    assert Project.objects.filter(synthetic=False).count() == 4, "the offices' own projects stay"
    assert not Beneficiary.objects.filter(project__synthetic=True).exclude(
        household__village_code__startswith="6212"
    )
    client = signed_in(cast["county"])
    for path in synthetic.report_paths(LIXIAN, timezone.localdate()):
        response = client.get(path)
        assert response.status_code == 200, path
        assert synthetic.REPORT_MARKER in text(response)


def test_the_project_list_excel_is_titled_with_the_region_dated_and_in_yuan(cast):
    workbook = sheets(
        signed_in(cast["county"]).get(reverse("projects:list_excel", args=[LIXIAN]) + "?kind=industry")
    )
    rows = workbook["项目库"]
    assert rows[0][0] == "礼县衔接资金项目库" and rows[1][0].startswith("制表日期：")
    assert "项目预算（元）" in rows[2]
    assert [row[2] for row in rows[3:]] == ["礼县花椒加工厂"], "the list's filters hold in the download"
    assert rows[3][rows[2].index("项目预算（元）")] == 1_000_000


def test_the_fund_sources_of_a_project_are_on_its_trail(cast):
    created = AuditEvent.objects.filter(object_id=str(cast["road"].pk), new__has_key="资金来源").get()
    assert created.new["资金来源"] == {"中央": "600000.00", "县级": "400000.00"}

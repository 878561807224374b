"""The national system's monitored households imported into the app, with the cast of conftest.

The registry (the current run, `workqueue.testing`) holds, besides conftest's households:
- 刘桂芳's household in 石桥村: 边缘易致贫户 since 15 March 2024, 因病、因学, still monitored,
  with the registry's measures 健康帮扶；教育帮扶 and her helper 李卫东;
- 陈建国's household in 石桥村: 脱贫不稳定户 since 2022, 缺劳力, its risk eliminated on
  20 November 2024;
- 杨春燕's household in 上坪村: a 监测对象类别 of "重点关注户", which names no category;
- 何玉兰's household in 上坪村: "突发严重困难" (the nearest: 突发严重困难户), no 识别监测时间,
  her risk written "房屋倒塌/因病";
- 张德顺's household: an ordinary one (一般农户, no category);
- 王秀英's household: the registry says 边缘易致贫户, but the office decided her into
  monitoring through its own workflow (脱贫不稳定户): her record is left alone.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from fangfan.web.accounts.models import AuditEvent
from fangfan.web.monitoring.models import Elimination, Measure, MonitoredHousehold
from fangfan.web.monitoring.registry_import import (
    category_of,
    import_registry_monitored,
    registry_measures,
    risk_types_of,
)
from fangfan.web.monitoring.testing import make_case, make_measure, make_monitored, make_reassessment
from fangfan.web.registry.models import Household, Run
from fangfan.web.workqueue.testing import current_run, make_household

SHIQIAO, SHANGPING = "621226100201", "621226100202"
REGISTRY = MonitoredHousehold.Source.REGISTRY


@pytest.fixture
def registry(cast: dict[str, Any]) -> dict[str, Any]:
    common = {"township_name": "城关镇", "county_name": "礼县"}
    liu = make_household(
        SHIQIAO,
        10,
        head_name="刘桂芳",
        household_type="监测户",
        monitoring_category="边缘易致贫户",
        monitoring_since=dt.date(2024, 3, 15),
        risk_eliminated=False,
        main_risk="因病、因学",
        people=3,
        measures="健康帮扶；教育帮扶",
        helper_name="李卫东",
        helper_phone="13909390001",
        village_name="石桥村",
        **common,
    )
    chen = make_household(
        SHIQIAO,
        11,
        head_name="陈建国",
        household_type="脱贫户",
        monitoring_category="脱贫不稳定户",
        monitoring_since=dt.date(2022, 5, 10),
        risk_eliminated=True,
        risk_eliminated_on=dt.date(2024, 11, 20),
        main_risk="缺劳力",
        village_name="石桥村",
        **common,
    )
    yang = make_household(
        SHANGPING,
        12,
        head_name="杨春燕",
        monitoring_category="重点关注户",
        monitoring_since=dt.date(2023, 1, 1),
    )
    he = make_household(
        SHANGPING, 13, head_name="何玉兰", monitoring_category="突发严重困难", main_risk="房屋倒塌/因病"
    )
    wang = cast["wang"]
    Household.objects.filter(pk=wang.pk).update(monitoring_category="边缘易致贫户", main_risk="因病")
    own = make_monitored(
        SHIQIAO, opened_by=cast["township"], household=wang, days_ago=240, category="脱贫不稳定户"
    )
    return {"liu": liu, "chen": chen, "yang": yang, "he": he, "own": own}


def imported(household: Household) -> MonitoredHousehold:
    return MonitoredHousehold.objects.get(household=household, source=REGISTRY)


def test_categories_and_risk_types_map_to_the_apps(db: Any) -> None:
    assert category_of(" 边缘易致贫户 ") == "边缘易致贫户" and category_of("边缘户") == "边缘易致贫户"
    assert category_of("脱贫不稳定") == "脱贫不稳定户" and category_of("突发严重困难") == "突发严重困难户"
    assert category_of("重点关注户") == ""
    assert risk_types_of("因学、因病") == ["因病", "因学"]
    assert risk_types_of("病，残; 缺劳动力 / 务工不稳") == ["因病", "因残", "因务工就业不稳", "缺劳力"]
    assert risk_types_of("房屋倒塌") == ["其他"] and risk_types_of("") == []


def test_the_import_makes_one_record_per_monitored_registry_household(cast, registry):
    run = current_run()
    counts = import_registry_monitored()

    assert (counts.created, counts.monitored, counts.eliminated) == (3, 2, 1)
    assert counts.skipped == {"监测对象类别“重点关注户”无法对应": 1}
    assert (counts.category_mapped, counts.start_defaulted, counts.eliminated_on_defaulted) == (1, 1, 0)
    liu = imported(registry["liu"])
    assert (liu.name, liu.village_code, liu.category, liu.risk_types) == (
        "刘桂芳",
        SHIQIAO,
        "边缘易致贫户",
        ["因病", "因学"],
    )
    assert (
        liu.status == "monitored"
        and liu.monitoring_start == dt.date(2024, 3, 15)
        and liu.eliminated_on is None
    )
    assert liu.case is None and liu.imported_run == run and liu.place_name == "礼县城关镇石桥村"
    chen = imported(registry["chen"])
    assert (chen.category, chen.risk_types, chen.status) == ("脱贫不稳定户", ["缺劳力"], "eliminated")
    assert (chen.monitoring_start, chen.eliminated_on) == (dt.date(2022, 5, 10), dt.date(2024, 11, 20))
    he = imported(registry["he"])
    assert (he.category, he.risk_types, he.monitoring_start) == (
        "突发严重困难户",
        ["因病", "其他"],
        run.as_of,
    )
    assert not MonitoredHousehold.objects.filter(household__in=[registry["yang"], cast["zhang"]]).exists()
    own = MonitoredHousehold.objects.get(household=cast["wang"])  # still the only one, as decided
    assert own == registry["own"] and own.category == "脱贫不稳定户" and own.source == "identified"

    audit = AuditEvent.objects.get(new__import="registry_monitored")  # one for the whole import
    assert audit.user is None and audit.object_id == str(run.pk) and audit.new["created"] == 3
    assert not AuditEvent.objects.filter(
        content_type__model="monitoredhousehold", object_id=str(liu.pk)
    ).exists()


def test_importing_again_adds_only_newly_monitored_households(cast, registry):
    import_registry_monitored()
    before = MonitoredHousehold.all_objects.count()
    again = import_registry_monitored()
    assert again.created == 0 and MonitoredHousehold.all_objects.count() == before
    assert AuditEvent.objects.filter(new__import="registry_monitored").count() == 1

    # The office's workflow wins: an imported record the office changed is not updated again.
    MonitoredHousehold.objects.filter(household=registry["liu"]).update(category="突发严重困难户")
    Household.objects.filter(pk=cast["zhang"].pk).update(monitoring_category="边缘易致贫户")
    call_command("import_registry_monitored")
    assert imported(cast["zhang"]).category == "边缘易致贫户"
    assert imported(registry["liu"]).category == "突发严重困难户"
    assert MonitoredHousehold.all_objects.count() == before + 1


def test_a_household_being_identified_is_left_to_its_case(cast, registry):
    """An open identification decides for itself; importing it too would make two records."""
    zhang = cast["zhang"]
    Household.objects.filter(pk=zhang.pk).update(monitoring_category="边缘易致贫户")
    make_case(SHIQIAO, opened_by=cast["township"], household=zhang)
    import_registry_monitored()
    assert not MonitoredHousehold.all_objects.filter(household=zhang).exists()
    assert imported(registry["liu"]).category == "边缘易致贫户"  # the others still come in


def test_the_dashboard_and_the_missing_measure_list_count_imported_households(cast, registry, client_for):
    import_registry_monitored()
    county = client_for(cast["county"])
    board = county.get(reverse("monitoring:dashboard")).context["dashboard"]
    rows = {row.category: (row.monitoring, row.proposed, row.eliminated) for row in board.categories}
    # 王秀英 (the office's own), 刘桂芳 and 何玉兰 monitored; 陈建国 eliminated.
    assert rows == {"脱贫不稳定户": (1, 0, 1), "边缘易致贫户": (1, 0, 0), "突发严重困难户": (1, 0, 0)}
    assert {row.label: row.households for row in board.stages}["监测中"] == 3

    page = county.get(reverse("monitoring:without_measures"))
    names = [row.name for row in page.context["households"]]
    # 刘桂芳's measures came with her; 何玉兰's export had none.
    assert sorted(names) == ["何玉兰", "王秀英"]
    assert page.text.count("国家系统导入</span>") == 1
    listed = county.get(reverse("monitoring:monitored_list")).text
    assert "陈建国" in listed and "礼县城关镇石桥村" in listed
    excel = county.get(reverse("monitoring:monitored_list_excel"))
    assert excel.status_code == 200


def test_an_imported_households_page_says_where_it_came_from(cast, registry, client_for):
    import_registry_monitored()
    liu = imported(registry["liu"])
    page = client_for(cast["village"]).get(reverse("monitoring:monitored", args=[liu.pk]))
    assert page.status_code == 200
    assert "国家系统已认定，本系统导入" in page.text and "2024年3月15日" in page.text
    assert "礼县城关镇石桥村" in page.text and 'id="current-measures"' in page.text
    chen = imported(registry["chen"])
    page = client_for(cast["village"]).get(reverse("monitoring:monitored", args=[chen.pk])).text
    assert "风险已消除，消除时间：2024年11月20日" in page
    household = client_for(cast["village"]).get(reverse("registry:household", args=[registry["liu"].pk]))
    assert household.status_code == 200 and "（国家系统已认定，本系统导入）" in household.text


def test_elimination_can_be_proposed_for_an_imported_household(cast, registry, client_for):
    import_registry_monitored()
    liu = imported(registry["liu"])
    village = client_for(cast["village"])
    url = reverse("monitoring:propose_elimination", args=[liu.pk])

    refused = village.post(url, {"note": ""})
    assert refused.status_code == 409 and not Elimination.objects.exists()  # readiness still applies

    make_measure(liu, cast["village"], kind="健康帮扶", content="大病专项救治")
    for days_ago, per_capita in ((200, 14000), (100, 15000), (0, 16000)):
        make_reassessment(liu, cast["village"], days_ago=days_ago, per_capita=per_capita)
    response = village.post(url, {"note": "收入持续稳定"})
    elimination = Elimination.objects.get()
    assert response.status_code == 302 and elimination.monitored == liu
    assert elimination.village_group == "" and elimination.place_name == "礼县城关镇石桥村"


@pytest.fixture(scope="module")
def small_city(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from fangfan.engine.ingest import import_directory
    from fangfan.engine.screen import screen_snapshot
    from fangfan.engine.snapshot import SnapshotStore
    from fangfan.engine.synth import generate_dataset

    home = tmp_path_factory.mktemp("registry_import_home")
    previous = os.environ.get("FANGFAN_HOME")
    os.environ["FANGFAN_HOME"] = str(home)
    try:
        generate_dataset(home / "exports", 120, 11, as_of=dt.date(2026, 10, 31))
        snapshot = import_directory(home / "exports", store=SnapshotStore(home / "snapshots")).snapshot
        run = screen_snapshot(snapshot, runs_root=home / "runs")
        yield home / "runs" / run.run_id, snapshot.path
    finally:
        if previous is None:
            os.environ.pop("FANGFAN_HOME", None)
        else:
            os.environ["FANGFAN_HOME"] = previous


@pytest.mark.django_db
def test_publishing_a_run_imports_its_monitored_households(small_city):
    from fangfan.web.publishing import publish_run

    result = publish_run(*small_city)
    monitored = Household.objects.exclude(monitoring_category="")
    assert monitored.exists()
    records = MonitoredHousehold.objects.filter(source=REGISTRY)
    assert records.count() == monitored.count()
    assert set(records.values_list("household_id", flat=True)) == set(monitored.values_list("pk", flat=True))
    assert records.filter(imported_run=result.run).count() == records.count()
    eliminated = monitored.filter(risk_eliminated=True).count()
    assert records.filter(status="eliminated").count() == eliminated
    assert Run.objects.get(is_current=True) == result.run


@pytest.mark.django_db
def test_a_published_runs_imported_records_and_measures_are_what_each_household_says(small_city):
    """The import writes its records and measures as sets through the bulk loader: each
    holds what the household's own row says, as `registry_measures` makes them one by one."""
    from fangfan.web.publishing import publish_run

    run = publish_run(*small_city).run
    records = list(MonitoredHousehold.objects.filter(source=REGISTRY).select_related("household"))
    assert records and sum(bool(r.household.measures) for r in records) > 1
    fields = (
        "household_id",
        "village_code",
        "kind",
        "covers_everyone",
        "content",
        "start_date",
        "cadre_name",
        "cadre_phone",
        "imported_run_id",
        "person_name",
        "item",
        "amount_period",
        "end_note",
        "amount",
        "end_date",
        "member_id",
        "cadre_id",
        "created_by_id",
        "deleted_at",
    )
    written = expected = 0
    for record in records:
        household = record.household
        assert (record.name, record.village_code, record.category, record.risk_types) == (
            household.head_name,
            household.village_code,
            category_of(household.monitoring_category),
            risk_types_of(household.main_risk),
        )
        assert record.monitoring_start == (household.monitoring_since or run.as_of)
        assert record.status == ("eliminated" if household.risk_eliminated else "monitored")
        assert record.eliminated_on == (
            (household.risk_eliminated_on or run.as_of) if household.risk_eliminated else None
        )
        assert (record.reassessment_clock_start, record.imported_run_id, record.case_id) == (
            timezone.localdate(),
            run.pk,
            None,
        )
        made = registry_measures(
            record, household.measures, household.helper_name, household.helper_phone, run
        )
        saved = list(record.measures.order_by("pk"))
        assert [[getattr(m, f) for f in fields] for m in saved] == [
            [getattr(m, f) for f in fields] for m in made
        ]
        assert all(m.is_current() and m.imported for m in saved)
        written, expected = written + len(saved), expected + len(made)
    assert written == expected > len(records) // 2
    audit = AuditEvent.objects.get(new__import="registry_monitored")
    assert (audit.new["created"], audit.new["measures"]) == (len(records), written)


def test_on_day_one_imported_households_are_neither_falsely_overdue_nor_without_their_measures(
    cast, registry, client_for
):
    """刘桂芳 has been monitored since March 2024: the export holds no date of her last
    assessment, so her re-assessment clock starts at the import, and the page says so."""
    counts = import_registry_monitored()
    assert counts.measures == 2
    liu = imported(registry["liu"])
    assert liu.reassessment_clock_start == timezone.localdate()
    measures = {m.kind: m for m in liu.measures.all()}
    assert set(measures) == {"健康帮扶", "教育帮扶"}
    health = measures["健康帮扶"]
    assert (health.cadre_name, health.start_date, health.created_by, health.imported) == (
        "李卫东",
        dt.date(2024, 3, 15),
        None,
        True,
    )
    assert health.is_current() and health.imported_run == current_run()

    county = client_for(cast["county"])
    figures = county.get(reverse("monitoring:dashboard")).context["dashboard"].figures
    # 王秀英 (the office's own, 240 days without a visit) is the only one overdue; 何玉兰
    # (no measures in the export) and 王秀英 are the only ones without measures.
    assert (figures.overdue_reassessments, figures.without_measures) == (1, 2)
    assert figures.clock_from_import == 2  # 刘桂芳 and 何玉兰, and the page says so
    board = county.get(reverse("monitoring:dashboard")).text
    assert "其中 2 户国家系统导入、导出未含评估日期，回访自导入日起算" in board
    page = client_for(cast["village"]).get(reverse("monitoring:monitored", args=[liu.pk])).text
    assert 'id="clock-from-import"' in page and "国家系统导出未含最近一次评估日期" in page
    assert "国家系统导入" in page and "李卫东" in page and 'id="no-measure"' not in page
    listed = county.get(reverse("monitoring:monitored_list"), {"overdue": "on"})
    assert [row.name for row in listed.context["households"]] == ["王秀英"]
    book = CalamineWorkbook.from_filelike(
        io.BytesIO(b"".join(county.get(reverse("monitoring:monitored_list_excel")).streaming_content))
    )
    sheet = book.get_sheet_by_name(book.sheet_names[0]).to_python()
    note = sheet[0].index("回访起算说明")
    notes = {row[0]: row[note] for row in sheet[1:]}
    assert notes["刘桂芳"] == "国家系统导出未含最近评估日期，自导入日起算" and notes["王秀英"] == ""


def test_households_imported_before_measures_were_get_them_and_the_clock_on_the_next_import(cast, registry):
    import_registry_monitored()
    liu = imported(registry["liu"])
    liu.measures.all().delete()
    Measure.all_objects.filter(monitored=liu).delete()
    MonitoredHousehold.objects.filter(source=REGISTRY).update(reassessment_clock_start=None)
    again = import_registry_monitored()
    assert (again.created, again.clock_started, again.measures) == (0, 3, 2)
    assert liu.measures.count() == 2
    assert not MonitoredHousehold.objects.filter(source=REGISTRY, reassessment_clock_start=None).exists()
    assert "此前导入的 3 户回访自今日起算" in again.describe()

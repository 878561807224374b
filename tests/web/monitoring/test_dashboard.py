"""The monitoring dashboard against the records, at the county, the township and the city.

In 礼县 (城关镇):
- 石桥村: 王秀英, 脱贫不稳定户 for illness and lack of labour, monitored 200 days with no
  measure and no re-assessment (overdue), she and her son without a safeguard; 赵永福,
  边缘易致贫户 after the flood, monitored 100 days ago and eliminated today; a new
  report 20 days old still waiting for the home check (an overdue identification);
- 上坪村: 张德顺, 突发严重困难户, monitored 30 days, 低保 for the household, re-assessed
  five days ago and proposed for elimination.
In 武都区: 马占山, monitored 10 days (only the city sees him).
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from fangfan.web.monitoring.dashboard import Figures, month_starts
from fangfan.web.monitoring.models import MonitoredHousehold
from fangfan.web.monitoring.testing import (
    make_case,
    make_elimination,
    make_measure,
    make_monitored,
    make_reassessment,
)

pytestmark = pytest.mark.django_db
SHIQIAO, SHANGPING, BEIGUAN = "621226100201", "621226100202", "621202001201"


@pytest.fixture
def records(cast: dict[str, Any]) -> dict[str, MonitoredHousehold]:
    township = cast["township"]
    wang = make_monitored(
        SHIQIAO,
        opened_by=township,
        household=cast["wang"],
        days_ago=200,
        category="脱贫不稳定户",
        risk_types=["因病", "缺劳力"],
    )
    zhao = make_monitored(
        SHIQIAO, opened_by=township, household=cast["zhao"], days_ago=100, risk_types=["因灾"]
    )
    zhao.update_audited(None, status="eliminated", eliminated_on=timezone.localdate())
    zhang = make_monitored(
        SHANGPING, opened_by=township, household=cast["zhang"], days_ago=30, category="突发严重困难户"
    )
    make_measure(zhang, cast["shangping"], kind="兜底保障", item="低保", covers_everyone=True)
    make_reassessment(zhang, cast["shangping"], days_ago=5)
    make_elimination(zhang, cast["shangping"], days_ago=2)
    make_case(SHIQIAO, opened_by=township, days_ago=20)
    ma = make_monitored(BEIGUAN, opened_by=cast["wudu_township"], household=cast["ma"], days_ago=10)
    return {"wang": wang, "zhao": zhao, "zhang": zhang, "ma": ma}


LIXIAN = Figures(
    identifying=1,
    monitoring=1,
    proposed=1,
    eliminated=1,
    overdue_cases=1,
    overdue_reassessments=1,
    without_measures=1,
    without_safeguards=2,
)


def test_the_county_dashboard_counts_its_records_by_category_risk_stage_and_month(cast, client_for, records):
    page = client_for(cast["county"]).get(reverse("monitoring:dashboard"))
    board = page.context["dashboard"]
    assert board.region.code == "621226" and board.figures == LIXIAN
    assert [(row.category, row.monitoring, row.proposed, row.eliminated) for row in board.categories] == [
        ("脱贫不稳定户", 1, 0, 0),
        ("边缘易致贫户", 0, 0, 1),
        ("突发严重困难户", 0, 1, 0),
    ]
    risks = {row.label: row.households for row in board.risks}
    assert risks == {**dict.fromkeys(risks, 0), "因病": 2, "缺劳力": 1}
    assert [(row.label, row.households) for row in board.stages] == [
        ("识别中", 1),
        ("监测中", 1),
        ("已提出风险消除", 1),
        ("风险已消除", 1),
    ]
    today = timezone.localdate()
    starts = Counter(
        (today - dt.timedelta(days=days)).replace(day=1) for days in (200, 100, 30)
    )  # 马占山 is 武都区's
    assert [(row.month, row.identified, row.eliminated) for row in board.months] == [
        (first, starts[first], 1 if first == today.replace(day=1) else 0) for first in month_starts(today)
    ]
    assert [(child.name, child.figures) for child in board.children] == [("城关镇", LIXIAN)]
    assert "马占山" not in page.text and 'id="monitoring-dashboard-data"' in page.text
    assert 'id="figure-without-safeguards">2<' in page.text
    assert "chart.umd.min.js" in page.text and "monitoring/dashboard.js" in page.text


def test_the_township_compares_its_villages_and_the_city_its_counties(cast, client_for, records):
    township = client_for(cast["township"]).get(reverse("monitoring:dashboard")).context["dashboard"]
    assert township.figures == LIXIAN and township.child_level == "行政村"
    by_village = {child.name: child.figures for child in township.children}
    assert by_village == {
        "石桥村": Figures(
            identifying=1,
            monitoring=1,
            eliminated=1,
            overdue_cases=1,
            overdue_reassessments=1,
            without_measures=1,
            without_safeguards=2,
        ),
        "上坪村": Figures(proposed=1),
    }
    # The county looks at one of its villages: the same numbers as the township saw for it.
    village = client_for(cast["county"]).get(reverse("monitoring:dashboard"), {"region": SHANGPING})
    assert (
        village.context["dashboard"].figures == Figures(proposed=1)
        and not village.context["dashboard"].children
    )

    city = client_for(cast["city"]).get(reverse("monitoring:dashboard")).context["dashboard"]
    by_county = {child.name: child.figures for child in city.children}
    assert by_county["礼县"] == LIXIAN
    assert by_county["武都区"] == Figures(monitoring=1, without_measures=1)
    assert city.figures.monitoring == 2 and city.figures.identifying == 1


def test_the_dashboard_downloads_its_tables_and_stays_inside_the_region(cast, client_for, records):
    county = client_for(cast["county"])
    assert county.get(reverse("monitoring:dashboard"), {"region": "621202"}).status_code == 404
    assert client_for(cast["department"]).get(reverse("monitoring:dashboard")).status_code == 403
    assert client_for(cast["inspector"]).get(reverse("monitoring:dashboard")).status_code == 200
    response = county.get(reverse("monitoring:dashboard_excel"))
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheet_names == [
        "汇总",
        "按类别",
        "按风险类型",
        "按环节",
        "逐月新增与消除",
        "各乡(镇)比较",
        "政策知晓率",
    ]
    summary = book.get_sheet_by_name("汇总").to_python()
    assert summary[1][:9] == ["礼县", 1, 1, 1, 1, 1, 1, 1, 2]
    categories = book.get_sheet_by_name("按类别").to_python()
    assert categories[1] == ["脱贫不稳定户", 1, 0, 0, 1]
    children = book.get_sheet_by_name("各乡(镇)比较").to_python()
    assert children[1][:2] == ["城关镇", "621226100"]

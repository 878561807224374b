"""应纳未纳: candidates the engine flags that nobody takes up in time, with the cast of conftest.

Signals (`MonitoringSignal`, as a published run carries them):
- 赵永福 (石桥村) and 王秀英 (石桥村): high and medium signals since a run published 20 days
  ago, repeated by the current run — nobody has started an identification;
- 张德顺 (上坪村): first flagged by the current run, published 3 days ago — still in time;
- 孙桂兰 (上坪村): only a low signal (a death in old age), not a candidate;
- 马占山 (北关村, 武都区): flagged 20 days ago, outside 礼县.
Then the township takes 王秀英's lead up: she leaves the list.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from fangfan.web.monitoring.models import MonitoringSignal
from fangfan.web.monitoring.testing import make_intake
from fangfan.web.registry.models import Household, Run
from fangfan.web.workqueue.testing import current_run

SHIQIAO = "621226100201"


def signal(
    run: Run, household: Household, severity: str = "high", name: str = "人均纯收入低于监测标准"
) -> None:
    MonitoringSignal.objects.create(
        run=run,
        household=household,
        village_code=household.village_code,
        township_code=household.village_code[:9],
        county_code=household.village_code[:6],
        signal_code="INCOME_BELOW_THRESHOLD",
        signal_name=name,
        severity=severity,
        message=name,
        policy_year=2025,
    )


@pytest.fixture
def flagged(cast: dict[str, Any]) -> dict[str, Run]:
    now = timezone.now()
    current = current_run()
    earlier = Run.objects.create(
        run_id="run-earlier", snapshot_id="snap-earlier", as_of=dt.date(2026, 10, 31), policy_year=2025
    )
    Run.objects.filter(pk=earlier.pk).update(published_at=now - dt.timedelta(days=20))
    Run.objects.filter(pk=current.pk).update(published_at=now - dt.timedelta(days=3))
    for household in (cast["zhao"], cast["wang"], cast["ma"]):
        signal(earlier, household)
        signal(current, household, "medium", "人均纯收入比上年大幅下降")
    signal(current, cast["zhang"])
    signal(earlier, cast["sun"], "low", "家庭成员死亡")
    signal(current, cast["sun"], "low", "家庭成员死亡")
    return {"earlier": earlier, "current": current}


def test_candidates_nobody_took_up_within_the_days_are_counted_and_listed(cast, flagged, client_for):
    county = client_for(cast["county"])
    figures = county.get(reverse("monitoring:dashboard")).context["dashboard"].figures
    assert (
        figures.unclaimed_candidates == 2
    )  # 赵永福 and 王秀英; 张德顺 in time, 孙桂兰 low, 马占山 elsewhere
    board = county.get(reverse("monitoring:dashboard"), {"region": "621226100"})
    per_village = {row.name: row.figures.unclaimed_candidates for row in board.context["dashboard"].children}
    assert per_village["石桥村"] == 2 and per_village["上坪村"] == 0
    assert 'id="figure-unclaimed"' in board.text and "超过15天未启动识别" in board.text
    city = client_for(cast["city"]).get(reverse("monitoring:dashboard")).context["dashboard"]
    assert city.figures.unclaimed_candidates == 3

    page = county.get(reverse("monitoring:unclaimed"))
    assert page.status_code == 200
    rows = list(page.context["households"])
    assert sorted(row.head_name for row in rows) == sorted([cast["zhao"].head_name, cast["wang"].head_name])
    assert "人均纯收入低于监测标准" not in page.text  # only the current run's signals are named
    assert "人均纯收入比上年大幅下降" in page.text and "20 天" in page.text
    book = CalamineWorkbook.from_filelike(
        io.BytesIO(b"".join(county.get(reverse("monitoring:unclaimed_excel")).streaming_content))
    )
    sheet = book.get_sheet_by_name(book.sheet_names[0]).to_python()
    assert sheet[0][:3] == ["户主姓名", "户编号", "县(区)"] and len(sheet) == 3
    assert {row[7] for row in sheet[1:]} == {"人均纯收入比上年大幅下降"}
    assert (
        client_for(cast["wudu_county"])
        .get(reverse("monitoring:unclaimed"))
        .context["households"]
        .paginator.count
        == 1
    )


def test_a_candidate_taken_up_leaves_the_list(cast, flagged, client_for):
    intake = make_intake(SHIQIAO, household=cast["wang"], days_ago=2)
    township = client_for(cast["township"])
    assert township.post(reverse("monitoring:take_up", args=[intake.pk]), {"note": "核实"}).status_code == 302
    page = township.get(reverse("monitoring:unclaimed"))
    assert [row.head_name for row in page.context["households"]] == [cast["zhao"].head_name]
    figures = township.get(reverse("monitoring:dashboard")).context["dashboard"].figures
    assert figures.unclaimed_candidates == 1


def test_the_days_are_a_setting(cast, flagged, client_for, monkeypatch):
    monkeypatch.setenv("FANGFAN_UNCLAIMED_CANDIDATE_DAYS", "30")
    county = client_for(cast["county"])
    assert county.get(reverse("monitoring:dashboard")).context["dashboard"].figures.unclaimed_candidates == 0
    monkeypatch.setenv("FANGFAN_UNCLAIMED_CANDIDATE_DAYS", "2")
    page = county.get(reverse("monitoring:unclaimed"))
    assert page.context["households"].paginator.count == 3  # 张德顺 too, after 3 days
    assert "超过 <strong>2</strong> 天" in page.text


def test_only_readers_inside_see_the_list(cast, flagged, client_for):
    assert client_for(cast["department"]).get(reverse("monitoring:unclaimed")).status_code == 403
    outside = client_for(cast["county"]).get(reverse("monitoring:unclaimed"), {"region": "621202"})
    assert outside.status_code == 404  # a region outside the account's, as everywhere

"""人人有防返贫措施: the page's safeguards per member and the list of people without one
are the same lookups (`lists.own_safeguards`, `lists.household_safeguards`), so they agree.

王秀英's household in 石桥村 and 孙桂兰's in 上坪村 are monitored:
- 王秀英 has 健康帮扶 of her own, current; her son 李明 had one that ended yesterday, and
  the household's 产业帮扶 (for the household, not every member) does not cover him.
- 孙桂兰 is covered by the household's 低保 that covers everyone, until a planned 危房改造
  for her alone, starting next week, which is not current yet either.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from fangfan.web.accounts.models import User
from fangfan.web.monitoring import lists
from fangfan.web.monitoring.models import Measure, MonitoredHousehold
from fangfan.web.monitoring.testing import make_monitored
from fangfan.web.monitoring.views.monitored import safeguards
from fangfan.web.registry.models import Member

pytestmark = pytest.mark.django_db
SHIQIAO, SHANGPING = "621226100201", "621226100202"


def measure(
    monitored: MonitoredHousehold, kind: str, *, member: Member | None = None, **fields: Any
) -> Measure:
    today = timezone.localdate()
    values: dict[str, Any] = {
        "monitored": monitored,
        "household": monitored.household,
        "member": member,
        "person_name": member.name if member else "",
        "village_code": monitored.village_code,
        "kind": kind,
        "content": kind,
        "start_date": today - dt.timedelta(days=30),
        "cadre_name": "李干部",
        **fields,
    }
    return Measure.objects.create(**values)


def test_the_household_page_and_the_list_of_people_without_a_safeguard_agree(cast: dict[str, Any]) -> None:
    today = timezone.localdate()
    wang_household = make_monitored(SHIQIAO, opened_by=cast["village"], household=cast["wang"])
    sun_household = make_monitored(SHANGPING, opened_by=cast["shangping"], household=cast["sun"])
    wang, li_ming = Member.objects.get(name="王秀英"), Member.objects.get(name="李明")
    sun = Member.objects.get(name="孙桂兰")
    measure(wang_household, "健康帮扶", member=wang)
    measure(wang_household, "健康帮扶", member=li_ming, end_date=today - dt.timedelta(days=1))
    measure(wang_household, "产业帮扶")
    measure(sun_household, "兜底保障", item="低保", covers_everyone=True)
    measure(sun_household, "住房保障", member=sun, start_date=today + dt.timedelta(days=7))

    city: User = cast["city"]
    without = {m.pk for m in lists.without_safeguards(city, lists.RegionFilter(city, {}))}
    on_pages = {
        row["member"].pk: [m.kind for m in row["measures"]]
        for monitored in (wang_household, sun_household)
        for row in safeguards(monitored, today)
    }
    assert on_pages == {wang.pk: ["健康帮扶"], li_ming.pk: [], sun.pk: ["兜底保障"]}
    assert without == {pk for pk, kinds in on_pages.items() if not kinds} == {li_ming.pk}

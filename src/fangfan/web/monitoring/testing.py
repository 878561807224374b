"""Leads, cases, visits, monitored households, measures and re-assessments for tests,
without going through the forms.

from fangfan.web.monitoring.testing import make_case, make_monitored
case = make_case("621226100201", stage="notice", days_ago=8)   # 石桥村, 礼县
monitored = make_monitored("621226100201", opened_by=township, days_ago=240)

Dates are set explicitly (`days_ago` before today), never waited for. The fill token of
the public form can be minted as if the form had been served a minute ago:
`spam.fill_token(time.time() - 60)` (`aged_token()`).
"""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from fangfan.web.accounts.audit import record_creation
from fangfan.web.accounts.models import User
from fangfan.web.monitoring import spam
from fangfan.web.monitoring.actions.identification import store_consent_scan
from fangfan.web.monitoring.actions.reports import new_reference
from fangfan.web.monitoring.models import (
    Case,
    Elimination,
    Intake,
    Measure,
    MonitoredHousehold,
    Reassessment,
    Source,
    Visit,
)
from fangfan.web.monitoring.places import place_name
from fangfan.web.monitoring.threshold import income_year_on, monitoring_threshold
from fangfan.web.monitoring.workflow import DECISION_DAYS, EliminationStage, Stage
from fangfan.web.registry.models import Household
from fangfan.web.workqueue.testing import make_household

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def aged_token(seconds: float = 60) -> str:
    """A fill token as if the public form had been served `seconds` ago."""
    return spam.fill_token(time.time() - seconds)


def make_intake(
    village_code: str, *, household: Household | None = None, days_ago: int = 0, **fields: Any
) -> Intake:
    """A self-reported lead in the village, discovered `days_ago` days before today."""
    discovered = timezone.localdate() - dt.timedelta(days=days_ago)
    values: dict[str, Any] = {
        "source": Source.SELF_REPORT,
        "name": household.head_name if household else "申报人",
        "description": "家里有人生了大病，医药费花了很多",
        **fields,
    }
    intake = Intake(
        reference=new_reference(discovered),
        village_code=village_code,
        township_code=village_code[:9],
        county_code=village_code[:6],
        place_name=place_name(village_code),
        household=household,
        discovered_on=discovered,
        **values,
    )
    intake.save()
    record_creation(None, intake)
    return intake


def make_case(
    village_code: str,
    *,
    opened_by: User,
    household: Household | None = None,
    stage: str = Stage.HOME_CHECK,
    days_ago: int = 1,
    **fields: Any,
) -> Case:
    """A case on a new lead of the village, already at `stage`, discovered `days_ago` days ago.

    Stages past the home check get a consent scan; past the village review, a notice
    that began the day after discovery and ran the minimum five days.
    """
    household = household or make_household(village_code)
    intake = make_intake(village_code, household=household, days_ago=days_ago, status=Intake.Status.TAKEN_UP)
    order = list(Stage.values)
    reached = order.index(stage)
    values: dict[str, Any] = {}
    if reached > order.index(Stage.HOME_CHECK):
        values.update(checked_on=intake.discovered_on, check_note="入户核实属实", village_group="一组")
        values.update(consent_signed_on=intake.discovered_on)
    if reached > order.index(Stage.VILLAGE_REVIEW):
        start = intake.discovered_on + dt.timedelta(days=1)
        values.update(reviewed_on=start, review_note="评议通过", proposed_category="边缘易致贫户")
        values.update(
            proposed_risk_types=["因病"], notice_start=start, notice_end=start + dt.timedelta(days=5)
        )
    case = Case(
        intake=intake,
        household=household,
        village_code=village_code,
        township_code=village_code[:9],
        county_code=village_code[:6],
        place_name=intake.place_name,
        name=household.head_name,
        discovered_on=intake.discovered_on,
        deadline=intake.discovered_on + dt.timedelta(days=DECISION_DAYS),
        opened_by=opened_by,
        stage=stage,
        **{**values, **fields},
    )
    if "checked_on" in values:
        case.consent_scan = store_consent_scan(ContentFile(PNG, name="consent.png"))
    case.save()
    record_creation(opened_by, case)
    return case


def make_visit(household: Household, visitor: User, **fields: Any) -> Visit:
    """A visit that found the household above the threshold."""
    values: dict[str, Any] = {
        "visited_on": timezone.localdate(),
        "wage_income": 40000,
        "household_size": 4,
        "net_income": 40000,
        "net_income_per_capita": 10000,
        "threshold_year": income_year_on(timezone.localdate()),
        "threshold": monitoring_threshold(income_year_on(timezone.localdate())).yuan,
        "threshold_note": "测试",
        **fields,
    }
    visit = Visit.objects.create(
        household=household, village_code=household.village_code, visitor=visitor, **values
    )
    record_creation(visitor, visit)
    return visit


def make_monitored(
    village_code: str,
    *,
    opened_by: User,
    household: Household | None = None,
    days_ago: int = 200,
    category: str = "边缘易致贫户",
    risk_types: list[str] | None = None,
) -> MonitoredHousehold:
    """A household decided into monitoring, its monitoring start `days_ago` days before today."""
    case = make_case(
        village_code, opened_by=opened_by, household=household, stage=Stage.DECIDED, days_ago=days_ago
    )
    risks = risk_types or ["因病"]
    case.update_audited(
        None,
        decided_on=case.discovered_on,
        category=category,
        risk_types=risks,
        monitoring_start=case.discovered_on,
    )
    monitored = MonitoredHousehold.objects.create(
        case=case,
        household=case.household,
        village_code=village_code,
        name=case.name,
        category=category,
        risk_types=risks,
        monitoring_start=case.discovered_on,
    )
    record_creation(opened_by, monitored)
    return monitored


def make_measure(monitored: MonitoredHousehold, by: User, *, days_ago: int = 30, **fields: Any) -> Measure:
    """A household measure (产业帮扶 unless said) started `days_ago` days before today."""
    values: dict[str, Any] = {
        "kind": "产业帮扶",
        "content": "发放中药材种苗，技术员上门指导",
        "cadre_name": "李干部",
        "start_date": timezone.localdate() - dt.timedelta(days=days_ago),
        **fields,
    }
    measure = Measure.objects.create(
        monitored=monitored,
        household_id=monitored.household_id,
        village_code=monitored.village_code,
        created_by=by,
        **values,
    )
    record_creation(by, measure)
    return measure


def make_reassessment(
    monitored: MonitoredHousehold,
    by: User,
    *,
    days_ago: int,
    per_capita: float = 12000,
    size: int = 3,
    **fields: Any,
) -> Reassessment:
    """A re-assessment `days_ago` days back that found `per_capita` a head (all of it wages)."""
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    threshold = monitoring_threshold(income_year_on(day)).yuan
    net = Decimal(str(per_capita)) * size
    values: dict[str, Any] = {
        "wage_income": net,
        "household_size": size,
        "net_income": net,
        "net_income_per_capita": Decimal(str(per_capita)),
        "threshold_year": income_year_on(day),
        "threshold": threshold,
        "below_threshold": Decimal(str(per_capita)) < threshold,
        **fields,
    }
    reassessment = Reassessment.objects.create(
        monitored=monitored,
        household_id=monitored.household_id,
        village_code=monitored.village_code,
        assessor=by,
        assessed_on=day,
        **values,
    )
    record_creation(by, reassessment)
    return reassessment


def make_elimination(
    monitored: MonitoredHousehold, by: User, *, stage: str = EliminationStage.HOME_CHECK, days_ago: int = 8
) -> Elimination:
    """An elimination proposed `days_ago` days back, already at `stage`.

    Past the home check it was checked the day it was proposed; past the village
    review its notice began the day after and ran the minimum five days.
    """
    proposed = timezone.localdate() - dt.timedelta(days=days_ago)
    order = list(EliminationStage.values)
    reached = order.index(stage)
    values: dict[str, Any] = {}
    if reached > order.index(EliminationStage.HOME_CHECK):
        values.update(checked_on=proposed, check_note="入户核实：收入稳定", village_group="一组")
    if reached > order.index(EliminationStage.VILLAGE_REVIEW):
        start = proposed + dt.timedelta(days=1)
        values.update(reviewed_on=start, review_note="评议同意", notice_start=start)
        values.update(notice_end=start + dt.timedelta(days=5))
    elimination = Elimination.objects.create(
        monitored=monitored,
        household_id=monitored.household_id,
        village_code=monitored.village_code,
        place_name=place_name(monitored.village_code),
        name=monitored.name,
        stage=stage,
        proposed_on=proposed,
        proposed_by=by,
        basis="收入持续稳定：测试",
        **values,
    )
    record_creation(by, elimination)
    return elimination

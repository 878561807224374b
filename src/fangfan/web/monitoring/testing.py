"""Leads, cases and visits for tests, without going through the forms.

from fangfan.web.monitoring.testing import make_case
case = make_case("621226100201", stage="notice", days_ago=8)   # 石桥村, 礼县

Dates are set explicitly (`days_ago` before today), never waited for. The fill token of
the public form can be minted as if the form had been served a minute ago:
`spam.fill_token(time.time() - 60)` (`aged_token()`).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from fangfan.web.accounts.audit import record_creation
from fangfan.web.accounts.models import User
from fangfan.web.monitoring import spam
from fangfan.web.monitoring.actions.discovery import new_reference
from fangfan.web.monitoring.actions.identification import store_consent_scan
from fangfan.web.monitoring.models import Case, Intake, Source, Visit
from fangfan.web.monitoring.places import place_name
from fangfan.web.monitoring.workflow import DECISION_DAYS, Stage
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
        "threshold_year": timezone.localdate().year,
        "threshold": 8700,
        "threshold_note": "测试",
        **fields,
    }
    visit = Visit.objects.create(
        household=household, village_code=household.village_code, visitor=visitor, **values
    )
    record_creation(visitor, visit)
    return visit

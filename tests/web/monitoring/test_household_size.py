"""One rule for the household size a visit and a re-assessment divide by.

- 张德顺's household in 上坪村 has three people in the registry: both divide by three.
- 孙桂兰's household, imported before the registry counted its members (在册人数 0, no
  家庭人口数), has no size: a visit and a re-assessment both ask for it, and with none
  typed in both are refused (人口数未知) instead of dividing by one.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from fangfan.web.monitoring.actions.assistance import record_reassessment
from fangfan.web.monitoring.actions.discovery import record_visit
from fangfan.web.monitoring.income import UNKNOWN_SIZE, UnknownHouseholdSize, income_account
from fangfan.web.monitoring.models import Reassessment, Visit
from fangfan.web.monitoring.testing import make_monitored
from fangfan.web.procedures.base import WorkflowError

pytestmark = pytest.mark.django_db
SHANGPING = "621226100202"
AMOUNTS = {
    "wage_income": Decimal(9000),
    "business_income": Decimal(0),
    "property_income": Decimal(0),
    "transfer_income": Decimal(0),
    "business_cost": Decimal(0),
    "rigid_spending": Decimal(0),
}


def sizeless(cast):
    sun = cast["sun"]
    sun.people, sun.household_size = 0, None
    sun.save()
    return sun


def form_data(**changes: object) -> dict[str, object]:
    return {
        "visited_on": timezone.localdate().isoformat(),
        **{k: str(v) for k, v in AMOUNTS.items()},
        **changes,
    }


def test_an_account_without_a_household_size_is_refused_not_divided_by_one():
    account = income_account(
        wage=9000, business=0, property=0, transfer=0, business_cost=0, household_size=0, threshold=7800
    )
    with pytest.raises(UnknownHouseholdSize, match="人口数未知"):
        _ = account.per_capita


def test_a_visit_and_a_reassessment_divide_by_the_registrys_size(cast):
    zhang, team = cast["zhang"], cast["shangping"]
    visit = record_visit(team, zhang, timezone.localdate(), AMOUNTS).visit
    monitored = make_monitored(SHANGPING, opened_by=team, household=zhang)
    reassessment = record_reassessment(team, monitored, timezone.localdate(), AMOUNTS)
    for record in (visit, reassessment):
        assert (record.household_size, record.net_income_per_capita) == (3, Decimal("3000.00"))


def test_without_a_size_a_visit_and_a_reassessment_are_both_refused_in_chinese(cast):
    sun, team = sizeless(cast), cast["shangping"]
    with pytest.raises(WorkflowError) as visit_refused:
        record_visit(team, sun, timezone.localdate(), AMOUNTS)
    monitored = make_monitored(SHANGPING, opened_by=team, household=sun)
    with pytest.raises(WorkflowError) as reassessment_refused:
        record_reassessment(team, monitored, timezone.localdate(), AMOUNTS)
    assert str(visit_refused.value) == str(reassessment_refused.value) == UNKNOWN_SIZE
    assert not Visit.objects.exists() and not Reassessment.objects.exists()


def test_both_forms_ask_for_the_size_the_registry_lacks_and_divide_by_what_is_typed(cast, client_for):
    sun, team = sizeless(cast), client_for(cast["shangping"])
    monitored = make_monitored(SHANGPING, opened_by=cast["shangping"], household=sun)
    pages = (
        reverse("monitoring:visit_new", args=[sun.pk]),
        reverse("monitoring:reassess", args=[monitored.pk]),
    )
    for page in pages:
        form = team.get(page)
        assert 'name="household_size"' in form.text and "人口数未知" in form.text, page
        missing = team.post(page, form_data())
        assert missing.status_code == 400 and "household_size" in missing.context["form"].errors, page
        assert team.post(page, form_data(household_size=2)).status_code == 302, page
    for record in (Visit.objects.get(), Reassessment.objects.get()):
        assert (record.household_size, record.net_income_per_capita) == (2, Decimal("4500.00"))


def test_a_registered_size_is_not_asked_for(cast, client_for):
    zhang, team = cast["zhang"], client_for(cast["shangping"])
    form = team.get(reverse("monitoring:visit_new", args=[zhang.pk]))
    assert 'name="household_size"' not in form.text and "3</strong> 人" in form.text

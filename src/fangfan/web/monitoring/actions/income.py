"""The 算细账 a visit (`record_visit`) and a re-assessment (`record_reassessment`) work out:
one rule for the household size, one account, refused in Chinese when it cannot be made."""

from __future__ import annotations

from collections.abc import Mapping

from fangfan.web.monitoring.income import (
    IncomeAccount,
    UnknownHouseholdSize,
    account_from,
    household_size_for,
    registered_size,
)
from fangfan.web.procedures.base import WorkflowError
from fangfan.web.registry.models import Household


def assessment_account(
    household: Household | None, typed_size: int | None, amounts: Mapping[str, object], threshold: object
) -> IncomeAccount:
    """The account divided by the registry's household size, else by `typed_size`; with
    neither, refused (人口数未知) rather than divided by one."""
    registered = registered_size(household.people, household.household_size) if household else None
    try:
        size = household_size_for(registered, typed_size)
    except UnknownHouseholdSize as unknown:
        raise WorkflowError(str(unknown)) from None
    return account_from(amounts, size, threshold)

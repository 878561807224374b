"""A household's income worked out item by item (算细账), against the year's threshold.

Plain Python, no Django: net income = wage + business + property + transfer income −
business costs; per-capita net income = net income ÷ household members (DOMAIN.md,
Income). A household is in range when the per-capita income is below the threshold,
or when rigid spending (illness, schooling) exceeds the household's net income.

One rule for the household size, visits and re-assessments alike (`household_size_for`):
the registry's (members in 正常 status, else its 家庭人口数), else the size the cadre
types in; with neither the account is refused (人口数未知), never divided by one.
`assessment_values` is what both record, field by field (`models.IncomeAssessment`).

>>> account = income_account(wage=9000, business=3000, property=0, transfer=1200,
...                          business_cost=1000, household_size=3, threshold=7800)
>>> account.net_income, account.per_capita, account.below_threshold
(Decimal('12200'), Decimal('4066.67'), True)
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
UNKNOWN_SIZE = "该户家庭人口数未知（系统中没有在册人数），无法计算人均纯收入：请填写家庭人口数"
AMOUNT_FIELDS = (
    "wage_income",
    "business_income",
    "property_income",
    "transfer_income",
    "business_cost",
    "rigid_spending",
)


class UnknownHouseholdSize(ValueError):
    """No household size to divide by: the account is refused, not divided by one."""

    def __init__(self) -> None:
        super().__init__(UNKNOWN_SIZE)


def household_size_for(registered: int | None, typed: int | None = None) -> int:
    """The size an account divides by: the registry's, else the one typed in.

    >>> household_size_for(3), household_size_for(None, 4)
    (3, 4)
    >>> try:
    ...     household_size_for(0)
    ... except UnknownHouseholdSize as refused:
    ...     print(refused)  # doctest: +ELLIPSIS
    该户家庭人口数未知（系统中没有在册人数），无法计算人均纯收入...
    """
    size = registered or typed
    if not size or size < 1:
        raise UnknownHouseholdSize
    return size


def registered_size(people: int | None, household_size: int | None) -> int | None:
    """The registry's size of a household: its members in 正常 status, else its 家庭人口数."""
    return people or household_size or None


@dataclass(frozen=True, kw_only=True)
class IncomeAccount:
    wage: Decimal
    business: Decimal
    # 财产性收入. Named `property` as everywhere else (the form and model fields), so in
    # this class body the decorator is spelt `builtins.property`.
    property: Decimal
    transfer: Decimal
    business_cost: Decimal
    rigid_spending: Decimal
    household_size: int
    threshold: Decimal

    @builtins.property
    def net_income(self) -> Decimal:
        return self.wage + self.business + self.property + self.transfer - self.business_cost

    @builtins.property
    def per_capita(self) -> Decimal:
        return (self.net_income / household_size_for(self.household_size)).quantize(
            CENT, rounding=ROUND_HALF_UP
        )

    @builtins.property
    def below_threshold(self) -> bool:
        return self.per_capita < self.threshold

    @builtins.property
    def spending_exceeds_income(self) -> bool:
        """Rigid spending clearly above what the household earns (more than its net income)."""
        return self.rigid_spending > 0 and self.rigid_spending > self.net_income

    @builtins.property
    def in_range(self) -> bool:
        return self.below_threshold or self.spending_exceeds_income

    def reasons(self) -> list[str]:
        """Why the household is in range, in Chinese; empty when it is not."""
        found = []
        if self.below_threshold:
            found.append(f"人均纯收入{self.per_capita:,.0f}元，低于监测标准{self.threshold:,.0f}元")
        if self.spending_exceeds_income:
            found.append(f"刚性支出{self.rigid_spending:,.0f}元，超过家庭纯收入{self.net_income:,.0f}元")
        return found


def income_account(
    *,
    wage: object,
    business: object,
    property: object,
    transfer: object,
    business_cost: object,
    household_size: int,
    threshold: object,
    rigid_spending: object = 0,
) -> IncomeAccount:
    """The account from amounts in yuan (numbers or text)."""
    return IncomeAccount(
        wage=_yuan(wage),
        business=_yuan(business),
        property=_yuan(property),
        transfer=_yuan(transfer),
        business_cost=_yuan(business_cost),
        rigid_spending=_yuan(rigid_spending),
        household_size=household_size,
        threshold=_yuan(threshold),
    )


def _yuan(value: object) -> Decimal:
    return Decimal(str(value if value not in (None, "") else 0))


def account_from(amounts: Mapping[str, object], household_size: int, threshold: object) -> IncomeAccount:
    """The account of a visit's or re-assessment's amounts (`AMOUNT_FIELDS`, in yuan)."""
    return income_account(
        wage=amounts.get("wage_income"),
        business=amounts.get("business_income"),
        property=amounts.get("property_income"),
        transfer=amounts.get("transfer_income"),
        business_cost=amounts.get("business_cost"),
        rigid_spending=amounts.get("rigid_spending"),
        household_size=household_size,
        threshold=threshold,
    )


def assessment_values(account: IncomeAccount, threshold_year: int, threshold_note: str) -> dict[str, Any]:
    """The income fields a visit or re-assessment records, as worked out when it was made."""
    return {
        "wage_income": account.wage,
        "business_income": account.business,
        "property_income": account.property,
        "transfer_income": account.transfer,
        "business_cost": account.business_cost,
        "rigid_spending": account.rigid_spending,
        "household_size": account.household_size,
        "net_income": account.net_income,
        "net_income_per_capita": account.per_capita,
        "threshold_year": threshold_year,
        "threshold": account.threshold,
        "threshold_note": threshold_note[:200],
        "below_threshold": account.below_threshold,
        "spending_exceeds_income": account.spending_exceeds_income,
    }

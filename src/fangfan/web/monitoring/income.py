"""A household's income worked out item by item (算细账), against the year's threshold.

Plain Python, no Django: net income = wage + business + property + transfer income −
business costs; per-capita net income = net income ÷ household members (DOMAIN.md,
Income). A household is in range when the per-capita income is below the threshold,
or when rigid spending (illness, schooling) exceeds the household's net income.

>>> account = income_account(wage=9000, business=3000, property=0, transfer=1200,
...                          business_cost=1000, household_size=3, threshold=7800)
>>> account.net_income, account.per_capita, account.below_threshold
(Decimal('12200'), Decimal('4066.67'), True)
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True)
class IncomeAccount:
    wage: Decimal
    business: Decimal
    property: Decimal
    transfer: Decimal
    business_cost: Decimal
    rigid_spending: Decimal
    household_size: int
    threshold: Decimal

    @property
    def net_income(self) -> Decimal:
        return self.wage + self.business + self.property + self.transfer - self.business_cost

    @property
    def per_capita(self) -> Decimal:
        size = max(self.household_size, 1)
        return (self.net_income / size).quantize(CENT, rounding=ROUND_HALF_UP)

    @property
    def below_threshold(self) -> bool:
        return self.per_capita < self.threshold

    @property
    def spending_exceeds_income(self) -> bool:
        """Rigid spending clearly above what the household earns (more than its net income)."""
        return self.rigid_spending > 0 and self.rigid_spending > self.net_income

    @property
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

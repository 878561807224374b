"""Industry income (产业收入) against the year's targets: Django-free, so the web, the CLI
and the bench all judge a household the same way.

A household's plantings are judged together: its planting income ÷ its mu against
`industry_planting_yuan_per_mu` (≥ meets); its livestock income, summed over kinds,
against `industry_livestock_yuan_per_household`. A household that records plantings but
no mu cannot be judged per mu, and says so instead of passing or failing.

>>> from fangfan.engine.fieldwork.rules import field_rules
>>> verdict = planting_verdict(Decimal("3.5"), Decimal("8400"), field_rules(2026))
>>> verdict.status, verdict.text
('below', '种植3.5亩，收入8,400元，每亩2,400元，低于每亩3,000元')
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from fangfan.engine.fieldwork.rules import FieldRules
from fangfan.engine.formatting import money_text, number_text

MEETS = "meets"
BELOW = "below"
NOT_JUDGED = "not_judged"
NONE = ""  # nothing of that kind recorded
STATUS_LABELS = {MEETS: "达标", BELOW: "未达标", NOT_JUDGED: "无法判断", NONE: "未登记"}
CROPS = ("花椒", "核桃", "油橄榄", "中药材", "茶叶", "蔬菜", "马铃薯")
LIVESTOCK_KINDS = ("牛", "羊", "猪", "鸡", "中蜂")
ZERO = Decimal(0)


@dataclass(frozen=True)
class Verdict:
    """One kind's verdict for a household, with the figures behind it in words."""

    status: str
    text: str
    per_mu: Decimal | None = None

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def below(self) -> bool:
        return self.status == BELOW


@dataclass(frozen=True)
class HouseholdIndustryFigures:
    """A household's totals in one year: what the web keeps per household and judges."""

    planting_rows: int
    mu: Decimal
    planting_income: Decimal
    livestock_rows: int
    head: int
    livestock_income: Decimal


def _yuan(value: Decimal | int) -> str:
    return money_text(value, unit="元")


def per_mu(income: Decimal, mu: Decimal) -> Decimal | None:
    """Income per mu to the yuan (half up), None without mu."""
    if mu <= 0:
        return None
    return (income / mu).quantize(Decimal("1"), rounding=ROUND_HALF_UP)


def planting_meets(income: Decimal, mu: Decimal, target_per_mu: int) -> bool:
    """≥ the target per mu, compared exactly (income ≥ target × mu): ¥2,999.50 a mu is below,
    though it rounds to ¥3,000. The SQL of the reports compares the same way."""
    return income >= mu * target_per_mu


def planting_verdict(mu: Decimal, income: Decimal, rules: FieldRules, *, rows: int = 1) -> Verdict:
    """The verdict on a household's plantings (all its crops together)."""
    target = rules.industry_planting_yuan_per_mu
    if rows == 0:
        return Verdict(NONE, "未登记种植")
    if mu <= 0:
        return Verdict(NOT_JUDGED, f"登记了种植收入{_yuan(income)}，但没有登记面积（亩），无法按每亩收入判断")
    yuan_per_mu = per_mu(income, mu)
    assert yuan_per_mu is not None
    head = f"种植{number_text(mu)}亩，收入{_yuan(income)}，每亩{_yuan(yuan_per_mu)}"
    if planting_meets(income, mu, target):
        return Verdict(MEETS, f"{head}，达到每亩{_yuan(target)}", yuan_per_mu)
    return Verdict(BELOW, f"{head}，低于每亩{_yuan(target)}", yuan_per_mu)


def livestock_verdict(head: int, income: Decimal, rules: FieldRules, *, rows: int = 1) -> Verdict:
    """The verdict on a household's livestock (all kinds summed)."""
    target = rules.industry_livestock_yuan_per_household
    if rows == 0:
        return Verdict(NONE, "未登记养殖")
    text = f"养殖{number_text(head)}头（只、箱），收入{_yuan(income)}"
    if income >= target:
        return Verdict(MEETS, f"{text}，达到每户{_yuan(target)}")
    return Verdict(BELOW, f"{text}，低于每户{_yuan(target)}")


def figures(
    plantings: Iterable[tuple[Decimal | None, Decimal]], livestock: Iterable[tuple[int, Decimal]]
) -> HouseholdIndustryFigures:
    """Totals from (mu, income) planting rows and (head, income) livestock rows; a planting
    row without mu adds its income but no mu."""
    planting_list = list(plantings)
    livestock_list = list(livestock)
    return HouseholdIndustryFigures(
        planting_rows=len(planting_list),
        mu=sum((mu or ZERO for mu, _ in planting_list), ZERO),
        planting_income=sum((income for _, income in planting_list), ZERO),
        livestock_rows=len(livestock_list),
        head=sum(head for head, _ in livestock_list),
        livestock_income=sum((income for _, income in livestock_list), ZERO),
    )


def statuses(found: HouseholdIndustryFigures, rules: FieldRules) -> tuple[str, str]:
    """(planting status, livestock status) alone, as `judge` decides them without the words:
    for the bench's hundreds of thousands of households."""
    if found.planting_rows == 0:
        planting = NONE
    elif found.mu <= 0:
        planting = NOT_JUDGED
    else:
        meets = planting_meets(found.planting_income, found.mu, rules.industry_planting_yuan_per_mu)
        planting = MEETS if meets else BELOW
    if found.livestock_rows == 0:
        livestock = NONE
    else:
        livestock = MEETS if found.livestock_income >= rules.industry_livestock_yuan_per_household else BELOW
    return planting, livestock


def judge(found: HouseholdIndustryFigures, rules: FieldRules) -> tuple[Verdict, Verdict]:
    """(planting verdict, livestock verdict) of a household's totals."""
    return (
        planting_verdict(found.mu, found.planting_income, rules, rows=found.planting_rows),
        livestock_verdict(found.head, found.livestock_income, rules, rows=found.livestock_rows),
    )


@dataclass(frozen=True)
class AreaSummary:
    """A region's or village's totals: households with planting, mu, income, per mu;
    households with livestock, head, income; households below each target."""

    planting_households: int = 0
    mu: Decimal = ZERO
    planting_income: Decimal = ZERO
    planting_below: int = 0
    planting_not_judged: int = 0
    livestock_households: int = 0
    head: int = 0
    livestock_income: Decimal = ZERO
    livestock_below: int = 0
    below_households: int = 0  # below either target (a household below both counts once)

    @property
    def per_mu(self) -> Decimal | None:
        return per_mu(self.planting_income, self.mu)

    @property
    def planting_below_share(self) -> float | None:
        return self.planting_below / self.planting_households if self.planting_households else None

    @property
    def livestock_below_share(self) -> float | None:
        return self.livestock_below / self.livestock_households if self.livestock_households else None

    def planting_meets(self, rules: FieldRules) -> bool | None:
        """The area's planting income per mu against the target (None without mu)."""
        if self.mu <= 0:
            return None
        return planting_meets(self.planting_income, self.mu, rules.industry_planting_yuan_per_mu)


def share_text(share: float | None) -> str:
    return "—" if share is None else f"{share:.1%}"

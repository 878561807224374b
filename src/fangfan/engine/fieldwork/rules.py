"""The field-work rules of a year, read once from the policy files' `[field]` table.

Every number the four parts use (team size and attendance, leave approval, the
public-welfare job's ages, pay and work days, the project alerts' tolerances, the
industry targets) lives in `fangfan/engine/policy_years/<year>.toml`; a year without its
own file borrows the newest earlier one (`applicable_policy_year`).

>>> rules = field_rules(2026)
>>> rules.team_min_members, rules.leave_needs_county(4), rules.leave_needs_county(3)
(3, True, False)
>>> rules.industry_planting_yuan_per_mu
3000
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from fangfan.engine.policy import applicable_policy_year, load_policy


@dataclass(frozen=True)
class FieldRules:
    """The `[field]` numbers of one policy year (docs in the TOML file's comments)."""

    policy_year: int
    team_min_members: int
    team_min_term_years: int
    team_min_days_in_village_per_month: int
    team_leave_township_max_days: int
    team_leave_max_days: int
    public_welfare_age_min: int
    public_welfare_age_max: int
    public_welfare_pay_min: int
    public_welfare_pay_max: int
    public_welfare_work_days_per_month: int
    project_payment_gap_points: int
    project_acceptance_days: int
    project_schedule_gap_points: int
    industry_planting_yuan_per_mu: int
    industry_livestock_yuan_per_household: int

    def leave_needs_county(self, days: int) -> bool:
        """A leave longer than the township may approve goes to the county."""
        return days > self.team_leave_township_max_days

    def pay_in_range(self, monthly_pay: int) -> bool:
        return self.public_welfare_pay_min <= monthly_pay <= self.public_welfare_pay_max


@cache
def field_rules(year: int) -> FieldRules:
    """The rules in force in `year` (its policy file, else the nearest earlier one)."""
    policy_year = applicable_policy_year(year)
    policy = load_policy(policy_year)
    numbers = {
        name: int(policy.number(f"field.{name}"))
        for name in FieldRules.__dataclass_fields__
        if name != "policy_year"
    }
    return FieldRules(policy_year=policy_year, **numbers)

"""Who counts as able to work (有劳动能力): one definition for the engine and the web.

A person is able to work when they are of working age — policy
`employment.labour_age_min` ≤ age < `employment.labour_age_max` — and their 劳动技能 is
技能劳动力 or 普通劳动力. Whether they are alive is the caller's to add: the wide tables
count every member, monitoring facts and the web's readiness only living ones.

The rule is written once, as a Polars expression (`able_to_work`); the web asks it for a
handful of members through `members_able_to_work`, which evaluates that same expression.

>>> from fangfan.engine.policy import load_policy
>>> members_able_to_work([(30, "普通劳动力"), (70, "普通劳动力"), (30, "无劳动力")], load_policy(2024))
[True, False, False]
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from fangfan.engine.policy import Policy

WORKING_LABOUR = ("技能劳动力", "普通劳动力")


def labour_ages(policy: Policy) -> tuple[float, float]:
    """Working age [minimum, maximum) in years, from the policy file."""
    return policy.number("employment.labour_age_min"), policy.number("employment.labour_age_max")


def of_working_age(policy: Policy, age: str = "age") -> pl.Expr:
    """The column `age` within the policy's working age."""
    minimum, maximum = labour_ages(policy)
    return (pl.col(age) >= minimum) & (pl.col(age) < maximum)


def able_to_work(policy: Policy, age: str = "age", labour: str = "labour") -> pl.Expr:
    """Of working age and a 技能 or 普通 labourer (null age or labour: not able)."""
    return (of_working_age(policy, age) & pl.col(labour).is_in(WORKING_LABOUR)).fill_null(False)


def members_able_to_work(members: Iterable[tuple[int | None, str | None]], policy: Policy) -> list[bool]:
    """For each (age, 劳动技能) pair, whether that person is able to work (`able_to_work`)."""
    rows = list(members)
    if not rows:
        return []
    frame = pl.DataFrame(
        {"age": [age for age, _ in rows], "labour": [labour for _, labour in rows]},
        schema={"age": pl.Int32, "labour": pl.String},
    )
    return frame.select(able_to_work(policy).alias("able"))["able"].to_list()

"""Campaign definitions (专项行动) are data: every shipped file loads, and a bad file is refused
with a Chinese message that names the file and the key at fault."""

from __future__ import annotations

import datetime as dt

import pytest

from fangfan.engine.campaigns import CampaignError, builtin_campaigns, campaign, parse_campaign

GOOD = """
code = "small"
title = "小行动"
[period]
start = 2026-11-01
visit_by = 2026-12-31
[[target]]
code = "no_bedding"
reason = "没有御寒被褥"
table = "households"
where = [{ field = "winter_bedding", is = "否" }]
[[item]]
code = "bedding"
name = "被褥是否够用"
kind = "yes_no"
problem_when = ["否"]
category = "FOOD_CLOTHING"
"""


def test_both_shipped_campaigns_load_with_their_chinese_titles() -> None:
    titles = {one.code: one.title for one in builtin_campaigns()}
    assert titles == {"warm_winter": "温暖越冬", "check_gaps": "百日行动·查漏补缺"}


def test_warm_winter_draws_the_four_kinds_of_household_and_asks_the_four_questions() -> None:
    warm = campaign("warm_winter")
    tables = {rule.code: rule.table for rule in warm.targets}
    assert tables["disaster"] == "disasters"
    assert tables["no_bedding"] == "households"
    assert tables["elderly_alone"] == "members"
    assert warm.rule("elderly_alone").household[0].field == "people"
    assert {"bedding", "heating", "house_safe", "food_stock"} <= {item.code for item in warm.items}
    assert warm.visit_by >= warm.start
    heating = next(item for item in warm.items if item.code == "heating")
    assert heating.kind == "choice" and "无取暖设施" in heating.problem_when


def test_a_condition_reads_as_a_person_says_it() -> None:
    warm = campaign("warm_winter")
    assert warm.rule("no_bedding").where[0].describe("households") == "有御寒被褥为否"
    assert warm.rule("elderly_alone").where[0].describe("members") == "年龄不小于60"


def test_a_good_small_file_loads() -> None:
    small = parse_campaign(GOOD, "small.toml")
    assert small.start == dt.date(2026, 11, 1) and small.items[0].choices == ("是", "否")


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        (('code = "small"\n', ""), "code", "缺少"),
        (("visit_by = 2026-12-31", "visit_by = 2026-10-01"), "period.visit_by", "早于"),
        (("winter_bedding", "winter_blanket"), "target[1].where[1].field", "不在户信息中"),
        (('is = "否"', 'is = "没有"'), "target[1].where[1].is", "不在 winter_bedding 的可选值中"),
        (('is = "否"', "at_least = 3"), "target[1].where[1].at_least", "只能用于数字字段"),
        (('table = "households"', 'table = "weather"'), "target[1].table", "只能是"),
        (('kind = "yes_no"', 'kind = "photo"'), "item[1].kind", "只能是"),
        (('problem_when = ["否"]', 'problem_when = ["坏"]'), "item[1].problem_when", "只能从该题的选项中选"),
        (('category = "FOOD_CLOTHING"', 'category = "WEATHER"'), "item[1].category", "只能是"),
        (("[period]\nstart = 2026-11-01", '[period]\nstart = "十一月"'), "period.start", "应为日期"),
    ],
)
def test_a_bad_file_is_refused_in_chinese_naming_the_key(
    change: tuple[str, str], key: str, words: str
) -> None:
    old, new = change
    assert old in GOOD
    with pytest.raises(CampaignError) as refused:
        parse_campaign(GOOD.replace(old, new, 1), "坏文件.toml")
    message = str(refused.value)
    assert "坏文件.toml" in message and key in message and words in message, message


def test_a_file_that_is_not_toml_is_refused_in_chinese() -> None:
    with pytest.raises(CampaignError, match="不是有效的 TOML"):
        parse_campaign("code = ", "坏文件.toml")


def test_a_repeated_item_code_is_refused() -> None:
    twice = GOOD + GOOD[GOOD.index("[[item]]") :]
    with pytest.raises(CampaignError, match=r"item\.code 重复：bedding"):
        parse_campaign(twice, "坏文件.toml")

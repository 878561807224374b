"""Public-welfare jobs in the engine (fangfan.engine.fieldwork.jobs): eligibility, pay, findings.

The cast, each with a near miss beside it:
- 马小军, a ranger from a 监测户 whose risk was eliminated on 2026年3月1日: no longer eligible;
  his neighbour 马大军's household is still monitored: eligible.
- 杨秀兰 (残疾 四级) applies beside 杨秀梅 (no disability): both eligible, 杨秀兰 first.
- 王桂英, wife of the village director 张建国 (same household): refused; 王桂芳 (another
  household) is not.
- 赵德明 paid for two posts in 2026年5月; 赵德亮 paid for one post each month.
- 孙福 died on 2026年4月10日 and was paid for May; 孙禄 died on 2026年5月20日, paid for May only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from fangfan.engine.fieldwork.jobs import (
    PaymentFact,
    PersonFacts,
    age_on,
    double_payments,
    eligibility,
    paid_after_death,
    parse_month,
    pay_for_month,
)
from fangfan.engine.fieldwork.rules import field_rules

RULES = field_rules(2026)
DAY = dt.date(2026, 6, 1)
ABLE = PersonFacts(
    name="马大军",
    household_type="监测户",
    risk_eliminated=False,
    birth_date=dt.date(1975, 3, 2),
    labour="普通劳动力",
    work_status="未务工",
    county_name="礼县",
)


def test_a_ranger_whose_household_left_monitoring_is_no_longer_eligible():
    ranger = replace(ABLE, name="马小军", risk_eliminated=True, risk_eliminated_on=dt.date(2026, 3, 1))
    verdict = eligibility(ranger, RULES, DAY)
    assert not verdict.eligible
    assert verdict.reasons == ("监测户风险已于2026年3月1日消除（须为脱贫户或风险未消除的监测户）",)
    assert eligibility(ABLE, RULES, DAY).eligible


def test_an_ordinary_household_is_refused_saying_its_type():
    verdict = eligibility(replace(ABLE, household_type="一般农户"), RULES, DAY)
    assert verdict.reasons == ("户类型为一般农户（须为脱贫户或监测户）",)
    assert eligibility(replace(ABLE, household_type="脱贫户"), RULES, DAY).eligible


def test_a_disabled_applicant_is_flagged_first_and_a_near_miss_is_not():
    disabled = eligibility(replace(ABLE, name="杨秀兰", disability_feed_grade="四级"), RULES, DAY)
    plain = eligibility(replace(ABLE, name="杨秀梅"), RULES, DAY)
    assert disabled.eligible and disabled.priority and "残联残疾人证四级" in disabled.priority_reason
    assert plain.eligible and not plain.priority
    assert eligibility(replace(ABLE, disability_grade="二级"), RULES, DAY).priority


def test_a_cadres_wife_is_refused_and_a_woman_of_another_household_is_not():
    wife = replace(ABLE, name="王桂英", cadre_relatives=("张建国（村委会主任）",))
    assert eligibility(wife, RULES, DAY).reasons == ("为村干部张建国（村委会主任）的家庭成员（同户）",)
    accountant = replace(ABLE, cadre_position="村会计")
    assert eligibility(accountant, RULES, DAY).reasons == ("本人为村干部（村会计）",)
    assert eligibility(replace(ABLE, name="王桂芳"), RULES, DAY).eligible


def test_every_reason_is_given_at_once_with_its_data():
    everything = replace(
        ABLE,
        household_type="一般农户",
        birth_date=dt.date(1950, 1, 1),
        labour="丧失劳动力",
        work_status="省外务工",
        employment_status="就业",
        employment_place="浙江省宁波市",
        registration_status="死亡",
        registration_changed_on=dt.date(2026, 4, 10),
        other_posts=("石桥村保洁员",),
    )
    reasons = eligibility(everything, RULES, DAY).reasons
    assert reasons == (
        "户类型为一般农户（须为脱贫户或监测户）",
        "年龄76岁（须在16至65岁之间）",
        "劳动技能为丧失劳动力（须有劳动能力）",
        "务工状态为省外务工（外出务工人员不安排公益性岗位）",
        "人社就业信息为就业，就业地点浙江省宁波市（不在礼县，已外出就业）",
        "公安户籍状态为死亡，变动日期2026年4月10日",
        "已有公益性岗位：石桥村保洁员（不得同时担任两个岗位）",
    )


def test_working_in_the_own_county_is_no_bar():
    local = replace(ABLE, employment_status="就业", employment_place="礼县城关镇", work_status="县内务工")
    assert eligibility(local, RULES, DAY).eligible
    assert eligibility(replace(local, employment_place="本县"), RULES, DAY).eligible
    assert not eligibility(replace(local, employment_place="兰州市"), RULES, DAY).eligible


def test_ages_at_the_bounds_count_completed_years():
    assert age_on(dt.date(1961, 6, 2), DAY) == 64
    assert eligibility(replace(ABLE, birth_date=dt.date(1960, 6, 2)), RULES, DAY).reasons == ()
    assert eligibility(replace(ABLE, birth_date=dt.date(1960, 6, 1)), RULES, DAY).reasons == (
        "年龄66岁（须在16至65岁之间）",
    )
    unknown = replace(ABLE, birth_date=None)
    assert eligibility(unknown, RULES, DAY).reasons == ("出生日期未登记，无法核实年龄",)


def test_pay_deducts_absence_to_the_fen_and_nothing_for_a_failed_month():
    assert pay_for_month(800, absent_days=2, grade="合格", work_days=22).deduction == Decimal("72.73")
    assert pay_for_month(1000, absent_days=1, grade="优秀", work_days=22).net == Decimal("954.55")
    failed = pay_for_month(800, absent_days=0, grade="不合格", work_days=22)
    assert (failed.deduction, failed.net) == (Decimal("800.00"), Decimal("0.00"))
    with pytest.raises(ValueError, match="缺勤天数须在0至22天之间"):
        pay_for_month(800, absent_days=23, grade="合格", work_days=22)
    with pytest.raises(ValueError, match="考核等次"):
        pay_for_month(800, absent_days=0, grade="良好", work_days=22)


MAY, JUNE = dt.date(2026, 5, 1), dt.date(2026, 6, 1)


def _paid(pk, id_number, name, post, month, net="800"):
    return PaymentFact(pk, id_number, name, post, month, Decimal(net))


def test_a_person_paid_for_two_posts_in_a_month_is_found_and_one_a_month_is_not():
    payments = [
        _paid(1, "A", "赵德明", "保洁员", MAY),
        _paid(2, "A", "赵德明", "护林员", MAY),
        _paid(3, "B", "赵德亮", "保洁员", MAY),
        _paid(4, "B", "赵德亮", "保洁员", JUNE),
        _paid(5, "C", "赵德全", "保洁员", MAY),
        _paid(6, "C", "赵德全", "护林员", MAY, net="0"),  # failed that month: nothing paid
    ]
    found = double_payments(payments)
    assert [(item.name, item.payment_ids) for item in found] == [("赵德明", (1, 2))]
    assert found[0].reason == "2026年5月同时领取2个岗位的工资：保洁员、护林员"


def test_a_month_paid_after_death_is_found_and_the_month_of_death_is_not():
    payments = [_paid(1, "S", "孙福", "护林员", MAY), _paid(2, "T", "孙禄", "护林员", MAY)]
    deaths = {"S": dt.date(2026, 4, 10), "T": dt.date(2026, 5, 20)}
    found = paid_after_death(payments, deaths)
    assert [item.name for item in found] == ["孙福"]
    assert found[0].reason == "公安户籍状态为死亡（变动日期2026年4月10日），仍发放2026年5月工资（护林员）"


def test_months_are_read_as_offices_write_them():
    assert parse_month("2026-05") == parse_month("2026年5月") == MAY
    with pytest.raises(ValueError, match="不是有效的年月"):
        parse_month("五月")

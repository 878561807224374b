"""Public-welfare jobs (公益性岗位): who may hold a post, what a month pays, what looks wrong.

Plain facts in, Chinese reasons out; no Django. The web app (`fangfan.web.jobs`) gathers the
facts of a person from the registry (户信息, 成员信息), the department feeds (人社 就业,
公安 户籍变动, 残联 残疾人证), the village's cadre roster and the posts already held.

>>> from fangfan.engine.fieldwork.rules import field_rules
>>> rules = field_rules(2026)
>>> facts = PersonFacts(name="李四", household_type="脱贫户", birth_date=dt.date(1970, 5, 1),
...                     labour="普通劳动力", work_status="未务工")
>>> eligibility(facts, rules, dt.date(2026, 6, 1)).eligible
True
>>> pay_for_month(800, absent_days=2, grade="合格", work_days=22).net
Decimal('727.27')
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from fangfan.engine.fieldwork.rules import FieldRules
from fangfan.engine.formatting import date_text

ELIGIBLE_TYPES = ("脱贫户", "监测户")
UNABLE_TO_WORK = ("无劳动力", "丧失劳动力")
WORKING_AWAY = ("省内县外务工", "省外务工")
GONE = ("死亡", "迁出", "注销")
# How the 人社 feed writes a place inside the person's own county.
LOCAL_PLACES = ("本县", "县内", "本乡", "本镇", "乡内", "镇内", "本村", "村内")
GRADES = ("优秀", "合格", "不合格")
# 不合格: the month is not paid (the whole month deducted); docs/fieldwork.md, jobs.
FAILED_GRADE = "不合格"
FEN = Decimal("0.01")


@dataclass(frozen=True)
class PersonFacts:
    """What the registry and the departments say about one person, on the day of the check.

    `cadre_position`: the person's own post on the village's cadre roster ("" if none);
    `cadre_relatives`: "姓名（职务）" of cadres in the same registry household;
    `other_posts`: the other public-welfare posts the person holds or is being selected for.
    """

    name: str
    household_type: str = ""
    risk_eliminated: bool | None = None
    risk_eliminated_on: dt.date | None = None
    birth_date: dt.date | None = None
    labour: str = ""
    work_status: str = ""
    member_status: str = ""
    disability_grade: str = ""
    disability_feed_grade: str = ""
    employment_status: str = ""
    employment_place: str = ""
    county_name: str = ""
    registration_status: str = ""
    registration_changed_on: dt.date | None = None
    cadre_position: str = ""
    cadre_relatives: tuple[str, ...] = ()
    other_posts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    """Whether the person may hold a post, every reason against, and the disabled-first flag."""

    eligible: bool
    reasons: tuple[str, ...]
    priority: bool
    priority_reason: str = ""

    @property
    def reason_text(self) -> str:
        return "；".join(self.reasons)


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Completed years on `day`."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - int(before_birthday)


def eligibility(facts: PersonFacts, rules: FieldRules, on: dt.date) -> Verdict:
    """Check every rule (DOMAIN.md, Field work rules); a refusal names each broken one and its data."""
    reasons = [
        *_household_reasons(facts),
        *_age_reasons(facts, rules, on),
        *_work_reasons(facts),
        *_cadre_reasons(facts),
        *_gone_reasons(facts),
    ]
    reasons += [f"已有公益性岗位：{post}（不得同时担任两个岗位）" for post in facts.other_posts]
    priority, why = disability_priority(facts)
    return Verdict(not reasons, tuple(reasons), priority, why)


def disability_priority(facts: PersonFacts) -> tuple[bool, str]:
    """Disabled people first: a grade in the registry or a 残联 certificate."""
    if facts.disability_feed_grade:
        return True, f"残疾人（残联残疾人证{facts.disability_feed_grade}），优先安排"
    if facts.disability_grade:
        return True, f"残疾人（成员信息残疾等级{facts.disability_grade}），优先安排"
    return False, ""


def _household_reasons(facts: PersonFacts) -> list[str]:
    kind = facts.household_type or "未登记"
    if kind not in ELIGIBLE_TYPES:
        return [f"户类型为{kind}（须为脱贫户或监测户）"]
    if kind == "监测户" and facts.risk_eliminated:
        when = f"已于{date_text(facts.risk_eliminated_on)}" if facts.risk_eliminated_on else "已"
        return [f"监测户风险{when}消除（须为脱贫户或风险未消除的监测户）"]
    return []


def _age_reasons(facts: PersonFacts, rules: FieldRules, on: dt.date) -> list[str]:
    if facts.birth_date is None:
        return ["出生日期未登记，无法核实年龄"]
    age = age_on(facts.birth_date, on)
    low, high = rules.public_welfare_age_min, rules.public_welfare_age_max
    if low <= age <= high:
        return []
    return [f"年龄{age}岁（须在{low}至{high}岁之间）"]


def _work_reasons(facts: PersonFacts) -> list[str]:
    reasons = []
    if facts.labour in UNABLE_TO_WORK:
        reasons.append(f"劳动技能为{facts.labour}（须有劳动能力）")
    if facts.work_status in WORKING_AWAY:
        reasons.append(f"务工状态为{facts.work_status}（外出务工人员不安排公益性岗位）")
    if working_away_by_feed(facts):
        county = facts.county_name or "本县"
        reasons.append(f"人社就业信息为就业，就业地点{facts.employment_place}（不在{county}，已外出就业）")
    return reasons


def working_away_by_feed(facts: PersonFacts) -> bool:
    """The 人社 feed says employed, at a place that is not the person's own county."""
    place = facts.employment_place
    if facts.employment_status != "就业" or not place or any(local in place for local in LOCAL_PLACES):
        return False
    return not facts.county_name or facts.county_name not in place


def _cadre_reasons(facts: PersonFacts) -> list[str]:
    reasons = []
    if facts.cadre_position:
        reasons.append(f"本人为村干部（{facts.cadre_position}）")
    reasons += [f"为村干部{relative}的家庭成员（同户）" for relative in facts.cadre_relatives]
    return reasons


def _gone_reasons(facts: PersonFacts) -> list[str]:
    reasons = []
    if facts.registration_status in GONE:
        changed = facts.registration_changed_on
        when = f"，变动日期{date_text(changed)}" if changed else ""
        reasons.append(f"公安户籍状态为{facts.registration_status}{when}")
    if facts.member_status and facts.member_status != "正常":
        reasons.append(f"成员信息人员状态为{facts.member_status}")
    return reasons


@dataclass(frozen=True)
class PayLine:
    """One month of one post: the post's pay, what absence or the grade takes off, what is paid."""

    gross: Decimal
    deduction: Decimal
    net: Decimal


def pay_for_month(monthly_pay: int | Decimal, *, absent_days: int, grade: str, work_days: int) -> PayLine:
    """Pay less the deduction: pay × absent days ÷ work days, to the fen (half up); 不合格, nothing paid.

    >>> pay_for_month(600, absent_days=0, grade="优秀", work_days=22)
    PayLine(gross=Decimal('600.00'), deduction=Decimal('0.00'), net=Decimal('600.00'))
    >>> pay_for_month(600, absent_days=3, grade="不合格", work_days=22).net
    Decimal('0.00')
    """
    if grade not in GRADES:
        raise ValueError(f"考核等次须为{'、'.join(GRADES)}之一")
    if absent_days < 0 or absent_days > work_days:
        raise ValueError(f"缺勤天数须在0至{work_days}天之间")
    gross = Decimal(monthly_pay).quantize(FEN)
    if grade == FAILED_GRADE:
        deduction = gross
    else:
        deduction = (gross * absent_days / work_days).quantize(FEN, rounding=ROUND_HALF_UP)
    return PayLine(gross, deduction, gross - deduction)


@dataclass(frozen=True)
class PaymentFact:
    """One payment as the findings read it: whose, which post, which month (its first day), how much."""

    payment_id: int
    id_number: str
    name: str
    post: str
    month: dt.date
    net: Decimal


@dataclass(frozen=True)
class PaymentFinding:
    kind: str  # "double_pay" or "paid_after_death"
    id_number: str
    name: str
    month: dt.date
    payment_ids: tuple[int, ...]
    reason: str


def month_label(month: dt.date) -> str:
    return f"{month.year}年{month.month}月"


def double_payments(payments: Iterable[PaymentFact]) -> list[PaymentFinding]:
    """A person paid for two posts in one month (net above zero on each)."""
    by_person: dict[tuple[str, dt.date], list[PaymentFact]] = defaultdict(list)
    for payment in payments:
        if payment.net > 0:
            by_person[(payment.id_number, payment.month)].append(payment)
    found = []
    for (id_number, month), rows in sorted(by_person.items()):
        if len(rows) < 2:
            continue
        posts = "、".join(row.post for row in rows)
        found.append(
            PaymentFinding(
                "double_pay",
                id_number,
                rows[0].name,
                month,
                tuple(row.payment_id for row in rows),
                f"{month_label(month)}同时领取{len(rows)}个岗位的工资：{posts}",
            )
        )
    return found


def paid_after_death(payments: Iterable[PaymentFact], deaths: dict[str, dt.date]) -> list[PaymentFinding]:
    """A month paid that begins after the person's death (公安 户籍状态 死亡, its 变动日期)."""
    found = []
    for payment in payments:
        died = deaths.get(payment.id_number)
        if died is None or payment.month <= died or payment.net <= 0:
            continue
        found.append(
            PaymentFinding(
                "paid_after_death",
                payment.id_number,
                payment.name,
                payment.month,
                (payment.payment_id,),
                f"公安户籍状态为死亡（变动日期{date_text(died)}），仍发放{month_label(payment.month)}工资"
                f"（{payment.post}）",
            )
        )
    return found


def parse_month(text: str) -> dt.date:
    """ "2026-05" (or 2026-5, 2026年5月) → its first day; ValueError in Chinese otherwise."""
    cleaned = text.strip().replace("年", "-").replace("月", "").replace("/", "-")
    try:
        year, month = (int(part) for part in cleaned.split("-")[:2])
        return dt.date(year, month, 1)
    except (ValueError, TypeError):
        raise ValueError(f"月份“{text}”不是有效的年月（如 2026-05）") from None

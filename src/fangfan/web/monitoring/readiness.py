"""Whether a monitored household's risk may be proposed for elimination, and if not, why.

Three conditions, each answered with what was found (DOMAIN.md, Relapse monitoring):

1. **收入持续稳定** — the assessments since the monitoring start (re-assessments and
   visits, both with their 算细账) are read newest first; the unbroken run of those at
   or above the threshold of the income year each assessed (`threshold.py`) must span
   at least six calendar months, from its earliest to its newest assessment. One below
   the line ends the run.
2. **无否决项问题** — no veto finding (`Finding.veto`) the engine still finds
   (`engine_status` open) on the household.
3. **大额支出已解决** — no finding the engine still finds of the large medical
   self-pay kind (`LARGE_MEDICAL_SELFPAY`: MED-004), no signal of the current run
   about spending (`SPENDING_SIGNALS`: rigid spending above income, large medical
   bills, a new serious illness), and the newest assessment does not find rigid
   spending above the net income.

A household with a current 兜底保障 measure and no member able to work (no living
member able to work by the engine's one rule, `fangfan.engine.people`: working age from
the policy file of the day's year, or the nearest earlier one, and 劳动技能 技能劳动力 or
普通劳动力) stays monitored (`stays_monitored`): the page says so instead of
offering elimination.

>>> readiness(monitored).refusal()          # doctest: +SKIP
'收入持续稳定：自2026年9月1日以来2次评估均不低于监测标准，只覆盖2个月，须连续6个月以上'
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from fangfan.engine.formatting import date_text as day_text  # the one formatting layer
from fangfan.engine.people import members_able_to_work
from fangfan.engine.policy import applicable_policy_year, load_policy
from fangfan.engine.rules.model import load_catalogue
from fangfan.web.monitoring.models import (
    Elimination,
    Measure,
    MeasureKind,
    MonitoredHousehold,
    MonitoringSignal,
    Reassessment,
    Visit,
    current_on,
)
from fangfan.web.monitoring.workflow import ELIMINATION_OPEN_STAGES, STABLE_INCOME_MONTHS
from fangfan.web.registry.models import Finding, Member, Run

SPENDING_KINDS = frozenset({"LARGE_MEDICAL_SELFPAY"})
SPENDING_SIGNALS = frozenset({"RIGID_SPENDING_OVER_INCOME", "LARGE_MEDICAL_BILLS", "NEW_SERIOUS_ILLNESS"})


def months_later(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months later (the month's last day if it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Assessment:
    """One income assessment of the household: a re-assessment or a visit."""

    kind: str  # 回访 or 走访
    on: dt.date
    per_capita: Decimal
    threshold: Decimal
    below_threshold: bool
    spending_exceeds_income: bool
    threshold_year: int = 0  # the income year assessed, whose line it was held against


def assessments(monitored: MonitoredHousehold) -> list[Assessment]:
    """The household's assessments since its monitoring start, oldest first."""
    found = [
        Assessment(
            "回访",
            r.assessed_on,
            r.net_income_per_capita,
            r.threshold,
            r.below_threshold,
            r.spending_exceeds_income,
            r.threshold_year,
        )
        for r in Reassessment.objects.filter(monitored=monitored)
    ]
    if monitored.household_id:
        visits = Visit.objects.filter(
            household_id=monitored.household_id, visited_on__gte=monitored.monitoring_start
        )
        found += [
            Assessment(
                "走访",
                v.visited_on,
                v.net_income_per_capita,
                v.threshold,
                v.below_threshold,
                v.spending_exceeds_income,
                v.threshold_year,
            )
            for v in visits
        ]
    return sorted(found, key=lambda a: (a.on, a.kind))


@dataclass(frozen=True)
class Condition:
    name: str
    met: bool
    detail: str


def income_condition(found: list[Assessment]) -> Condition:
    name = "收入持续稳定"
    if not found:
        return Condition(name, False, "纳入监测以来还没有回访或走访的算细账记录")
    streak: list[Assessment] = []
    for assessment in reversed(found):
        if assessment.below_threshold:
            break
        streak.append(assessment)
    newest = found[-1]
    if not streak:
        return Condition(
            name,
            False,
            f"最近一次评估（{day_text(newest.on)}{newest.kind}）人均纯收入{newest.per_capita:,.0f}元，"
            f"低于{newest.threshold_year}年度监测标准{newest.threshold:,.0f}元",
        )
    first = streak[-1]
    enough = months_later(first.on, STABLE_INCOME_MONTHS)
    lowest = min(streak, key=lambda a: a.per_capita - a.threshold)
    if newest.on < enough:
        return Condition(
            name,
            False,
            f"自{day_text(first.on)}以来{len(streak)}次评估人均纯收入均不低于监测标准，"
            f"但只覆盖到{day_text(newest.on)}，须连续{STABLE_INCOME_MONTHS}个月以上"
            f"（{day_text(enough)}及以后再评估一次）",
        )
    return Condition(
        name,
        True,
        f"{day_text(first.on)}至{day_text(newest.on)}共{len(streak)}次评估，人均纯收入均不低于所评估收入年度的监测标准"
        f"（最接近标准的一次：{day_text(lowest.on)} {lowest.per_capita:,.0f}元，"
        f"{lowest.threshold_year}年度标准{lowest.threshold:,.0f}元）",
    )


def open_findings(monitored: MonitoredHousehold) -> list[Finding]:
    if not monitored.household_id:
        return []
    return list(
        Finding.objects.filter(
            household_id=monitored.household_id, engine_status=Finding.EngineStatus.OPEN
        ).order_by("rule_code", "pk")
    )


def veto_condition(findings: list[Finding]) -> Condition:
    veto = [f for f in findings if f.veto]
    if veto:
        listed = "、".join(f"{f.rule_code} {f.rule_name}" for f in veto)
        return Condition("无否决项问题", False, f"仍有否决项问题未消除：{listed}")
    return Condition("无否决项问题", True, "没有筛查仍发现的否决项问题")


def spending_rule_codes(policy_year: int) -> set[str]:
    """The rules of `policy_year`'s catalogue whose findings are large spending (a run's
    policy year always has its file: the run was screened with it)."""
    catalogue = load_catalogue(applicable_policy_year(policy_year))
    return {rule.code for rule in catalogue if SPENDING_KINDS & set(rule.kinds)}


def spending_condition(
    monitored: MonitoredHousehold, findings: list[Finding], newest: Assessment | None
) -> Condition:
    name = "大额支出已解决"
    run = Run.objects.current()
    problems = []
    if run is not None:
        codes = spending_rule_codes(run.policy_year)
        problems += [f"{f.rule_code} {f.rule_name}" for f in findings if f.rule_code in codes]
        if monitored.household_id:
            signals = MonitoringSignal.objects.filter(
                run=run, household_id=monitored.household_id, signal_code__in=SPENDING_SIGNALS
            ).order_by("pk")
            problems += [f"本批次监测信号：{s.signal_name}" for s in signals]
    if newest is not None and newest.spending_exceeds_income:
        problems.append(f"{day_text(newest.on)}{newest.kind}算细账刚性支出超过家庭纯收入")
    if problems:
        return Condition(
            name, False, "大额医疗、教育等刚性支出尚未解决：" + "；".join(dict.fromkeys(problems))
        )
    return Condition(name, True, "没有大额医疗自付问题、支出类监测信号，最近一次算细账刚性支出不超过纯收入")


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def able_to_work(members: list[Member], day: dt.date) -> list[Member]:
    """Living members able to work on `day` (`fangfan.engine.people`)."""
    living = [m for m in members if m.member_status == "正常"]
    ages = [age_on(m.birth_date, day) if m.birth_date is not None else None for m in living]
    policy = load_policy(applicable_policy_year(day.year))
    able = members_able_to_work(zip(ages, (m.labour for m in living), strict=True), policy)
    return [member for member, yes in zip(living, able, strict=True) if yes]


def stays_monitored(monitored: MonitoredHousehold, day: dt.date) -> str:
    """Why the household stays monitored whatever its income (Chinese), or ""."""
    safety_net = Measure.objects.filter(current_on(day), monitored=monitored, kind=MeasureKind.SAFETY_NET)
    if not monitored.household_id or not safety_net.exists():
        return ""
    members = list(Member.objects.filter(household_id=monitored.household_id))
    if not members or able_to_work(members, day):
        return ""
    items = "、".join(dict.fromkeys(m.item or m.kind for m in safety_net))
    return (
        f"该户没有劳动能力的成员，依靠兜底保障（{items}）维持基本生活，"
        "按政策继续监测、持续帮扶，不提出风险消除"
    )


@dataclass(frozen=True)
class Readiness:
    monitored: MonitoredHousehold
    conditions: list[Condition] = field(default_factory=list)
    stays: str = ""  # the household stays monitored: why
    blocked: str = ""  # the household is not in a state to propose: why

    @property
    def ready(self) -> bool:
        return not self.blocked and not self.stays and all(c.met for c in self.conditions)

    def refusal(self) -> str:
        """Why elimination cannot be proposed now (Chinese); "" when it can."""
        if self.blocked or self.stays:
            return self.blocked or self.stays
        return "；".join(f"{c.name}：{c.detail}" for c in self.conditions if not c.met)


def readiness(
    monitored: MonitoredHousehold, day: dt.date | None = None, *, under_way: Elimination | None = None
) -> Readiness:
    """The conditions for proposing elimination, as they stand on `day` (today).

    `under_way`: the elimination being approved, checked again before approval (it does
    not count as the one already under way).
    """
    day = day or timezone.localdate()
    if monitored.status != MonitoredHousehold.Status.MONITORED:
        return Readiness(monitored, blocked=f"该户{monitored.get_status_display()}")
    others = Elimination.objects.filter(monitored=monitored, stage__in=ELIMINATION_OPEN_STAGES)
    if under_way is not None:
        others = others.exclude(pk=under_way.pk)
    if others.exists():
        return Readiness(monitored, blocked="该户已提出风险消除，正在办理")
    found = assessments(monitored)
    findings = open_findings(monitored)
    conditions = [
        income_condition(found),
        veto_condition(findings),
        spending_condition(monitored, findings, found[-1] if found else None),
    ]
    return Readiness(monitored, conditions, stays=stays_monitored(monitored, day))

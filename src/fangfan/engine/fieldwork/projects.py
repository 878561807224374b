"""衔接资金项目: fund sources, the budget check, progress expected by now, and the alerts.

Pure and Django-free: the web app (`fangfan.web.projects`) hands in a `ProjectState` of
plain values and shows what comes back. Every alert carries the figures behind it in
Chinese, so a county office can read why a project is on the list without opening it.

>>> import datetime as dt
>>> from fangfan.engine.fieldwork.rules import field_rules
>>> state = ProjectState(
...     planned_start=dt.date(2026, 3, 1), planned_finish=dt.date(2026, 10, 31),
...     budget_yuan=Decimal(1_000_000))
>>> [alert.kind for alert in project_alerts(state, field_rules(2026), dt.date(2026, 3, 10))]
['not_started']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from fangfan.engine.fieldwork.rules import FieldRules
from fangfan.engine.formatting import date_text, money_text

# Fund sources by level (资金来源), in the order offices list them.
FUND_LEVELS: tuple[tuple[str, str], ...] = (
    ("central", "中央"),
    ("province", "省级"),
    ("city", "市级"),
    ("county", "县级"),
    ("other", "其他"),
)
FUND_LABELS = dict(FUND_LEVELS)
# Project kinds (项目类别) as the project libraries name them.
KINDS: tuple[tuple[str, str], ...] = (
    ("industry", "产业发展"),
    ("infrastructure", "基础设施"),
    ("employment", "就业"),
    ("rural_construction", "乡村建设"),
    ("other", "其他"),
)
KIND_LABELS = dict(KINDS)
# 联农带农: how a household benefits from a project.
BENEFITS: tuple[tuple[str, str], ...] = (
    ("dividend", "分红"),
    ("work", "务工"),
    ("land_transfer", "土地流转"),
    ("driven", "带动发展"),
)
BENEFIT_LABELS = dict(BENEFITS)

NOT_STARTED = "not_started"
BEHIND_SCHEDULE = "behind_schedule"
PAYMENT_BEHIND = "payment_behind"
PAYMENT_AHEAD = "payment_ahead"
NOT_ACCEPTED = "not_accepted"
ALERT_TITLES: dict[str, str] = {
    NOT_STARTED: "逾期未开工",
    BEHIND_SCHEDULE: "进度滞后",
    PAYMENT_BEHIND: "资金支付滞后于进度",
    PAYMENT_AHEAD: "资金支付超前于进度",
    NOT_ACCEPTED: "完工未验收",
}
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class ProjectState:
    """What the alerts read of one project (yuan as Decimal, progress in whole percent)."""

    planned_start: dt.date
    planned_finish: dt.date
    budget_yuan: Decimal
    paid_yuan: Decimal = Decimal(0)
    progress_percent: int = 0
    actual_start: dt.date | None = None
    actual_finish: dt.date | None = None
    accepted_on: dt.date | None = None


@dataclass(frozen=True)
class Alert:
    """One alert: its kind, its Chinese title and the figures behind it."""

    kind: str
    details: str

    @property
    def title(self) -> str:
        return ALERT_TITLES[self.kind]


def budget_problem(budget_yuan: Decimal, funds: Mapping[str, Decimal]) -> str | None:
    """Why a budget does not add up (None when it does): it must equal the sum of its sources.

    >>> budget_problem(Decimal(300), {"central": Decimal(200), "county": Decimal(100)}) is None
    True
    >>> budget_problem(Decimal(300), {"central": Decimal(200)})
    '项目预算300 元不等于各级资金合计200 元（中央200 元）'
    """
    unknown = sorted(set(funds) - set(FUND_LABELS))
    if unknown:
        return f"未知的资金来源：{'、'.join(unknown)}"
    if any(amount < 0 for amount in funds.values()):
        return "资金金额不能为负数"
    total = sum(funds.values(), Decimal(0))
    if total <= 0:
        return "请至少填写一项资金来源的金额"
    if total != budget_yuan:
        parts = "、".join(f"{FUND_LABELS[level]}{money_text(funds[level])}" for level in _ordered(funds))
        return f"项目预算{money_text(budget_yuan)}不等于各级资金合计{money_text(total)}（{parts}）"
    return None


def _ordered(funds: Iterable[str]) -> list[str]:
    present = set(funds)
    return [level for level, _ in FUND_LEVELS if level in present]


def expected_percent(planned_start: dt.date, planned_finish: dt.date, today: dt.date) -> int:
    """The share of the planned duration elapsed by `today`, in whole percent (0–100).

    >>> expected_percent(dt.date(2026, 1, 1), dt.date(2026, 1, 11), dt.date(2026, 1, 6))
    50
    """
    if today <= planned_start:
        return 0
    if today >= planned_finish:
        return 100
    total = (planned_finish - planned_start).days
    return int((today - planned_start).days * 100 // total)


def paid_percent(paid_yuan: Decimal, budget_yuan: Decimal) -> int:
    """Paid as a share of the budget, in whole percent (0 for a budget of nothing)."""
    if budget_yuan <= 0:
        return 0
    return int((paid_yuan * HUNDRED / budget_yuan).to_integral_value())


def project_alerts(state: ProjectState, rules: FieldRules, today: dt.date) -> list[Alert]:
    """The alerts of one project on `today`; an accepted project has none."""
    if state.accepted_on is not None:
        return []
    found = [
        _not_started(state, today),
        _behind_schedule(state, rules, today),
        _payment_gap(state, rules),
        _not_accepted(state, rules, today),
    ]
    return [alert for alert in found if alert is not None]


def _not_started(state: ProjectState, today: dt.date) -> Alert | None:
    if state.actual_start is not None or today <= state.planned_start:
        return None
    late = (today - state.planned_start).days
    return Alert(
        NOT_STARTED,
        f"计划{date_text(state.planned_start)}开工，至{date_text(today)}仍未开工，已超过{late}天",
    )


def _behind_schedule(state: ProjectState, rules: FieldRules, today: dt.date) -> Alert | None:
    if state.actual_start is None or state.actual_finish is not None:
        return None
    expected = expected_percent(state.planned_start, state.planned_finish, today)
    gap = expected - state.progress_percent
    if gap <= rules.project_schedule_gap_points:
        return None
    return Alert(
        BEHIND_SCHEDULE,
        f"计划工期{date_text(state.planned_start)}至{date_text(state.planned_finish)}，"
        f"到{date_text(today)}应完成约{expected}%，上报进度{state.progress_percent}%，"
        f"落后{gap}个百分点（预警线{rules.project_schedule_gap_points}个百分点）",
    )


def _payment_gap(state: ProjectState, rules: FieldRules) -> Alert | None:
    paid = paid_percent(state.paid_yuan, state.budget_yuan)
    gap = paid - state.progress_percent
    if abs(gap) <= rules.project_payment_gap_points:
        return None
    kind, word = (PAYMENT_AHEAD, "超前") if gap > 0 else (PAYMENT_BEHIND, "滞后")
    return Alert(
        kind,
        f"已支付{money_text(state.paid_yuan)}，占预算{money_text(state.budget_yuan)}的{paid}%，"
        f"上报进度{state.progress_percent}%，支付{word}{abs(gap)}个百分点"
        f"（预警线{rules.project_payment_gap_points}个百分点）",
    )


def _not_accepted(state: ProjectState, rules: FieldRules, today: dt.date) -> Alert | None:
    if state.actual_finish is None:
        return None
    waited = (today - state.actual_finish).days
    if waited <= rules.project_acceptance_days:
        return None
    return Alert(
        NOT_ACCEPTED,
        f"{date_text(state.actual_finish)}完工，至{date_text(today)}已{waited}天未验收"
        f"（应在{rules.project_acceptance_days}天内验收）",
    )


def share_text(part: Decimal | int, whole: Decimal | int) -> str:
    """A share as offices print it, one decimal place: "45.5%" ("—" of nothing).

    >>> share_text(1, 3)
    '33.3%'
    """
    if not whole:
        return "—"
    return f"{Decimal(part) * HUNDRED / Decimal(whole):.1f}%"

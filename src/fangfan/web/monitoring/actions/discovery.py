"""Leads into the intake list, and the township's call on each: take it up or set it aside.

receive_self_report   the public form (no account; in `reports`, spam checks are the view's)
record_hotline_report a cadre taking a 12317 call
record_visit          a visit's 算细账; below the threshold, a lead opens by itself
import_findings       the current run's department warnings, income/spending findings and signals
take_up / dismiss     the township opens a case on a lead, or says why not
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from fangfan.engine.rules.model import load_catalogue
from fangfan.web.accounts.access import can, code_within, scope
from fangfan.web.accounts.audit import record_creation
from fangfan.web.accounts.models import User
from fangfan.web.monitoring import awareness
from fangfan.web.monitoring.actions.common import household_in_hand, require_amounts, threshold_on
from fangfan.web.monitoring.actions.income import assessment_account
from fangfan.web.monitoring.actions.reports import (
    Report,
    create_intake,
    from_report,
)
from fangfan.web.monitoring.income import assessment_values
from fangfan.web.monitoring.models import (
    Case,
    CaseEvent,
    Intake,
    IntakeFinding,
    IntakeSignal,
    MonitoringSignal,
    Source,
    Visit,
)
from fangfan.web.monitoring.places import place_name
from fangfan.web.monitoring.workflow import Stage
from fangfan.web.procedures.base import WorkflowError, require, require_date
from fangfan.web.registry.models import Finding, Household, Run

# Findings that are signs of relapse risk besides the department warnings (rules marked
# `warning = true`) and the MONITORING category: income below the line, and large
# medical self-pay (rule kinds, so a renumbered rule keeps its meaning).
RISK_KINDS = frozenset({"INCOME_BELOW_THRESHOLD", "INCOME_SHARP_DROP", "LARGE_MEDICAL_SELFPAY"})
# The engine's own signals (those no lead-bringing finding already says) come in when
# they put a household at risk: those read from a department's data (医保结算, 残联,
# 公安, 学籍, 应急管理) as department warnings, the income and spending ones as the sieve's.
AT_RISK = ("high", "medium")
SIGNAL_SOURCES = dict.fromkeys(
    (
        "LARGE_MEDICAL_BILLS",
        "NEW_SERIOUS_ILLNESS",
        "NEW_DISABILITY",
        "MEMBER_DIED",
        "DISASTER_HOUSE_DAMAGE",
        "CHILD_DROPPED_OUT",
    ),
    Source.DEPARTMENT,
)


@transaction.atomic
def record_hotline_report(
    user: User, report: Report, caller_name: str, caller_phone: str, called_at: dt.datetime
) -> Intake:
    """A report taken on the 12317 line, with who called and when (the call is the discovery)."""
    # The date as typed (local) first: a year-1 time cannot even be converted to UTC.
    require_date(called_at.date(), None, timezone.localdate(), "来电时间")
    if called_at > timezone.now():
        raise WorkflowError("来电时间不能晚于现在")
    intake = from_report(
        report,
        Source.HOTLINE,
        timezone.localdate(called_at),
        caller_name=require(caller_name, "请填写来电人"),
        caller_phone=caller_phone,
        called_at=called_at,
        recorded_by=user,
    )
    if not can(user, "monitoring_report", intake):
        raise PermissionDenied("您无权登记该行政村的来电")
    return create_intake(user, intake)


@dataclass(frozen=True)
class VisitResult:
    visit: Visit
    intake: Intake | None
    note: str  # why no lead was opened, when the household is in range but already in hand


@transaction.atomic
def record_visit(
    user: User,
    household: Household,
    visited_on: dt.date,
    amounts: dict[str, Decimal | None],
    situation: str = "",
    income_year: int | None = None,
    household_size: int | None = None,
    policies_known: Sequence[str] | None = None,
    *,
    policies_received: Sequence[str] | None = None,
) -> VisitResult:
    """走访记录 with 算细账; a household in range gets a lead unless it is already in hand.

    `amounts` holds wage_income, business_income, property_income, transfer_income,
    business_cost and rigid_spending, in yuan. The size divided by is the registry's, or
    `household_size` typed in when the registry holds none (`income.household_size_for`).
    `policies_known` (政策知晓, `awareness`): the keys of the policies the household knew
    it receives, each one it receives; None when awareness was not asked. What it receives
    is looked up here, or taken from `policies_received` when the caller looked up a batch
    of households at once (`awareness.received_keys`, as an import of many visits does).
    """
    if not can(user, "monitoring_visit", household):
        raise PermissionDenied("您无权记录该户的走访")
    require_date(visited_on, None, timezone.localdate(), "走访日期")
    threshold = threshold_on(visited_on, "走访日期", income_year)
    require_amounts(amounts)
    account = assessment_account(household, household_size, amounts, threshold.yuan)
    visit = Visit.objects.create(
        household=household,
        village_code=household.village_code,
        visitor=user,
        visited_on=visited_on,
        situation=situation.strip(),
        **assessment_values(account, threshold.year, threshold.note),
        **_awareness(household, policies_known, policies_received),
    )
    record_creation(user, visit)
    if not account.in_range:
        return VisitResult(visit, None, "")
    busy = household_in_hand(household)
    if busy:
        return VisitResult(visit, None, busy)
    description = "；".join(account.reasons()) + (f"。走访情况：{visit.situation}" if visit.situation else "")
    intake = Intake(
        source=Source.VISIT,
        village_code=household.village_code,
        name=household.head_name,
        household=household,
        match=Intake.Match.REGISTRY,
        description=description,
        discovered_on=visited_on,
        visit=visit,
        recorded_by=user,
    )
    return VisitResult(visit, create_intake(user, intake), "")


def _awareness(
    household: Household, known: Sequence[str] | None, looked_up: Sequence[str] | None
) -> dict[str, list[str] | None]:
    """The visit's policies received and known; one named that the household does not receive is refused."""
    if known is None:
        return {"policies_received": None, "policies_known": None}
    received = (
        list(looked_up)
        if looked_up is not None
        else awareness.received_keys([household])[household.household_id]
    )
    strange = awareness.unknown_to_household(known, received)
    if strange:
        names = awareness.policy_names()
        listed = "、".join(names.get(key, key) for key in strange)
        raise WorkflowError(f"政策知晓中的“{listed}”不在该户享受的政策中（系统中该户未享受）")
    return {"policies_received": received, "policies_known": [key for key in received if key in set(known)]}


def signal_sources(policy_year: int) -> dict[str, str]:
    """Rule code → channel, for the rules whose findings are leads in `policy_year`'s catalogue."""
    found: dict[str, str] = {}
    for rule in load_catalogue(policy_year):
        if rule.warning:
            found[rule.code] = Source.DEPARTMENT
        elif rule.category == "MONITORING" or RISK_KINDS & set(rule.kinds):
            found[rule.code] = Source.SIEVE
    return found


@dataclass(frozen=True)
class ImportResult:
    run: Run | None
    created: int = 0  # new leads
    added: int = 0  # findings added to a household's lead still waiting
    in_hand: int = 0  # findings of households with an open case or under monitoring
    earlier: int = 0  # findings this run brought in before

    def describe(self) -> str:
        if self.run is None:
            return "尚未发布筛查结果，没有可导入的预警"
        return (
            f"筛查批次 {self.run.run_id}：新增线索 {self.created} 条，并入已有线索的预警 {self.added} 条，"
            f"已在识别或监测中的 {self.in_hand} 条，此前已导入的 {self.earlier} 条"
        )


@dataclass
class _Lead:
    """What one household brings into one channel's lead: findings and engine signals."""

    household: Household
    findings: list[Finding] = field(default_factory=list)
    signals: list[MonitoringSignal] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.findings) + len(self.signals)

    def lines(self) -> list[str]:
        return [f"{f.rule_code} {f.rule_name}：{f.message}" for f in self.findings] + [
            f"监测信号 {s.signal_name}：{s.message}" for s in self.signals
        ]


@transaction.atomic
def import_findings(user: User | None, region_code: str = "") -> ImportResult:
    """Bring the current run's department warnings, income/spending findings and signals into the lists.

    One lead per household and channel; a finding joins at most one lead, and a signal
    of the engine's (`MonitoringSignal`, high or medium, not already one of those
    findings) likewise — a signal of the same kind on the same household and person
    comes in once, whichever run repeats it — so running it again adds nothing. With a
    user (the township's button) only what the user may take up; without one (the
    command) every region, or those under `region_code`. Findings the office explained
    as false alarms or closed are left out.
    """
    run = Run.objects.current()
    if run is None:
        return ImportResult(None)
    sources = signal_sources(run.policy_year)
    findings = Finding.objects.filter(
        last_seen_run=run, engine_status=Finding.EngineStatus.OPEN, rule_code__in=list(sources)
    ).exclude(status__in=[Finding.Status.EXPLAINED, Finding.Status.CLOSED])
    signals = MonitoringSignal.objects.filter(run=run, severity__in=AT_RISK).exclude(
        rule_code__in=list(sources)
    )
    findings, signals = (_narrowed(rows, user, region_code) for rows in (findings, signals))
    earlier = findings.filter(monitoring_link__isnull=False).count()
    earlier += signals.filter(intake_link__isnull=False).count()
    leads: dict[tuple[str, str], _Lead] = {}
    for finding in findings.filter(monitoring_link__isnull=True).select_related("household").order_by("pk"):
        _check_import(user, finding)
        _lead(leads, finding.household, sources[finding.rule_code]).findings.append(finding)
    fresh, repeated = _fresh_signals(signals.filter(intake_link__isnull=True).select_related("household"))
    earlier += repeated
    for signal in fresh:
        _check_import(user, signal)
        _lead(leads, signal.household, SIGNAL_SOURCES.get(signal.signal_code, Source.SIEVE)).signals.append(
            signal
        )
    created = added = in_hand = 0
    for (_, source), lead in leads.items():
        if household_in_hand(lead.household):
            in_hand += lead.size
            continue
        intake = Intake.objects.filter(
            household=lead.household, source=source, status=Intake.Status.NEW
        ).first()
        if intake is None:
            intake = create_intake(user, _lead_of(lead, source))
            created += 1
        else:
            added += lead.size
        IntakeFinding.objects.bulk_create(
            IntakeFinding(intake=intake, finding=finding, run_id=run.run_id) for finding in lead.findings
        )
        IntakeSignal.objects.bulk_create(
            IntakeSignal(intake=intake, signal=signal) for signal in lead.signals
        )
    return ImportResult(run, created, added, in_hand, earlier)


def _narrowed(rows: QuerySet[Any], user: User | None, region_code: str) -> QuerySet[Any]:
    rows = scope(rows, user) if user is not None else rows
    return rows.filter(code_within("village_code", region_code)) if region_code else rows


def _check_import(user: User | None, record: Finding | MonitoringSignal) -> None:
    if user is not None and not can(user, "monitoring_intake", record):
        raise PermissionDenied("您无权导入预警线索")


def _lead(leads: dict[tuple[str, str], _Lead], household: Household, source: str) -> _Lead:
    return leads.setdefault((household.pk, source), _Lead(household))


def _fresh_signals(signals: QuerySet[MonitoringSignal]) -> tuple[list[MonitoringSignal], int]:
    """The signals whose kind, household and person no earlier lead carried; and how many did."""
    rows = list(signals.order_by("pk"))
    key = ("signal__household_id", "signal__signal_code", "signal__id_number")
    brought = set(
        IntakeSignal.objects.filter(signal__household_id__in={s.household_id for s in rows}).values_list(*key)
    )
    fresh = [s for s in rows if (s.household_id, s.signal_code, s.id_number) not in brought]
    return fresh, len(rows) - len(fresh)


def _lead_of(lead: _Lead, source: str) -> Intake:
    household = lead.household
    return Intake(
        source=source,
        village_code=household.village_code,
        name=household.head_name,
        household=household,
        match=Intake.Match.REGISTRY,
        description="\n".join(lead.lines()),
        discovered_on=timezone.localdate(),
    )


def _locked(intake: Intake) -> Intake:
    return Intake.objects.select_for_update().get(pk=intake.pk)


def _check_intake(user: User, intake: Intake, what: str) -> None:
    if not can(user, "monitoring_intake", intake):
        raise PermissionDenied(f"您的角色无权{what}")
    if intake.status != Intake.Status.NEW:
        raise WorkflowError(f"该线索已{intake.get_status_display()}，不能再{what}")


@transaction.atomic
def take_up(user: User, intake: Intake, household: Household | None = None, note: str = "") -> Case:
    """启动识别: open a case on the lead, for the household it names (or the one chosen now)."""
    intake = _locked(intake)
    _check_intake(user, intake, "启动识别")
    if household is not None and not can(user, "view", household):
        raise WorkflowError("所选农户不在您的辖区内")
    household = household or intake.household
    busy = household_in_hand(household)
    if busy:
        raise WorkflowError(busy)
    village_code = household.village_code if household else intake.village_code
    changes: dict[str, Any] = {
        "status": Intake.Status.TAKEN_UP,
        "handled_by": user,
        "handled_at": timezone.now(),
    }
    if household is not None and household != intake.household:
        changes.update(household=household, match=Intake.Match.MANUAL)
    intake.update_audited(user, **changes)
    case = Case.objects.create(
        intake=intake,
        household=household,
        village_code=village_code,
        township_code=village_code[:9],
        county_code=village_code[:6],
        place_name=place_name(village_code),
        name=household.head_name if household else intake.name,
        discovered_on=intake.discovered_on,
        deadline=intake.deadline,
        opened_by=user,
    )
    record_creation(user, case)
    CaseEvent.objects.create(
        case=case, user=user, action=CaseEvent.Action.OPEN, note=note.strip(), to_stage=Stage.HOME_CHECK
    )
    return case


@transaction.atomic
def dismiss(user: User, intake: Intake, reason: str) -> Intake:
    """不予受理: the lead needs no identification (a duplicate, already helped, not in range…)."""
    intake = _locked(intake)
    _check_intake(user, intake, "不予受理")
    intake.update_audited(
        user,
        status=Intake.Status.DISMISSED,
        dismiss_reason=require(reason, "请填写不予受理的理由"),
        handled_by=user,
        handled_at=timezone.now(),
    )
    return intake

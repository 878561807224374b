"""The steps of a case (`workflow.STEPS`), each by the role that owns its stage.

Every verb re-reads the case under a row lock, checks the gate (403 for the wrong role)
and the stage (a `WorkflowError` otherwise), then in one transaction changes the case
(an AuditEvent through `update_audited`) and writes a `CaseEvent`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import PurePath
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from fangfan.web.accounts.access import can
from fangfan.web.accounts.audit import record_creation
from fangfan.web.accounts.models import User
from fangfan.web.monitoring.actions.common import WorkflowError, require, require_date, require_notice
from fangfan.web.monitoring.models import Case, CaseEvent, Category, MonitoredHousehold, RiskType
from fangfan.web.monitoring.workflow import (
    NOTICE_MIN_DAYS,
    OWNER,
    REJECT,
    SEND_BACK,
    SEND_BACK_TO,
    STEPS,
    VERB_NAMES,
    Stage,
    gate_for,
)


def may(user: User, verb: str, case: Case) -> bool:
    """Whether the user may do `verb` to the case now: the stage allows it and the gate lets them."""
    gate = gate_for(verb, case.stage)
    return gate is not None and can(user, gate, case)


def check(user: User, verb: str, case: Case) -> None:
    """403 for a role that never does this verb here; WorkflowError when the stage is wrong."""
    natural = STEPS[verb].gate if verb in STEPS else OWNER.get(case.stage)
    if natural is None or not can(user, natural, case):
        if natural is None and can(user, "view", case):
            raise WorkflowError(f"该案件已{case.get_stage_display()}，不能再{VERB_NAMES[verb]}")
        raise PermissionDenied(f"您的角色无权{VERB_NAMES[verb]}")
    if gate_for(verb, case.stage) is None:
        raise WorkflowError(f"该案件当前为“{case.get_stage_display()}”，不能{VERB_NAMES[verb]}")


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


def _advance(user: User, case: Case, action: str, to_stage: str, note: str, **changes: Any) -> CaseEvent:
    from_stage = case.stage
    case.update_audited(user, stage=to_stage, **changes)
    return CaseEvent.objects.create(
        case=case, user=user, action=action, note=note, from_stage=from_stage, to_stage=to_stage
    )


def _day(value: dt.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


@transaction.atomic
def home_check(
    user: User,
    case: Case,
    *,
    checked_on: dt.date,
    note: str,
    village_group: str,
    consent_signed_on: dt.date,
    consent_scan: UploadedFile,
) -> CaseEvent:
    """入户核实: what the team found at home, and the household's signed consent (date and scan)."""
    case = _locked(case)
    check(user, "home_check", case)
    today = timezone.localdate()
    require_date(checked_on, case.discovered_on, today, "入户核实日期")
    require_date(consent_signed_on, case.discovered_on, today, "承诺授权书签字日期")
    note = require(note, "请填写入户核实情况")
    if consent_scan is None:
        raise WorkflowError("请上传农户签字的承诺授权书扫描件")
    stored = store_consent_scan(consent_scan)
    return _advance(
        user,
        case,
        CaseEvent.Action.HOME_CHECK,
        STEPS["home_check"].end,
        note,
        checked_on=checked_on,
        check_note=note,
        village_group=village_group.strip(),
        consent_signed_on=consent_signed_on,
        consent_scan=stored,
    )


@transaction.atomic
def post_notice(
    user: User,
    case: Case,
    *,
    reviewed_on: dt.date,
    note: str,
    proposed_category: str,
    proposed_risk_types: list[str],
    notice_start: dt.date,
    notice_end: dt.date,
) -> CaseEvent:
    """村级评议并公示: the village review's opinion, then the notice, at least 5 days."""
    case = _locked(case)
    check(user, "post_notice", case)
    require_date(reviewed_on, case.checked_on, timezone.localdate(), "村级评议日期")
    require_notice(reviewed_on, notice_start, notice_end)
    _require_category(proposed_category)
    _require_risks(proposed_risk_types)
    note = require(note, "请填写村级评议意见")
    return _advance(
        user,
        case,
        CaseEvent.Action.POST_NOTICE,
        STEPS["post_notice"].end,
        f"{note}（公示 {_day(notice_start)} 至 {_day(notice_end)}）",
        reviewed_on=reviewed_on,
        review_note=note,
        proposed_category=proposed_category,
        proposed_risk_types=_ordered(proposed_risk_types),
        notice_start=notice_start,
        notice_end=notice_end,
        notice_result="",
    )


@transaction.atomic
def close_notice(user: User, case: Case, note: str = "") -> CaseEvent:
    """公示期满: the notice has run its days; what came of it (无异议 unless said)."""
    case = _locked(case)
    check(user, "close_notice", case)
    assert case.notice_end is not None and case.notice_start is not None
    if timezone.localdate() < case.notice_end:
        raise WorkflowError(
            f"公示期未满：{_day(case.notice_start)}至{_day(case.notice_end)}，不少于{NOTICE_MIN_DAYS}天，期满后才能报乡镇审核"
        )
    result = note.strip() or "公示期满无异议"
    return _advance(
        user, case, CaseEvent.Action.CLOSE_NOTICE, STEPS["close_notice"].end, result, notice_result=result
    )


@transaction.atomic
def township_review(user: User, case: Case, note: str) -> CaseEvent:
    """乡镇审核: the township agrees and sends the case to the county."""
    case = _locked(case)
    check(user, "township_review", case)
    note = require(note, "请填写乡镇审核意见")
    return _advance(
        user,
        case,
        CaseEvent.Action.TOWNSHIP_REVIEW,
        STEPS["township_review"].end,
        note,
        township_opinion=note,
        township_reviewed_on=timezone.localdate(),
    )


@transaction.atomic
def decide(
    user: User, case: Case, *, category: str, risk_types: list[str], monitoring_start: dt.date, note: str = ""
) -> MonitoredHousehold:
    """县级审定: the household is monitored from `monitoring_start`, in a category, for its risks."""
    case = _locked(case)
    check(user, "decide", case)
    _require_category(category)
    _require_risks(risk_types)
    today = timezone.localdate()
    require_date(monitoring_start, case.discovered_on, today, "识别监测时间")
    note = note.strip() or "同意纳入监测"
    _advance(
        user,
        case,
        CaseEvent.Action.DECIDE,
        STEPS["decide"].end,
        f"{note}（{category}，{'、'.join(_ordered(risk_types))}）",
        category=category,
        risk_types=_ordered(risk_types),
        monitoring_start=monitoring_start,
        decided_on=today,
        decision_note=note,
    )
    monitored = MonitoredHousehold.objects.create(
        case=case,
        household=case.household,
        village_code=case.village_code,
        name=case.name,
        category=category,
        risk_types=_ordered(risk_types),
        monitoring_start=monitoring_start,
    )
    record_creation(user, monitored)
    return monitored


@transaction.atomic
def send_back(user: User, case: Case, reason: str) -> CaseEvent:
    """退回: the step before is to be done again (SEND_BACK_TO), with the reason."""
    case = _locked(case)
    check(user, SEND_BACK, case)
    reason = require(reason, "请填写退回的原因")
    return _advance(user, case, CaseEvent.Action.SEND_BACK, SEND_BACK_TO[case.stage], reason)


@transaction.atomic
def reject(user: User, case: Case, reason: str) -> CaseEvent:
    """不予认定: the case ends here, with the reason; the household may be reported again later."""
    case = _locked(case)
    check(user, REJECT, case)
    reason = require(reason, "请填写不予认定的理由")
    return _advance(user, case, CaseEvent.Action.REJECT, Stage.REJECTED, reason, rejected_reason=reason)


def store_consent_scan(upload: UploadedFile | File[bytes]) -> str:
    """Keep the scan under MEDIA_ROOT (never served from MEDIA_URL); its storage name."""
    today = timezone.localdate()
    suffix = PurePath(upload.name or "").suffix.lower()
    return default_storage.save(f"monitoring/consent/{today:%Y/%m}/consent{suffix}", upload)


def _require_category(category: str) -> None:
    if category not in Category.values:
        raise WorkflowError("请选择监测对象类别")


def _require_risks(risk_types: list[str]) -> None:
    if not risk_types or set(risk_types) - set(RiskType.values):
        raise WorkflowError("请至少选择一种风险类型")


def _ordered(risk_types: list[str]) -> list[str]:
    chosen = set(risk_types)
    return [value for value in RiskType.values if value in chosen]

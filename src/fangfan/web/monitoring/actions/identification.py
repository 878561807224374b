"""The steps of a case (`procedures.IDENTIFICATION`), each by the role that owns its stage.

Every verb re-reads the case under a row lock, checks the gate (403 for the wrong role)
and the stage (a `WorkflowError` otherwise), then in one transaction changes the case
(an AuditEvent through `update_audited`) and writes a `CaseEvent`: the shared verbs of
`fangfan.web.procedures` with what is identification's own (the consent scan, the
proposed category and risks, the monitored household the decision creates).
"""

from __future__ import annotations

import datetime as dt
from pathlib import PurePath

from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from fangfan.web.accounts.audit import record_creation
from fangfan.web.accounts.models import User
from fangfan.web.monitoring.models import Case, CaseEvent, Category, MonitoredHousehold, RiskType
from fangfan.web.monitoring.procedures import IDENTIFICATION
from fangfan.web.procedures import base, notice
from fangfan.web.procedures.base import WorkflowError, advance, begin, require, require_date


def may(user: User, verb: str, case: Case) -> bool:
    """Whether the user may do `verb` to the case now: the stage allows it and the gate lets them."""
    return base.may(IDENTIFICATION, user, verb, case)


def check(user: User, verb: str, case: Case) -> None:
    """403 for a role that never does this verb here; WorkflowError when the stage is wrong."""
    base.check(IDENTIFICATION, user, verb, case)


@transaction.atomic
def home_check(
    user: User,
    case: Case,
    *,
    checked_on: dt.date,
    note: str,
    village_group: str,
    consent_signed_on: dt.date,
    consent_scan: UploadedFile[bytes],
) -> CaseEvent:
    """入户核实: what the team found at home, and the household's signed consent (date and scan)."""
    case = begin(IDENTIFICATION, user, "home_check", case)
    today = timezone.localdate()
    require_date(checked_on, case.discovered_on, today, "入户核实日期")
    require_date(consent_signed_on, case.discovered_on, today, "承诺授权书签字日期")
    note = require(note, "请填写入户核实情况")
    if consent_scan is None:
        raise WorkflowError("请上传农户签字的承诺授权书扫描件")
    stored = store_consent_scan(consent_scan)
    return advance(
        IDENTIFICATION,
        user,
        case,
        "home_check",
        note,
        checked_on=checked_on,
        check_note=note,
        village_group=village_group.strip(),
        consent_signed_on=consent_signed_on,
        consent_scan=stored,
    )


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
    """村级评议并公示: the village review's opinion with the proposed category and risks, then
    the notice, at least 5 days."""

    def proposal_fits() -> None:
        _require_category(proposed_category)
        _require_risks(proposed_risk_types)

    return notice.post_notice(
        IDENTIFICATION,
        user,
        case,
        reviewed_on=reviewed_on,
        note=note,
        notice_start=notice_start,
        notice_end=notice_end,
        validate=proposal_fits,
        proposed_category=proposed_category,
        proposed_risk_types=_ordered(proposed_risk_types),
    )


def close_notice(user: User, case: Case, note: str = "") -> CaseEvent:
    """公示期满: the notice has run its days; what came of it (无异议 unless said)."""
    return notice.close_notice(IDENTIFICATION, user, case, note)


@transaction.atomic
def township_review(user: User, case: Case, note: str) -> CaseEvent:
    """乡镇审核: the township agrees and sends the case to the county."""
    case = begin(IDENTIFICATION, user, "township_review", case)
    note = require(note, "请填写乡镇审核意见")
    return advance(
        IDENTIFICATION,
        user,
        case,
        "township_review",
        note,
        township_opinion=note,
        township_reviewed_on=timezone.localdate(),
    )


@transaction.atomic
def decide(
    user: User, case: Case, *, category: str, risk_types: list[str], monitoring_start: dt.date, note: str = ""
) -> MonitoredHousehold:
    """县级审定: the household is monitored from `monitoring_start`, in a category, for its risks."""
    case = begin(IDENTIFICATION, user, "decide", case)
    _require_category(category)
    _require_risks(risk_types)
    today = timezone.localdate()
    require_date(monitoring_start, case.discovered_on, today, "识别监测时间")
    note = note.strip() or "同意纳入监测"
    advance(
        IDENTIFICATION,
        user,
        case,
        "decide",
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


def send_back(user: User, case: Case, reason: str) -> CaseEvent:
    """退回: the step before is to be done again (`send_back_to`), with the reason."""
    return base.send_back(IDENTIFICATION, user, case, reason)


def reject(user: User, case: Case, reason: str) -> CaseEvent:
    """不予认定: the case ends here, with the reason; the household may be reported again later."""
    return base.reject(IDENTIFICATION, user, case, reason)


def store_consent_scan(upload: UploadedFile[bytes] | File[bytes]) -> str:
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
